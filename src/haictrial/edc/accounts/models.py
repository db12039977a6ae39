"""Sites, users with one role each, and hashed API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

SITE_CODE_PATTERN = r"^[0-9]{3}$"


class Site(models.Model):
    """A trial site; its three-digit code is part of every subject id (``CHA-<code>-NNNN``)."""

    code = models.CharField(
        _("code"), max_length=3, unique=True, validators=[RegexValidator(SITE_CODE_PATTERN, _("three digits"))]
    )
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("site")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Role(models.TextChoices):
    """The roles of docs/contracts/server.md; what each may do is in :mod:`haictrial.edc.accounts.access`."""

    investigator = "investigator", _("Investigator")
    coordinator = "coordinator", _("Coordinator")
    monitor = "monitor", _("Monitor")
    statistician = "statistician", _("Statistician")
    admin = "admin", _("Administrator")


class User(AbstractUser):
    """A user of the EDC: one role, the sites they belong to, their page language."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    sites = models.ManyToManyField(Site, blank=True, related_name="users", verbose_name=_("sites"))
    language = models.CharField(_("language"), max_length=10, blank=True, choices=settings.LANGUAGES)

    def save(self, *args, **kwargs) -> None:
        # The Django admin is for the admin role only.
        self.is_staff = self.role == Role.admin
        self.is_superuser = self.role == Role.admin
        super().save(*args, **kwargs)


class ApiToken(models.Model):
    """An API token; only the SHA-256 of the token is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Ended by DELETE /api/auth/token (revoked) or found past expires_at (expired); both audited.
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=10, blank=True, choices=[("revoked", "revoked"), ("expired", "expired")])
    # "api": a bearer token of /api/; "redcap": a REDCap-format token valid only for the read-only /redcap/api/.
    kind = models.CharField(max_length=10, default="api", choices=[("api", "api"), ("redcap", "redcap")])

    class Meta:
        verbose_name = _("API token")

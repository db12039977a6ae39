"""Accounts services: sites, users and API tokens (used by the CLI, the API and the pages)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from haictrial.edc.accounts.models import SITE_CODE_PATTERN, ApiToken, Role, Site, User
from haictrial.errors import ConflictError, InputError

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@+-]{1,150}$")


def create_site(code: str, name: str) -> Site:
    """A new site; ``code`` is three digits (it is part of subject ids CHA-<code>-NNNN)."""
    if not re.fullmatch(SITE_CODE_PATTERN, code or ""):
        raise InputError(f"a site code is three digits, e.g. 001 (got {code!r})", field="code")
    if not (name or "").strip():
        raise InputError("a site needs a name", field="name")
    try:
        with transaction.atomic():
            return Site.objects.create(code=code, name=name.strip())
    except IntegrityError:
        raise ConflictError(f"site {code} already exists", field="code") from None


def site_by_code(code: str, field: str = "site") -> Site:
    try:
        return Site.objects.get(code=code)
    except Site.DoesNotExist:
        raise InputError(f"no site with code {code!r}", field=field) from None


def create_user(username: str, role: str, site_codes: list[str], password: str) -> User:
    """A new user with one role, the given sites, and a password that passes the password validators."""
    if not USERNAME_PATTERN.fullmatch(username or ""):
        raise InputError("letters, digits and @ . + - _ only", field="username")
    if role not in Role.values:
        raise InputError(f"unknown role {role!r}; choose one of {', '.join(Role.values)}", field="role")
    sites = [site_by_code(code) for code in site_codes]
    if role != Role.statistician and not sites:
        raise InputError("give at least one --site for this role", field="site")
    user = User(username=username, role=role)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InputError(" ".join(str(m) for m in exc.messages), field="password") from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            user.sites.set(sites)
    except IntegrityError:
        raise ConflictError(f"user {username} already exists", field="username") from None
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(user: User) -> str:
    """A new API token for ``user``; only its SHA-256 is stored, the token itself is returned once."""
    token = secrets.token_urlsafe(32)
    expires = timezone.now() + dt.timedelta(days=settings.HAICTRIAL_TOKEN_DAYS)
    ApiToken.objects.create(user=user, key_hash=_hash_token(token), expires_at=expires)
    return token


def user_for_token(token: str) -> User | None:
    """The active user owning an unexpired ``token``, or None."""
    if not token or len(token) > 200:
        return None
    now = timezone.now()
    found = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash_token(token), expires_at__gt=now, user__is_active=True)
        .first()
    )
    if found is None:
        return None
    if found.last_used_at is None or now - found.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user


def set_language(user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise InputError(f"unknown language {language!r}", field="language")
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language

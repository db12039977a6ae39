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


def issue_token(user: User, kind: str = "api") -> str:
    """A new API token for ``user`` (audited); only its SHA-256 is stored, the token itself is returned once.

    Tokens of ``user`` found past their expiry are ended (and audited) first.
    """
    from haictrial.edc.audit import accounts as audit

    # A REDCap token is 32 upper-case hexadecimal characters, as REDCap issues them (PyCap refuses others).
    token = secrets.token_hex(16).upper() if kind == "redcap" else secrets.token_urlsafe(32)
    now = timezone.now()
    expires = now + dt.timedelta(days=settings.HAICTRIAL_TOKEN_DAYS)
    with transaction.atomic():
        for stale in ApiToken.objects.filter(user=user, ended_at__isnull=True, expires_at__lte=now):
            _end_token(stale, "expired", now)
        created = ApiToken.objects.create(user=user, key_hash=_hash_token(token), expires_at=expires, kind=kind)
        audit.token_created(created)
    return token


def _end_token(token: ApiToken, reason: str, now: dt.datetime, actor: User | None = None) -> bool:
    """End ``token`` once (revoked or expired) and audit it; False if it had already ended."""
    from haictrial.edc.audit import accounts as audit

    with transaction.atomic():
        if not ApiToken.objects.filter(pk=token.pk, ended_at__isnull=True).update(ended_at=now, end_reason=reason):
            return False
        token.ended_at, token.end_reason = now, reason
        audit.token_ended(token, reason, actor)
    return True


def revoke_token(token: str) -> bool:
    """End the token (DELETE /api/auth/token); it is refused from now on. False if it was not live."""
    found = ApiToken.objects.select_related("user").filter(key_hash=_hash_token(token or "")).first()
    if found is None or found.ended_at is not None:
        return False
    return _end_token(found, "revoked", timezone.now(), actor=found.user)


def live_tokens(user: User, kind: str) -> list[ApiToken]:
    """The user's tokens of ``kind`` that are neither revoked nor past their expiry, newest first."""
    return list(
        ApiToken.objects.filter(user=user, kind=kind, ended_at__isnull=True, expires_at__gt=timezone.now()).order_by(
            "-created_at", "-pk"
        )
    )


def revoke_token_of(user: User, token_id: int) -> bool:
    """End one of the user's own tokens by its id (the account page); False if it is not theirs or not live."""
    found = ApiToken.objects.filter(pk=token_id, user=user).first()
    if found is None or found.ended_at is not None:
        return False
    return _end_token(found, "revoked", timezone.now(), actor=user)


def is_locked_out(user: User) -> bool:
    """Whether django-axes locks ``user`` out now (from any address), so that their tokens are refused too.

    References: 21 CFR Part 11 section 11.300(d) (safeguards against unauthorised use of passwords).
    """
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(
        username=user.get_username(), failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    )
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts.exists()


def user_for_token(token: str, *, touch: bool = True, kind: str = "api") -> User | None:
    """The user owning a live ``token`` (not revoked, not expired) whose account is active and not locked
    out; else None. A token found past its expiry is ended and the expiry audited. ``touch=False`` (a
    GET) leaves ``last_used_at`` alone, so that reading writes nothing."""
    if not token or len(token) > 200:
        return None
    now = timezone.now()
    found = ApiToken.objects.select_related("user").filter(key_hash=_hash_token(token)).first()
    if found is None or found.ended_at is not None or found.kind != kind:
        return None
    if found.expires_at <= now:
        _end_token(found, "expired", now)
        return None
    if not found.user.is_active or is_locked_out(found.user):
        return None
    if touch and (found.last_used_at is None or now - found.last_used_at > dt.timedelta(minutes=5)):
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user


def set_language(user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise InputError(f"unknown language {language!r}", field="language")
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language

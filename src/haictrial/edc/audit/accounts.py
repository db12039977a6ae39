"""Accounts in the sealed trail: users created, changed (role, activity, name, password) and deleted,
site memberships, API tokens created, revoked and expired, failed logins and lockouts.

Who made a change is the signed-in user of the request when there is one (django-simple-history's
request middleware keeps it), else the entry has no user (the ``haictrial`` command line).

References: 21 CFR Part 11 sections 11.10(d) (limiting system access to authorised individuals),
11.10(e) (audit trails), 11.300 (controls for identification codes and passwords: loss management,
deauthorisation, detection of unauthorised use).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from simple_history.models import HistoricalRecords

from haictrial.edc.accounts.models import ApiToken, User
from haictrial.edc.audit import chain
from haictrial.edc.audit.models import Action, AuditEntry

#: The user columns whose changes are audited (the password only as "changed", never its hash).
USER_FIELDS = ("username", "role", "is_active", "first_name", "last_name", "email")
CHANGED = "[changed]"
#: The :class:`Action` values as plain strings (what the entry stores).
CREATE, UPDATE, DELETE = str(Action.create), str(Action.update), str(Action.delete)


def _actor() -> Any:
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def record(
    label: str,
    object_id: Any,
    action: str,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    reason: str,
    *,
    actor: Any = None,
    username: str | None = None,
) -> AuditEntry:
    """Append one accounts entry to the chain (in the caller's transaction)."""
    actor = actor if actor is not None else _actor()
    return chain.append(
        AuditEntry(
            recorded_at=timezone.now(),
            user_id=actor.pk if actor is not None else None,
            username=(username if username is not None else (actor.get_username() if actor else ""))[:150],
            action=action,
            model=label,
            object_id=str(object_id)[:64],  # a failed login's unknown username can be longer
            old_values=_json(old),
            new_values=_json(new),
            reason=reason,
        )
    )


def _json(values: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if values is None else {k: chain.json_value(v) for k, v in values.items()}


def _user_values(user: User) -> dict[str, Any]:
    return {name: getattr(user, name) for name in USER_FIELDS}


@receiver(pre_save, sender=User)
def _remember_user(sender: Any, instance: User, **kwargs: Any) -> None:
    before = User.objects.filter(pk=instance.pk).values(*USER_FIELDS, "password").first() if instance.pk else None
    instance._audit_before = before  # type: ignore[attr-defined]


@receiver(post_save, sender=User)
def _audit_user(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    if created:
        record("accounts.user", instance.pk, CREATE, None, _user_values(instance), "user created")
        return
    before = getattr(instance, "_audit_before", None) or {}
    now = _user_values(instance)
    changed = [name for name in USER_FIELDS if before.get(name) != now[name]]
    old = {name: before.get(name) for name in changed}
    new = {name: now[name] for name in changed}
    if before and before.get("password") != instance.password:
        old["password"], new["password"] = CHANGED, CHANGED
    if not new:
        return
    if new.get("is_active") is False:
        reason = "user deactivated"
    elif set(new) == {"password"}:
        reason = "password changed"
    else:
        reason = "user changed"
    record("accounts.user", instance.pk, UPDATE, old, new, reason)


@receiver(post_delete, sender=User)
def _audit_user_deleted(sender: Any, instance: User, **kwargs: Any) -> None:
    record("accounts.user", instance.pk, DELETE, _user_values(instance), None, "user deleted")


def _site_codes(user_pk: int) -> list[str]:
    return sorted(User.sites.through.objects.filter(user_id=user_pk).values_list("site__code", flat=True))


@receiver(m2m_changed, sender=User.sites.through)
def _audit_sites(sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any) -> None:
    """Site membership changes from either side (``user.sites.set(...)`` or ``site.users.add(...)``)."""
    if reverse:  # instance is a Site, pk_set user ids (None for clear: every member)
        ids = list(instance.users.values_list("pk", flat=True)) if action == "pre_clear" else list(pk_set or [])
    else:
        ids = [instance.pk]
    if action.startswith("pre_"):
        before = {pk: _site_codes(pk) for pk in ids}
        instance._audit_sites_before = {**getattr(instance, "_audit_sites_before", {}), **before}
        return
    remembered = getattr(instance, "_audit_sites_before", {})
    for pk in remembered if action == "post_clear" and reverse else ids:
        before, after = remembered.get(pk, []), _site_codes(pk)
        if before != after:
            record("accounts.user", pk, UPDATE, {"sites": before}, {"sites": after}, "site membership")
    instance._audit_sites_before = {}


def token_created(token: ApiToken) -> None:
    record(
        "accounts.apitoken",
        token.pk,
        CREATE,
        None,
        {"user": token.user.get_username(), "created_at": token.created_at, "expires_at": token.expires_at},
        "token created",
        actor=token.user,
    )


def token_ended(token: ApiToken, reason: str, actor: Any = None) -> None:
    record(
        "accounts.apitoken",
        token.pk,
        UPDATE,
        {"ended_at": None},
        {"user": token.user.get_username(), "ended_at": token.ended_at, "end_reason": token.end_reason},
        f"token {reason}",
        actor=actor if actor is not None else token.user if reason == "revoked" else None,
    )


@receiver(user_login_failed)
def _audit_failed_login(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username") or "")[:150]
    user = User.objects.filter(username=username).first()
    address = request.META.get("REMOTE_ADDR") if request is not None else None
    record(
        "accounts.login",
        user.pk if user is not None else username,
        CREATE,
        None,
        {"username": username, "ip_address": address, "known_user": user is not None},
        "failed login",
        actor=user,
        username=username,
    )


def _audit_locked_out(sender: Any, request: Any = None, username: str | None = None, **kwargs: Any) -> None:
    name = str(username or "")[:150]
    user = User.objects.filter(username=name).first()
    record(
        "accounts.lockout",
        user.pk if user is not None else name,
        CREATE,
        None,
        {"username": name, "ip_address": kwargs.get("ip_address"), "at": timezone.now()},
        "account locked out after repeated failed logins",
        actor=user,
        username=name,
    )


def _connect_axes() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_audit_locked_out, dispatch_uid="haictrial-audit-lockout")


_connect_axes()

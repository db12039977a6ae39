"""Where e-mail goes: SMTP from ``HAICTRIAL_EMAIL_URL`` (``smtp://user:pass@host:port``, ``smtps://`` for implicit
TLS, ``?starttls=1`` for STARTTLS), else one ``.eml`` file per message in ``HAICTRIAL_DATA_DIR/outbox/``
(RFC 5322 message as sent, so the demo shows every notification)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from haictrial.errors import InputError

FILE_BACKEND = "haictrial.edc.operations.mail.OutboxBackend"
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def email_settings(url: str | None, data_dir: Path) -> dict[str, Any]:
    """Django's EMAIL_* settings for ``url`` (None or empty: the outbox directory under ``data_dir``).

    Raises InputError naming ``HAICTRIAL_EMAIL_URL`` for a URL that is not smtp:// or smtps:// with a host.
    """
    if not url:
        return {"EMAIL_BACKEND": FILE_BACKEND, "EMAIL_FILE_PATH": str(data_dir / "outbox")}
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InputError("must be smtp://user:password@host:port or smtps://...", field="HAICTRIAL_EMAIL_URL")
    try:
        port = parts.port
    except ValueError:
        raise InputError("the port must be a number", field="HAICTRIAL_EMAIL_URL") from None
    query = parse_qs(parts.query)
    implicit = parts.scheme == "smtps"
    return {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if implicit else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": implicit,
        "EMAIL_USE_TLS": not implicit and query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
    }


class OutboxBackend(BaseEmailBackend):
    """Writes each message to its own ``<UTC time>-<uuid>.eml`` file in ``settings.EMAIL_FILE_PATH``."""

    def __init__(self, *args: Any, file_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages: Any) -> int:
        if not email_messages:
            return 0
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
            path = self.directory / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
            path.write_bytes(message.message().as_bytes(linesep="\r\n"))
            sent += 1
        return sent

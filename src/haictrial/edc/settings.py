"""Django settings of the EDC, all from the environment (docs/contracts/server.md).

- ``HAICTRIAL_DATA_DIR`` (default ``./var``): the embedded SQLite database ``haictrial.sqlite3``,
  collected static files and the demo logins live there.
- ``DATABASE_URL`` (``postgres://...``): PostgreSQL 15+ through psycopg 3 instead of SQLite.
- ``HAICTRIAL_SECRET_KEY``: required unless ``HAICTRIAL_DEBUG=1``.
- ``HAICTRIAL_ALLOWED_HOSTS`` (comma separated), ``HAICTRIAL_SESSION_IDLE_MINUTES`` (default 30),
  ``HAICTRIAL_SECURE_COOKIES`` (default: on unless debug), ``HAICTRIAL_PROTOCOL`` (protocol file;
  default the bundled CHALLENGE-A1 file), ``HAICTRIAL_TOKEN_DAYS`` (API token lifetime, default 30),
  ``HAICTRIAL_BEHIND_HTTPS_PROXY`` (trust X-Forwarded-Proto from a TLS-terminating proxy).
- ``HAICTRIAL_PRESCREEN_OMOP_URL`` / ``HAICTRIAL_PRESCREEN_OMOP_SCHEMA``: the site's OMOP CDM warehouse for
  the Pre-screening page (docs/prescreen-worklist.md); unset: uploaded extracts only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from haictrial.edc.env import env_bool, env_int, env_list, env_str
from haictrial.protocol import load_protocol

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("HAICTRIAL_DATA_DIR", "var")).resolve()

DEBUG = env_bool("HAICTRIAL_DEBUG", False)
SECRET_KEY = env_str("HAICTRIAL_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "HAICTRIAL_SECRET_KEY must be set (a long random string), or HAICTRIAL_DEBUG=1 for development"
        )
    SECRET_KEY = "debug-only-insecure-key-never-used-in-production"  # noqa: S105 - debug mode only

ALLOWED_HOSTS = env_list("HAICTRIAL_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("HAICTRIAL_CSRF_TRUSTED_ORIGINS", [])

#: The protocol the EDC runs (None: the bundled CHALLENGE-A1 file).
HAICTRIAL_PROTOCOL = env_str("HAICTRIAL_PROTOCOL") or None
HAICTRIAL_TOKEN_DAYS = env_int("HAICTRIAL_TOKEN_DAYS", 30)
# Pre-screening warehouse (docs/prescreen-worklist.md): an OMOP CDM 5.4 DuckDB file or database URL, its schema.
HAICTRIAL_PRESCREEN_OMOP_URL = env_str("HAICTRIAL_PRESCREEN_OMOP_URL")
HAICTRIAL_PRESCREEN_OMOP_SCHEMA = env_str("HAICTRIAL_PRESCREEN_OMOP_SCHEMA")

# The audit trail's sealing key (HMAC-SHA256), kept outside the database like the secret key; anchors of
# the chain head every N entries and at each backup, in an append-only file (haictrial.edc.audit.anchors).
HAICTRIAL_AUDIT_KEY = env_str("HAICTRIAL_AUDIT_KEY")
if not HAICTRIAL_AUDIT_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "HAICTRIAL_AUDIT_KEY must be set (a long random string kept outside the database; `make run` keeps "
            "one in HAICTRIAL_DATA_DIR/audit_key), or HAICTRIAL_DEBUG=1 for development"
        )
    HAICTRIAL_AUDIT_KEY = "debug-only-audit-key-never-used-in-production"
HAICTRIAL_AUDIT_ANCHOR_EVERY = max(env_int("HAICTRIAL_AUDIT_ANCHOR_EVERY", 100), 1)
HAICTRIAL_AUDIT_ANCHOR_FILE = env_str("HAICTRIAL_AUDIT_ANCHOR_FILE") or str(DATA_DIR / "audit-anchors.jsonl")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",  # Swagger UI from its own static files: no CDN, no inline script (the CSP allows 'self' only)
    "django_tasks",
    "django_tasks_db",
    "haictrial.edc.accounts",
    "haictrial.edc.audit",
    "haictrial.edc.subjects",
    "haictrial.edc.crfs",
    "haictrial.edc.dm",
    "haictrial.edc.reporting",
    "haictrial.edc.exports",
    "haictrial.edc.operations",
    "haictrial.edc.prescreening",
    "haictrial.edc.api",
    "haictrial.edc.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "haictrial.edc.security.PatientDataHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "haictrial.edc.api.middleware.RequestBodyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "haictrial.edc.web.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Background jobs (report builds, exports, pre-screening, e-mail): django-tasks with its database backend, so one
# machine needs no other server. `haictrial serve` starts the worker (haictrial.edc.worker) beside gunicorn.
# HAICTRIAL_TASKS_IMMEDIATE=1 runs each job inside the call that enqueues it (tests, one-off scripts).
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env_bool("HAICTRIAL_TASKS_IMMEDIATE", False)
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

ROOT_URLCONF = "haictrial.edc.urls"
WSGI_APPLICATION = "haictrial.edc.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "haictrial.edc.web.context.edc",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = env_str("DATABASE_URL")
    if url:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
        if config["ENGINE"] not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
            raise ImproperlyConfigured(
                f"DATABASE_URL: only postgres:// (or sqlite://) is supported, got {config['ENGINE']}"
            )
    else:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "haictrial.sqlite3")}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at the start of every
        # transaction, so that read-then-write sequences (sequence numbers, the audit chain) serialise.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # A connection kept across requests (as for PostgreSQL): opening one costs each request the pragmas above
        # and a cold page and schema cache; a broken one is replaced (health check) before a request uses it.
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
        # Tests use a file too (not shared-cache memory), so that concurrent connections behave as in production.
        config["TEST"] = {"NAME": str(DATA_DIR / "test-haictrial.sqlite3")}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:login"

# Login throttling (django-axes): five failures for a username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("HAICTRIAL_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "haictrial.edc.accounts.lockout.lockout_response"

OTP_TOTP_ISSUER = "haictrial EDC"

# Sessions: idle timeout (the cookie age is renewed on every request), secure cookies outside debug.
SESSION_COOKIE_AGE = env_int("HAICTRIAL_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_COOKIES = env_bool("HAICTRIAL_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto (HAICTRIAL_BEHIND_HTTPS_PROXY=1).
if env_bool("HAICTRIAL_BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HSTS once served over HTTPS (HAICTRIAL_HSTS_SECONDS, e.g. 31536000; 0 = off). RFC 6797.
SECURE_HSTS_SECONDS = max(env_int("HAICTRIAL_HSTS_SECONDS", 0), 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0 and env_bool("HAICTRIAL_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0 and env_bool("HAICTRIAL_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("HAICTRIAL_SSL_REDIRECT", False)
# Content-Security-Policy (django-csp 4): the app's own origin only; no inline scripts or styles, no frames.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "web" / "locale", BASE_DIR.parent / "locale"]  # the pages; then CLI and report strings
USE_I18N = True
# One date format per language: ISO 8601 on every page (haictrial/edc/formats).
FORMAT_MODULE_PATH = ["haictrial.edc.formats"]
USE_TZ = True
# Stored times are UTC; pages show the site time zone of the protocol (default Asia/Shanghai).
TIME_ZONE = env_str("HAICTRIAL_TIME_ZONE") or load_protocol(HAICTRIAL_PROTOCOL).settings.site_time_zone.value

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from here after collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # Request bodies and patient documents are never logged: identifiers must not reach the logs.
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}

# E-mail (notifications, haictrial.edc.operations): SMTP from HAICTRIAL_EMAIL_URL (smtp://user:pass@host:port),
# else one .eml file per message in HAICTRIAL_DATA_DIR/outbox/.
from haictrial.edc.operations.mail import email_settings as _email_settings  # noqa: E402

globals().update(_email_settings(env_str("HAICTRIAL_EMAIL_URL"), DATA_DIR))
DEFAULT_FROM_EMAIL = env_str("HAICTRIAL_EMAIL_FROM") or "haictrial@localhost"

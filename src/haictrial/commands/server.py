"""The EDC's commands (docs/contracts/server.md): serve, demo, site add, user add, audit verify, backup, restore.

Django is imported only when one of these commands runs, so that the other commands stay fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from haictrial.errors import InputError

site_app = typer.Typer(help="Trial sites.", no_args_is_help=True)
user_app = typer.Typer(help="Users of the EDC.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)


def _django(migrate: bool = True) -> None:
    """Set Django up with the EDC settings and (by default) apply pending migrations."""
    from django.core.exceptions import ImproperlyConfigured

    try:
        from haictrial.edc import setup

        setup()
    except ImproperlyConfigured as exc:
        message = str(exc)
        if message.startswith(("HAICTRIAL_", "DATABASE_URL")):
            name, _, rest = message.partition(" ")
            raise InputError(rest, field=name.rstrip(":")) from None
        raise InputError(message) from None
    if migrate:
        from django.core.management import call_command
        from django.db import OperationalError

        try:
            call_command("migrate", interactive=False, verbosity=0)
        except OperationalError as exc:
            where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "HAICTRIAL_DATA_DIR"
            first = (str(exc).strip().splitlines() or ["unknown error"])[0]
            raise InputError(f"cannot open the database: {first}", field=where) from None


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(2, "--workers", min=1, max=32, help="gunicorn worker processes."),
) -> None:
    """Apply pending migrations, collect static files, and serve the web app and API with gunicorn."""
    if host not in ("0.0.0.0", "::") and "HAICTRIAL_ALLOWED_HOSTS" not in os.environ:
        os.environ["HAICTRIAL_ALLOWED_HOSTS"] = ",".join(dict.fromkeys([host, "127.0.0.1", "localhost", "[::1]"]))
    _django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    call_command("collectstatic", interactive=False, verbosity=0)
    connections.close_all()  # workers open their own connections after the fork
    from haictrial.edc.server import bind_address, run

    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else f"SQLite {settings.DATABASES['default']['NAME']}"
    print(f"haictrial EDC on http://{bind_address(host, port)}/  (API /api/, OpenAPI /api/openapi.json; {database})")
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(
            "note: session cookies are Secure: serve other hosts through HTTPS (a reverse proxy, with "
            "HAICTRIAL_BEHIND_HTTPS_PROXY=1) and list their names in HAICTRIAL_ALLOWED_HOSTS"
        )
    sys.stdout.flush()
    from haictrial.edc.worker import start_worker, stop_worker

    worker = start_worker()  # the background jobs (report builds, exports, e-mail) run beside the server
    try:
        run(host, port, workers)
    finally:
        stop_worker(worker)


def demo(
    subjects: int = typer.Option(300, "--subjects", min=1, max=5000, help="Patients to enrol."),
    seed: int = typer.Option(1, "--seed", help="Random seed of the synthetic cohort."),
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing (exit 0) when the database has data."),
) -> None:
    """Fill the database with a synthetic, clearly labelled demo cohort (sites, users, subjects)."""
    _django()
    from haictrial.edc import demo as demo_data

    if if_empty and not demo_data.database_is_empty():
        print("the database already has data: demo skipped")
        logins = demo_data.saved_logins()
        if logins:
            print(logins, end="")
        return
    summary = demo_data.load_demo(subjects=subjects, seed=seed)
    print(summary.text(), end="")


def site_add(
    code: str = typer.Argument(..., help="Three digits, used in subject ids CHA-CODE-NNNN."),
    name: str = typer.Option(..., "--name", help="Site name."),
) -> None:
    """Create a site."""
    _django()
    from haictrial.edc.accounts.services import create_site

    site = create_site(code, name)
    print(f"site {site.code} {site.name} created")


def user_add(
    username: str = typer.Argument(...),
    role: str = typer.Option(..., "--role", help="investigator, coordinator, monitor, statistician or admin."),
    site: list[str] = typer.Option([], "--site", help="Site code (repeat for several sites)."),
) -> None:
    """Create a user; the password is read from standard input."""
    _django()
    from haictrial.edc.accounts.services import create_user

    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise InputError("give the password on standard input", field="password")
    user = create_user(username, role, list(site), password)
    sites = ", ".join(user.sites.order_by("code").values_list("code", flat=True)) or "all sites (de-identified)"
    print(f"user {user.username} ({user.role}) created: {sites}")


def audit_verify() -> None:
    """Check the audit trail: its seals, its anchors outside the database, and every audited row against
    its last entry. Exit 0 if intact, 1 naming each problem found (the first broken entry first)."""
    _django()
    from haictrial.edc.audit.verify import verify_all

    report = verify_all()
    if report.intact:
        print(f"audit trail intact: {report.entries} entries, {report.anchors} anchors, every audited row matches")
        return
    print(f"audit trail BROKEN: {len(report.problems)} problem(s) in {report.entries} entries", file=sys.stderr)
    shown = 50
    for problem in report.problems[:shown]:
        print(f"  {problem}", file=sys.stderr)
    if len(report.problems) > shown:
        print(f"  ... and {len(report.problems) - shown} more", file=sys.stderr)
    raise typer.Exit(1)


def backup(file: Path = typer.Argument(..., help="Backup file to write.")) -> None:
    """Write a consistent copy of the whole database to FILE."""
    _django()
    from haictrial.edc.backup import backup as run_backup

    print(f"backup written: {run_backup(file)}")


def restore(file: Path = typer.Argument(..., help="Backup file written by haictrial backup.")) -> None:
    """Replace the whole database with the backup in FILE."""
    _django(migrate=False)
    from haictrial.edc.backup import restore as run_restore

    print(f"restored: {run_restore(file)}")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``haictrial`` app."""
    app.command("serve")(serve)
    app.command("demo")(demo)
    app.command("backup")(backup)
    app.command("restore")(restore)
    site_app.command("add")(site_add)
    user_app.command("add")(user_add)
    audit_app.command("verify")(audit_verify)
    app.add_typer(site_app, name="site")
    app.add_typer(user_app, name="user")
    app.add_typer(audit_app, name="audit")

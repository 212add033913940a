"""`kiosk-central`: run the reference central service, or seed its demo data.

    kiosk-central serve --db URL --host H --port P [--seed-demo] [--ready-file PATH]
                        [--heartbeat-interval-s S] [--missed-beats N]
                        [--admin-token-file PATH] [--credential-lifetime-days D]
                        [--limit NAME=VALUE ...] [--payments FILE] [--public-url URL]
                        [--console-secure-cookies] [--console-idle-minutes M]
                        [--console-session-hours H]
                        [--alert NAME=VALUE ...] [--alert-webhook-url URL
                         --alert-webhook-secret-file PATH] [--scheduler-interval-s S]
    kiosk-central seed --db URL
    kiosk-central admin-token --db URL [--label L]

``--admin-token-file``: an existing file's token is ensured in the database; a missing
file gets a new token (mode 0600), so scripts and tests can call the admin API.
``admin-token`` makes a new admin token, stores its hash and prints it once, in a
database central already made (never a new SQLite file or an empty database).
``--limit`` sets one of central's edge limits (docs/central.md): a body limit in bytes
(``body_default=65536``, ``body_record``, ``body_outbox``, ``body_bundle``,
``body_release``) or a rate
limit as COUNT/SECONDS pairs (``codes_per_phone=1/60,5/3600``, ``codes_per_kiosk``,
``auth_failures_per_client``, ``verify_per_client``, ``notify_failures_per_client``;
``clients_tracked=N``).

``--payments FILE``: the QR payment providers with the merchant's keys (TOML,
central/payments/config.py; docs/payments-qr.md); without it QR orders answer
E_QR_UNAVAILABLE. ``--public-url``: central's address as the providers reach it, for
their notifications (default http://HOST:PORT as it listens).

The admin console (/admin, docs/central.md): ``--console-secure-cookies`` marks its
cookies Secure (central behind an https reverse proxy); a session ends after
``--console-idle-minutes`` unused (default 30) or ``--console-session-hours`` after
sign-in (default 12).

``--alert`` sets an alert threshold (docs/central.md#alerts-and-the-scheduler): ``offline_minutes``,
``fault_minutes``, ``outbox_depth``, ``outbox_rising_beats``. With
``--alert-webhook-url`` every raised and cleared alert is POSTed there, signed with the
secret in ``--alert-webhook-secret-file`` (one line; not on the command line, where
``ps`` would show it). ``--scheduler-interval-s``: seconds between the scheduler's
rounds (alerts, deliveries; default 30).

``--port 0`` lets the OS choose; the ready file (JSON {"url", "pid"}, written atomically
once the server listens, removed at exit) tells scripts and tests where it is.
SIGTERM and SIGINT stop it cleanly.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from types import FrameType
from urllib.parse import quote

from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from central import __version__
from central.alerts import AlertSettings, WebhookSettings
from central.bodylimit import BodyLimits
from central.console import ConsoleSettings
from central.credentials import DEFAULT_CREDENTIAL_LIFETIME, CredentialPolicy
from central.db import central_revisions, make_engine, migrate
from central.enrollment import EnrollmentService
from central.fleet import FleetSettings
from central.logsafe import install_on_root
from central.payments.config import PaymentsConfigError, load_providers
from central.ratelimit import RateLimits
from central.scheduler import SchedulerSettings
from central.server import CentralServer
from central.service import CentralService
from central.timeutil import SHANGHAI
from kiosk.logsetup import LOG_FORMATS, configure_logging
from kiosk.stdout_pipe import quiet_when_stdout_closes

DEFAULT_DB = "sqlite:///var/central/central.db"
DEFAULT_PORT = 8700  # the kiosk's packaged default central.url (kiosk/data/config)

log = logging.getLogger("central")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk-central", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--log-format", choices=LOG_FORMATS, default="text",
                        help="log lines on standard error as text or as JSON objects")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP API until SIGTERM/SIGINT")
    serve.add_argument("--db", default=DEFAULT_DB, help=f"SQLAlchemy URL (default {DEFAULT_DB})")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="0: let the OS choose")
    serve.add_argument("--seed-demo", action="store_true",
                       help="seed the demo billers and accounts into an empty database")
    serve.add_argument("--ready-file", type=Path,
                       help='write {"url": ..., "pid": ...} here once listening')
    serve.add_argument("--heartbeat-interval-s", type=float, default=60.0,
                       help="the kiosks' heartbeat interval (default 60)")
    serve.add_argument("--missed-beats", type=int, default=3,
                       help="missed heartbeats before a kiosk counts as offline (default 3)")
    serve.add_argument("--admin-token-file", type=Path,
                       help="ensure this file's admin token (made and written if missing)")
    serve.add_argument("--credential-lifetime-days", type=float,
                       default=DEFAULT_CREDENTIAL_LIFETIME.days,
                       help="a kiosk credential not rotated for this long is refused "
                            f"(default {DEFAULT_CREDENTIAL_LIFETIME.days}; kiosks rotate "
                            "theirs at half of it)")
    serve.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                       help="an edge limit, e.g. codes_per_phone=1/60,5/3600 or "
                            "body_default=65536 (repeatable; docs/central.md)")
    serve.add_argument("--payments", type=Path, metavar="FILE",
                       help="the QR payment providers and the merchant's keys (TOML; "
                            "docs/payments-qr.md); without it QR payments are unavailable")
    serve.add_argument("--public-url", metavar="URL",
                       help="central's address as payment providers reach it, for their "
                            "notifications (default http://HOST:PORT as it listens)")
    serve.add_argument("--console-secure-cookies", action="store_true",
                       help="mark the console's cookies Secure (behind an https proxy)")
    serve.add_argument("--console-idle-minutes", type=float, default=30.0,
                       help="a console session unused this long ends (default 30)")
    serve.add_argument("--console-session-hours", type=float, default=12.0,
                       help="a console session ends this long after sign-in (default 12)")
    serve.add_argument("--alert", action="append", default=[], metavar="NAME=VALUE",
                       help="an alert threshold, e.g. offline_minutes=10 (repeatable; "
                            "docs/central.md)")
    serve.add_argument("--alert-webhook-url", metavar="URL",
                       help="POST each raised and cleared alert here (JSON, HMAC-signed)")
    serve.add_argument("--alert-webhook-secret-file", type=Path, metavar="PATH",
                       help="the webhook's HMAC secret (required with --alert-webhook-url)")
    serve.add_argument("--scheduler-interval-s", type=float, default=30.0,
                       help="seconds between scheduler rounds (default 30)")
    serve.add_argument("--log-level", default="info",
                       choices=["debug", "info", "warning", "error"])

    seed = commands.add_parser("seed", help="migrate the database and seed the demo if empty")
    seed.add_argument("--db", default=DEFAULT_DB, help=f"SQLAlchemy URL (default {DEFAULT_DB})")

    token = commands.add_parser("admin-token", help="make an admin token and print it once")
    token.add_argument("--db", required=True,
                       help="SQLAlchemy URL of central's existing database (never made here)")
    token.add_argument("--label", default="admin", help="who or what it is for")
    return parser


def write_ready_file(path: Path, url: str) -> None:
    """Write atomically: a reader sees nothing or the whole JSON, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"url": url, "pid": os.getpid()}), encoding="utf-8")
    os.replace(temporary, path)


def write_secret_file(path: Path, secret: str) -> None:
    """Atomically, readable by the owner only from the first byte on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    os.replace(temporary, path)


def ensure_admin_token_file(db_url: str, path: Path) -> None:
    """The file's token in the database, or a new token in a new file."""
    engine = make_engine(db_url)
    try:
        migrate(engine)
        enrollment = EnrollmentService(engine)
        if path.exists():
            token = path.read_text(encoding="utf-8").strip()
            if not token:
                raise SystemExit(f"kiosk-central: {path} is empty")
            enrollment.ensure_admin_token(token, label=f"file:{path.name}")
            if not enrollment.is_admin_token(token):
                log.warning("central: the admin token in %s was revoked; admin calls with "
                            "it are refused (remove the file for a new one)", path)
        else:
            write_secret_file(path, enrollment.create_admin_token(label=f"file:{path.name}"))
            log.info("central: new admin token written to %s", path)
    finally:
        engine.dispose()


def missing_database(db_url: str) -> str | None:
    """Why ``db_url`` names no database of central's that exists, or None. Opening a
    SQLite URL makes the file, and migrating makes the tables: a token put there would
    be in a database no central reads (a typo, a default path, the kiosk's own store)."""
    try:
        url = make_url(db_url)
    except ArgumentError:
        return f"{db_url!r} is not a database URL"
    engine = None
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            return "an in-memory database keeps no token"
        path = Path(url.database).resolve()
        if not path.is_file():
            return f"no SQLite file at {path}"
        # Read-only: central's own engine would turn an empty file into a WAL database.
        engine = create_engine(f"sqlite:///file:{quote(str(path))}?mode=ro&uri=true")
    engine = engine or make_engine(db_url)
    try:
        with engine.connect() as connection:
            tables = inspect(connection)
            # billers: made by central's first migration, in no other schema of ours
            # (the kiosk's store numbers its migrations 0001, 0002... too).
            version = (connection.execute(text("SELECT version_num FROM alembic_version"))
                       .scalar() if tables.has_table("alembic_version")
                       and tables.has_table("billers") else None)
    except SQLAlchemyError as exc:
        return f"cannot open it ({type(exc).__name__})"
    finally:
        engine.dispose()
    if version is None:
        return "it has no tables of central's"
    if version is not None and version not in central_revisions():
        return f"it is not central's (schema revision {version!r})"
    return None


def admin_token(args: argparse.Namespace) -> int:
    problem = missing_database(args.db)
    if problem is not None:
        print(f"kiosk-central admin-token: {problem}: point --db at central's database "
              "(kiosk-central serve or seed makes it); nothing was created",
              file=sys.stderr)
        return 2
    engine = make_engine(args.db)
    try:
        migrate(engine)  # an older central's database: its schema brought up to date
        token = EnrollmentService(engine).create_admin_token(label=args.label)
    finally:
        engine.dispose()
    print(token)
    return 0


def parse_limits(settings: list[str]) -> tuple[BodyLimits, RateLimits]:
    """The --limit NAME=VALUE settings over the defaults; SystemExit naming a bad one."""
    body, rates = BodyLimits(), RateLimits()
    for setting in settings:
        name, equals, value = setting.partition("=")
        try:
            if not equals:
                raise ValueError("expected NAME=VALUE")
            if name.startswith("body_"):
                body = replace(body, **{name.removeprefix("body_"): int(value)})
            else:
                rates = rates.with_setting(name, value)
        except (TypeError, ValueError) as exc:
            raise SystemExit(f"kiosk-central: --limit {setting}: {exc}") from None
    return body, rates


def parse_alerts(settings: list[str], webhook_url: str | None,
                 secret_file: Path | None) -> AlertSettings:
    """The --alert NAME=VALUE thresholds over the defaults, and the webhook; SystemExit
    naming what is wrong."""
    alerts = AlertSettings()
    for setting in settings:
        name, equals, value = setting.partition("=")
        try:
            if not equals:
                raise ValueError("expected NAME=VALUE")
            alerts = alerts.with_setting(name, value)
        except (TypeError, ValueError) as exc:
            raise SystemExit(f"kiosk-central: --alert {setting}: {exc}") from None
    if webhook_url is None:
        return alerts
    if secret_file is None:
        raise SystemExit("kiosk-central: --alert-webhook-url needs "
                         "--alert-webhook-secret-file")
    try:
        secret = secret_file.read_text(encoding="utf-8").strip()
        return alerts.with_webhook(WebhookSettings(url=webhook_url, secret=secret))
    except OSError as exc:
        raise SystemExit(f"kiosk-central: --alert-webhook-secret-file: {exc.strerror}"
                         ) from None
    except ValueError as exc:
        raise SystemExit(f"kiosk-central: --alert-webhook-url: {exc}") from None


def serve(args: argparse.Namespace) -> int:
    if not 0 < args.credential_lifetime_days <= 3650:
        raise SystemExit("kiosk-central: --credential-lifetime-days must be in (0, 3650]")
    credentials = CredentialPolicy(lifetime=timedelta(days=args.credential_lifetime_days))
    if args.console_idle_minutes <= 0 or args.console_session_hours <= 0:
        raise SystemExit("kiosk-central: the console's session spans must be positive")
    body_limits, rate_limits = parse_limits(args.limit)
    alerts = parse_alerts(args.alert, args.alert_webhook_url, args.alert_webhook_secret_file)
    try:
        scheduler = SchedulerSettings(interval_s=args.scheduler_interval_s)
    except ValueError as exc:
        raise SystemExit(f"kiosk-central: --scheduler-interval-s: {exc}") from None
    qr_providers = None
    if args.payments is not None:
        try:
            qr_providers = load_providers(args.payments)
        except PaymentsConfigError as exc:
            raise SystemExit(f"kiosk-central: --payments {exc}") from None
        log.info("central: QR payments by %s",
                 ", ".join(provider.value for provider in qr_providers) or "no provider")
    if args.admin_token_file is not None:
        ensure_admin_token_file(args.db, args.admin_token_file)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("central: %s received, stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    fleet = FleetSettings(heartbeat_interval_s=args.heartbeat_interval_s,
                          missed_beats=args.missed_beats)
    server = CentralServer(args.db, host=args.host, port=args.port, seed_demo=args.seed_demo,
                           log_level=args.log_level, fleet=fleet, credentials=credentials,
                           body_limits=body_limits, rate_limits=rate_limits,
                           qr_providers=qr_providers, public_url=args.public_url,
                           console=ConsoleSettings(
                               idle=timedelta(minutes=args.console_idle_minutes),
                               absolute=timedelta(hours=args.console_session_hours),
                               secure_cookies=args.console_secure_cookies),
                           alerts=alerts, scheduler=scheduler)
    try:
        url = server.start()
        log.info("central: serving on %s", url)
        if args.ready_file is not None:
            write_ready_file(args.ready_file, url)
        while not stop.wait(0.5):  # a timed wait keeps the main thread responsive to signals
            if not server.running:
                log.error("central: server thread ended unexpectedly")
                return 1
        return 0
    finally:
        server.stop()
        if args.ready_file is not None:
            args.ready_file.unlink(missing_ok=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("central: stopped")


def seed(args: argparse.Namespace) -> int:
    engine = make_engine(args.db)
    try:
        migrate(engine)
        seeded = CentralService(engine).seed_demo_if_empty()
    finally:
        engine.dispose()
    print("demo data seeded" if seeded else "database not empty: nothing seeded")
    return 0


@quiet_when_stdout_closes
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The kiosk's set-up: one line a record on stderr, times at +08:00, text or JSON.
    configure_logging(getattr(args, "log_level", "info"), args.log_format,
                      zone=SHANGHAI.key, quiet_libraries=())
    install_on_root()  # one record, one line: nothing a client sends can forge a line
    if args.command == "serve":
        return serve(args)
    if args.command == "admin-token":
        return admin_token(args)
    return seed(args)


if __name__ == "__main__":
    raise SystemExit(main())

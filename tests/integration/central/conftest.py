"""Fixtures for central and sync tests: a real central (uvicorn on 127.0.0.1, port 0)
over a SQLite file in tmp_path or a fresh database on a throwaway PostgreSQL server, a
settable clock, payment payloads and an in-memory OutboxStore that keeps the Protocol's
promises. A test that uses ``central_db`` runs on SQLite; a module about the database
itself (locks, concurrency, migrations, the rules the database enforces, SQL that differs
by dialect) is marked ``pytest.mark.database`` and runs on both.

Central wants credentials on every device and admin call: ``keys`` issues them straight
into the test's database (kiosks by id, one admin token), and the ``http`` session of a
test on ``central_db`` sends them by itself (the kiosk named by X-Kiosk-Id or the body's
kiosk_id, else SH-CN-0001; the admin token on /v1/admin/*) unless the request carries its
own Authorization header. Tests of authentication itself use plain ``requests``.

The PostgreSQL variants are skipped when the server binaries or psycopg are missing,
unless KIOSK_REQUIRE_POSTGRES=1 (CI sets it in .ci/run): then they fail instead."""

from __future__ import annotations

import importlib.util
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import Engine

from central.db import make_engine, migrate
from central.enrollment import EnrollmentService
from central.ratelimit import RateLimits
from central.server import CentralServer
from central.timeutil import SettableClock
from central_payloads import arbitration_payload, new_code, stay_payload
from central_pg_server import PostgresUnavailable, ThrowawayPostgres
from central_templates import CentralTemplates
from kiosk.domain.payments import CardResult, OutboxMessage, Payment, PaymentDraft, PaymentState
from kiosk.services.ports import PendingRecord
from qr_helpers import QR_PROVIDER_TIMEOUT_S
from tests.patience import PATIENCE_S

SHANGHAI = ZoneInfo("Asia/Shanghai")
HTTP_TIMEOUT = PATIENCE_S


@pytest.fixture
def clock() -> SettableClock:
    # January: the demo's "two months ago" falls in the previous year.
    return SettableClock(datetime(2026, 1, 15, 10, 30, tzinfo=SHANGHAI))


REQUIRE_POSTGRES_ENV = "KIOSK_REQUIRE_POSTGRES"


def _postgres_missing(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_POSTGRES_ENV, "") not in ("", "0"):
        pytest.fail(f"{REQUIRE_POSTGRES_ENV} is set but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ThrowawayPostgres]:
    """One PostgreSQL server for the whole session, started on first use."""
    if importlib.util.find_spec("psycopg") is None:
        _postgres_missing("the psycopg driver is not installed (pip install -e '.[test]')")
    try:
        server = ThrowawayPostgres()
    except PostgresUnavailable as error:
        _postgres_missing(str(error))
    try:
        server.start()
    except PostgresUnavailable as error:
        _postgres_missing(str(error))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def engine(central_db: str) -> Iterator[Engine]:
    """An engine on ``central_db``, migrated to the latest schema."""
    made = make_engine(central_db)
    migrate(made)
    try:
        yield made
    finally:
        made.dispose()


BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``central_db`` on SQLite, and on PostgreSQL too for a test marked ``database``.
    Central's HTTP edge, its protocols and pages behave the same over either database;
    the PostgreSQL variant (about 1 s more per test) is kept for what can differ."""
    if "central_db" not in metafunc.fixturenames or any(
            "central_db" in str(mark.args[0])
            for mark in metafunc.definition.iter_markers("parametrize")):
        return  # no database, or the test names its own
    both = metafunc.definition.get_closest_marker("database") is not None
    metafunc.parametrize("central_db", BACKENDS if both else BACKENDS[:1], indirect=True)


@pytest.fixture
def central_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLAlchemy URL of a SQLite file, or of a new database on the throwaway
    PostgreSQL server (dropped after the test). Empty, unless the test runs a
    ``central``: then a copy of the migrated, demo-seeded template (central_templates.py),
    which is what that central would have made of an empty one."""
    templates: CentralTemplates | None = None
    if "central" in request.fixturenames:
        templates = request.getfixturevalue("central_templates")
    if request.param == "sqlite":
        path = tmp_path / "central.db"
        if templates is not None:
            templates.copy_sqlite(path, request.getfixturevalue("clock"))
        yield f"sqlite:///{path}"
        return
    server: ThrowawayPostgres = request.getfixturevalue("postgres_server")
    name = server.create_database(
        None if templates is None
        else templates.postgres_template(request.getfixturevalue("clock")))
    try:
        yield server.url_for(name)
    finally:
        server.drop_database(name)


DEFAULT_KIOSK = "SH-CN-0001"


class CentralKeys:
    """Credentials issued directly in one central database (no HTTP, no enrollment
    token): ``credential(kiosk_id)`` (the same one on every call), ``admin_token``.
    The database is opened (and migrated) on first use only, so a test may first set up
    an old schema itself.

    They are issued at the real time, not the test's clock: a credential expires a
    lifetime after it was issued, and one issued on the settable clock's January would
    have expired for a central running on the real clock (a `kiosk-central serve`
    process), while the settable clock never reaches a real-time issue plus 90 days.
    Tests of expiry enroll over HTTP on their central's clock."""

    def __init__(self, db_url: str) -> None:
        self._db_url = db_url
        self._engine: Engine | None = None
        self._enrollment: EnrollmentService | None = None
        self._credentials: dict[str, str] = {}
        self._admin_token: str | None = None
        self._lock = threading.RLock()

    @property
    def enrollment(self) -> EnrollmentService:
        with self._lock:
            if self._enrollment is None:
                self._engine = make_engine(self._db_url)
                migrate(self._engine)
                self._enrollment = EnrollmentService(self._engine)
            return self._enrollment

    def credential(self, kiosk_id: str = DEFAULT_KIOSK, group: str | None = None) -> str:
        with self._lock:
            if kiosk_id not in self._credentials:
                self._credentials[kiosk_id] = self.enrollment.issue_credential(kiosk_id, group)
            return self._credentials[kiosk_id]

    @property
    def admin_token(self) -> str:
        with self._lock:
            if self._admin_token is None:
                self._admin_token = self.enrollment.create_admin_token("tests")
            return self._admin_token

    def kiosk_headers(self, kiosk_id: str = DEFAULT_KIOSK) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credential(kiosk_id)}"}

    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


@pytest.fixture
def keys(central_db: str) -> Iterator[CentralKeys]:
    """Credentials on the test's central database (see CentralKeys)."""
    keys = CentralKeys(central_db)
    try:
        yield keys
    finally:
        keys.close()


class AuthSession(requests.Session):
    """A session that authenticates as the kiosk a request speaks for (or as the admin
    on /v1/admin/*), unless the request sets Authorization itself."""

    def __init__(self, keys: CentralKeys) -> None:
        super().__init__()
        self.keys = keys

    def request(self, method: str | bytes, url: str | bytes,
                *args: Any, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.get("headers") or {})
        if not any(name.lower() == "authorization" for name in headers):
            path = urlsplit(url if isinstance(url, str) else url.decode()).path
            if path.startswith("/v1/admin/"):
                headers.update(self.keys.admin_headers())
            else:
                body = kwargs.get("json")
                named = body.get("kiosk_id") if isinstance(body, dict) else None
                kiosk = headers.get("X-Kiosk-Id") or named or DEFAULT_KIOSK
                headers.update(self.keys.kiosk_headers(str(kiosk)))
            kwargs["headers"] = headers
        return super().request(method if isinstance(method, str) else method.decode(),
                               url, *args, **kwargs)


@pytest.fixture(autouse=True)
def admin_token_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """kiosk-admin run by a test on the ``central`` fixture finds the test's admin token
    in $KIOSK_ADMIN_TOKEN (as an operator's shell would have it)."""
    if "central" in request.fixturenames:
        request.getfixturevalue("central")
        keys: CentralKeys = request.getfixturevalue("keys")
        monkeypatch.setenv("KIOSK_ADMIN_TOKEN", keys.admin_token)


@pytest.fixture(scope="session")
def central_templates(request: pytest.FixtureRequest,
                      tmp_path_factory: pytest.TempPathFactory) -> CentralTemplates:
    """Migrated, seeded databases each test's central starts from a copy of."""
    return CentralTemplates(tmp_path_factory.mktemp("central-templates"),
                            lambda: request.getfixturevalue("postgres_server"))


@pytest.fixture
def central_rate_limits() -> RateLimits | None:
    """The ``central`` fixture's rate limits (None: central's defaults); a module that
    calls central more often than a kiosk would overrides it."""
    return None


@pytest.fixture
def central(central_db: str, clock: SettableClock,
            central_rate_limits: RateLimits | None) -> Iterator[CentralServer]:
    server = CentralServer(central_db, clock=clock, rate_limits=central_rate_limits)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def central_url(central: CentralServer) -> str:
    return central.url


@pytest.fixture
def http(request: pytest.FixtureRequest) -> Iterator[requests.Session]:
    """On a test with ``central_db``, an AuthSession; else a plain session."""
    session = (AuthSession(request.getfixturevalue("keys"))
               if "central_db" in request.fixturenames else requests.Session())
    yield session
    session.close()


@pytest.fixture
def new_session(keys: CentralKeys) -> Iterator[Callable[[], requests.Session]]:
    """Make more authenticating sessions (one per thread in race tests)."""
    made: list[requests.Session] = []

    def make() -> requests.Session:
        made.append(AuthSession(keys))
        return made[-1]
    yield make
    for session in made:
        session.close()


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A port bound but not listening: connecting to it is refused at once, and no other
    process can take it while the test runs."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def lookup(http: requests.Session, url: str, biller_id: str, account_no: str,
           kiosk_id: str = "SH-CN-0001") -> requests.Response:
    return http.post(f"{url}/v1/bills/lookup",
                     json={"biller_id": biller_id, "account_no": account_no},
                     headers={"X-Kiosk-Id": kiosk_id, "X-Session-Id": "S-1", "X-Lang": "en"},
                     timeout=HTTP_TIMEOUT)


@pytest.fixture
def do_lookup(http: requests.Session, central_url: str) -> Callable[..., requests.Response]:
    def run(biller_id: str, account_no: str, kiosk_id: str = "SH-CN-0001") -> requests.Response:
        return lookup(http, central_url, biller_id, account_no, kiosk_id)
    return run


def _make_payment(*, kiosk_id: str = "SH-CN-0001", biller_id: str = "sh-water",
                 account_no: str = "3100012345", bill_ids: tuple[str, ...] = ("x",),
                 amount: Decimal = Decimal("128.96"), lock_token: str | None = None,
                 reference: str | None = None, now: datetime | None = None,
                 verification_code: str | None = "new") -> Payment:
    """An AUTHORIZED payment as the kiosk's journal holds it, with a fresh verification
    code for its receipt (``verification_code=None``: one from before receipts had it)."""
    now = now or datetime(2026, 1, 15, 10, 31, tzinfo=SHANGHAI)
    draft = PaymentDraft(kiosk_id=kiosk_id, session_id="S-1", lang="en", biller_id=biller_id,
                         account_no=account_no, bill_ids=bill_ids, periods="", amount=amount,
                         late_fee=Decimal("0.00"), holder_masked="王*", lock_token=lock_token)
    card = CardResult(response_code="00", auth_code="A12345", rrn="123456789012",
                      masked_pan="622588******1234", card_brand="UnionPay",
                      terminal_id="T0000001", merchant_id="M000000000001")
    # The kiosk's own reference, as its journal forms them: central refuses any other.
    reference = reference or f"{kiosk_id}-{now:%y%m%d}-{uuid.uuid4().int % 10**9:09d}"
    return Payment(reference=reference,
                   idempotency_key=uuid.uuid4().hex, draft=draft,
                   state=PaymentState.AUTHORIZED, created_at=now, updated_at=now, card=card,
                   verification_code=new_code() if verification_code == "new"
                   else verification_code)


def _outbox_message(payment: Payment, payload: dict[str, Any] | None = None) -> OutboxMessage:
    return OutboxMessage(kind="bill_payment", idempotency_key=payment.idempotency_key,
                         payload=payload if payload is not None
                         else payment.outbox_payload(payment.created_at),
                         created_at=payment.created_at)


@pytest.fixture
def make_payment() -> Callable[..., Payment]:
    """Build an AUTHORIZED kiosk payment: make_payment(bill_ids=(...), amount=..., ...)."""
    return _make_payment


@pytest.fixture
def outbox_message() -> Callable[..., OutboxMessage]:
    """The outbox record of a payment: outbox_message(payment[, payload])."""
    return _outbox_message


@dataclass
class _Entry:
    message: OutboxMessage
    attempts: int = 0
    delivered: bool = False
    central_ref: str | None = None
    rejected_reason: str | None = None
    rejected_detail: dict[str, str] | None = None
    last_error: str | None = None


class InMemoryOutboxStore:
    """ports.OutboxStore in memory: oldest first, payload dropped on delivery, rejected
    records parked (payload dropped, reason kept) and never offered again."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def add(self, message: OutboxMessage) -> None:
        with self._lock:
            self._entries[message.idempotency_key] = _Entry(message)

    def pending(self, limit: int) -> list[PendingRecord]:
        with self._lock:
            waiting = [e for e in self._entries.values()
                       if not e.delivered and e.rejected_reason is None]
            waiting.sort(key=lambda e: e.message.created_at)
            return [PendingRecord(e.message, e.attempts) for e in waiting[:limit]]

    def mark_delivered(self, idempotency_key: str, central_ref: str | None, now: datetime,
                       record_status: str | None = None,
                       detail: dict[str, str] | None = None) -> None:
        with self._lock:
            entry = self._entries[idempotency_key]
            entry.delivered = True
            entry.central_ref = central_ref
            entry.message = replace(entry.message, payload={})

    def mark_rejected(self, idempotency_key: str, reason: str, now: datetime,
                      detail: dict[str, str] | None = None) -> None:
        with self._lock:
            entry = self._entries[idempotency_key]
            entry.rejected_reason = reason
            entry.rejected_detail = dict(detail or {})
            entry.message = replace(entry.message, payload={})

    def mark_attempt(self, idempotency_keys: list[str], error: str, now: datetime) -> None:
        with self._lock:
            for key in idempotency_keys:
                self._entries[key].attempts += 1
                self._entries[key].last_error = error

    def depth(self) -> int:
        return len(self.pending(1_000_000))

    def entry(self, idempotency_key: str) -> _Entry:
        with self._lock:
            return replace(self._entries[idempotency_key])


@pytest.fixture
def outbox_store() -> InMemoryOutboxStore:
    return InMemoryOutboxStore()


# --- registrations and applications (issue 4) ----------------------------------------------

def outbox_batch(records: list[tuple[str, str, dict[str, Any]]],
                 kiosk_id: str = "SH-CN-0001") -> dict[str, Any]:
    """An /v1/outbox body from (kind, idempotency_key, payload) triples."""
    return {"kiosk_id": kiosk_id, "records": [
        {"idempotency_key": key, "kind": kind, "created_at": "2026-01-15T10:29:00+08:00",
         "payload": payload} for kind, key, payload in records]}


@pytest.fixture
def make_stay() -> Callable[..., dict[str, Any]]:
    """stay_payload(**changes): a valid stay registration payload."""
    return stay_payload


@pytest.fixture
def make_application() -> Callable[..., dict[str, Any]]:
    """arbitration_payload(**changes): a valid arbitration application payload."""
    return arbitration_payload


@pytest.fixture
def make_batch() -> Callable[..., dict[str, Any]]:
    """outbox_batch([(kind, key, payload), ...]): an /v1/outbox body."""
    return outbox_batch


# --- QR payments (issue 13): central with the providers' simulator ------------------------

@dataclass
class QrSystem:
    """Central over the QR payment simulator (hardware/sim/qrpay) on 127.0.0.1, on the
    real clock (the providers stamp their own times), shared by a module's tests: each
    test uses its own order ids, and the simulator's faults are cleared after it."""

    central: CentralServer
    sim: Any  # hardware.sim.qrpay.QrPaySimulator
    keys: CentralKeys
    db_url: str

    @property
    def url(self) -> str:
        return self.central.url

    def headers(self, kiosk_id: str = DEFAULT_KIOSK) -> dict[str, str]:
        return self.keys.kiosk_headers(kiosk_id)

    def order_row(self, order_id: str, kiosk_id: str = DEFAULT_KIOSK) -> Any:
        """Central's row of an order (out_trade_no, review_reason, refund_no...)."""
        from sqlalchemy import select

        from central.models_qr import QrOrderRow
        with self.keys.enrollment._sessions.begin() as session:
            return session.scalars(select(QrOrderRow).where(
                QrOrderRow.kiosk_id == kiosk_id, QrOrderRow.order_id == order_id)).one()


class _RealClock:
    def now(self) -> datetime:
        return datetime.now(SHANGHAI)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def qr_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
          central_templates: CentralTemplates) -> Iterator[str]:
    """A migrated, seeded central database for a module's QR tests, on each backend."""
    clock = _RealClock()
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("qr-central") / "central.db"
        central_templates.copy_sqlite(path, clock)
        yield f"sqlite:///{path}"
        return
    server: ThrowawayPostgres = request.getfixturevalue("postgres_server")
    name = server.create_database(central_templates.postgres_template(clock))
    try:
        yield server.url_for(name)
    finally:
        server.drop_database(name)




@pytest.fixture(scope="module")
def qr_rate_limits() -> RateLimits | None:
    """A module's central's rate limits (None: the defaults)."""
    return None


@pytest.fixture(scope="module")
def qr_system(qr_db: str, tmp_path_factory: pytest.TempPathFactory,
              qr_rate_limits: RateLimits | None) -> Iterator[QrSystem]:
    from central.payments.config import load_providers
    from hardware.sim.qrpay import QrPaySimulator

    keys = CentralKeys(qr_db)
    with QrPaySimulator(tmp_path_factory.mktemp("qrpay-keys"), notify_backoff_s=0.2,
                        notify_attempts=4) as sim:
        sim.start()
        assert sim.settings_file is not None
        server = CentralServer(qr_db, clock=_RealClock(), seed_demo=False,
                               rate_limits=qr_rate_limits,
                               qr_providers=load_providers(sim.settings_file,
                                                           timeout_s=QR_PROVIDER_TIMEOUT_S))
        server.start()
        try:
            yield QrSystem(server, sim, keys, qr_db)
        finally:
            server.stop()
            keys.close()


@pytest.fixture
def qr(qr_system: QrSystem) -> Iterator[QrSystem]:
    """The module's QR system, its simulator's faults cleared after the test."""
    try:
        yield qr_system
    finally:
        qr_system.sim.faults.clear()

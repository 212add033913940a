"""Central's QR orders (docs/payments-qr.md): create (a code to show, or pay by the
person's code), query, close, refund, for the kiosk that created each order.

Every provider call is made outside a database transaction and under the order's lock
(one per order in this process, so a poll, a close and a notification about one order
take turns); what the provider said is then written in a short transaction through the
monotonic rules of central.payments.qr_state, so two central instances can only race to
the same result. Whether an order id is opened or given up is decided once, by the
database (central.payments.qr_claims), not by any lock. A payment by code is sent once:
its pay_sent flag is committed before it goes out, and an answer that is lost is settled
by query, never by paying again. A payment reported for an order the kiosk was told is
not paid (closed, failed, or its close asked for) is refunded at once: REFUNDED, or
REFUND_DUE for a person when the refund fails.

Logs name kiosks, the kiosks' order ids (their references: checked), central's
out_trade_no, states and central's reasons; never a payment code or a provider's text.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine, and_, create_engine, func, or_, select
from sqlalchemy.orm import Session

from central.db import make_session_factory
from central.models_qr import QrOrderRow
from central.payments import qr_state
from central.payments.providers import (
    BadNotification,
    NotificationReply,
    OrderRef,
    ProviderOrder,
    ProviderUncertain,
    QrProviderClient,
)
from central.payments.qr_claims import Claim, claim_order_id
from central.payments.qr_state import Outcome, Seen
from central.records import ensure_own_record, fingerprint
from central.timeutil import Clock, in_shanghai
from kiosk.domain.money import to_fen
from kiosk.domain.qr import QrMode, QrProvider, QrRefundReason, QrState
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire_qr import QrOrder, QrOrderCreate

log = logging.getLogger(__name__)

T = TypeVar("T")
CODE_TTL = timedelta(minutes=2)  # a shown code: the provider stops taking it after this
# The sweep: a shown code still open this long after it ran out was abandoned (the kiosk
# closes its codes when they run out); at most this many orders a round.
ABANDONED_AFTER = timedelta(minutes=1)
SWEEP_BATCH = 200
OPEN_SHOWN = (QrState.WAITING, QrState.SCANNED)
LOCK_STRIPES = 64
# The first key of PostgreSQL's two-key advisory locks that QR orders take: a space of
# their own, apart from any other advisory lock central takes ("QRor").
ADVISORY_LOCK_SPACE = 0x51526F72
NOTIFY_PATH = "/v1/qrpay/notify/{provider}"


class NotificationRefused(Exception):
    """A notification central does not take: ``reason`` is central's word; ``order`` the
    order it named, when its signature verified and the order is known."""

    def __init__(self, reason: str, order: QrOrderRow | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.order = order


def unavailable(provider: QrProvider | str, why: str) -> KioskError:
    return KioskError(ErrorCode.QR_UNAVAILABLE, f"QR payments by {provider} {why}")


def unknown_order() -> KioskError:
    return KioskError(ErrorCode.QR_ORDER_UNKNOWN, "no such QR order of this kiosk")


class QrOrderService:
    def __init__(self, engine: Engine, clock: Clock,
                 providers: dict[QrProvider, QrProviderClient], public_url: Callable[[], str],
                 *, code_ttl: timedelta = CODE_TTL) -> None:
        self.providers = providers
        self.clock = clock
        self._public_url = public_url
        self._code_ttl = code_ttl
        self._sessions = make_session_factory(engine)
        # The advisory locks hold a connection each for the whole create: from a pool of
        # their own, so threads holding them never wait for the pool the create's work
        # needs while others hold it waiting for a lock (the deadlock of one shared pool).
        self._lock_engine = (create_engine(engine.url, pool_size=8, max_overflow=0,
                                           pool_pre_ping=True, hide_parameters=True)
                             if engine.dialect.name == "postgresql" else None)
        self._locks = [threading.Lock() for _ in range(LOCK_STRIPES)]

    def shut_down(self) -> None:
        """Give back the lock connections (central's shutdown)."""
        if self._lock_engine is not None:
            self._lock_engine.dispose()

    def available(self) -> list[QrProvider]:
        return [provider for provider in QrProvider if provider in self.providers]

    def notify_url(self, provider: QrProvider) -> str:
        return self._public_url().rstrip("/") + NOTIFY_PATH.format(provider=provider.value)

    # --- the kiosk's calls -----------------------------------------------------------

    def create(self, kiosk_id: str, body: QrOrderCreate) -> QrOrder:
        """The order of ``body.order_id`` (one of the kiosk's references); the same
        create again answers the same order, another body under the id is refused."""
        ensure_own_record(kiosk_id, kiosk_id, body.order_id)
        client = self.providers.get(body.provider)
        if client is None:
            raise unavailable(body.provider, "are not set up at central")
        digest = fingerprint(body).digest
        with self._order_lock(kiosk_id, body.order_id):
            row, new = self._open(kiosk_id, body, digest)
            if row.request_hash != digest:
                raise KioskError(ErrorCode.REQUEST_REJECTED,
                                 "this order id was used for another order",
                                 reason="order_id_reused")
            if body.mode is QrMode.SHOW:
                if row.qr_content is None and qr_state.state_of(row) is QrState.WAITING:
                    return self._show(client, row)
            elif new:
                assert body.auth_code is not None  # the model demands it for SCAN
                return self._pay(client, row, body.auth_code)
            return self._refreshed(client, row)

    def get(self, kiosk_id: str, order_id: str) -> QrOrder:
        row = self._asked(kiosk_id, order_id)
        with self._order_lock(kiosk_id, order_id):
            return self._refreshed(self._client_of(row), self._row(kiosk_id, order_id))

    def close(self, kiosk_id: str, order_id: str) -> QrOrder:
        """Close it unpaid at the provider (a payment by code: cancel). PAID when the
        provider says the person has paid; E_QR_UNAVAILABLE when it cannot be asked
        (central keeps the close asked for: a payment reported later is refunded)."""
        row = self._asked(kiosk_id, order_id)
        client = self._client_of(row)
        with self._order_lock(kiosk_id, order_id):
            row = self._row(kiosk_id, order_id)
            if qr_state.is_final(row):
                return qr_state.to_wire(row)
            try:
                seen = client.query(self._ref(row))
            except ProviderUncertain:
                seen = None
            if seen is not None and seen.state in (QrState.PAID, QrState.CLOSED,
                                                   QrState.FAILED, QrState.REFUNDED):
                return self._observe(client, row.id, Seen(seen), closing=True)
            row = self._write(row.id, lambda r, now: setattr(r, "close_requested_at",
                                                             r.close_requested_at or now))
            try:
                closed = client.close(self._ref(row))
            except ProviderUncertain as exc:
                log.warning("qr order %s of kiosk %s: close at %s uncertain (%s)",
                            order_id, kiosk_id, row.provider, exc.reason)
                raise unavailable(row.provider, "cannot be closed now; ask again") from None
            answer = self._observe(client, row.id, Seen(closed), closing=True)
            log.info("qr order %s of kiosk %s closed: %s", order_id, kiosk_id, answer.state)
            return answer

    def refund(self, kiosk_id: str, order_id: str, reason: QrRefundReason) -> QrOrder:
        """Give a paid order's money back (the kiosk could not use it)."""
        row = self._row(kiosk_id, order_id)
        client = self._client_of(row)
        with self._order_lock(kiosk_id, order_id):
            row = self._row(kiosk_id, order_id)
            if not qr_state.is_final(row):
                self._refreshed(client, row)
                row = self._row(kiosk_id, order_id)
            state = qr_state.state_of(row)
            if state is QrState.REFUNDED:
                return qr_state.to_wire(row)
            if state not in (QrState.PAID, QrState.REFUND_DUE):
                raise KioskError(ErrorCode.REQUEST_REJECTED, "the order is not paid",
                                 reason="not_paid")
            return self._give_back(client, row.id, reason.value)

    # --- central's own rounds (the scheduler) ------------------------------------------

    def sweep(self, now: datetime | None = None) -> int:
        """A scheduler job (one replica at a time): ask the providers about what nobody
        else will ask about; the number of orders looked at.

        - A shown code closed unpaid while it may still be paid (a payment racing the
          close, UnionPay's codes that have no close): asked about each round until its
          grace is over, so a payment whose notification was lost is refunded the same
          day, not found by the next day's reconciliation, even when the kiosk never
          asks again.
        - A shown code still open after its time ran out (its create's answer was lost,
          so the kiosk never showed it, or the kiosk died and has not come back): closed
          at the provider, so it cannot be paid for a payment no bill records."""
        now = now or self.clock.now()
        with self._sessions.begin() as session:
            rows = session.scalars(select(QrOrderRow).where(
                QrOrderRow.mode == QrMode.SHOW.value,
                QrOrderRow.expires_at.is_not(None),
                or_(and_(QrOrderRow.state == QrState.CLOSED.value,
                         QrOrderRow.close_requested_at.is_not(None),
                         QrOrderRow.expires_at >= now - qr_state.LATE_GRACE),
                    and_(QrOrderRow.state.in_([s.value for s in OPEN_SHOWN]),
                         QrOrderRow.expires_at < now - ABANDONED_AFTER)))
                .order_by(QrOrderRow.id).limit(SWEEP_BATCH)).all()
        for row in rows:
            try:
                if qr_state.state_of(row) is QrState.CLOSED:
                    self.get(row.kiosk_id, row.order_id)  # asks while it may be paid
                else:
                    log.info("qr order %s of kiosk %s: open after its code ran out; "
                             "closing it", row.order_id, row.kiosk_id)
                    self.close(row.kiosk_id, row.order_id)
            except KioskError as exc:  # the provider away: the next round asks again
                log.info("qr order %s of kiosk %s: sweep could not ask %s (%s)",
                         row.order_id, row.kiosk_id, row.provider, exc.code.value)
        return len(rows)

    # --- the providers' notifications --------------------------------------------------

    def take_notification(self, provider: QrProvider, headers: dict[str, str],
                          body: bytes) -> NotificationReply:
        """Verify and apply a provider's notification; NotificationRefused (logged with
        central's reason only) for a bad signature, an unknown order, an amount that is
        not the order's, or a second notification that says something else. The same
        notification again is taken again (providers resend until answered)."""
        client = self.providers.get(provider)
        if client is None:
            raise NotificationRefused("not_set_up")
        try:
            note = client.parse_notification(headers, body)
        except BadNotification as exc:
            raise NotificationRefused(exc.reason) from None
        found = self._by_out_trade_no(provider, note.out_trade_no)
        if found is None:
            raise NotificationRefused("unknown_order")
        with self._order_lock(found.kiosk_id, found.order_id):
            row = self._row(found.kiosk_id, found.order_id)
            if note.amount_fen != row.amount_fen:
                self._write(row.id, lambda r, now: qr_state.flag(
                    r, qr_state.REVIEW_NOTIFICATION_AMOUNT))
                raise NotificationRefused("amount_differs", row)
            if row.notification_digest is not None:
                if row.notification_digest == note.digest:
                    return client.accepted  # a duplicate: taken before
                self._write(row.id, lambda r, now: qr_state.flag(
                    r, qr_state.REVIEW_NOTIFICATION_CONFLICT))
                raise NotificationRefused("conflicting_notification", row)
            if row.provider_txn_id and note.provider_txn_id and \
                    row.provider_txn_id != note.provider_txn_id:
                self._write(row.id, lambda r, now: qr_state.flag(
                    r, qr_state.REVIEW_NOTIFICATION_CONFLICT))
                raise NotificationRefused("conflicting_notification", row)

            def mark(stored: QrOrderRow, now: datetime) -> None:
                stored.notification_digest = note.digest
                stored.notified_at = now
            self._write(row.id, mark)
            said = ProviderOrder(note.state, provider_txn_id=note.provider_txn_id,
                                 amount_fen=note.amount_fen, paid_at=note.paid_at)
            answer = self._observe(client, row.id, Seen(said, by_notification=True))
            log.info("qr order %s of kiosk %s: %s notification taken: %s", row.order_id,
                     row.kiosk_id, provider.value, answer.state.value)
            return client.accepted

    def _by_out_trade_no(self, provider: QrProvider, out_trade_no: str) -> QrOrderRow | None:
        with self._sessions.begin() as session:
            return session.scalars(select(QrOrderRow).where(
                QrOrderRow.out_trade_no == out_trade_no[:32],
                QrOrderRow.provider == provider.value)).first()

    # --- what every path shares ------------------------------------------------------

    def _open(self, kiosk_id: str, body: QrOrderCreate, digest: str
              ) -> tuple[QrOrderRow, bool]:
        """The stored order of this id, or a new one (committed with the id's claim before
        any provider is asked: a payment by code is marked sent before it goes); 409
        order_given_up when the kiosk gave the id up first."""
        found = self._find(kiosk_id, body.order_id)
        if found is not None:
            return found, False
        now = self.clock.now()
        row = QrOrderRow(
            kiosk_id=kiosk_id, order_id=body.order_id, out_trade_no=new_out_trade_no(now),
            provider=body.provider.value, mode=body.mode.value,
            amount_fen=to_fen(body.amount), subject=body.subject, request_hash=digest,
            state=QrState.WAITING.value, pay_sent=body.mode is QrMode.SCAN,
            expires_at=now + self._code_ttl if body.mode is QrMode.SHOW else None,
            created_at=now, updated_at=now)
        claimed = claim_order_id(self._sessions, kiosk_id, body.order_id, Claim.OPENED,
                                 now, order=row)
        if claimed.outcome is Claim.GIVEN_UP:
            log.warning("qr order %s of kiosk %s: a create after the kiosk gave the id "
                        "up, refused", body.order_id, kiosk_id)
            raise KioskError(ErrorCode.REQUEST_REJECTED,
                             "the kiosk gave this order id up before it was opened",
                             reason="order_given_up")
        if not claimed.ours:  # another create (here or in another instance) opened it
            return self._row(kiosk_id, body.order_id), False
        log.info("qr order %s of kiosk %s opened: %s %s out_trade_no=%s", body.order_id,
                 kiosk_id, body.provider.value, body.mode.value, row.out_trade_no)
        return row, True

    def _show(self, client: QrProviderClient, row: QrOrderRow) -> QrOrder:
        assert row.expires_at is not None
        try:
            made = client.create(self._ref(row), row.subject, row.expires_at,
                                 self.notify_url(client.provider))
        except ProviderUncertain as exc:
            log.warning("qr order %s of kiosk %s: no code from %s (%s)", row.order_id,
                        row.kiosk_id, row.provider, exc.reason)
            raise unavailable(row.provider, "cannot make a code now") from None

        def keep(stored: QrOrderRow, now: datetime) -> None:
            if made.qr_content is not None:
                stored.qr_content = made.qr_content[:512]
        self._write(row.id, keep)
        return self._observe(client, row.id, Seen(made))

    def _pay(self, client: QrProviderClient, row: QrOrderRow, auth_code: str) -> QrOrder:
        try:
            said = client.pay_by_code(self._ref(row), row.subject, auth_code,
                                      self.notify_url(client.provider))
        except ProviderUncertain as exc:
            log.warning("qr order %s of kiosk %s: payment by code at %s uncertain (%s); "
                        "settled by query", row.order_id, row.kiosk_id, row.provider,
                        exc.reason)
            return self._refreshed(client, row)
        return self._observe(client, row.id, Seen(said))

    def _refreshed(self, client: QrProviderClient, row: QrOrderRow) -> QrOrder:
        """The order, asking the provider when it is not final (nor settled by a
        notification), or is a closed code that may still be paid; a refund central
        claimed but did not finish is tried again."""
        if qr_state.state_of(row) is QrState.PAID and row.refund_no is not None:
            return self._give_back(client, row.id, row.refund_reason or "")
        if qr_state.is_final(row) and not qr_state.may_still_be_paid(row, self.clock.now()):
            return qr_state.to_wire(row)
        try:
            seen = client.query(self._ref(row))
        except ProviderUncertain as exc:
            log.info("qr order %s of kiosk %s: query at %s uncertain (%s)", row.order_id,
                     row.kiosk_id, row.provider, exc.reason)
            return qr_state.to_wire(row)
        return self._observe(client, row.id, Seen(seen))

    def _observe(self, client: QrProviderClient, order_pk: int, seen: Seen, *,
                 closing: bool = False) -> QrOrder:
        """Write what the provider said; a late payment is refunded at once."""
        outcomes: list[Outcome] = []

        def move(row: QrOrderRow, now: datetime) -> None:
            outcomes.append(qr_state.apply(row, seen, now, closing=closing))
            if outcomes[-1] is Outcome.LATE_PAYMENT and row.refund_no is None:
                row.refund_no = new_refund_no()
                row.refund_reason = QrRefundReason.CANCELLED_LATE.value
        row = self._write(order_pk, move)
        if outcomes[-1] is Outcome.MOVED:
            log.info("qr order %s of kiosk %s: %s%s", row.order_id, row.kiosk_id, row.state,
                     f" ({row.failure})" if row.failure else "")
        if outcomes[-1] is Outcome.LATE_PAYMENT:
            log.warning("qr order %s of kiosk %s: paid after the kiosk was told it was "
                        "not; refunding out_trade_no=%s", row.order_id, row.kiosk_id,
                        row.out_trade_no)
            return self._give_back(client, row.id, row.refund_reason or "")
        return qr_state.to_wire(row)

    def _give_back(self, client: QrProviderClient, order_pk: int, reason: str) -> QrOrder:
        """Refund the whole amount under the order's refund number (claimed first, so a
        second try, here or in another instance, asks the provider under the same
        number: refunds are idempotent by it). One retry on an uncertain answer."""
        def claim(row: QrOrderRow, now: datetime) -> None:
            if row.refund_no is None:
                row.refund_no = new_refund_no()
                row.refund_reason = reason or QrRefundReason.NOT_DELIVERED.value
        row = self._write(order_pk, claim)
        assert row.refund_no is not None
        result, why = None, ""
        for _attempt in (1, 2):
            try:
                result = client.refund(self._ref(row), row.refund_no, row.amount_fen)
                why = result.reason
                break
            except ProviderUncertain as exc:
                why = exc.reason

        def settle(stored: QrOrderRow, now: datetime) -> None:
            if result is not None and result.done:
                stored.state = QrState.REFUNDED.value
                stored.refunded_at = now
                stored.refund_error = None
            else:
                stored.state = QrState.REFUND_DUE.value
                stored.refund_error = why[:64] or "refused"
                qr_state.flag(stored, qr_state.REVIEW_REFUND_FAILED)
            stored.updated_at = now
        row = self._write(order_pk, settle)
        level = logging.INFO if row.state == QrState.REFUNDED.value else logging.WARNING
        log.log(level, "qr order %s of kiosk %s: refund %s %s (%s)", row.order_id,
                row.kiosk_id, row.refund_no, row.state, row.refund_error or row.refund_reason)
        return qr_state.to_wire(row)

    # --- rows ------------------------------------------------------------------------

    def _ref(self, row: QrOrderRow) -> OrderRef:
        return OrderRef(out_trade_no=row.out_trade_no, mode=QrMode(row.mode),
                        amount_fen=row.amount_fen, created_at=in_shanghai(row.created_at),
                        provider_txn_id=row.provider_txn_id)

    def _client_of(self, row: QrOrderRow) -> QrProviderClient:
        client = self.providers.get(QrProvider(row.provider))
        if client is None:
            raise unavailable(row.provider, "are no longer set up at central")
        return client

    def _find(self, kiosk_id: str, order_id: str) -> QrOrderRow | None:
        with self._sessions.begin() as session:
            return session.scalars(select(QrOrderRow).where(
                QrOrderRow.kiosk_id == kiosk_id, QrOrderRow.order_id == order_id)).first()

    def _asked(self, kiosk_id: str, order_id: str) -> QrOrderRow:
        """The kiosk's order, asked about by the kiosk. When there is none, the kiosk
        will count the payment as never made: the id is given up (the database's claim,
        so a create in flight on any instance either opened the order first or opens
        nothing later), and the answer is E_QR_ORDER_UNKNOWN."""
        found = self._find(kiosk_id, order_id)
        if found is not None:
            return found
        try:
            ensure_own_record(kiosk_id, kiosk_id, order_id)
        except KioskError:  # not one of its ids (another kiosk's): unknown, and not kept
            raise unknown_order() from None
        claimed = claim_order_id(self._sessions, kiosk_id, order_id, Claim.GIVEN_UP,
                                 self.clock.now())
        if claimed.outcome is Claim.OPENED:  # a create opened it meanwhile
            return self._row(kiosk_id, order_id)
        raise unknown_order()

    def _row(self, kiosk_id: str, order_id: str) -> QrOrderRow:
        """The kiosk's order (another kiosk's is unknown to it, as if it did not exist)."""
        row = self._find(kiosk_id, order_id)
        if row is None:
            raise unknown_order()
        return row

    def _write(self, order_pk: int, change: Callable[[QrOrderRow, datetime], None]
               ) -> QrOrderRow:
        """``change`` applied to the order's row under its row lock, committed."""
        with self._sessions.begin() as session:
            row = locked(session, order_pk)
            change(row, self.clock.now())
            return row

    @contextmanager
    def _order_lock(self, kiosk_id: str, order_id: str) -> Iterator[None]:
        """One create or question of an order at a time (its provider calls take
        turns; giving an id up needs no lock: qr_claims), across the threads of
        this process and, on PostgreSQL, across every central replica on the database
        (a session advisory lock on a pooled connection, released however the block
        ends, and by the server if this process dies). SQLite has a single central."""
        key = hashlib.sha256(f"{kiosk_id}\x1f{order_id}".encode()).digest()
        lock = self._locks[int.from_bytes(key[:4], "big") % LOCK_STRIPES]
        with lock:
            if self._lock_engine is None:
                yield
                return
            advisory = (ADVISORY_LOCK_SPACE, int.from_bytes(key[4:8], "big", signed=True))
            with self._lock_engine.connect() as connection:
                connection.execute(select(func.pg_advisory_lock(*advisory)))
                connection.commit()
                try:
                    yield
                finally:
                    connection.execute(select(func.pg_advisory_unlock(*advisory)))
                    connection.commit()


def locked(session: Session, order_pk: int) -> QrOrderRow:
    """The order's row, locked until commit on PostgreSQL (SQLite: one writer)."""
    return session.scalars(select(QrOrderRow).where(QrOrderRow.id == order_pk)
                           .with_for_update()).one()


def new_out_trade_no(now: datetime) -> str:
    """Central's number for an order at the provider: 26 letters and digits, which all
    three take (UnionPay: 8-40 letters and digits; WeChat Pay: at most 32)."""
    return f"Q{in_shanghai(now):%y%m%d}{secrets.token_hex(10).upper()}"[:32]


def new_refund_no() -> str:
    return f"R{secrets.token_hex(12).upper()}"

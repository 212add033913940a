"""What operators do with QR payments: reconcile a provider's day, and list what needs
a person (kiosk-admin payments --reconcile DAY, --review). Reconciliation is run by the
operator (or a cron job calling kiosk-admin), not by central on its own: the providers
publish a day's statement the next morning, at times of their own."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import Engine, or_, select

from central.db import make_session_factory
from central.models_qr import QrDifferenceRow, QrOrderRow
from central.payments import reconcile
from central.payments.providers import ProviderUncertain, QrProviderClient
from central.payments.qr_orders import unavailable
from central.schemas_qr import (
    QrDifferenceOut,
    QrOrderReviewOut,
    QrReconcileOut,
    QrReconcileRun,
    QrReviewOut,
)
from central.timeutil import Clock, in_shanghai
from kiosk.domain.qr import QrProvider, QrState

log = logging.getLogger(__name__)


class QrAdminService:
    def __init__(self, engine: Engine, clock: Clock,
                 providers: dict[QrProvider, QrProviderClient]) -> None:
        self.providers = providers
        self.clock = clock
        self._sessions = make_session_factory(engine)

    def reconcile(self, day: date, provider: QrProvider | None = None) -> QrReconcileOut:
        """Each provider's (or ``provider``'s) statement of ``day`` against the orders;
        the differences stored and answered. E_QR_UNAVAILABLE when a provider is not
        set up or its statement cannot be had (nothing of that provider is changed)."""
        if day >= in_shanghai(self.clock.now()).date() + timedelta(days=1):
            raise unavailable(provider or "any provider", "have no statement of a future day")
        chosen = [provider] if provider is not None else list(self.providers)
        runs = []
        for name in chosen:
            client = self.providers.get(name)
            if client is None:
                raise unavailable(name, "are not set up at central")
            try:
                lines = client.statement(day)
            except ProviderUncertain as exc:
                log.warning("reconciliation %s %s: no statement (%s)", name.value, day,
                            exc.reason)
                raise unavailable(name, "gave no statement now; ask again later") from None
            now = self.clock.now()
            with self._sessions.begin() as session:
                orders = reconcile.orders_for(session, name, day,
                                              {line.out_trade_no for line in lines})
                found = reconcile.compare(orders, lines, day)
                reconcile.store(session, name, day, found, now)
            with self._sessions.begin() as session:
                stored = session.scalars(select(QrDifferenceRow).where(
                    QrDifferenceRow.provider == name.value, QrDifferenceRow.day == day)
                    .order_by(QrDifferenceRow.id)).all()
                differences = [QrDifferenceOut.of(row) for row in stored]
            log.info("reconciliation %s %s: %d statement line(s), %d difference(s)",
                     name.value, day, len(lines), len(differences))
            runs.append(QrReconcileRun(provider=name, statement_lines=len(lines),
                                       differences=differences))
        return QrReconcileOut(day=day, runs=runs)

    def review(self, limit: int = 100) -> QrReviewOut:
        """Orders a person must look at (REFUND_DUE, or flagged), newest first, and the
        stored differences, newest day first."""
        with self._sessions.begin() as session:
            orders = session.scalars(select(QrOrderRow).where(or_(
                QrOrderRow.state == QrState.REFUND_DUE.value,
                QrOrderRow.review_reason.is_not(None)))
                .order_by(QrOrderRow.updated_at.desc(), QrOrderRow.id.desc())
                .limit(limit)).all()
            differences = session.scalars(select(QrDifferenceRow).order_by(
                QrDifferenceRow.day.desc(), QrDifferenceRow.id).limit(limit)).all()
            return QrReviewOut(orders=[QrOrderReviewOut.of(row) for row in orders],
                               differences=[QrDifferenceOut.of(row) for row in differences])

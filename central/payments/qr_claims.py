"""Who a kiosk's QR order id goes to, decided once by the database (docs/payments-qr.md):
its create, which opens the order, or the kiosk giving it up (asked about before central
had it). Each is a row of ``qr_order_claims`` under one unique key, so of two central
instances claiming one id at the same moment the database lets one insert and the other
reads the first's claim (PostgreSQL holds the second insert until the first commits;
SQLite's BEGIN IMMEDIATE takes one writer at a time). No lock outside the database is
needed for it: a replica whose advisory lock was lost still cannot open a given-up id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from central.models_qr import QrOrderClaimRow, QrOrderRow


class Claim(StrEnum):
    OPENED = "opened"  # its order row was committed with the claim
    GIVEN_UP = "given_up"  # the kiosk counts the payment as never made


@dataclass(frozen=True)
class Claimed:
    outcome: Claim
    ours: bool  # this call made the claim (else an earlier one had)


def claim_order_id(sessions: sessionmaker[Session], kiosk_id: str, order_id: str,
                   outcome: Claim, now: datetime, order: QrOrderRow | None = None
                   ) -> Claimed:
    """Claim the id for ``outcome`` (OPENED with its ``order``, inserted in the same
    transaction), or learn the claim that was first."""
    assert (order is not None) == (outcome is Claim.OPENED)
    try:
        with sessions.begin() as session:
            session.add(QrOrderClaimRow(kiosk_id=kiosk_id, order_id=order_id,
                                        outcome=outcome.value, claimed_at=now))
            session.flush()  # the claim goes first: a racing claim waits on it
            if order is not None:
                session.add(order)
        return Claimed(outcome, ours=True)
    except IntegrityError:
        earlier = claim_of(sessions, kiosk_id, order_id)
        if earlier is None:  # not the claim's key that clashed
            raise
        return Claimed(earlier, ours=False)


def claim_of(sessions: sessionmaker[Session], kiosk_id: str, order_id: str) -> Claim | None:
    with sessions.begin() as session:
        found = session.scalars(select(QrOrderClaimRow.outcome).where(
            QrOrderClaimRow.kiosk_id == kiosk_id,
            QrOrderClaimRow.order_id == order_id)).first()
    return None if found is None else Claim(found)

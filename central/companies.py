"""The company registry (docs/spec/arbitration.md#respondents): respondents by their USCC."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.models import CompanyRow
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import CompanyOut


def registry_key(uscc: str) -> str:
    """A USCC as the registry files it (spaces and case do not matter)."""
    return uscc.strip().upper()


def find_company(session: Session, uscc: str) -> CompanyRow | None:
    return session.get(CompanyRow, registry_key(uscc))


def registered(session: Session, usccs: Iterable[str]) -> set[str]:
    """Which of ``usccs`` name a registered company, as registry keys (one query)."""
    keys = {registry_key(uscc) for uscc in usccs}
    return set(session.scalars(select(CompanyRow.uscc).where(CompanyRow.uscc.in_(keys)))
               ) if keys else set()


def company(session: Session, uscc: str) -> CompanyOut:
    row = find_company(session, uscc)
    if row is None:
        raise KioskError(ErrorCode.RESPONDENT_NOT_FOUND, "no company with this USCC")
    return CompanyOut(uscc=row.uscc, name_zh=row.name_zh, name_en=row.name_en,
                      address=row.address, legal_representative=row.legal_representative,
                      representative_title=row.representative_title, phone=row.phone,
                      district=row.district)

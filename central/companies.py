"""The company registry (DOMAIN.md 2.4): respondents by their USCC."""

from __future__ import annotations

from sqlalchemy.orm import Session

from central.models import CompanyRow
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import CompanyOut


def find_company(session: Session, uscc: str) -> CompanyRow | None:
    return session.get(CompanyRow, uscc.strip().upper())


def company(session: Session, uscc: str) -> CompanyOut:
    row = find_company(session, uscc)
    if row is None:
        raise KioskError(ErrorCode.RESPONDENT_NOT_FOUND, "no company with this USCC")
    return CompanyOut(uscc=row.uscc, name_zh=row.name_zh, name_en=row.name_en,
                      address=row.address, legal_representative=row.legal_representative,
                      representative_title=row.representative_title, phone=row.phone,
                      district=row.district)

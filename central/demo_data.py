"""Deterministic demo data, seeded into an empty database (docs/central.md lists it).

Billers match the ids of kiosk/data/config/default.toml. Periods are relative to the current
month in Asia/Shanghai, so the demo never looks stale; amounts and due dates (the 25th of the month
after the period) are fixed. Names and addresses are invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.barcodes import make_barcode
from central.models import AccountRow, BillerRow, BillRow
from kiosk.domain.money import to_fen


@dataclass(frozen=True)
class DemoBiller:
    id: str
    type: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class DemoBill:
    months_ago: int  # 0: this month, 1: last month, ...
    amount: Decimal
    late_fee: Decimal = Decimal("0.00")
    paid: bool = False


@dataclass(frozen=True)
class DemoAccount:
    biller_id: str
    account_no: str
    holder_name: str
    address: str
    bills: tuple[DemoBill, ...]
    partial_allowed: bool = False


DEMO_BILLERS: tuple[DemoBiller, ...] = (
    DemoBiller("sh-water", "WATER", "上海城投水务", "Shanghai Chengtou Water"),
    DemoBiller("sh-power", "ELECTRICITY", "国网上海市电力公司",
               "State Grid Shanghai Electric Power"),
    DemoBiller("sh-gas", "GAS", "上海燃气", "Shanghai Gas"),
    DemoBiller("cm-mobile", "TELECOM", "中国移动上海公司", "China Mobile Shanghai"),
)

DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("sh-water", "3100012345", "王小明", "长宁区仙霞路88号",
                (DemoBill(2, Decimal("45.60"), Decimal("0.46")), DemoBill(1, Decimal("82.90")))),
    DemoAccount("sh-water", "3100099999", "陈静", "长宁区天山路120号",
                (DemoBill(1, Decimal("30.20"), paid=True),)),
    DemoAccount("sh-power", "0123456789", "李华", "闵行区申长路1688号",
                (DemoBill(1, Decimal("256.30")),)),
    DemoAccount("sh-gas", "20123456", "张伟", "徐汇区漕溪北路200号",
                (DemoBill(1, Decimal("63.00")),)),
    DemoAccount("cm-mobile", "13800138000", "刘洋", "长宁区延安西路2299号",
                (DemoBill(0, Decimal("88.00")),), partial_allowed=True),
)


def months_back(today: date, months: int) -> date:
    """The first day of the month ``months`` before ``today``'s month."""
    index = today.year * 12 + (today.month - 1) - months
    return date(index // 12, index % 12 + 1, 1)


def period_of(month_start: date) -> str:
    return f"{month_start.year:04d}-{month_start.month:02d}"


def due_date_of(month_start: date) -> date:
    """The 25th of the month after the period."""
    following = months_back(month_start, -1)
    return following.replace(day=25)


def is_empty(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(BillerRow)) == 0


def seed_demo(session: Session, today: date) -> int:
    """Insert the demo billers and accounts; returns the number of bills created.
    Call it inside a transaction, on an empty database (see is_empty)."""
    for biller in DEMO_BILLERS:
        session.add(BillerRow(id=biller.id, type=biller.type, name_zh=biller.name_zh,
                              name_en=biller.name_en, maintenance=False))
    session.flush()  # accounts refer to billers; no ORM relationship orders the inserts
    bills = 0
    for index, demo in enumerate(DEMO_ACCOUNTS, start=1):
        account = AccountRow(biller_id=demo.biller_id, account_no=demo.account_no,
                             holder_name=demo.holder_name, address=demo.address,
                             partial_allowed=demo.partial_allowed)
        for bill in demo.bills:
            month = months_back(today, bill.months_ago)
            total = to_fen(bill.amount + bill.late_fee)
            account.bills.append(BillRow(
                id=f"{demo.biller_id}-{month:%Y%m}-{index:02d}",
                period=period_of(month),
                amount_fen=to_fen(bill.amount),
                late_fee_fen=to_fen(bill.late_fee),
                due_date=due_date_of(month),
                paid_fen=total if bill.paid else 0,
            ))
            bills += 1
        session.add(account)
    return bills


@dataclass(frozen=True)
class DemoBarcode:
    biller_id: str
    account_no: str
    period: str  # the statement month the barcode names (the account's newest bill)
    barcode: str


def demo_barcodes(today: date) -> list[DemoBarcode]:
    """The barcode of each demo account's newest statement (they move with the month,
    like the demo bills)."""
    codes = []
    for demo in DEMO_ACCOUNTS:
        month = months_back(today, min(bill.months_ago for bill in demo.bills))
        codes.append(DemoBarcode(demo.biller_id, demo.account_no, period_of(month),
                                 make_barcode(demo.biller_id, demo.account_no, month)))
    return codes

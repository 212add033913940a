"""Demo taxpayers: the people on the documents the reader simulator presents
(hardware/sim/reader/specimens.py). Specimen people, never real ones.

ERIKA MUSTERMANN has wage withholding for each of the 24 months before the current one
(relative, so the demo never looks stale); ANNA MARIA ERIKSSON's records stop in 2024
(a 2025 period gives E_NO_RECORDS). Amounts follow the cumulative withholding method
for wages (basic deduction 5,000 a month, the annual rate table), so they are
deterministic and look like real ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.demo_data import months_back, period_of
from central.demo_places import COMPANIES
from central.models import TaxpayerDocumentRow, TaxpayerRow, TaxWithholdingRow
from kiosk.domain.money import to_fen

TAX_AUTHORITY = "国家税务总局上海市长宁区税务局"
WAGES = "工资薪金所得 Wages and salaries"
BASIC_DEDUCTION = Decimal("5000.00")  # a month
# Annual cumulative table: (up to, rate %, quick deduction).
RATE_TABLE: tuple[tuple[Decimal | None, int, Decimal], ...] = (
    (Decimal(36000), 3, Decimal(0)), (Decimal(144000), 10, Decimal(2520)),
    (Decimal(300000), 20, Decimal(16920)), (Decimal(420000), 25, Decimal(31920)),
    (Decimal(660000), 30, Decimal(52920)), (Decimal(960000), 35, Decimal(85920)),
    (None, 45, Decimal(181920)),
)


@dataclass(frozen=True)
class DemoTaxpayer:
    taxpayer_id: str
    surname: str
    given_names: str
    birth_date: date
    phone: str
    documents: tuple[tuple[str, str], ...]  # (doc_type, doc_number)
    monthly_wage: Decimal
    social_insurance: Decimal  # special deduction a month
    withholding_agent: str
    months_ago: tuple[int, int] | None = None  # (oldest, newest) relative to this month
    fixed_months: tuple[str, str] | None = None  # ("2023-01", "2024-12")


TAXPAYERS: tuple[DemoTaxpayer, ...] = (
    DemoTaxpayer(
        taxpayer_id="93127619640812124X", surname="MUSTERMANN", given_names="ERIKA",
        birth_date=date(1964, 8, 12), phone="13812348000",
        documents=(("passport", "C01X00T47"), ("pr_card", "93127619640812124X")),
        monthly_wage=Decimal("38000.00"), social_insurance=Decimal("3420.00"),
        withholding_agent=COMPANIES[0].name_zh, months_ago=(24, 1)),
    DemoTaxpayer(
        taxpayer_id="310105UTO740812002", surname="ERIKSSON", given_names="ANNA MARIA",
        birth_date=date(1974, 8, 12), phone="13912345678",
        documents=(("passport", "L898902C3"), ("id_card", "D23145890")),
        monthly_wage=Decimal("25000.00"), social_insurance=Decimal("2250.00"),
        withholding_agent=COMPANIES[1].name_zh, fixed_months=("2023-01", "2024-12")),
)


def annual_tax(taxable: Decimal) -> Decimal:
    if taxable <= 0:
        return Decimal("0.00")
    for limit, rate, quick in RATE_TABLE:
        if limit is None or taxable <= limit:
            tax = taxable * rate / 100 - quick
            return tax.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    raise AssertionError("the last bracket has no limit")


def monthly_tax(wage: Decimal, deductions: Decimal, month: int) -> Decimal:
    """Tax withheld in ``month`` (1-12) under the cumulative method."""
    taxable = wage - BASIC_DEDUCTION - deductions
    return annual_tax(taxable * month) - annual_tax(taxable * (month - 1))


def _months(person: DemoTaxpayer, today: date) -> list[date]:
    if person.months_ago is not None:
        oldest, newest = person.months_ago
        return [months_back(today, ago) for ago in range(oldest, newest - 1, -1)]
    assert person.fixed_months is not None
    first, last = (date(int(p[:4]), int(p[5:]), 1) for p in person.fixed_months)
    months, month = [], first
    while month <= last:
        months.append(month)
        month = months_back(month, -1)
    return months


def seed_taxpayers(session: Session, today: date) -> int:
    """The demo taxpayers and their withholding, if there are no taxpayers yet; returns
    the number of monthly rows."""
    if session.scalar(select(func.count()).select_from(TaxpayerRow)):
        return 0
    rows = 0
    for person in TAXPAYERS:
        taxpayer = TaxpayerRow(taxpayer_id=person.taxpayer_id, surname=person.surname,
                               given_names=person.given_names, birth_date=person.birth_date,
                               phone=person.phone)
        session.add(taxpayer)
        session.flush()
        for doc_type, doc_number in person.documents:
            session.add(TaxpayerDocumentRow(taxpayer_pk=taxpayer.id, doc_type=doc_type,
                                            doc_number=doc_number))
        for month in _months(person, today):
            paid_on = min(months_back(month, -1).replace(day=10), today)  # filed next month
            session.add(TaxWithholdingRow(
                taxpayer_pk=taxpayer.id, period=period_of(month), paid_on=paid_on,
                income_item=WAGES, income_fen=to_fen(person.monthly_wage),
                tax_fen=to_fen(monthly_tax(person.monthly_wage, person.social_insurance,
                                           month.month)),
                tax_authority=TAX_AUTHORITY, withholding_agent=person.withholding_agent))
            rows += 1
    return rows

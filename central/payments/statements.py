"""Reading a provider's daily statement into StatementLines.

One layout for the three providers, the one the simulator serves
(docs/hardware/qrpay-simulator.md): CSV, a header line, then
``order_id,provider_txn_id,amount,time,type,refund_id`` with the amount in yuan and the
type PAYMENT or REFUND. Each provider module fetches its file its own way (Alipay a
download URL, WeChat Pay a gzip download, UnionPay a deflated fileContent). The real
providers' files are laid out otherwise (Alipay's 业务明细 CSV in a zip, WeChat Pay's
backtick CSV, UnionPay's fixed-width ZM file): reading those is left for when central
runs against a real merchant account.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation

from central.payments.providers import ProviderUncertain, StatementLine
from kiosk.domain.money import to_fen

COLUMNS = ("order_id", "provider_txn_id", "amount", "time", "type", "refund_id")
KINDS = {"PAYMENT": "payment", "REFUND": "refund"}
MAX_LINES = 1_000_000


def parse_statement(text: str) -> list[StatementLine]:
    """Every line of the statement; ProviderUncertain("unreadable_statement") when it is
    not one."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = tuple(cell.strip() for cell in next(reader, []))
    if header[:len(COLUMNS)] != COLUMNS:
        raise ProviderUncertain("unreadable_statement")
    lines: list[StatementLine] = []
    for row in reader:
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) < len(COLUMNS) or row[4] not in KINDS or len(lines) >= MAX_LINES:
            raise ProviderUncertain("unreadable_statement")
        try:
            amount = Decimal(row[2])
        except InvalidOperation:
            raise ProviderUncertain("unreadable_statement") from None
        if not amount.is_finite() or amount < 0:
            raise ProviderUncertain("unreadable_statement")
        lines.append(StatementLine(out_trade_no=row[0][:64], kind=KINDS[row[4]],
                                   amount_fen=to_fen(amount),
                                   provider_txn_id=row[1][:64] or None))
    return lines

"""WeChat Pay's trade bill (API v3, bill_type ALL) read into StatementLines
(docs/payments-qr.md, "WeChat Pay").

The download is the CSV, gzip when asked with tar_type=GZIP; hash_value is the SHA1 of
the CSV before gzip and must match. UTF-8 (a leading BOM is dropped); the column header,
data lines whose every field starts with a backtick, then the totals header
(总交易单数,...) and one totals line. Columns are found by name (extra ones are fine).
交易状态 SUCCESS is a payment of 订单金额 (应结订单金额 when there is no 订单金额 column);
REFUND and REVOKED are refunds of 申请退款金额 (退款金额 without it). The totals line must
agree with the lines read (count, 订单总金额, 申请退款总金额 where present).
"""

from __future__ import annotations

import hashlib
import hmac

from central.payments.providers import StatementLine
from central.payments.statements import (
    MAX_LINES,
    MAX_STATEMENT_BYTES,
    counted,
    decoded,
    fen,
    inflate,
    unreadable,
)

GZIP_MAGIC = b"\x1f\x8b"
TRANSACTION_ID, ORDER_NO, STATE = "微信订单号", "商户订单号", "交易状态"
PAID = ("订单金额", "应结订单金额")  # the first present is the payment's amount
REFUNDED = ("申请退款金额", "退款金额")
KINDS = {"SUCCESS": "payment", "REFUND": "refund", "REVOKED": "refund"}
TOTALS_FIRST = "总交易单数"
TOTALS_CHECKED = {"订单金额": "订单总金额", "申请退款金额": "申请退款总金额"}


def _cells(line: str, width: int) -> list[str]:
    cells = line.split(",")
    if len(cells) != width or not all(cell.startswith("`") for cell in cells):
        unreadable()  # cut short, or not a backticked data line
    return [cell[1:].strip() for cell in cells]


def _column(header: list[str], names: tuple[str, ...]) -> int:
    index = next((header.index(name) for name in names if name in header), None)
    if index is None:
        unreadable()
    return index


def _check_totals(names: list[str], line: str, count: int, sums: dict[str, int]) -> None:
    """The totals line agrees with the data lines: their count, and each checked column's
    sum (订单金额 -> 订单总金额, 申请退款金额 -> 申请退款总金额)."""
    total = dict(zip(names, _cells(line, len(names)), strict=True))
    if not total.get(TOTALS_FIRST, "").isdigit() or int(total[TOTALS_FIRST]) != count:
        unreadable()
    for column, summed in sums.items():
        name = TOTALS_CHECKED[column]
        if name in total and fen(total[name], negative=True) != summed:
            unreadable()


def parse_wechat_bill(raw: bytes, hash_type: str, hash_value: str, *,
                      max_bytes: int = MAX_STATEMENT_BYTES,
                      max_lines: int = MAX_LINES) -> list[StatementLine]:
    """Every line of the downloaded bill, or ProviderUncertain("unreadable_statement")."""
    table = inflate(raw, max_bytes, gzip=True) if raw[:2] == GZIP_MAGIC else raw
    if len(table) > max_bytes or hash_type.upper() != "SHA1" or not hmac.compare_digest(
            hashlib.sha1(table, usedforsecurity=False).hexdigest(), hash_value.lower()):
        unreadable()
    lines = [line for line in counted(decoded(table, "utf-8").splitlines(), max_lines + 3)
             if line.strip()]
    totals_at = next((i for i, line in enumerate(lines) if line.startswith(TOTALS_FIRST)), None)
    if not lines or totals_at is None or totals_at + 2 != len(lines):
        unreadable()  # no totals: the file was cut short
    header = [name.strip() for name in lines[0].split(",")]
    at_id, at_order, at_state = (_column(header, (name,))
                                 for name in (TRANSACTION_ID, ORDER_NO, STATE))
    at_paid, at_refunded = _column(header, PAID), _column(header, REFUNDED)
    summed = {name: header.index(name) for name in TOTALS_CHECKED if name in header}
    sums = dict.fromkeys(summed, 0)
    read: list[StatementLine] = []
    for line in lines[1:totals_at]:
        cells = _cells(line, len(header))
        kind = KINDS.get(cells[at_state])
        if kind is None or not cells[at_order]:
            unreadable()
        for name, index in summed.items():
            sums[name] += fen(cells[index], negative=True)
        amount = fen(cells[at_paid] if kind == "payment" else cells[at_refunded])
        read.append(StatementLine(out_trade_no=cells[at_order][:64], kind=kind,
                                  amount_fen=amount, provider_txn_id=cells[at_id][:64] or None))
    totals_header = [name.strip() for name in lines[totals_at].split(",")]
    _check_totals(totals_header, lines[totals_at + 1], len(read), sums)
    return read

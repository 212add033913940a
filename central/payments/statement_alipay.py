"""Alipay's trade bill read into StatementLines (docs/payments-qr.md, "Alipay").

The download is a ZIP; the member whose name ends ``_业务明细.csv`` is the detail file
(GBK): ``#`` lines, the start marker ``#---...业务明细列表---...``, the column header,
the data lines, the end marker ``#---...业务明细列表结束---...`` and ``#`` totals. Columns
are found by name in the header (extra or moved columns are fine); a field's padding
(Alipay ends fields with a tab) is stripped. 业务类型 交易 is a payment, 退款 a refund
(its amounts negative). The ``#交易合计：N笔`` / ``#退款合计：N笔`` footer lines and the
summary member's 交易订单总笔数 / 退款订单总笔数, where present, must agree with the lines
read: a file that does not add up is refused.
"""

from __future__ import annotations

import csv
import re

from central.payments.providers import StatementLine
from central.payments.statements import (
    MAX_LINES,
    MAX_STATEMENT_BYTES,
    counted,
    decoded,
    fen,
    unreadable,
    unzip,
)

DETAIL_SUFFIX = "_业务明细.csv"
SUMMARY_SUFFIX = "_业务明细(汇总).csv"
TRADE_NO, ORDER_NO, KIND, AMOUNT = "支付宝交易号", "商户订单号", "业务类型", "订单金额（元）"
KINDS = {"交易": "payment", "退款": "refund"}
FOOTER = {"payment": re.compile(r"#交易合计：(\d+)笔"), "refund": re.compile(r"#退款合计：(\d+)笔")}
SUMMARY_COUNTS = {"payment": "交易订单总笔数", "refund": "退款订单总笔数"}


def _rows(text: str, max_lines: int) -> tuple[list[list[str]], list[str]]:
    """The CSV rows between the start and end markers (header first), and the ``#``
    lines after the end marker."""
    lines = counted(text.splitlines(), max_lines + 16)
    starts = [i for i, line in enumerate(lines)
              if line.startswith("#") and "业务明细列表" in line and "结束" not in line]
    ends = [i for i, line in enumerate(lines)
            if line.startswith("#") and "业务明细列表结束" in line]
    if len(starts) != 1 or len(ends) != 1 or ends[0] <= starts[0] + 1:
        unreadable()  # no header, or cut short before the end marker
    body = [line for line in lines[starts[0] + 1:ends[0]] if line.strip()]
    try:
        rows = list(csv.reader(body))
    except csv.Error:
        unreadable()
    return rows, lines[ends[0] + 1:]


def _line(row: list[str], at: dict[str, int], width: int) -> StatementLine:
    if len(row) < width:
        unreadable()  # a line cut short
    cell = {name: row[index].strip() for name, index in at.items()}
    kind = KINDS.get(cell[KIND])
    if kind is None or not cell[ORDER_NO]:
        unreadable()
    amount = fen(cell[AMOUNT], negative=True)
    if (amount < 0) != (kind == "refund") and amount != 0:
        unreadable()  # a payment taken back or a refund paid in: not a trade bill
    return StatementLine(out_trade_no=cell[ORDER_NO][:64], kind=kind, amount_fen=abs(amount),
                         provider_txn_id=cell[TRADE_NO][:64] or None)


def _check_footer(footer: list[str], read: list[StatementLine]) -> None:
    for kind, pattern in FOOTER.items():
        found = next((m for line in footer if (m := pattern.search(line))), None)
        if found is not None and int(found[1]) != sum(1 for x in read if x.kind == kind):
            unreadable()


def _check_summary(text: str, read: list[StatementLine]) -> None:
    rows = list(csv.reader(line for line in text.splitlines()
                                      if line.strip() and not line.startswith("#")))
    if not rows:
        unreadable()
    header = [name.strip() for name in rows[0]]
    total = next((row for row in rows[1:] if any(cell.strip() == "合计" for cell in row)), None)
    if total is None:
        unreadable()
    for kind, name in SUMMARY_COUNTS.items():
        if name in header:
            index = header.index(name)
            count = total[index].strip() if index < len(total) else ""
            if not count.isdigit() or int(count) != sum(1 for x in read if x.kind == kind):
                unreadable()


def parse_alipay_bill(archive: bytes, *, max_bytes: int = MAX_STATEMENT_BYTES,
                      max_lines: int = MAX_LINES) -> list[StatementLine]:
    """Every line of the day's trade bill ZIP, or ProviderUncertain("unreadable_statement")."""
    files = unzip(archive, max_bytes)
    details = [content for name, content in files.items() if name.endswith(DETAIL_SUFFIX)]
    if len(details) != 1:
        unreadable()
    rows, footer = _rows(decoded(details[0], "gbk"), max_lines)
    header = [name.strip() for name in rows[0]]
    if any(name not in header for name in (TRADE_NO, ORDER_NO, KIND, AMOUNT)):
        unreadable()
    at = {name: header.index(name) for name in (TRADE_NO, ORDER_NO, KIND, AMOUNT)}
    read = [_line(row, at, len(header)) for row in counted(rows[1:], max_lines)]
    _check_footer(footer, read)
    summaries = [content for name, content in files.items() if name.endswith(SUMMARY_SUFFIX)]
    if summaries:
        _check_summary(decoded(summaries[0], "gbk"), read)
    return read

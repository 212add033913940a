"""UnionPay's merchant reconciliation file read into StatementLines
(docs/payments-qr.md, "UnionPay").

fileContent is base64 of a zlib-deflated ZIP; its ``INN<yymmdd>88ZM_<merId>`` member is
the 一般交易明细 (ZM) file: GBK lines of fixed-width fields, each followed by one space,
widths in bytes (全渠道平台接入接口规范 第3部分 文件接口, 6.1). Only the fields up to
原交易查询流水号 are needed; a line shorter than that is cut short and refused, anything
after it (原始交易订单号, reserved space) may be there or not.

交易类型 01 is a payment of 交易金额 (fen) under 商户订单号 and 查询流水号; 04 (a refund)
and 31 (a void) are refunds of the payment whose queryId is 原交易查询流水号, reported
under that payment's orderId: 原始交易订单号 when the file has it, else the payment's
line in the same file. Any other transaction type is refused.
"""

from __future__ import annotations

import base64
import binascii

from central.payments.providers import StatementLine
from central.payments.statements import (
    MAX_LINES,
    MAX_STATEMENT_BYTES,
    counted,
    inflate,
    unreadable,
    unzip,
)

ZM_MARK = "ZM_"
# Byte offsets of the fields read: (start, width), each field followed by one space.
WIDTHS = (3, 11, 11, 6, 10, 19, 12, 4, 2, 21, 2, 32, 2, 6, 10, 13, 13, 4, 15, 2, 2, 6, 2, 4,
          32, 1, 21, 15, 1, 15, 32, 13, 13, 8, 32, 13, 13, 12, 2, 1, 32)
STARTS = tuple(sum(WIDTHS[:i]) + i for i in range(len(WIDTHS)))
AMOUNT, QUERY_ID, ORDER_ID, TXN_TYPE, ORIG_QUERY_ID, ORIG_ORDER_ID = 6, 9, 11, 19, 26, 40
NEEDED_BYTES = STARTS[ORIG_QUERY_ID] + WIDTHS[ORIG_QUERY_ID]
KINDS = {"01": "payment", "04": "refund", "31": "refund"}


def _field(line: bytes, index: int) -> str:
    start = STARTS[index]
    try:
        return line[start:start + WIDTHS[index]].decode("gbk").strip()
    except UnicodeDecodeError:
        unreadable()


def _fields(line: bytes) -> dict[int, str]:
    if len(line) < NEEDED_BYTES:
        unreadable()  # cut short
    wanted = (AMOUNT, QUERY_ID, ORDER_ID, TXN_TYPE, ORIG_QUERY_ID, ORIG_ORDER_ID)
    return {index: _field(line, index) for index in wanted}


def parse_zm(content: bytes, *, max_lines: int = MAX_LINES) -> list[StatementLine]:
    rows = [_fields(line) for line in counted(content.splitlines(), max_lines) if line.strip()]
    orders_by_query = {row[QUERY_ID]: row[ORDER_ID] for row in rows if row[TXN_TYPE] == "01"}
    read: list[StatementLine] = []
    for row in rows:
        kind = KINDS.get(row[TXN_TYPE])
        amount = row[AMOUNT]
        if kind is None or not amount.isdigit() or len(amount) != WIDTHS[AMOUNT]:
            unreadable()
        if kind == "payment":
            order_id, payment_id = row[ORDER_ID], row[QUERY_ID]
        else:
            payment_id = row[ORIG_QUERY_ID]
            order_id = row[ORIG_ORDER_ID] or orders_by_query.get(payment_id, "")
        if not order_id or not payment_id:
            unreadable()  # a refund that names no payment this file can tell
        read.append(StatementLine(out_trade_no=order_id[:64], kind=kind,
                                  amount_fen=int(amount), provider_txn_id=payment_id[:64]))
    return read


def parse_unionpay_file(file_content: str, *, max_bytes: int = MAX_STATEMENT_BYTES,
                        max_lines: int = MAX_LINES) -> list[StatementLine]:
    """Every line of the day's ZM file in the answer's fileContent, or
    ProviderUncertain("unreadable_statement")."""
    try:
        packed = base64.b64decode(file_content, validate=True)
    except (binascii.Error, ValueError):
        unreadable()
    files = unzip(inflate(packed, max_bytes), max_bytes)
    zm = [content for name, content in files.items() if ZM_MARK in name.rsplit("/", 1)[-1]]
    if len(zm) != 1:
        unreadable()
    return parse_zm(zm[0], max_lines=max_lines)

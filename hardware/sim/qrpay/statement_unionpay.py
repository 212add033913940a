"""UnionPay's merchant reconciliation file (file transfer, txnType 76, fileType 00): the
answer's fileContent is a ZIP (``<merId>_<yyyymmdd>.zip``), deflated (zlib) and base64
encoded; in it ``INN<yymmdd>88ZM_<merId>``, the 一般交易明细 (ZM) file: one GBK line per
transaction (``\\r\\n``), 42 fixed-width fields each followed by one space, numbers
right-aligned with zeros, text left-aligned with spaces (widths in bytes).

A payment is txnType 01 (交易代码 S22), a refund 04 (S30), a void 31 (S31). A refund or
void has its own orderId and queryId; 原交易查询流水号 names the payment's queryId and
原始交易订单号 the payment's orderId.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date

from hardware.sim.qrpay.keys import UNIONPAY_MER_ID
from hardware.sim.qrpay.ledger import now
from hardware.sim.qrpay.statement import Entry

# (name, width) in the file's order, from 全渠道平台接入接口规范 第3部分 文件接口 6.1.
FIELDS: tuple[tuple[str, int], ...] = (
    ("交易代码", 3), ("代理机构标识码", 11), ("发送机构标识码", 11), ("系统跟踪号", 6),
    ("交易传输时间", 10), ("帐号", 19), ("交易金额", 12), ("商户类别", 4), ("终端类型", 2),
    ("查询流水号", 21), ("支付方式（旧）", 2), ("商户订单号", 32), ("支付卡类型", 2),
    ("原始交易的系统跟踪号", 6), ("原始交易日期时间", 10), ("商户手续费", 13), ("结算金额", 13),
    ("支付方式", 4), ("集团商户代码", 15), ("交易类型", 2), ("交易子类", 2), ("业务类型", 6),
    ("帐号类型", 2), ("账单类型", 4), ("账单号码", 32), ("交互方式", 1), ("原交易查询流水号", 21),
    ("商户代码", 15), ("分账入账方式", 1), ("二级商户代码", 15), ("二级商户简称", 32),
    ("二级商户分账入账金额", 13), ("清算净额", 13), ("终端号", 8), ("商户自定义域", 32),
    ("优惠金额", 13), ("发票金额", 13), ("分期付款附加手续费", 12), ("分期付款期数", 2),
    ("交易介质", 1), ("原始交易订单号", 32), ("保留使用", 98))
NUMERIC = frozenset({"系统跟踪号", "交易金额", "商户手续费", "结算金额", "清算净额",
                     "二级商户分账入账金额", "优惠金额", "发票金额", "分期付款附加手续费"})
ACQUIRER = "00010000"  # the simulated acquiring institution
CODES = {"01": "S22", "04": "S30", "31": "S31"}


def _field(name: str, width: int, value: str) -> bytes:
    raw = value.encode("gbk")[:width]
    if name in NUMERIC and value:
        return raw.rjust(width, b"0")
    return raw.ljust(width, b" ")


def zm_line(entry: Entry) -> bytes:
    txn_type = "01" if not entry.refund else "31" if entry.reversal else "04"
    query_id = entry.refund_txn_id if entry.refund else entry.txn_id
    values = {
        "交易代码": CODES[txn_type], "代理机构标识码": ACQUIRER, "发送机构标识码": ACQUIRER,
        "系统跟踪号": query_id[-6:], "交易传输时间": entry.at.strftime("%m%d%H%M%S"),
        "帐号": "6216********0001", "交易金额": str(entry.amount_fen), "商户类别": "4900",
        "终端类型": "08", "查询流水号": query_id, "支付方式（旧）": "00",
        "商户订单号": entry.refund_no if entry.refund else entry.order_id,
        "支付卡类型": "01", "结算金额": str(entry.amount_fen), "支付方式": "0000",
        "交易类型": txn_type, "交易子类": "00", "业务类型": "000000", "帐号类型": "01",
        "交互方式": "0", "原交易查询流水号": entry.txn_id if entry.refund else "",
        "商户代码": UNIONPAY_MER_ID, "分账入账方式": "0", "清算净额": str(entry.amount_fen),
        "交易介质": "0", "原始交易订单号": entry.order_id if entry.refund else "",
    }
    return b" ".join(_field(name, width, values.get(name, "")) for name, width in FIELDS) + b" "


def zm_name(day: date) -> str:
    return f"INN{day:%y%m%d}88ZM_{UNIONPAY_MER_ID}"


def zip_name(day: date) -> str:
    return f"{UNIONPAY_MER_ID}_{day:%Y%m%d}.zip"


def unionpay_statement(entries: list[Entry], day: date) -> bytes:
    """The ZIP (before deflate and base64)."""
    content = b"".join(zm_line(entry) + b"\r\n" for entry in entries)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(zm_name(day), date_time=now().timetuple()[:6]),
                         content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()

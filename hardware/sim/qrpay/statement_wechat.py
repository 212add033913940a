"""WeChat Pay's trade bill (API v3 ``GET /v3/bill/tradebill``, bill_type ALL): UTF-8
CSV, the column header, one line per payment (交易状态 SUCCESS) or refund (REFUND; a
reverse of a paid order too), every data field prefixed with a backtick; then the
totals header (总交易单数,...) and the totals line, backticked too. ``\\r\\n`` line ends.
hash_value is the SHA1 of this text before any gzip.
"""

from __future__ import annotations

from hardware.sim.qrpay.keys import WECHAT_APPID, WECHAT_MCHID
from hardware.sim.qrpay.statement import Entry, yuan

COLUMNS = ("交易时间", "公众账号ID", "商户号", "特约商户号", "设备号", "微信订单号", "商户订单号",
           "用户标识", "交易类型", "交易状态", "付款银行", "货币种类", "应结订单金额",
           "代金券金额", "微信退款单号", "商户退款单号", "退款金额", "充值券退款金额", "退款类型",
           "退款状态", "商品名称", "商户数据包", "手续费", "费率", "订单金额", "申请退款金额",
           "费率备注")
TOTAL_COLUMNS = ("总交易单数", "应结订单总金额", "退款总金额", "充值券退款总金额", "手续费总金额",
                 "订单总金额", "申请退款总金额")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
ZERO = "0.00"
FEE_RATE = "0.60%"


def _row(entry: Entry) -> list[str]:
    settled = ZERO if entry.refund else yuan(entry.amount_fen)
    back = yuan(entry.amount_fen) if entry.refund else ZERO
    return [entry.at.strftime(TIME_FORMAT), WECHAT_APPID, WECHAT_MCHID, "0", "",
            entry.txn_id, entry.order_id, "o" + entry.txn_id[-16:],
            "NATIVE", "REFUND" if entry.refund else "SUCCESS", "OTHERS", "CNY", settled, ZERO,
            entry.refund_txn_id if entry.refund else "0",
            entry.refund_no if entry.refund else "0", back, ZERO,
            "ORIGINAL" if entry.refund else "", "SUCCESS" if entry.refund else "",
            entry.subject.replace(",", " "), "", "0.00000", FEE_RATE,
            yuan(entry.order_fen), back, ""]


def wechat_statement(entries: list[Entry]) -> bytes:
    rows = [_row(entry) for entry in entries]
    settled = sum(entry.amount_fen for entry in entries if not entry.refund)
    back = sum(entry.amount_fen for entry in entries if entry.refund)
    ordered = sum(entry.order_fen for entry in entries)
    totals = [str(len(rows)), yuan(settled), yuan(back), ZERO, "0.00000", yuan(ordered),
              yuan(back)]
    lines = [",".join(COLUMNS)]
    lines += [",".join("`" + cell for cell in row) for row in rows]
    lines += [",".join(TOTAL_COLUMNS), ",".join("`" + cell for cell in totals)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")

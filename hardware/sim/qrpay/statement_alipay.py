"""Alipay's trade bill (``alipay.data.dataservice.bill.downloadurl.query``,
bill_type trade): a ZIP ``<account>_<yyyymmdd>.csv.zip`` holding two GBK CSV files,
``<account>_<yyyymmdd>_业务明细.csv`` (every payment and refund) and
``<account>_<yyyymmdd>_业务明细(汇总).csv`` (the day's totals). ``<account>`` is the
merchant's partner id (2088..., 16 digits) followed by ``0156``.

The detail file: four ``#`` lines (title, account, period, start marker), the column
header, one line per payment (业务类型 交易) or refund (退款, amounts negative, the
merchant's out_request_no in 退款批次号/请求号), the end marker and three ``#`` lines
(交易合计, 退款合计, 导出时间). Data fields end with a tab, as Alipay writes them so a
spreadsheet keeps long numbers as text (**unconfirmed**: docs/hardware/qrpay-simulator.md).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from hardware.sim.qrpay.ledger import now
from hardware.sim.qrpay.statement import Entry, yuan

ALIPAY_ACCOUNT = "20880000000000010156"  # the simulated merchant's PID + 0156
COLUMNS = ("支付宝交易号", "商户订单号", "业务类型", "商品名称", "创建时间", "完成时间",
           "门店编号", "门店名称", "操作员", "终端号", "对方账户", "订单金额（元）",
           "商家实收（元）", "支付宝红包（元）", "集分宝（元）", "支付宝优惠（元）",
           "商家优惠（元）", "券核销金额（元）", "券名称", "商家红包消费金额（元）",
           "卡消费金额（元）", "退款批次号/请求号", "服务费（元）", "分润（元）", "备注")
SUMMARY_COLUMNS = ("门店编号", "门店名称", "交易订单总笔数", "退款订单总笔数", "订单金额（元）",
                   "商家实收（元）", "支付宝优惠（元）", "商家优惠（元）", "卡消费金额（元）",
                   "服务费（元）", "分润（元）", "实收净额（元）")
RULE = "-" * 41
DETAIL_START = f"#{RULE}业务明细列表{RULE[:-1]}"
DETAIL_END = f"#{RULE}业务明细列表结束{RULE[:-5]}"
SUMMARY_START = f"#{RULE}业务汇总列表{RULE[:-1]}"
SUMMARY_END = f"#{RULE}业务汇总列表结束{RULE[:-5]}"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
ZERO = "0.00"


class GbkName(zipfile.ZipInfo):
    """A member name stored in GBK without the UTF-8 flag, as Alipay's ZIPs hold them
    (the parsers found open them with a GBK charset)."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802  # zipfile's name
        return self.filename.encode("gbk"), self.flag_bits


def _period(day: date) -> str:
    return (f"[{day:%Y年%m月%d日} 00:00:00]   "
            f"终止日期：[{day + timedelta(days=1):%Y年%m月%d日} 00:00:00]")


def _head(title: str, day: date, marker: str) -> list[str]:
    return [f"#{title}", f"#账号：[{ALIPAY_ACCOUNT}]", f"#起始日期：{_period(day)}", marker]


def _row(entry: Entry) -> list[str]:
    fen = -entry.amount_fen if entry.refund else entry.amount_fen
    cells = [entry.txn_id, entry.order_id, "退款" if entry.refund else "交易", entry.subject,
             entry.at.strftime(TIME_FORMAT), entry.at.strftime(TIME_FORMAT), "", "", "", "",
             "", yuan(fen), yuan(fen), ZERO, ZERO, ZERO, ZERO, ZERO, "", ZERO, ZERO,
             entry.refund_no if entry.refund else "", ZERO, ZERO, ""]
    return [cell + "\t" for cell in cells]


def _lines(rows: Sequence[Sequence[str]]) -> list[str]:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().splitlines()


def detail_csv(entries: list[Entry], day: date, exported: datetime) -> str:
    payments = [entry.amount_fen for entry in entries if not entry.refund]
    refunds = [entry.amount_fen for entry in entries if entry.refund]
    lines = _head("支付宝业务明细查询", day, DETAIL_START)
    lines += _lines([COLUMNS]) + _lines([_row(entry) for entry in entries])
    lines += [DETAIL_END,
              f"#交易合计：{len(payments)}笔，商家实收共{yuan(sum(payments))}元，商家优惠共0.00元",
              (f"#退款合计：{len(refunds)}笔，商家实收退款共{yuan(-sum(refunds))}元，"
               "商家优惠退款共0.00元"),
              f"#导出时间：[{exported:%Y年%m月%d日 %H:%M:%S}]"]
    return "\r\n".join(lines) + "\r\n"


def summary_csv(entries: list[Entry], day: date, exported: datetime) -> str:
    paid = sum(entry.amount_fen for entry in entries if not entry.refund)
    back = sum(entry.amount_fen for entry in entries if entry.refund)
    count = sum(1 for entry in entries if not entry.refund)
    total = ("", "合计", str(count), str(len(entries) - count), yuan(paid - back),
             yuan(paid - back), ZERO, ZERO, ZERO, ZERO, ZERO, yuan(paid - back))
    lines = _head("支付宝业务汇总查询", day, SUMMARY_START)
    lines += _lines([SUMMARY_COLUMNS, total])
    lines += [SUMMARY_END, f"#导出时间：[{exported:%Y年%m月%d日 %H:%M:%S}]"]
    return "\r\n".join(lines) + "\r\n"


def zip_name(day: date) -> str:
    return f"{ALIPAY_ACCOUNT}_{day:%Y%m%d}.csv.zip"


def alipay_statement(entries: list[Entry], day: date) -> bytes:
    exported = now()
    out = io.BytesIO()
    stem = f"{ALIPAY_ACCOUNT}_{day:%Y%m%d}"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in ((f"{stem}_业务明细.csv", detail_csv(entries, day, exported)),
                           (f"{stem}_业务明细(汇总).csv", summary_csv(entries, day, exported))):
            member = GbkName(name, date_time=exported.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, text.encode("gbk"))
    return out.getvalue()

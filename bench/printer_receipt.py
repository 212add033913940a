"""The typical bilingual receipt the printer benchmarks measure, and the configured
printer profile. Not a benchmark itself: `python bench/printer_receipt.py out.png`
saves a preview of each language's receipt so you can see what is measured.

A bill payment slip: header, 15 label/value rows, a QR code and a footer, in zh-Hans
plus English, Japanese or Korean. Every value is made up; none is a real person's.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from hardware.document import Align, Document, Feed, QRCode, Row, Rule, Text
from hardware.printer import PrinterProfile

LANGUAGES = ("en", "ja", "ko")

_TITLE = {"en": "Payment receipt", "ja": "お支払い明細", "ko": "납부 영수증"}
_FOOTER = {"en": "Please keep this receipt.", "ja": "この明細書は大切に保管してください。",
           "ko": "이 영수증을 보관해 주십시오."}
_SERVICE = {"en": "Electricity", "ja": "電気", "ko": "전기"}

# (zh-Hans, en, ja, ko) label, then the value.
_ROWS: tuple[tuple[str, str, str, str, str], ...] = (
    ("缴费单位", "Biller", "請求元", "청구 기관", "国网上海市电力公司"),
    ("缴费项目", "Service", "サービス", "서비스", "电费 {service}"),
    ("户号", "Account no.", "お客様番号", "고객 번호", "3100 0000 0042"),
    ("户名", "Account name", "名義", "명의", "张**"),
    ("地址", "Address", "住所", "주소", "浦东新区**路**号"),
    ("账期", "Billing period", "請求期間", "청구 기간", "2024-05"),
    ("上期读数", "Previous reading", "前回検針", "이전 검침", "12 345 kWh"),
    ("本期读数", "Current reading", "今回検針", "현재 검침", "12 611 kWh"),
    ("用电量", "Usage", "使用量", "사용량", "266 kWh"),
    ("应缴金额", "Amount due", "請求額", "청구 금액", "CNY 163.82"),
    ("实缴金额", "Amount paid", "支払額", "납부 금액", "CNY 163.82"),
    ("支付方式", "Paid with", "支払方法", "결제 방법", "UnionPay ****0000"),
    ("交易参考号", "Reference", "取引番号", "거래 번호", "BP-20240601-0007"),
    ("终端号", "Terminal", "端末番号", "단말기 번호", "SH-KIOSK-0042"),
    ("交易时间", "Date and time", "取引日時", "거래 일시", "2024-06-01 14:32:05"),
)


def typical_receipt(language: str) -> Document:
    """The benchmark's bill payment slip in zh-Hans + ``language`` (en, ja or ko)."""
    column = 1 + LANGUAGES.index(language)
    rows = tuple(
        Row(f"{row[0]} {row[column]}", row[4].format(service=_SERVICE[language]),
            bold=row[0] == "实缴金额")
        for row in _ROWS)
    return Document(blocks=(
        Text("上海市民服务中心 自助终端", align=Align.CENTER, bold=True),
        Text("缴费凭证", align=Align.CENTER, bold=True, size=2),
        Text(_TITLE[language], align=Align.CENTER),
        Rule(),
        *rows,
        Rule(),
        QRCode("https://kiosk.example.cn/r/BP-20240601-0007", module=5),
        Text("请妥善保管此凭证。", align=Align.CENTER),
        Text(_FOOTER[language], align=Align.CENTER),
        Feed(2),
    ), language=language, title="benchmark receipt")


def configured_profile(*site_files: Path) -> PrinterProfile:
    """The printer profile the kiosk builds from its configuration (packaged defaults,
    then any site files), exactly as kiosk.bootstrap does."""
    from kiosk.bootstrap import printer_profile  # the kiosk's own wiring
    from kiosk.config import load_config

    return printer_profile(load_config(*site_files))


def all_raster(profile: PrinterProfile) -> PrinterProfile:
    """The same printer with every text line sent as an image."""
    return replace(profile, raster_everything=True)


if __name__ == "__main__":
    from hardware.sim.printer.preview import save_preview

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "receipt.png")
    for lang in LANGUAGES:
        path = target.with_name(f"{target.stem}-{lang}{target.suffix or '.png'}")
        print(save_preview(typical_receipt(lang), configured_profile(), path))

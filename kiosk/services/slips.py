"""Slips as documents: what each printed slip says, bilingual (zh-Hans + the reader's
language, docs/spec/README.md#languages-and-slips). Labels are English msgids marked with N_
and translated through the Translator port, so the slips speak all 8 catalog languages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hardware.document import Align, Block, Document, Feed, QRCode, Row, Rule, Text
from kiosk.domain.bills import Biller
from kiosk.domain.clock import format_timestamp
from kiosk.domain.languages import SLIP_BASE_LANGUAGE
from kiosk.domain.money import format_money
from kiosk.domain.payments import Payment, PaymentState, PayMethod
from kiosk.domain.records import TaxRecord
from kiosk.services.ports import Translator


def N_(message: str) -> str:
    """Marks a message for extraction into the catalogs; translated later."""
    return message


# How a payment was made, as the receipt and the choice screen name it (never a logo).
PAY_METHOD_NAMES = {
    PayMethod.CARD: N_("Bank card"),
    PayMethod.ALIPAY: N_("Alipay"),
    PayMethod.WECHAT: N_("WeChat Pay"),
    PayMethod.UNIONPAY: N_("UnionPay QR"),
}


@dataclass(frozen=True)
class SlipHeader:
    kiosk_id: str
    center_name_zh: str
    center_name_en: str
    location: str
    hotline: str


class _Bilingual:
    def __init__(self, translator: Translator, lang: str) -> None:
        self._tr = translator
        self.lang = lang

    def base(self, message: str) -> str:
        return self._tr.gettext(SLIP_BASE_LANGUAGE, message)

    def reader(self, message: str) -> str:
        return self._tr.gettext(self.lang, message)

    @property
    def monolingual(self) -> bool:
        return self.lang == SLIP_BASE_LANGUAGE

    def __call__(self, message: str) -> str:
        """"缴费单位 Biller": Chinese first, then the reader's language when different."""
        if self.monolingual:
            return self.base(message)
        return f"{self.base(message)} {self.reader(message)}"


def _header(header: SlipHeader, title: str, bi: _Bilingual) -> list[Block]:
    return [
        Text(header.center_name_zh, align=Align.CENTER, bold=True),
        Text(header.center_name_en, align=Align.CENTER),
        Feed(),
        Text(bi.base(title), align=Align.CENTER, bold=True, size=2),
        *([] if bi.monolingual else [Text(bi.reader(title), align=Align.CENTER, bold=True)]),
        Rule(),
    ]


def _footer(header: SlipHeader, bi: _Bilingual, *notes: str) -> list[Block]:
    blocks: list[Block] = [Rule()]
    for note in notes:
        blocks.append(Text(bi(note), align=Align.CENTER))
    blocks.append(Row(bi(N_("Hotline")), header.hotline))
    blocks.append(Feed(2))
    return blocks


def bill_payment_receipt(header: SlipHeader, payment: Payment, biller: Biller, lang: str,
                         translator: Translator, *, reprint_at: datetime | None = None,
                         verify_url: str = "") -> Document:
    """The receipt of docs/spec/bills.md#receipt: kiosk, place and time, biller, account,
    masked name, periods, amount and late fee, card brand and masked PAN, auth code, RRN
    (or, paid with a QR app, the app, the provider's transaction id and the order id),
    status, hotline, and "not a tax invoice"; with the payment's verification code and,
    given ``verify_url`` ("{code}" in it), the QR that opens central's verification."""
    bi = _Bilingual(translator, lang)
    draft = payment.draft
    card = payment.card

    def money(amount: Decimal) -> str:
        return format_money(amount, lang, draft.currency)

    status = (N_("Paid") if payment.state in (PaymentState.AUTHORIZED, PaymentState.RECORDED,
                                               PaymentState.RECEIPTED)
              else N_("Not paid"))
    blocks: list[Block] = _header(header, N_("Utility bill payment receipt"), bi)
    if reprint_at is not None:
        blocks += [Text(bi(N_("Reprint")), align=Align.CENTER, bold=True),
                   Row(bi(N_("Reprinted")), format_timestamp(reprint_at, lang))]
    blocks += [
        Row(bi(N_("Reference")), payment.reference, bold=True),
        Row(bi(N_("Time")), format_timestamp(payment.updated_at, lang)),
        Row(bi(N_("Kiosk")), header.kiosk_id),
        Row(bi(N_("Location")), header.location),
        Rule(),
        Row(bi(N_("Biller")), biller.name_zh),
        *([Text(biller.name_en, align=Align.RIGHT)] if biller.name_en else []),
        Row(bi(N_("Account number")), draft.account_no),
        Row(bi(N_("Account holder")), draft.holder_masked),
        Row(bi(N_("Billing period")), draft.periods),
        Row(bi(N_("Amount")), money(draft.amount - draft.late_fee)),
        Row(bi(N_("Late fee")), money(draft.late_fee)),
        Row(bi(N_("Total paid")), money(draft.amount), bold=True),
        Rule(),
    ]
    if draft.method is not PayMethod.CARD:
        blocks += [
            Row(bi(N_("Paid with")), bi(PAY_METHOD_NAMES[draft.method])),
            Row(bi(N_("Transaction ID")), payment.provider_txn_id or "-"),
            Row(bi(N_("Order ID")), payment.reference),
        ]
    elif card is not None:
        blocks += [
            Row(bi(N_("Card")), card.card_brand or "-"),
            Row(bi(N_("Card number")), card.masked_pan or "-"),
            Row(bi(N_("Authorization code")), card.auth_code or "-"),
            Row(bi(N_("Retrieval reference (RRN)")), card.rrn or "-"),
            Row(bi(N_("Terminal ID")), card.terminal_id or "-"),
            Row(bi(N_("Merchant ID")), card.merchant_id or "-"),
        ]
    blocks += [Row(bi(N_("Status")), bi(status), bold=True)]
    if payment.verification_code is not None:
        blocks += [Rule(), Row(bi(N_("Verification code")), payment.verification_code)]
        if verify_url:
            blocks.append(QRCode(data=verify_url.replace("{code}", payment.verification_code),
                                 align=Align.CENTER))
    blocks += _footer(header, bi, N_("This receipt is not a tax invoice."),
                      N_("Keep this receipt as proof of payment."))
    return Document(blocks=tuple(blocks), language=lang, title=f"receipt {payment.reference}")


def test_slip(header: SlipHeader, printer: str, moment: datetime, job_ref: str) -> Document:
    """A technician's test print: every script the kiosk prints, a QR, the printer's
    profile and the time, so one look says whether encoding, fonts and cutter work."""
    return Document(blocks=(
        Text(header.center_name_zh, align=Align.CENTER, bold=True),
        Text("TEST PRINT / 测试打印", align=Align.CENTER, bold=True, size=2),
        Rule(),
        Row("Kiosk", header.kiosk_id),
        Row("Printer", printer),
        Row("Time", moment.isoformat(timespec="seconds")),
        Row("Job", job_ref),
        Rule(),
        Text("中文：上海市长宁区 缴费凭证"),
        Text("日本語：公共料金の支払い"),
        Text("한국어: 공과금 납부 영수증"),
        Text("Français : reçu, élève, façade"),
        Text("Deutsch: Größe, Übung, Straße"),
        Text("Español: recibo, señal, ¿Qué?"),
        Text("Русский: квитанция об оплате"),  # noqa: RUF001 - Russian, not look-alikes
        Text("0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ", bold=True),
        Text("DOUBLE 双倍", size=2),
        QRCode(data=f"TEST {header.kiosk_id} {job_ref}", align=Align.CENTER),
        Rule(),
        Text("If every line above reads right, the printer is fine.", align=Align.CENTER),
        Feed(2),
    ), language="en", title=f"test print {job_ref}")


def tax_record_slip(header: SlipHeader, record: TaxRecord, lang: str, translator: Translator,
                    verify_url: str, *, issued: str) -> Document:
    """The Individual Income Tax Payment Record of docs/spec/tax-record.md#slip: name, ID type and
    number, taxpayer ID, period, rows and totals, tax authority and seal, issue date,
    verification code and QR."""
    bi = _Bilingual(translator, lang)

    def money(amount: Decimal) -> str:
        return format_money(amount, lang)

    blocks: list[Block] = _header(header, N_("Individual Income Tax Payment Record"), bi)
    blocks += [
        Row(bi(N_("Name")), record.name, bold=True),
        Row(bi(N_("ID type")), bi(ID_TYPES.get(record.id_type, N_("Other document")))),
        Row(bi(N_("ID number")), record.id_number_masked),
        Row(bi(N_("Taxpayer ID")), record.taxpayer_id),
        Row(bi(N_("Period")), f"{record.period_start} - {record.period_end}"),
        Rule(),
    ]
    for row in record.rows:
        blocks += [
            Text(f"{row.period}  {row.income_item}", bold=True),
            Row(bi(N_("Paid in on")), row.paid_on.isoformat()),
            Row(bi(N_("Income")), money(row.income)),
            Row(bi(N_("Tax paid")), money(row.tax_paid)),
            Row(bi(N_("Withholding agent")), row.withholding_agent),
        ]
    blocks += [
        Rule(),
        Row(bi(N_("Total income")), money(record.total_income)),
        Row(bi(N_("Total tax paid")), money(record.total_tax), bold=True),
        Row(bi(N_("Tax authority")), record.tax_authority),
        Text("[" + bi(N_("Electronic seal")) + "] " + record.tax_authority, align=Align.CENTER),
        Row(bi(N_("Issued")), issued),
        Rule(),
        Text(bi(N_("Verification code")), align=Align.CENTER),
        Text(record.verification_code, align=Align.CENTER, bold=True, size=2),
        QRCode(data=verify_url, align=Align.CENTER),
        Text(bi(N_("Scan the code to check this record.")), align=Align.CENTER),
    ]
    blocks += _footer(header, bi)
    return Document(blocks=tuple(blocks), language=lang,
                    title=f"tax record {record.verification_code}")


ID_TYPES = {
    "passport": N_("Passport"),
    "id_card": N_("Identity card"),
    "pr_card": N_("Foreign Permanent Resident ID Card"),
}

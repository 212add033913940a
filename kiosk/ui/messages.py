"""What each error code means to the person at the kiosk: what happened and what to do
next (docs/ui-guide.md#words). The code itself is shown small underneath for staff."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.domain.clock import format_wait
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.availability import Unavailable
from kiosk.ui.i18n import N_, _, current_language

_DECLINE_REASONS = {
    "05": N_("Your bank did not approve the payment."),
    "14": N_("The card number is not valid."),
    "51": N_("There is not enough money on the card."),
    "54": N_("The card has expired."),
    "55": N_("The PIN was wrong."),
    "91": N_("Your bank could not be reached."),
}

# Why a QR payment app refused (kiosk.domain.qr.QrFailure values), for E_QR_DECLINED.
_QR_FAILURES = {
    "insufficient_balance": N_("There is not enough money in the app's account or card."),
    "code_invalid": N_("The payment code has expired or is not a payment code. Refresh the code in your app."),
    "code_used": N_("This payment code was already used. Refresh the code in your app."),
    "declined": N_("The payment app did not approve the payment."),
}

_MESSAGES: dict[ErrorCode, tuple[str, str]] = {
    ErrorCode.ACCOUNT_FORMAT: (
        N_("Check the account number"),
        N_("This account number does not look right. You find it on your bill, for example {example}.")),
    ErrorCode.ACCOUNT_NOT_FOUND: (
        N_("Account not found"),
        N_("We could not find this account. Check the number on your bill and try again.")),
    ErrorCode.NO_BILL_DUE: (
        N_("Nothing to pay"),
        N_("There is no bill to pay on this account right now.")),
    ErrorCode.BILL_LOCKED: (
        N_("Bill is being paid elsewhere"),
        N_("Someone is paying this bill right now at another kiosk or online. Please try again in 10 minutes.")),
    ErrorCode.BILLER_MAINTENANCE: (
        N_("Service under maintenance"),
        N_("This company's payment service is under maintenance. Please try again later.")),
    ErrorCode.CENTRAL_UNAVAILABLE: (
        N_("Service not reachable"),
        N_("The kiosk cannot reach the online service right now. Please try again in a few minutes. If it still does not work, use another kiosk or call the hotline {hotline}.")),
    ErrorCode.CARD_DECLINED: (
        N_("Card declined"),
        N_("The card was declined by your bank ({code}). {reason} Try another card, or another way to pay if this kiosk offers one.")),
    ErrorCode.PAYMENT_CANCELLED: (
        N_("Payment cancelled"),
        N_("You cancelled the payment. Nothing was charged.")),
    ErrorCode.TIMEOUT_REVERSAL: (
        N_("Payment cancelled"),
        N_("The card terminal did not answer in time, so the payment was cancelled. Nothing was charged.")),
    ErrorCode.DEVICE_UNAVAILABLE: (
        N_("Card terminal not working"),
        N_("The card terminal is not working right now. Nothing was charged. Choose another way to pay if this kiosk offers one, or use another kiosk. Hotline: {hotline}.")),
    ErrorCode.QR_DECLINED: (
        N_("Payment not approved"),
        N_("{reason} Nothing was charged. Try again, or choose another way to pay.")),
    ErrorCode.QR_EXPIRED: (
        N_("Code no longer valid"),
        N_("The code was not paid in time, so it was withdrawn. Nothing was charged. You can pay with a new code.")),
    ErrorCode.QR_UNAVAILABLE: (
        N_("QR payment not available"),
        N_("Paying by QR code is not possible right now. Nothing was charged. Choose another way to pay, or try again later.")),
    ErrorCode.QR_ORDER_UNKNOWN: (
        N_("Payment not found"),
        N_("The payment service does not know this payment. Nothing was charged. Please try again.")),
    ErrorCode.PRINT_FAILED_AFTER_PAYMENT: (
        N_("Receipt not printed"),
        N_("Your payment went through and is recorded: only the receipt is missing. Take a photo of your reference on this screen. With it, the hotline {hotline} can have your receipt printed again.")),
    ErrorCode.BARCODE_FORMAT: (
        N_("Check the barcode number"),
        N_("A bill's barcode number has 10 to 48 letters and digits. Type it as printed under the barcode.")),
    ErrorCode.BARCODE_EXPECTED: (
        N_("Not a bill"),
        N_("This is an identity document. Hold the bill's barcode under the reader.")),
    ErrorCode.AMOUNT_INVALID: (
        N_("Check the amount"),
        N_("The amount must be more than zero and not more than what is due.")),
    ErrorCode.PRINT_FAILED: (
        N_("Slip not printed"),
        N_("The slip could not be printed. Touch Print again. If it still does not work, take a photo of the code on this screen: it holds your reference.")),
    ErrorCode.MRZ_UNREADABLE: (
        N_("Document not read"),
        N_("The reader could not read your document. Lay the photo page flat on the glass and hold it still.")),
    ErrorCode.MRZ_CHECKDIGIT: (
        N_("Document not read correctly"),
        N_("The machine-readable lines of your document did not check out. Clean the glass or the page and place the document again.")),
    ErrorCode.MRZ_DATE: (
        N_("Document not read correctly"),
        N_("A date in your document could not be read. Place the document again.")),
    ErrorCode.DOC_EXPIRED: (
        N_("Document expired"),
        N_("This document has expired. Please use a valid passport or ID card.")),
    ErrorCode.PR_FORMAT: (
        N_("Card not read"),
        N_("This does not look like a Foreign Permanent Resident ID Card. Place the card on the card symbol again.")),
    ErrorCode.PR_CHECK: (
        N_("Card not read correctly"),
        N_("The card number did not check out. Place the card on the card symbol again.")),
    ErrorCode.TAXPAYER_NOT_FOUND: (
        N_("No tax records found"),
        N_("The tax system has no taxpayer with this document. If you started work recently, your employer may not have declared you yet.")),
    ErrorCode.IDENTITY_MISMATCH: (
        N_("Details do not match"),
        N_("The tax system knows this document, but with other personal details. If you have another identity document (a new passport, your permanent resident card), try with it. Otherwise call the hotline {hotline}.")),
    ErrorCode.AUTH_FAILED: (
        N_("Code not accepted"),
        N_("The code is not right or has expired. Check the text message and type the code again.")),
    ErrorCode.NO_RECORDS: (
        N_("No records in this period"),
        N_("No tax was declared for you in this period. Choose other months.")),
    ErrorCode.PRE2019_COUNTER: (
        N_("Records before 2019"),
        N_("This kiosk issues tax records from January 2019 on. Choose months from January 2019. For earlier months, call the hotline {hotline}: they tell you how to get them.")),
    ErrorCode.PERIOD_INVALID: (
        N_("Check the months"),
        N_("The last month must not be before the first one or in the future, and the period may be at most 12 months.")),
    ErrorCode.FIELD_REQUIRED: (
        N_("Answer needed"),
        N_("Please answer this question.")),
    ErrorCode.FIELD_FORMAT: (
        N_("Check your answer"),
        N_("This does not look right. Please check it.")),
    ErrorCode.PHONE_FORMAT: (
        N_("Check the phone number"),
        N_("Type a Chinese mobile number (11 digits, starting with 1) or an 8-digit Shanghai landline.")),
    ErrorCode.CHINESE_NATIONAL: (
        N_("Not for Chinese citizens"),
        N_("This registration is for foreign nationals. Chinese citizens register their residence with the local police station.")),
    ErrorCode.OVERSTAY: (
        N_("Your visa or permit has ended"),
        N_("The date on your visa or residence permit has passed. Please go to the exit-entry administration or a police station in person.")),
    ErrorCode.DATES_INVALID: (
        N_("Check the dates"),
        N_("These dates do not fit together. Please check them.")),
    ErrorCode.HOTEL_ADDRESS: (
        N_("Hotel address"),
        N_("Hotels register their guests themselves. You do not need to register a hotel stay here.")),
    ErrorCode.ADDRESS_UNRESOLVED: (
        N_("Address not found"),
        N_("This address could not be found in the address book. Choose it again or ask at the police station.")),
    ErrorCode.OUTSIDE_SHANGHAI: (
        N_("Address outside Shanghai"),
        N_("This kiosk registers stays in Shanghai only.")),
    ErrorCode.DUPLICATE_ACTIVE_REGISTRATION: (
        N_("Already registered"),
        N_("You already have a registration for these dates. Bring your passport to the police station if something changed.")),
    ErrorCode.USCC_FORMAT: (
        N_("Check the company code"),
        N_("A Unified Social Credit Code has 18 letters and digits. You find it on your labour contract or payslip.")),
    ErrorCode.USCC_CHECK: (
        N_("Company code does not check out"),
        N_("This code does not pass its check. Check each character again; very old codes may fail, and you can confirm it anyway.")),
    ErrorCode.RESPONDENT_NOT_FOUND: (
        N_("Employer not found"),
        N_("No company with this code is registered. Check the code on your contract or payslip.")),
    ErrorCode.AGENCY_IS_EMPLOYER: (
        N_("Same company as your employer"),
        N_("This is your employer's code. Type the code of the dispatch agency that sent you there, or go back and answer No.")),
    ErrorCode.NO_CLAIMS: (
        N_("No claims"),
        N_("Add at least one claim: what you ask the commission to decide.")),
    ErrorCode.CLAIM_AMOUNT: (
        N_("Check the amount"),
        N_("An amount must be more than zero, in yuan with at most two decimals.")),
    ErrorCode.FACTS_LENGTH: (
        N_("Facts and reasons"),
        N_("Describe what happened in 50 to 5000 characters.")),
    ErrorCode.DUPLICATE_PENDING_CASE: (
        N_("Case already filed"),
        N_("You already have a pending case against this employer. The commission will contact you about it.")),
    ErrorCode.RATE_LIMITED: (
        N_("Please wait a moment"),
        N_("There were too many attempts in a short time. Please try again in {wait}.")),
    ErrorCode.INTERNAL: (
        N_("Something went wrong"),
        N_("Something went wrong on this kiosk. Please ask for help at the hotline {hotline}.")),
}

_CODE_TOO_SOON = (
    N_("A new code is not ready yet"),
    N_("A code was sent to this phone a short time ago. You can ask for a new one in {wait}."),
)

_REFUND_DUE = (
    N_("Payment not confirmed"),
    N_("The card terminal did not answer and the payment could not be cancelled. If your card was charged, the money will be returned. Keep this reference: {reference}."),
)

_QR_REFUND_DUE = (
    N_("Payment not confirmed"),
    N_("The payment service did not answer, so the kiosk cannot tell whether your app paid. If money was taken, it will be returned. Keep this reference: {reference}."),
)

_QR_REFUNDED = (
    N_("Payment returned"),
    N_("Your payment arrived after the code was withdrawn, so it is being returned to your app. The bill is not paid. You can pay with a new code."),
)


# The kiosk's hotline (kiosk.hotline), set once by the App: every message that offers it
# names the number, whichever screen shows the message.
_hotline = ""


def set_hotline(number: str) -> None:
    global _hotline
    _hotline = number


@dataclass(frozen=True)
class UserMessage:
    title: str
    text: str
    code: str


def describe(error: KioskError, **context: str) -> UserMessage:
    """Translate an error into the current language, filling its placeholders from the
    error's detail and the screen's context (example account number, hotline)."""
    title, text = _MESSAGES.get(error.code, _MESSAGES[ErrorCode.INTERNAL])
    values = {"example": "", "hotline": _hotline, "reference": "", "code": "", "reason": "",
              "wait": ""}
    values.update(context)
    values.update(error.detail)
    if error.code is ErrorCode.RATE_LIMITED:
        seconds = error.detail.get("retry_after_s", "")
        values["wait"] = format_wait(float(seconds) if seconds.isdigit() else 60,
                                     current_language())
        if error.detail.get("limit") == "one_time_code":
            title, text = _CODE_TOO_SOON
    if error.code is ErrorCode.TIMEOUT_REVERSAL and error.detail.get("refund_due") == "true":
        title, text = _REFUND_DUE
    elif error.code.name.startswith("QR_") and error.detail.get("refund_due") == "true":
        title, text = _QR_REFUND_DUE
    elif error.code is ErrorCode.QR_EXPIRED and error.detail.get("refunded") == "true":
        title, text = _QR_REFUNDED
    if error.code is ErrorCode.QR_DECLINED:
        values["reason"] = _(_QR_FAILURES.get(error.detail.get("failure", ""),
                                              _QR_FAILURES["declined"]))
    if error.code is ErrorCode.CARD_DECLINED:
        code = error.detail.get("response_code", "")
        values["code"] = code
        values["reason"] = _(_DECLINE_REASONS.get(code, _DECLINE_REASONS["05"]))
    shown_code = error.code.value
    if error.code is ErrorCode.CARD_DECLINED and values["code"]:
        shown_code = f"{shown_code} ({values['code']})"
    elif error.code is ErrorCode.QR_DECLINED and error.detail.get("failure"):
        shown_code = f"{shown_code} ({error.detail['failure']})"
    return UserMessage(title=_(title), text=_(text).format(**values), code=shown_code)


_UNAVAILABLE = {
    ("printer", "paper_out"): N_("The receipt printer is out of paper."),
    ("printer", "cover_open"): N_("The receipt printer's cover is open."),
    ("printer", None): N_("The receipt printer is not working."),
    ("payment", None): N_("The card terminal is not working."),
    ("payment", "disconnected"): N_("The card terminal is not connected."),
    ("qr", "not_set_up"): N_("Not set up at this kiosk."),
    ("qr", None): N_("Needs the network, which is not reachable now."),
    ("central", None): N_("The payment service cannot be reached."),
    ("config", None): N_("Not set up at this kiosk."),
    ("reader", None): N_("The document reader is not working."),
    ("scanner", None): N_("The payment-code scanner is not working."),
}


def method_unavailable_reason(error: KioskError) -> str:
    """A way to pay is greyed out: why, in a few words (untranslated msgid)."""
    reason = error.detail.get("reason")
    if error.code is ErrorCode.DEVICE_UNAVAILABLE:
        return unavailable_reason(Unavailable(part="payment", reason=reason))
    return _UNAVAILABLE.get(("qr", reason)) or _UNAVAILABLE[("qr", None)]


def scan_unavailable_reason(error: KioskError) -> str:
    """The scan choice is greyed out (the device reading codes is gone): why, in a few
    words (untranslated msgid)."""
    return unavailable_reason(Unavailable(part=error.detail.get("device", "scanner"),
                                          reason=error.detail.get("reason") or None))


def unavailable_reason(why: Unavailable) -> str:
    """A service is greyed out: say why in a few words (untranslated msgid)."""
    return _UNAVAILABLE.get((why.part, why.reason)) or _UNAVAILABLE.get(
        (why.part, None), _UNAVAILABLE[("config", None)])


def warning_text(code: str, values: Mapping[str, str]) -> str:
    """A warning on a summary, translated, with the flow's values (question_values())
    filled in."""
    template = _WARNINGS.get(code)
    if template is None:
        return code
    return f"{_(template).format_map(_Missing(values))}\n{code}"


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


_WARNINGS = {
    "W_LATE_REGISTRATION": N_("You arrived more than 24 hours ago. The registration is accepted, but the police may ask why it is late."),
    "W_DEPARTURE_AFTER_VALIDITY": N_("You plan to stay after your visa or permit ends. Extend it before then."),
    "W_LIMITATION": N_("The one-year time limit for arbitration may have passed (last day {deadline}). The commission decides; you can still apply."),
    "W_JURISDICTION": N_("Neither your workplace nor your employer is in this district. Another arbitration commission may be responsible."),
    "W_NO_EVIDENCE": N_("You listed no evidence and no witnesses. You can still apply, but bring what you have."),
    "W_NO_WORK_PERMIT": N_("Without a work permit the commission may not treat your job as an employment relationship."),
    "W_USCC_CHECK_OVERRIDDEN": N_("The company code did not pass its check, and you confirmed it anyway."),
    "W_STATE_CODE_MAPPED": N_("Your document uses an old country code; it was converted."),
    "W_CARD_LUHN": N_("Your card number did not pass the usual check; UnionPay cards can be fine."),
    "W_PR2017_CHECK": N_("The check character of this card could not be confirmed."),
    "W_USCC_ORG_CODE": N_("Part of the company code did not pass an extra check. Please make sure it is right."),
}

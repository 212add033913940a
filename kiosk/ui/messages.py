"""What each error code means to the person at the kiosk: what happened and what to do
next (UI-GUIDE.md, Words). The code itself is shown small underneath for staff."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.errors import ErrorCode, KioskError
from kiosk.services.availability import Unavailable
from kiosk.ui.i18n import N_, _

_DECLINE_REASONS = {
    "05": N_("Your bank did not approve the payment."),
    "14": N_("The card number is not valid."),
    "51": N_("There is not enough money on the card."),
    "54": N_("The card has expired."),
    "55": N_("The PIN was wrong."),
    "91": N_("Your bank could not be reached."),
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
        N_("This bill is being paid at another kiosk or counter. Please try again in 10 minutes.")),
    ErrorCode.BILLER_MAINTENANCE: (
        N_("Service under maintenance"),
        N_("This company's payment service is under maintenance. Please try again later.")),
    ErrorCode.CENTRAL_UNAVAILABLE: (
        N_("Service not reachable"),
        N_("The kiosk cannot reach the payment service right now. Please try again later or pay at a counter.")),
    ErrorCode.CARD_DECLINED: (
        N_("Card declined"),
        N_("The card was declined by your bank ({code}). {reason} Try another card or pay at a counter.")),
    ErrorCode.PAYMENT_CANCELLED: (
        N_("Payment cancelled"),
        N_("You cancelled the payment. Nothing was charged.")),
    ErrorCode.TIMEOUT_REVERSAL: (
        N_("Payment cancelled"),
        N_("The card terminal did not answer in time, so the payment was cancelled. Nothing was charged.")),
    ErrorCode.DEVICE_UNAVAILABLE: (
        N_("Card terminal not working"),
        N_("The card terminal is not working right now. Nothing was charged. Please pay at a counter.")),
    ErrorCode.PRINT_FAILED_AFTER_PAYMENT: (
        N_("Receipt not printed"),
        N_("Your payment went through, but the receipt could not be printed. Note your reference: staff can reprint the receipt at any time.")),
    ErrorCode.INTERNAL: (
        N_("Something went wrong"),
        N_("Something went wrong on this kiosk. Please ask for help at the hotline {hotline}.")),
}

_REFUND_DUE = (
    N_("Payment not confirmed"),
    N_("The card terminal did not answer and the payment could not be cancelled. If your card was charged, the money will be returned. Keep this reference: {reference}."),
)


@dataclass(frozen=True)
class UserMessage:
    title: str
    text: str
    code: str


def describe(error: KioskError, **context: str) -> UserMessage:
    """Translate an error into the current language, filling its placeholders from the
    error's detail and the screen's context (example account number, hotline)."""
    title, text = _MESSAGES.get(error.code, _MESSAGES[ErrorCode.INTERNAL])
    values = {"example": "", "hotline": "", "reference": "", "code": "", "reason": ""}
    values.update(context)
    values.update(error.detail)
    if error.code is ErrorCode.TIMEOUT_REVERSAL and error.detail.get("refund_due") == "true":
        title, text = _REFUND_DUE
    if error.code is ErrorCode.CARD_DECLINED:
        code = error.detail.get("response_code", "")
        values["code"] = code
        values["reason"] = _(_DECLINE_REASONS.get(code, _DECLINE_REASONS["05"]))
    shown_code = error.code.value
    if error.code is ErrorCode.CARD_DECLINED and values["code"]:
        shown_code = f"{shown_code} ({values['code']})"
    return UserMessage(title=_(title), text=_(text).format(**values), code=shown_code)


_UNAVAILABLE = {
    ("printer", "paper_out"): N_("The receipt printer is out of paper."),
    ("printer", "cover_open"): N_("The receipt printer's cover is open."),
    ("printer", None): N_("The receipt printer is not working."),
    ("payment", None): N_("The card terminal is not working."),
    ("central", None): N_("The payment service cannot be reached."),
    ("config", None): N_("Not set up at this kiosk."),
}


def unavailable_reason(why: Unavailable) -> str:
    """A service is greyed out: say why in a few words (untranslated msgid)."""
    return _UNAVAILABLE.get((why.part, why.reason)) or _UNAVAILABLE.get(
        (why.part, None), _UNAVAILABLE[("config", None)])

"""What the bill payment's screens show: the step in the header, the biller list, the
account entry, the bill and its one amount to pay, the ways to pay it, the card
terminal's prompt, the QR code to scan or the scanner to hold a code to, the paid
receipt, and whether a failure may be tried again. A mixin of BillPaymentFlow
(kiosk.services.bill_payment), kept apart so the state machine stays short; no state of
its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from kiosk.domain.bills import BillAccount, Biller
from kiosk.domain.money import format_money
from kiosk.domain.payments import Payment, PayMethod
from kiosk.domain.qr import QrMode
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.contract import (
    N_,
    AccountEntry,
    BillReview,
    CardPayment,
    CardPrompt,
    MethodChoice,
    MethodOption,
    Paid,
    QrCodePayment,
    QrModeChoice,
    QrPrompt,
    QrScanPayment,
    StepHelp,
    View,
)
from kiosk.services.help import BILL_ACCOUNT
from kiosk.services.ports import CallContext, Clock, PaymentProgress, PaymentPrompt
from kiosk.services.slips import PAY_METHOD_NAMES


class Step(StrEnum):
    CHOOSE_BILLER = "choose_biller"
    ENTER_ACCOUNT = "enter_account"
    LOOKING_UP = "looking_up"
    REVIEW = "review"  # the summary the user confirms before the card is charged
    AMOUNT = "amount"  # another amount, where the biller allows part payment
    ENTER_BARCODE = "enter_barcode"  # the barcode printed on the bill, instead of the account
    CHECKING_METHODS = "checking_methods"  # which ways to pay work now
    CHOOSE_METHOD = "choose_method"  # card, Alipay, WeChat Pay, UnionPay QR
    CHOOSE_QR_MODE = "choose_qr_mode"  # show a code, or scan the app's code
    SCAN_CODE = "scan_code"  # waiting for the app's payment code at the scanner
    PAYING = "paying"
    PRINTING = "printing"
    DONE = "done"  # paid; receipt printed or marked for reprint
    FAILED = "failed"  # nothing charged (declined, reversed) or staff must act (refund due)


# Help (kiosk.services.help) for the account number: where it is on the bill.
ACCOUNT_HELP = N_(
    "The account number (户号) is printed on your bill, near the top, beside your name and "
    "address; the biller's app shows it too. Type only its digits. No account number at "
    "hand? Touch the barcode button and hold the barcode of the bill under the reader.")
SCREEN_HELP = {View.ACCOUNT: StepHelp("account", (ACCOUNT_HELP,), BILL_ACCOUNT)}

BUSY_STEPS = frozenset({Step.LOOKING_UP, Step.CHECKING_METHODS, Step.PAYING, Step.PRINTING})
TOTAL_STEPS = 5
_STEP_NUMBER = {
    Step.CHOOSE_BILLER: 1, Step.ENTER_ACCOUNT: 2, Step.LOOKING_UP: 2, Step.REVIEW: 3,
    Step.AMOUNT: 3, Step.ENTER_BARCODE: 2, Step.CHECKING_METHODS: 4, Step.CHOOSE_METHOD: 4,
    Step.CHOOSE_QR_MODE: 4, Step.SCAN_CODE: 4,
    Step.PAYING: 4, Step.FAILED: 4, Step.PRINTING: 5, Step.DONE: 5,
}
VIEWS = {  # the screen each step needs: the amount and the barcode are questions
    Step.CHOOSE_BILLER: View.BILLER, Step.ENTER_ACCOUNT: View.ACCOUNT,
    Step.LOOKING_UP: View.ACCOUNT, Step.REVIEW: View.REVIEW, Step.AMOUNT: View.QUESTION,
    Step.ENTER_BARCODE: View.QUESTION, Step.CHECKING_METHODS: View.METHOD,
    Step.CHOOSE_METHOD: View.METHOD, Step.CHOOSE_QR_MODE: View.QR_MODE,
    Step.SCAN_CODE: View.QR_SCAN, Step.PAYING: View.PAYING, Step.PRINTING: View.PAID,
    Step.DONE: View.PAID, Step.FAILED: View.FAILED,
}
_CARD_PROMPTS = {
    PaymentPrompt.PRESENT_CARD: CardPrompt.PRESENT_CARD,
    PaymentPrompt.ENTER_PIN: CardPrompt.ENTER_PIN,
    PaymentPrompt.PROCESSING: CardPrompt.PROCESSING,
    PaymentPrompt.REMOVE_CARD: CardPrompt.REMOVE_CARD,
}
_QR_PROMPTS = {
    PaymentPrompt.SHOW_CODE: QrPrompt.SHOW_CODE,
    PaymentPrompt.PROCESSING: QrPrompt.PROCESSING,
    PaymentPrompt.SCANNED: QrPrompt.SCANNED,
    PaymentPrompt.CONFIRM_IN_APP: QrPrompt.CONFIRM_IN_APP,
    PaymentPrompt.CLOSING: QrPrompt.CLOSING,
}
# The ways to pay, in the order offered: text and icons, never the providers' logos.
_ICONS = {PayMethod.CARD: "credit-card"}
METHODS = tuple(MethodOption(method.value, name, _ICONS.get(method, "qrcode"))
                for method, name in PAY_METHOD_NAMES.items())
# Which apps can scan each provider's code (msgids: app names as text).
SCANNING_APPS = {
    PayMethod.ALIPAY: (N_("Alipay"),),
    PayMethod.WECHAT: (N_("WeChat"),),
    PayMethod.UNIONPAY: (N_("UnionPay (Yunshanfu)"), N_("Most Chinese banks' apps")),
}
# Where to hold the app's code, by the device that reads codes (ports.PaymentCodes).
SCANNER_PLACES = {
    "reader": N_("The scanner is the document reader below the screen."),
    "scanner": N_("The payment-code scanner is below the screen."),
}
# Failures after which another payment may be tried: nothing was charged.
_RETRYABLE = frozenset({ErrorCode.CARD_DECLINED, ErrorCode.TIMEOUT_REVERSAL,
                        ErrorCode.DEVICE_UNAVAILABLE, ErrorCode.PAYMENT_CANCELLED,
                        ErrorCode.QR_DECLINED, ErrorCode.QR_EXPIRED, ErrorCode.QR_UNAVAILABLE})


class BillPaymentScreens:
    """The flow's read-only side for the screens (see kiosk/ui/screens/*.py)."""

    # Set by BillPaymentFlow and its base, kiosk.services.flow.Flow.
    step: Step | None
    error: KioskError | None
    ctx: CallContext
    biller: Biller | None
    account_no: str
    barcode: str
    account: BillAccount | None
    payment: Payment | None
    progress: PaymentProgress | None  # the running payment's last prompt
    method: PayMethod | None  # the way to pay chosen (card without a choice)
    qr_mode: QrMode | None  # a QR payment's direction
    clock: Clock
    _billers: tuple[Biller, ...]
    _part: Decimal | None
    _method_errors: dict[PayMethod, KioskError | None]  # why each is greyed; {}: not checked

    if TYPE_CHECKING:  # kiosk.services.bill_payment_paying.PaymentSteps
        @property
        def offers_choice(self) -> bool: ...

        @property
        def scan_unavailable(self) -> KioskError | None: ...

        @property
        def _code_device(self) -> str: ...

    # --- the header, Back and the failure screen -----------------------------------------

    @property
    def step_number(self) -> int:
        return _STEP_NUMBER[self.step] if self.step is not None else 1

    @property
    def total_steps(self) -> int:
        return TOTAL_STEPS

    @property
    def at_start(self) -> bool:
        return self.step is Step.CHOOSE_BILLER

    @property
    def sends_to_fetch(self) -> bool:
        """The account number or the barcode: both are on the bill."""
        return self.step in (Step.ENTER_ACCOUNT, Step.ENTER_BARCODE)

    @property
    def has_answers(self) -> bool:
        """An account number typed or a bill looked up (choosing the biller is one touch
        to redo: no question asked for it)."""
        return bool(self.account_no or self.barcode or self.account is not None)

    @property
    def can_retry(self) -> bool:
        """Another card (or the same again) after a failure that charged nothing; never
        when staff must act (a refund is due)."""
        error = self.error
        return (self.step is Step.FAILED and error is not None and error.code in _RETRYABLE
                and error.detail.get("refund_due") != "true")

    # --- the amount ----------------------------------------------------------------------

    @property
    def amount_to_pay(self) -> Decimal:
        """The one amount of this payment: what the summary, the card screen and the done
        screen show, and what the card is charged. Once the payment exists, its amount
        (what the terminal was asked for); before, the part the user chose, or all due."""
        if self.payment is not None:
            return self.payment.draft.amount
        if self._part is not None:
            return self._part
        return self.account.total_due if self.account is not None else Decimal("0.00")

    @property
    def is_part_payment(self) -> bool:
        """The user chose to pay less than is due (the summary then shows both)."""
        return self.account is not None and self.amount_to_pay != self.account.total_due

    @property
    def partial_allowed(self) -> bool:
        return self.account is not None and self.account.partial_allowed

    @property
    def can_cancel_payment(self) -> bool:
        """The user may cancel at the kiosk: while the terminal still waits for the card,
        or while a QR payment is not withdrawn yet (a close answering PAID is kept)."""
        if self.step is not Step.PAYING:
            return False
        prompt = self.progress.prompt if self.progress is not None else None
        if self.method is PayMethod.CARD:
            return prompt in (None, PaymentPrompt.PRESENT_CARD)
        return prompt is not PaymentPrompt.CLOSING

    @property
    def paying_view(self) -> View:
        """The screen of a running payment: the card terminal's, a code, or the scanner."""
        if self.method is None or self.method is PayMethod.CARD:
            return View.PAYING
        return View.QR_SCAN if self.qr_mode is QrMode.SCAN else View.QR_CODE

    # --- what the screens show ---------------------------------------------------------

    def billers(self) -> tuple[Biller, ...]:
        return self._billers

    def account_entry(self) -> AccountEntry | None:
        if self.biller is None:
            return None
        return AccountEntry(biller=self.biller, account_no=self.account_no,
                            looking_up=self.step is Step.LOOKING_UP)

    def bill_review(self) -> BillReview | None:
        if self.biller is None or self.account is None:
            return None
        return BillReview(biller=self.biller, account=self.account,
                          amount_to_pay=self.amount_to_pay,
                          is_part_payment=self.is_part_payment,
                          partial_allowed=self.partial_allowed,
                          choose_method=self.offers_choice)

    def card_payment(self) -> CardPayment | None:
        if self.account is None:
            return None
        prompt = self.progress.prompt if self.progress is not None else None
        return CardPayment(amount=self.amount_to_pay, prompt=_CARD_PROMPTS.get(prompt)
                           if prompt is not None else None,
                           can_cancel=self.can_cancel_payment)

    def method_choice(self) -> MethodChoice | None:
        if self.account is None or self.step not in (Step.CHECKING_METHODS,
                                                     Step.CHOOSE_METHOD):
            return None
        checking = self.step is Step.CHECKING_METHODS
        return MethodChoice(amount=self.amount_to_pay, checking=checking, options=tuple(
            option if checking else _with_error(option, self._method_errors)
            for option in METHODS))

    def qr_mode_choice(self) -> QrModeChoice | None:
        option = self._method_option
        if self.account is None or option is None or self.step is not Step.CHOOSE_QR_MODE:
            return None
        return QrModeChoice(method=option, amount=self.amount_to_pay,
                            scan_unavailable=self.scan_unavailable)

    def qr_code(self) -> QrCodePayment | None:
        option, method = self._method_option, self.method
        if self.account is None or option is None or method is None:
            return None
        progress = self.progress
        prompt = _QR_PROMPTS.get(progress.prompt, QrPrompt.PROCESSING) \
            if progress is not None else QrPrompt.PROCESSING
        left = 0
        if progress is not None and progress.expires_at is not None:
            left = max(0, int((progress.expires_at - self.clock.now()).total_seconds()))
        return QrCodePayment(method=option, amount=self.amount_to_pay,
                             content=progress.qr_content if progress is not None else None,
                             apps=SCANNING_APPS.get(method, ()), seconds_left=left,
                             prompt=prompt, can_cancel=self.can_cancel_payment)

    def qr_scan(self) -> QrScanPayment | None:
        option = self._method_option
        if self.account is None or option is None:
            return None
        progress = self.progress
        if self.step is Step.SCAN_CODE or progress is None:
            prompt = QrPrompt.HOLD_CODE if self.step is Step.SCAN_CODE else QrPrompt.PROCESSING
        else:
            prompt = _QR_PROMPTS.get(progress.prompt, QrPrompt.PROCESSING)
        return QrScanPayment(method=option, amount=self.amount_to_pay, prompt=prompt,
                             scanner=SCANNER_PLACES.get(self._code_device,
                                                        SCANNER_PLACES["scanner"]),
                             can_cancel=self.can_cancel_payment)

    @property
    def _method_option(self) -> MethodOption | None:
        return next((o for o in METHODS if self.method is not None
                     and o.key == self.method.value), None)

    def paid(self) -> Paid | None:
        if self.payment is None:
            return None
        return Paid(amount=self.amount_to_pay, reference=self.payment.reference,
                    printing=self.step is Step.PRINTING)

    def question_values(self) -> Mapping[str, str]:
        """The amount question's hint: "Any amount up to {due}"."""
        due = self.account.total_due if self.account is not None else Decimal("0")
        return {"due": format_money(due, self.ctx.lang)}


def _with_error(option: MethodOption, errors: dict[PayMethod, KioskError | None]) -> MethodOption:
    error = errors.get(PayMethod(option.key))
    return option if error is None else MethodOption(option.key, option.label, option.icon,
                                                     unavailable=error)

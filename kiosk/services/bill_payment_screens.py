"""What the bill payment's screens show: the step in the header, the biller list, the
account entry, the bill and its one amount to pay, the card terminal's prompt, the paid
receipt, and whether a failure may be tried again. A mixin of BillPaymentFlow
(kiosk.services.bill_payment), kept apart so the state machine stays short; no state of
its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum

from hardware.base import TerminalEvent
from kiosk.domain.bills import BillAccount, Biller
from kiosk.domain.money import format_money
from kiosk.domain.payments import Payment
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.contract import AccountEntry, BillReview, CardPayment, CardPrompt, Paid, View
from kiosk.services.ports import CallContext


class Step(StrEnum):
    CHOOSE_BILLER = "choose_biller"
    ENTER_ACCOUNT = "enter_account"
    LOOKING_UP = "looking_up"
    REVIEW = "review"  # the summary the user confirms before the card is charged
    AMOUNT = "amount"  # another amount, where the biller allows part payment
    ENTER_BARCODE = "enter_barcode"  # the barcode printed on the bill, instead of the account
    PAYING = "paying"
    PRINTING = "printing"
    DONE = "done"  # paid; receipt printed or marked for reprint
    FAILED = "failed"  # nothing charged (declined, reversed) or staff must act (refund due)


BUSY_STEPS = frozenset({Step.LOOKING_UP, Step.PAYING, Step.PRINTING})
TOTAL_STEPS = 5
_STEP_NUMBER = {
    Step.CHOOSE_BILLER: 1, Step.ENTER_ACCOUNT: 2, Step.LOOKING_UP: 2, Step.REVIEW: 3,
    Step.AMOUNT: 3, Step.ENTER_BARCODE: 2,
    Step.PAYING: 4, Step.FAILED: 4, Step.PRINTING: 5, Step.DONE: 5,
}
VIEWS = {  # the screen each step needs: the amount and the barcode are questions
    Step.CHOOSE_BILLER: View.BILLER, Step.ENTER_ACCOUNT: View.ACCOUNT,
    Step.LOOKING_UP: View.ACCOUNT, Step.REVIEW: View.REVIEW, Step.AMOUNT: View.QUESTION,
    Step.ENTER_BARCODE: View.QUESTION, Step.PAYING: View.PAYING, Step.PRINTING: View.PAID,
    Step.DONE: View.PAID, Step.FAILED: View.FAILED,
}
_CARD_PROMPTS = {
    TerminalEvent.PRESENT_CARD: CardPrompt.PRESENT_CARD,
    TerminalEvent.ENTER_PIN: CardPrompt.ENTER_PIN,
    TerminalEvent.PROCESSING: CardPrompt.PROCESSING,
    TerminalEvent.REMOVE_CARD: CardPrompt.REMOVE_CARD,
}
# Failures after which another payment may be tried: nothing was charged.
_RETRYABLE = frozenset({ErrorCode.CARD_DECLINED, ErrorCode.TIMEOUT_REVERSAL,
                        ErrorCode.DEVICE_UNAVAILABLE, ErrorCode.PAYMENT_CANCELLED})


class BillPaymentScreens:
    """The flow's read-only side for the screens (see kiosk/ui/screens/*.py)."""

    # Set by BillPaymentFlow and its base, kiosk.services.flow.Flow.
    step: Step | None
    error: KioskError | None
    ctx: CallContext
    biller: Biller | None
    account_no: str
    account: BillAccount | None
    payment: Payment | None
    terminal_prompt: TerminalEvent | None
    _billers: tuple[Biller, ...]
    _part: Decimal | None

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
        """The terminal still waits for the card: the user may cancel at the kiosk."""
        return self.step is Step.PAYING and self.terminal_prompt in (
            None, TerminalEvent.PRESENT_CARD)

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
                          partial_allowed=self.partial_allowed)

    def card_payment(self) -> CardPayment | None:
        if self.account is None:
            return None
        prompt = self.terminal_prompt
        return CardPayment(amount=self.amount_to_pay,
                           prompt=_CARD_PROMPTS[prompt] if prompt is not None else None,
                           can_cancel=self.can_cancel_payment)

    def paid(self) -> Paid | None:
        if self.payment is None:
            return None
        return Paid(amount=self.amount_to_pay, reference=self.payment.reference,
                    printing=self.step is Step.PRINTING)

    def question_values(self) -> Mapping[str, str]:
        """The amount question's hint: "Any amount up to {due}"."""
        due = self.account.total_due if self.account is not None else Decimal("0")
        return {"due": format_money(due, self.ctx.lang)}

"""The bill payment state machine against in-memory fakes of its ports."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from hardware.base import REASON_DISCONNECTED, REASON_TIMEOUT, DeviceError, Health, PrintOutcome
from kiosk.domain.payments import PaymentState
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.bill_payment import BillPaymentFlow, Step
from kiosk.services.ports import CallContext
from service_fakes import POWER, WATER, World


def new_flow(world: World, lang: str = "en") -> BillPaymentFlow:
    ctx = CallContext(kiosk_id="SH-CN-TEST-01", session_id="s1", lang=lang)
    return BillPaymentFlow(world.deps(), ctx, (WATER, POWER))


def run_until_idle(flow: BillPaymentFlow) -> Step:
    while flow.busy:
        flow.advance()
    return flow.step


def to_review(flow: BillPaymentFlow, account: str = "3100012345") -> None:
    flow.choose_biller("sh-water")
    assert flow.submit_account(account)
    run_until_idle(flow)


def test_happy_path_charges_records_and_prints_once() -> None:
    """GIVEN a water account with two bills
    WHEN the user looks it up, confirms and the card is approved
    THEN the card is charged the total in fen once, the payment goes CREATED ->
    AUTHORIZED -> RECORDED -> RECEIPTED, one outbox message is queued and the forwarder
    woken, and one receipt is printed."""
    world = World()
    flow = new_flow(world)
    to_review(flow)
    assert flow.step is Step.REVIEW
    assert flow.account is not None and str(flow.account.total_due) == "128.96"

    flow.confirm()
    assert run_until_idle(flow) is Step.DONE

    assert world.terminal.sales == [(flow.payment.reference, 12896)]  # type: ignore[union-attr]
    ref = flow.payment.reference  # type: ignore[union-attr]
    assert [s for r, s in world.journal.history if r == ref] == [
        PaymentState.CREATED, PaymentState.AUTHORIZED, PaymentState.RECORDED,
        PaymentState.RECEIPTED]
    assert len(world.journal.outbox) == 1
    message = world.journal.outbox[0]
    assert message.kind == "bill_payment"
    assert message.payload["amount"] == "128.96" and message.payload["reference"] == ref
    assert world.waker.wakes == 1
    assert flow.receipt_printed is True and flow.error is None
    assert len(world.printer.printed) == 1


def test_receipt_shows_what_domain_requires() -> None:
    """GIVEN an approved payment
    WHEN the receipt is built
    THEN it names biller, account, masked holder, periods, amounts, masked card, auth code,
    RRN, status, hotline and "not a tax invoice", bilingual zh-Hans + the reader's language."""
    world = World()
    flow = new_flow(world, lang="fr")
    to_review(flow)
    flow.confirm()
    run_until_idle(flow)
    text = world.printer.printed[0][1].plain_text()
    for expected in ("上海城投水务", "3100012345", "王*", "2026-09, 2026-10", "128,96",
                     "0,46", "622848******1234", "123456", "612345678901", "12345",
                     flow.payment.reference,  # type: ignore[union-attr]
                     "[zh-Hans]Biller [fr]Biller", "[fr]This receipt is not a tax invoice."):
        assert expected in text


def test_wrong_account_format_is_refused_before_any_lookup() -> None:
    """GIVEN the water biller (8-12 digits)
    WHEN the user submits "12AB"
    THEN E_ACCOUNT_FORMAT is shown, the step stays, and central is not asked."""
    world = World()
    flow = new_flow(world)
    flow.choose_biller("sh-water")
    assert not flow.submit_account("12AB")
    assert flow.step is Step.ENTER_ACCOUNT
    assert flow.error is not None and flow.error.code is ErrorCode.ACCOUNT_FORMAT
    assert world.directory.calls == []


def test_unknown_account_returns_to_entry_with_message_and_charges_nothing() -> None:
    """GIVEN an account central does not know
    WHEN it is looked up
    THEN the flow is back on the account step with E_ACCOUNT_NOT_FOUND and nothing was charged."""
    world = World()
    flow = new_flow(world)
    to_review(flow, account="31000999")
    assert flow.step is Step.ENTER_ACCOUNT
    assert flow.error is not None and flow.error.code is ErrorCode.ACCOUNT_NOT_FOUND
    assert flow.account_no == "31000999"  # kept so the user can correct it
    assert world.terminal.sales == [] and world.journal.payments == {}


def test_central_unavailable_during_lookup_is_reported() -> None:
    """GIVEN central cannot be reached
    WHEN the account is looked up
    THEN the user sees E_CENTRAL_UNAVAILABLE on the account step."""
    world = World()
    world.directory.failure = KioskError(ErrorCode.CENTRAL_UNAVAILABLE)
    flow = new_flow(world)
    to_review(flow)
    assert flow.step is Step.ENTER_ACCOUNT
    assert flow.error is not None and flow.error.code is ErrorCode.CENTRAL_UNAVAILABLE


def test_declined_card_records_nothing_as_paid() -> None:
    """GIVEN a card the bank declines with 51
    WHEN the user pays
    THEN the payment is DECLINED, E_CARD_DECLINED carries 51, no outbox message exists,
    nothing is printed, and trying again makes a new payment."""
    world = World()
    world.terminal.response_code = "51"
    flow = new_flow(world)
    to_review(flow)
    flow.confirm()
    assert run_until_idle(flow) is Step.FAILED
    assert flow.error is not None and flow.error.code is ErrorCode.CARD_DECLINED
    assert flow.error.detail["response_code"] == "51"
    assert flow.payment is not None and flow.payment.state is PaymentState.DECLINED
    assert world.journal.outbox == [] and world.printer.printed == []

    world.terminal.response_code = "00"
    flow.try_again()
    assert flow.step is Step.REVIEW
    flow.confirm()
    assert run_until_idle(flow) is Step.DONE
    assert len(world.journal.payments) == 2 and len(world.journal.outbox) == 1


def test_terminal_timeout_is_reversed_and_never_charged_twice() -> None:
    """GIVEN a terminal that does not answer the sale
    WHEN the user pays
    THEN the kiosk sends a reversal for the same reference, the payment is REVERSED and
    the user sees E_TIMEOUT_REVERSAL; nothing is recorded as paid."""
    world = World()
    world.terminal.sale_error = DeviceError("payment", REASON_TIMEOUT)
    flow = new_flow(world)
    to_review(flow)
    flow.confirm()
    assert run_until_idle(flow) is Step.FAILED
    ref = flow.payment.reference  # type: ignore[union-attr]
    assert world.terminal.reversals == [ref]
    assert world.journal.payments[ref].state is PaymentState.REVERSED
    assert flow.error is not None and flow.error.code is ErrorCode.TIMEOUT_REVERSAL
    assert world.journal.outbox == []


def test_lost_answer_of_an_approved_sale_keeps_the_payment() -> None:
    """GIVEN a terminal whose approval never reached the kiosk
    WHEN the kiosk asks the terminal for the sale's status
    THEN the approval is kept: the payment is recorded and receipted, and no reversal is
    sent (the user paid once and gets a receipt)."""
    world = World()
    world.terminal.sale_error = DeviceError("payment", REASON_TIMEOUT)
    world.terminal.status_error = None
    world.terminal.known_code = "00"
    flow = new_flow(world)
    to_review(flow)
    flow.confirm()
    assert run_until_idle(flow) is Step.DONE
    ref = flow.payment.reference  # type: ignore[union-attr]
    assert world.terminal.reversals == []
    assert world.journal.payments[ref].state is PaymentState.RECEIPTED
    assert len(world.journal.outbox) == 1


def test_lost_answer_of_a_sale_the_terminal_never_saw_charges_nothing() -> None:
    """GIVEN a sale the terminal says it never received
    WHEN its answer is missing
    THEN the payment is closed as REVERSED without a reversal message, E_TIMEOUT_REVERSAL."""
    world = World()
    world.terminal.sale_error = DeviceError("payment", REASON_TIMEOUT)
    world.terminal.status_error = None
    world.terminal.known_code = None
    flow = new_flow(world)
    to_review(flow)
    flow.confirm()
    assert run_until_idle(flow) is Step.FAILED
    assert world.terminal.reversals == []
    assert flow.payment is not None and flow.payment.state is PaymentState.REVERSED
    assert flow.error is not None and flow.error.code is ErrorCode.TIMEOUT_REVERSAL


def test_lost_answer_of_a_sale_the_terminal_reversed_itself_is_closed() -> None:
    """GIVEN a lost answer, and a terminal that reports the sale as reversed ("RV")
    WHEN the kiosk asks
    THEN the payment is REVERSED (nothing charged), never recorded as paid."""
    world = World()
    world.terminal.sale_error = DeviceError("payment", REASON_TIMEOUT)
    world.terminal.status_error = None
    world.terminal.known_code = "RV"
    flow = new_flow(world)
    to_review(flow)
    flow.confirm()
    assert run_until_idle(flow) is Step.FAILED
    assert flow.payment is not None and flow.payment.state is PaymentState.REVERSED
    assert world.journal.outbox == [] and world.terminal.reversals == []


def test_cancel_while_waiting_for_the_card_charges_nothing() -> None:
    """GIVEN a sale waiting for the card
    WHEN the user presses cancel on the kiosk
    THEN the terminal is told, the sale ends with 17, the payment is DECLINED and the user
    sees E_PAYMENT_CANCELLED with the choice to try again."""
    world = World()
    flow = new_flow(world)
    to_review(flow)
    flow.confirm()
    assert flow.can_cancel_payment
    flow.cancel_payment()
    assert run_until_idle(flow) is Step.FAILED
    assert world.terminal.cancelled
    assert flow.error is not None and flow.error.code is ErrorCode.PAYMENT_CANCELLED
    assert flow.payment is not None and flow.payment.state is PaymentState.DECLINED
    assert world.journal.outbox == [] and world.printer.printed == []
    flow.try_again()
    assert flow.step is Step.REVIEW


def test_failed_reversal_marks_refund_due_with_reference() -> None:
    """GIVEN a terminal that neither answers the sale nor the reversal
    WHEN the user pays
    THEN the payment is REFUND_DUE and the error carries the reference for staff."""
    world = World()
    world.terminal.sale_error = DeviceError("payment", REASON_TIMEOUT)
    world.terminal.reversal_error = DeviceError("payment", REASON_DISCONNECTED)
    flow = new_flow(world)
    to_review(flow)
    flow.confirm()
    run_until_idle(flow)
    ref = flow.payment.reference  # type: ignore[union-attr]
    assert world.journal.payments[ref].state is PaymentState.REFUND_DUE
    assert flow.error is not None and flow.error.detail["reference"] == ref


def test_unplugged_terminal_is_refused_before_any_payment_exists() -> None:
    """GIVEN the payment terminal's port is gone
    WHEN the user confirms
    THEN E_DEVICE_UNAVAILABLE is shown, no payment is created and no sale sent."""
    world = World()
    world.terminal.health = Health.FAULT
    world.terminal.reason = REASON_DISCONNECTED
    flow = new_flow(world)
    to_review(flow)
    flow.confirm()
    assert run_until_idle(flow) is Step.FAILED
    assert flow.error is not None and flow.error.code is ErrorCode.DEVICE_UNAVAILABLE
    assert world.journal.payments == {} and world.terminal.sales == []


@pytest.mark.parametrize("outcome", [PrintOutcome.NOT_PRINTED, PrintOutcome.UNCERTAIN])
def test_printer_failure_after_approval_keeps_payment_and_offers_reprint(
        outcome: PrintOutcome) -> None:
    """GIVEN a printer out of paper after the card was approved
    WHEN the receipt is printed
    THEN the payment stays RECORDED (paid, queued for central), the user is told the
    reference with E_PRINT_FAILED_AFTER_PAYMENT, and the job is kept for reprint."""
    world = World()
    world.printer.outcome = outcome
    world.printer.reason = "paper_out"
    flow = new_flow(world)
    to_review(flow)
    flow.confirm()
    assert run_until_idle(flow) is Step.DONE
    ref = flow.payment.reference  # type: ignore[union-attr]
    assert world.journal.payments[ref].state is PaymentState.RECORDED
    assert len(world.journal.outbox) == 1
    assert flow.receipt_printed is False
    assert flow.error is not None and flow.error.code is ErrorCode.PRINT_FAILED_AFTER_PAYMENT
    assert flow.error.detail["reference"] == ref
    assert world.print_jobs.latest(ref).state.value == outcome.value  # type: ignore[union-attr]


def test_back_and_language_switch_keep_what_was_entered() -> None:
    """GIVEN a looked-up bill
    WHEN the user switches language and goes back
    THEN the account number is kept and the new language is used for the call context."""
    world = World()
    flow = new_flow(world)
    to_review(flow)
    flow.set_language("ko")
    flow.back()
    assert flow.step is Step.ENTER_ACCOUNT and flow.account_no == "3100012345"
    assert flow.ctx.lang == "ko"
    flow.back()
    assert flow.step is Step.CHOOSE_BILLER


def test_wipe_forgets_personal_data() -> None:
    """GIVEN a finished payment
    WHEN the session is wiped
    THEN the flow holds no account, holder name or payment."""
    world = World()
    flow = new_flow(world)
    to_review(flow)
    flow.wipe()
    assert flow.account is None and flow.account_no == "" and flow.payment is None


def test_barcode_lookup_finds_the_account() -> None:
    """GIVEN a bill's barcode instead of its account number
    WHEN the user types it (lower case and spaces are fine)
    THEN the bill is looked up by barcode and the account number comes from central;
    a barcode of the wrong shape is refused with E_BARCODE_FORMAT before any look-up."""
    world = World()
    flow = new_flow(world)
    flow.choose_biller("sh-water")
    flow.use_barcode()
    assert flow.step is Step.ENTER_BARCODE
    flow.answer("SW-1")
    assert flow.step is Step.ENTER_BARCODE and flow.form is not None
    assert flow.form.error is ErrorCode.BARCODE_FORMAT
    assert world.directory.calls == []
    assert flow.submit_barcode("sw3100012345 202510 7")
    run_until_idle(flow)
    assert flow.step is Step.REVIEW and flow.account_no == "3100012345"
    assert world.directory.barcodes == ["SW31000123452025107"]


def test_part_payment_where_the_biller_allows_it() -> None:
    """GIVEN a bill whose biller accepts part payments
    WHEN the user chooses to pay 50.00 of 128.96, after trying 200.00
    THEN 200.00 is refused with E_AMOUNT_INVALID, the flow's one amount to pay is 50.00
    from the summary to the end (a part payment), and the card is charged 50.00 with the
    late fee (0.46) counted first."""
    world = World()
    account = world.directory.accounts[("sh-water", "3100012345")]
    world.directory.accounts[("sh-water", "3100012345")] = replace(account, partial_allowed=True)
    flow = new_flow(world)
    to_review(flow)
    flow.change_amount()
    assert flow.step is Step.AMOUNT
    flow.answer(Decimal("200.00"))
    assert flow.form is not None and flow.form.error is ErrorCode.AMOUNT_INVALID
    flow.answer(Decimal("50.00"))
    assert flow.step is Step.REVIEW and flow.amount_to_pay == Decimal("50.00")
    assert flow.is_part_payment
    seen: list[Decimal] = []
    flow.listener = lambda changed: seen.append(changed.amount_to_pay)
    flow.confirm()
    assert run_until_idle(flow) is Step.DONE
    assert set(seen) == {Decimal("50.00")} and flow.amount_to_pay == Decimal("50.00")
    assert world.terminal.sales[-1][1] == 5000
    payment = flow.payment
    assert payment is not None and payment.draft.late_fee == Decimal("0.46")
    assert payment.draft.amount == Decimal("50.00")


def test_part_payment_is_not_offered_when_the_biller_does_not_allow_it() -> None:
    """GIVEN a biller without part payments
    WHEN the user asks to change the amount
    THEN nothing changes: the whole amount due is charged."""
    world = World()
    flow = new_flow(world)
    to_review(flow)
    flow.change_amount()
    assert flow.step is Step.REVIEW and flow.amount_to_pay == Decimal("128.96")
    assert not flow.is_part_payment

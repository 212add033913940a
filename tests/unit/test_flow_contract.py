"""The UI's contract with the services (kiosk.services.contract), kept by every flow:
each step names the screen it needs, the screens' one primary command (confirm) does
what their button says, a command a step does not take is ignored, and a device's
events reach the screens as the services' own view models."""

from __future__ import annotations

from arbitration_world import (
    EMPLOYER,
    World as ArbitrationWorld,
    about_you,
    run as run_arbitration,
    say,
)
from kiosk.services.arbitration import ArbStep
from kiosk.services.bill_payment import BillPaymentFlow
from kiosk.services.contract import CardPrompt, ServiceFlow, View
from kiosk.services.ports import CallContext
from kiosk.services.stay import StayStep
from service_fakes import POWER, WATER, World
from stay_world import (
    ENTRY,
    ROOM_PATH,
    STAY,
    TD3_VALID,
    World as StayWorld,
    answer,
    choose_path,
    mrz_read,
    read,
)


def bill_flow(world: World) -> BillPaymentFlow:
    ctx = CallContext(kiosk_id="SH-CN-TEST-01", session_id="s1", lang="en")
    return BillPaymentFlow(world.deps(), ctx, (WATER, POWER))


def run(flow: ServiceFlow) -> None:
    while flow.busy:
        flow.advance()


def test_the_bill_payment_shows_its_steps_through_the_contract() -> None:
    """GIVEN a bill payment driven only through the contract's commands
    WHEN the user picks the water biller, answers with the account, confirms the amount
    and the card is approved
    THEN each step names its screen (biller, account while looking up, review, paying,
    paid), busy is set exactly while advance() has work, the view models say what the
    screens show, and the reference to keep is the payment's."""
    world = World()
    flow = bill_flow(world)
    assert (flow.view, flow.busy, flow.at_start) == (View.BILLER, False, True)
    assert [b.id for b in flow.billers()] == ["sh-water", "sh-power"]
    flow.choose("sh-water")
    entry = flow.account_entry()
    assert flow.view is View.ACCOUNT and entry is not None and entry.biller == WATER
    flow.answer("3100012345")
    entry = flow.account_entry()
    assert flow.view is View.ACCOUNT and flow.busy and entry is not None and entry.looking_up
    run(flow)
    review = flow.bill_review()
    assert flow.view is View.REVIEW and not flow.busy and review is not None
    assert str(review.amount_to_pay) == "128.96" and not review.is_part_payment
    flow.confirm()
    assert flow.view is View.PAYING and flow.busy and not flow.interruptible
    run(flow)
    paid = flow.paid()
    assert flow.view is View.PAID and not flow.busy and paid is not None
    assert flow.payment is not None and paid.reference == flow.reference == flow.payment.reference
    assert flow.receipt_printed is True and not paid.printing


def test_the_card_terminals_prompts_reach_the_screen_as_the_services_own() -> None:
    """GIVEN a sale under way, the terminal prompting for the card and then processing
    WHEN the card screen reads the flow at each change
    THEN it gets the services' CardPrompt (never the hardware's event), Cancel only
    while the terminal waits for the card."""
    world = World()
    flow = bill_flow(world)
    flow.choose("sh-water")
    flow.answer("3100012345")
    run(flow)
    seen: list[tuple[CardPrompt | None, bool]] = []

    def on_change(changed: ServiceFlow) -> None:
        payment = changed.card_payment()
        if changed.view is View.PAYING and payment is not None:
            seen.append((payment.prompt, payment.can_cancel))

    flow.listener = on_change
    flow.confirm()
    run(flow)
    assert (CardPrompt.PRESENT_CARD, True) in seen
    assert (CardPrompt.PROCESSING, False) in seen
    assert all(type(prompt) in (CardPrompt, type(None)) for prompt, _cancel in seen)


def test_commands_a_step_does_not_take_are_ignored() -> None:
    """GIVEN a bill payment on its review and a flow of another service
    WHEN commands of other screens arrive (a late touch on a screen already left)
    THEN nothing changes and nothing is raised: each step takes only its own."""
    world = World()
    flow = bill_flow(world)
    flow.choose("sh-water")
    flow.answer("3100012345")
    run(flow)
    before = (flow.step, flow.account, flow.account_no, flow.error)
    flow.use_barcode()
    flow.edit_account("999")
    flow.skip()
    flow.choose("sh-power")
    flow.try_again()
    flow.print_again()
    flow.retry_read()
    flow.cancel_payment()
    assert (flow.step, flow.account, flow.account_no, flow.error) == before
    assert world.terminal.sales == [] and not world.terminal.cancelled

    stay = StayWorld().flow()
    stay.use_barcode()
    stay.change_amount()
    stay.cancel_payment()
    stay.edit_account("1")
    assert stay.view is View.DOCUMENT and stay.step is StayStep.READ
    stay.wipe()


def test_confirm_is_what_the_screens_button_says() -> None:
    """GIVEN the identity screen, the employer found and the summary of other services
    WHEN the user touches the screen's primary button (confirm())
    THEN the person is confirmed, the employer is confirmed, the registration is
    submitted: what each screen's button names."""
    stay_world = StayWorld()
    stay = stay_world.flow()
    read(stay_world, stay, mrz_read(TD3_VALID))
    confirmation = stay.confirmation()
    assert stay.view is View.IDENTITY and confirmation.button == "Yes, that is me"
    stay.confirm()
    assert stay.step is StayStep.ENTRY and stay.view is View.QUESTION
    answer(stay, ENTRY, StayStep.ENTRY)
    choose_path(stay, ROOM_PATH)
    answer(stay, STAY, StayStep.STAY)
    summary = stay.summary()
    assert stay.view is View.SUMMARY and summary.button == "Submit my registration"
    stay.confirm()
    assert stay.step is StayStep.SUBMITTING and stay.busy
    stay.wipe()

    arbitration = ArbitrationWorld().flow()
    about_you(arbitration)
    say(arbitration, "uscc", EMPLOYER.uscc)
    assert arbitration.view is View.CONFIRM
    assert arbitration.confirmation().button == "Yes, that is it"
    arbitration.confirm()
    assert arbitration.step is ArbStep.QUESTIONS and arbitration.company == EMPLOYER
    assert arbitration.form is not None and arbitration.form.current.key == "has_agency"
    run_arbitration(arbitration)

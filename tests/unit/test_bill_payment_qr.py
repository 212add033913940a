"""Paying a bill with a QR payment app (docs/payments-qr.md): the bill payment flow over
the QR adapter (kiosk.services.qr_payment) and an in-memory central whose order ledger
the test scripts (tests/qr_orders_fake.py). What the person sees, what the journal keeps,
and what central was asked, for every failure the design names."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from hardware.base import REASON_DISCONNECTED, DocumentFormat, DocumentRead, Health
from kiosk.domain.payments import PaymentDraft, PaymentState, PayMethod, QrResult
from kiosk.domain.qr import QrFailure, QrMode, QrOrderRequest, QrProvider, QrState
from kiosk.errors import ErrorCode
from kiosk.i18n import Catalogs
from kiosk.services.availability import Unavailable
from kiosk.services.bill_payment import BillPaymentFlow, Step
from kiosk.services.contract import QrPrompt, View
from kiosk.services.payment_codes import ReaderCodes
from kiosk.services.ports import CallContext, PaymentPrompt, PaymentRequest
from kiosk.services.qr_payment import QrPaySettings, QrTimings
from kiosk.services.slips import SlipHeader, bill_payment_receipt
from service_fakes import POWER, WATER, QueueReader, World
from tests.qr_orders_fake import FakeQrOrders, Script

pytestmark = pytest.mark.timeout(20)

FAST = QrTimings(code_ttl_s=5.0, confirm_wait_s=5.0, poll_s=0.01, settle_wait_s=0.2)
ALL = tuple(QrProvider)
CODE = "281234567890123456"  # an Alipay payment code: 18 digits
OTHER_CODE = "281234567890654321"
AT = datetime(2026, 11, 22, 6, 30, tzinfo=UTC)


class Kiosk:
    """One bill payment flow with QR payments set up, its world and central's ledger."""

    def __init__(self, script: Script | None = None, *, providers: tuple[QrProvider, ...] = ALL,
                 scan: bool = True, online: bool = True, timings: QrTimings = FAST) -> None:
        self.world = World()
        self.orders = FakeQrOrders(self.world.clock, script)
        self.reader = QueueReader()
        self.online = online
        self.gone: dict[str, Unavailable] = {}  # what the device watch counts as gone
        deps = replace(self.world.deps(), reader=self.reader, qr_orders=self.orders,
                       qrpay=QrPaySettings(providers=providers, timings=timings),
                       payment_codes=ReaderCodes(self.reader) if scan else None,
                       central_online=lambda: self.online, device_gone=self.gone.get)
        ctx = CallContext(kiosk_id="SH-CN-TEST-01", session_id="s1", lang="en")
        self.flow = BillPaymentFlow(deps, ctx, (WATER, POWER))
        self.prompts: list[PaymentPrompt] = []
        self.flow.listener = lambda flow: self._seen()

    def _seen(self) -> None:
        progress = self.flow.progress
        if progress is not None and (not self.prompts or self.prompts[-1] is not progress.prompt):
            self.prompts.append(progress.prompt)

    def run(self) -> Step:
        while self.flow.busy:
            self.flow.advance()
        assert self.flow.step is not None
        return self.flow.step

    def to_methods(self) -> None:
        self.flow.choose_biller("sh-water")
        assert self.flow.submit_account("3100012345")
        assert self.run() is Step.REVIEW
        self.flow.confirm()
        assert self.run() is Step.CHOOSE_METHOD

    def pay_by_showing(self, method: PayMethod = PayMethod.ALIPAY) -> Step:
        self.to_methods()
        self.flow.choose(method.value)
        if self.flow.step is Step.CHOOSE_QR_MODE:
            self.flow.choose(QrMode.SHOW.value)
        assert self.flow.step is Step.PAYING and self.flow.view is View.QR_CODE
        return self.run()

    def to_scanner(self, method: PayMethod = PayMethod.ALIPAY) -> None:
        self.to_methods()
        self.flow.choose(method.value)
        self.flow.choose(QrMode.SCAN.value)
        assert self.flow.step is Step.SCAN_CODE and self.flow.view is View.QR_SCAN
        wait_until(lambda: self.reader.discards == 1, "the scanner to listen")

    def scan(self, code: str) -> Step:
        shown = self.flow.error
        self.reader.present(DocumentRead(format=DocumentFormat.BARCODE, barcode=code,
                                         read_at=AT))
        wait_until(lambda: self.flow.step is not Step.SCAN_CODE or self.flow.error is not shown,
                   "the code to be taken")
        return self.run()

    def states(self, reference: str) -> list[PaymentState]:
        return [s for r, s in self.world.journal.history if r == reference]

    @property
    def reference(self) -> str:
        assert self.flow.payment is not None
        return self.flow.payment.reference


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = 3.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


@pytest.fixture
def kiosks() -> Iterator[Callable[..., Kiosk]]:
    made: list[Kiosk] = []

    def make(*args: object, **kwargs: object) -> Kiosk:
        kiosk = Kiosk(*args, **kwargs)  # type: ignore[arg-type]
        made.append(kiosk)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.flow.wipe()


# --- the choice ---------------------------------------------------------------------------


def test_without_a_qr_app_set_up_the_card_is_charged_as_before(
        kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN central's QR orders wired but no provider set up at this kiosk
    WHEN the person confirms the bill
    THEN there is no choice: the card terminal is asked at once, as before QR payments."""
    kiosk = kiosks(providers=())
    kiosk.flow.choose_biller("sh-water")
    assert kiosk.flow.submit_account("3100012345")
    kiosk.run()
    kiosk.flow.confirm()
    assert kiosk.flow.step is Step.PAYING and kiosk.flow.view is View.PAYING
    assert kiosk.run() is Step.DONE
    assert kiosk.orders.calls == [] and len(kiosk.world.terminal.sales) == 1


def test_the_choice_greys_each_way_that_cannot_pay_now_with_its_reason(
        kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN Alipay and WeChat Pay set up (UnionPay QR not), and the card terminal unplugged
    WHEN the person confirms the bill
    THEN the choice lists card, Alipay, WeChat Pay and UnionPay QR; the card is greyed
    (terminal not connected), UnionPay QR too (not set up); choosing either does nothing;
    with central offline every QR app is greyed too."""
    kiosk = kiosks(providers=(QrProvider.ALIPAY, QrProvider.WECHAT))
    kiosk.world.terminal.health, kiosk.world.terminal.reason = Health.FAULT, REASON_DISCONNECTED
    kiosk.to_methods()
    choice = kiosk.flow.method_choice()
    assert choice is not None and not choice.checking
    why = {o.key: o.unavailable for o in choice.options}
    assert list(why) == ["card", "alipay", "wechat", "unionpay"]
    assert why["card"] is not None and why["card"].code is ErrorCode.DEVICE_UNAVAILABLE
    assert why["alipay"] is None and why["wechat"] is None
    assert why["unionpay"] is not None and why["unionpay"].code is ErrorCode.QR_UNAVAILABLE
    assert why["unionpay"].detail["reason"] == "not_set_up"
    kiosk.flow.choose("card")
    kiosk.flow.choose("unionpay")
    assert kiosk.flow.step is Step.CHOOSE_METHOD

    kiosk.online = False
    kiosk.flow.back()
    kiosk.flow.confirm()
    kiosk.run()
    choice = kiosk.flow.method_choice()
    assert choice is not None
    assert {o.key: o.unavailable.detail["reason"] for o in choice.options
            if o.unavailable is not None and o.key != "card"} == {
        "alipay": "central_offline", "wechat": "central_offline", "unionpay": "not_set_up"}


def test_without_a_scanner_a_qr_app_shows_its_code_straight_away(
        kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN no scan source ([qrpay] scan = none)
    WHEN the person chooses WeChat Pay
    THEN there is no show-or-scan question: the kiosk shows a code."""
    kiosk = kiosks(Script(moves={2: (QrState.PAID, None)}), scan=False)
    kiosk.to_methods()
    kiosk.flow.choose("wechat")
    assert kiosk.flow.step is Step.PAYING and kiosk.flow.qr_mode is QrMode.SHOW
    assert kiosk.run() is Step.DONE


# --- showing a code -------------------------------------------------------------------------


def test_a_code_shown_and_paid_is_recorded_with_the_providers_transaction_id(
        kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN a person whose app scans the code on the 2nd query and pays on the 4th
    WHEN they pay the water bill with Alipay by the code shown
    THEN the screen followed it (code shown, scanned, paid), the order was created once
    with the payment's reference as its id and the amount, the journal went CREATED ->
    AUTHORIZED -> RECORDED -> RECEIPTED with method alipay, the outbox record names the
    method and the provider's transaction id, and the receipt printed."""
    kiosk = kiosks(Script(moves={2: (QrState.SCANNED, None), 4: (QrState.PAID, None)}))
    assert kiosk.pay_by_showing() is Step.DONE
    ref = kiosk.reference
    assert kiosk.prompts[:2] == [PaymentPrompt.SHOW_CODE, PaymentPrompt.SCANNED]
    assert kiosk.orders.operations(ref).count("create") == 1
    assert str(kiosk.orders.orders[ref].amount) == "128.96"
    assert kiosk.states(ref) == [PaymentState.CREATED, PaymentState.AUTHORIZED,
                                 PaymentState.RECORDED, PaymentState.RECEIPTED]
    payment = kiosk.world.journal.payments[ref]
    assert payment.draft.method is PayMethod.ALIPAY and payment.provider_txn_id == f"TXN-{ref}"
    (message,) = kiosk.world.journal.outbox
    assert message.payload["method"] == "alipay"
    assert message.payload["provider_txn_id"] == f"TXN-{ref}"
    assert kiosk.world.waker.wakes == 1 and len(kiosk.world.printer.printed) == 1


def test_the_code_screen_shows_the_code_the_apps_and_the_time_left(
        kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN a code shown for UnionPay QR that nobody scans yet
    WHEN the screen reads its view while the order runs
    THEN it has the code's content, the amount, the apps that can scan it, seconds left
    within the code's life, and cancel offered."""
    kiosk = kiosks(timings=replace(FAST, code_ttl_s=60.0))
    kiosk.to_methods()
    kiosk.flow.choose("unionpay")
    kiosk.flow.choose("show")
    worker = threading.Thread(target=kiosk.run)
    worker.start()
    try:
        wait_until(lambda: kiosk.flow.progress is not None, "the code")
        view = kiosk.flow.qr_code()
        assert view is not None and view.prompt is QrPrompt.SHOW_CODE
        assert view.content is not None and view.content.endswith(kiosk.reference)
        assert str(view.amount) == "128.96" and view.can_cancel
        assert view.apps == ("UnionPay (Yunshanfu)", "Most Chinese banks' apps")
        assert 0 < view.seconds_left <= 60
    finally:
        kiosk.flow.cancel_payment()
        worker.join(10)


def test_cancel_closes_the_order_and_says_nothing_was_charged(
        kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN a code on screen that nobody pays
    WHEN the person presses cancel
    THEN the order is closed at central, the payment is REVERSED with E_PAYMENT_CANCELLED,
    nothing goes to central's outbox, and trying again offers the choice once more."""
    kiosk = kiosks(timings=replace(FAST, code_ttl_s=60.0))
    kiosk.to_methods()
    kiosk.flow.choose("alipay")
    kiosk.flow.choose("show")
    assert kiosk.flow.can_cancel_payment
    kiosk.flow.cancel_payment()
    assert kiosk.run() is Step.FAILED
    ref = kiosk.reference
    assert kiosk.orders.operations(ref)[-1] == "close"
    assert kiosk.orders.orders[ref].state is QrState.CLOSED
    assert kiosk.states(ref) == [PaymentState.CREATED, PaymentState.REVERSED]
    assert kiosk.flow.error is not None and kiosk.flow.error.code is ErrorCode.PAYMENT_CANCELLED
    assert kiosk.world.journal.outbox == [] and kiosk.flow.can_retry
    kiosk.flow.try_again()
    assert kiosk.run() is Step.CHOOSE_METHOD and kiosk.flow.payment is None


def test_a_code_not_paid_in_time_is_withdrawn(kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN a code with a 0.2 s life that nobody pays
    WHEN its time runs out
    THEN the kiosk closes the order, the payment is REVERSED with E_QR_EXPIRED, and the
    person may try again."""
    kiosk = kiosks(timings=replace(FAST, code_ttl_s=0.2))
    assert kiosk.pay_by_showing() is Step.FAILED
    ref = kiosk.reference
    assert kiosk.orders.operations(ref)[-1] == "close"
    assert PaymentPrompt.CLOSING in kiosk.prompts
    assert kiosk.world.journal.payments[ref].state is PaymentState.REVERSED
    assert kiosk.world.journal.payments[ref].error_code == "E_QR_EXPIRED"
    assert kiosk.flow.error is not None and kiosk.flow.error.code is ErrorCode.QR_EXPIRED
    assert kiosk.flow.can_retry


def test_a_close_answering_paid_is_kept_as_paid(kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN a person who pays at the very moment the code runs out
    WHEN the kiosk closes the order and central answers PAID
    THEN the payment is kept: recorded with the transaction id, the receipt printed;
    nobody is asked to pay again."""
    kiosk = kiosks(Script(paid_before_close=True), timings=replace(FAST, code_ttl_s=0.1))
    assert kiosk.pay_by_showing() is Step.DONE
    ref = kiosk.reference
    assert kiosk.orders.operations(ref)[-1] == "close"
    assert kiosk.world.journal.payments[ref].state is PaymentState.RECEIPTED
    assert kiosk.world.journal.payments[ref].provider_txn_id == f"TXN-{ref}"
    assert len(kiosk.world.journal.outbox) == 1


@pytest.mark.parametrize("lost_how", ["done", "unsent"])
def test_a_lost_create_is_settled_by_asking_never_by_creating_again(
        kiosks: Callable[..., Kiosk], lost_how: str) -> None:
    """GIVEN central's answer to the create lost (central opened the order, or never got
    the request)
    WHEN the person pays by the code shown
    THEN the kiosk asks central (get) and never creates again: an order central opened
    goes on and is paid; one it never saw is closed in the journal as REVERSED with
    E_QR_UNAVAILABLE, nothing charged."""
    kiosk = kiosks(Script(moves={2: (QrState.PAID, None)}, lose={"create": [lost_how]}))
    step = kiosk.pay_by_showing()
    ref = kiosk.reference
    assert kiosk.orders.operations(ref)[:2] == ["create", "get"]
    assert kiosk.orders.operations(ref).count("create") == 1
    if lost_how == "done":
        assert step is Step.DONE
        assert kiosk.world.journal.payments[ref].state is PaymentState.RECEIPTED
    else:
        assert step is Step.FAILED
        assert kiosk.world.journal.payments[ref].state is PaymentState.REVERSED
        assert kiosk.flow.error is not None
        assert kiosk.flow.error.code is ErrorCode.QR_UNAVAILABLE and kiosk.flow.can_retry


def test_lost_answers_while_polling_are_asked_again(kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN central's answers to three queries lost while the code is on screen
    WHEN the person pays
    THEN the kiosk keeps asking and the payment is paid and recorded once."""
    kiosk = kiosks(Script(moves={2: (QrState.PAID, None)},
                          lose={"get": ["unsent", "done", "unsent"]}))
    assert kiosk.pay_by_showing() is Step.DONE
    ref = kiosk.reference
    assert kiosk.orders.operations(ref).count("get") >= 4
    assert kiosk.states(ref)[-1] is PaymentState.RECEIPTED
    assert len(kiosk.world.journal.outbox) == 1


def test_a_close_central_never_answers_leaves_a_refund_due(
        kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN a code that runs out while central stops answering (closes and queries lost)
    WHEN the kiosk cannot learn what became of the order within its settle time
    THEN the payment is REFUND_DUE (a person settles it), the person is told with the
    reference, and no other payment may be tried from that screen."""
    lose = {"close": ["unsent"] * 1000, "get": ["unsent"] * 1000}  # the create goes through
    kiosk = kiosks(Script(lose=lose), timings=replace(FAST, code_ttl_s=0.05))
    assert kiosk.pay_by_showing() is Step.FAILED
    ref = kiosk.reference
    assert kiosk.world.journal.payments[ref].state is PaymentState.REFUND_DUE
    error = kiosk.flow.error
    assert error is not None and error.detail["refund_due"] == "true"
    assert error.detail["reference"] == ref and not kiosk.flow.can_retry


def test_a_provider_not_set_up_at_central_is_said_so(kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN central refusing the order (the provider is not set up there)
    WHEN the person chooses that app
    THEN nothing was charged (REVERSED) and the person sees E_QR_UNAVAILABLE and may
    choose another way to pay; the kiosk asked central to close the order all the same
    (E_QR_UNAVAILABLE may mean the provider's answer was lost after it opened one: closed,
    a payment on it is refunded)."""
    kiosk = kiosks(Script(refuse_create=ErrorCode.QR_UNAVAILABLE))
    assert kiosk.pay_by_showing(PayMethod.WECHAT) is Step.FAILED
    assert kiosk.world.journal.payments[kiosk.reference].state is PaymentState.REVERSED
    assert kiosk.orders.operations(kiosk.reference) == ["create", "close"]
    assert kiosk.flow.error is not None and kiosk.flow.error.code is ErrorCode.QR_UNAVAILABLE
    kiosk.flow.try_again()
    assert kiosk.run() is Step.CHOOSE_METHOD


# --- scanning the app's code -----------------------------------------------------------------


def test_a_payment_code_read_at_the_scanner_pays_after_confirming_in_the_app(
        kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN a person whose app asks them to confirm (password), then pays
    WHEN they hold their Alipay payment code to the scanner
    THEN the code goes to central once with the order, the screen says "confirm in the
    app", the payment is recorded and the receipt printed; the code is not kept."""
    kiosk = kiosks(Script(scan_answer=(QrState.USER_PAYING, None),
                          moves={2: (QrState.PAID, None)}))
    kiosk.to_scanner()
    assert kiosk.scan(CODE) is Step.DONE
    ref = kiosk.reference
    assert kiosk.orders.auth_codes == [CODE]
    assert kiosk.orders.orders[ref].mode is QrMode.SCAN
    assert PaymentPrompt.CONFIRM_IN_APP in kiosk.prompts
    assert kiosk.world.journal.payments[ref].state is PaymentState.RECEIPTED
    assert kiosk.flow._payment_code is None


@pytest.mark.parametrize("failure", [QrFailure.INSUFFICIENT_BALANCE, QrFailure.CODE_INVALID,
                                     QrFailure.CODE_USED, QrFailure.DECLINED])
def test_a_refused_payment_code_is_explained_and_another_may_be_scanned(
        kiosks: Callable[..., Kiosk], failure: QrFailure) -> None:
    """GIVEN a provider that refuses the person's code (insufficient balance, expired
    code, code already used, declined)
    WHEN they scan it, then refresh the code in the app and scan again
    THEN the first payment is DECLINED with that failure, the scanner waits again with
    E_QR_DECLINED and the failure on screen; the second code is a new payment, which
    goes through."""
    kiosk = kiosks(Script(scan_answer=(QrState.FAILED, failure)))
    kiosk.to_scanner()
    assert kiosk.scan(CODE) is Step.SCAN_CODE
    error = kiosk.flow.error
    assert error is not None and error.code is ErrorCode.QR_DECLINED
    assert error.detail["failure"] == failure.value
    (first,) = kiosk.world.journal.payments.values()
    assert first.state is PaymentState.DECLINED and first.failure == failure.value
    assert kiosk.flow.qr_scan() is not None

    kiosk.orders.script.scan_answer = (QrState.PAID, None)
    assert kiosk.scan(OTHER_CODE) is Step.DONE
    assert kiosk.reference != first.reference
    assert kiosk.orders.auth_codes == [CODE, OTHER_CODE]


def test_the_same_payment_code_is_used_once(kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN a code the provider refused for an insufficient balance
    WHEN the person holds the same code to the scanner again
    THEN the kiosk refuses it as used without asking central (one create in all)."""
    kiosk = kiosks(Script(scan_answer=(QrState.FAILED, QrFailure.INSUFFICIENT_BALANCE)))
    kiosk.to_scanner()
    kiosk.scan(CODE)
    assert kiosk.scan(CODE) is Step.SCAN_CODE
    assert kiosk.flow.error is not None and kiosk.flow.error.detail["failure"] == "code_used"
    assert [op for op, _ in kiosk.orders.calls].count("create") == 1


def test_something_else_at_the_scanner_is_not_a_payment_code(
        kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN the scanner waiting for a payment code
    WHEN a bill's barcode (letters) is held to it
    THEN nothing is sent to central and the screen says the code is not valid."""
    kiosk = kiosks()
    kiosk.to_scanner()
    assert kiosk.scan("SW31000123452026107") is Step.SCAN_CODE
    assert kiosk.flow.error is not None and kiosk.flow.error.detail["failure"] == "code_invalid"
    assert kiosk.orders.calls == [] and kiosk.world.journal.payments == {}


def test_an_uncertain_payment_by_code_is_never_sent_twice(
        kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN a payment by code whose create answer is lost, and central unreachable after
    WHEN the kiosk cannot learn whether the person's code was charged
    THEN the code was sent once, the payment is REFUND_DUE with the reference shown."""
    kiosk = kiosks(Script(lose={"create": ["done"], "get": ["unsent"] * 1000}))
    kiosk.to_scanner()
    assert kiosk.scan(CODE) is Step.FAILED
    ref = kiosk.reference
    assert kiosk.orders.operations(ref).count("create") == 1 and kiosk.orders.auth_codes == [CODE]
    assert kiosk.world.journal.payments[ref].state is PaymentState.REFUND_DUE
    assert kiosk.flow.error is not None and kiosk.flow.error.detail["reference"] == ref


def test_the_scan_choice_is_greyed_with_its_reason_while_the_scanner_is_gone(
        kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN payment codes read by the document reader, which the device watch counts as
    gone (disconnected)
    WHEN the person chooses Alipay, then "scan my app's code"
    THEN the show-or-scan question greys the scan choice with the reader's reason, the
    scan choice does nothing and a code can still be shown; once the reader is back, the
    scan choice is offered and taken."""
    kiosk = kiosks()
    kiosk.gone["reader"] = Unavailable(part="reader", reason=REASON_DISCONNECTED)
    kiosk.to_methods()
    kiosk.flow.choose(PayMethod.ALIPAY.value)
    choice = kiosk.flow.qr_mode_choice()
    assert choice is not None and choice.scan_unavailable is not None
    assert choice.scan_unavailable.code is ErrorCode.DEVICE_UNAVAILABLE
    assert choice.scan_unavailable.detail == {"device": "reader",
                                              "reason": REASON_DISCONNECTED}
    kiosk.flow.choose(QrMode.SCAN.value)
    assert kiosk.flow.step is Step.CHOOSE_QR_MODE and kiosk.reader.discards == 0

    kiosk.gone.clear()
    choice = kiosk.flow.qr_mode_choice()
    assert choice is not None and choice.scan_unavailable is None
    kiosk.flow.choose(QrMode.SCAN.value)
    assert kiosk.flow.step is Step.SCAN_CODE


def test_back_from_the_scanner_offers_another_way_to_pay(kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN the scanner waiting for a code
    WHEN the person goes back twice
    THEN they are at the show-or-scan question, then at the choice of ways to pay."""
    kiosk = kiosks()
    kiosk.to_scanner()
    kiosk.flow.back()
    assert kiosk.flow.step is Step.CHOOSE_QR_MODE
    kiosk.flow.back()
    assert kiosk.flow.step is Step.CHOOSE_METHOD


# --- the receipt ------------------------------------------------------------------------------


def test_a_qr_receipt_names_the_app_its_transaction_and_the_order(
        kiosks: Callable[..., Kiosk]) -> None:
    """GIVEN a bill paid with WeChat Pay by a French speaker
    WHEN the receipt prints
    THEN it names the way paid, the provider's transaction id and the order id (the
    reference), bilingual, and no card lines."""
    kiosk = kiosks(Script(moves={1: (QrState.PAID, None)}))
    kiosk.flow.set_language("fr")
    assert kiosk.pay_by_showing(PayMethod.WECHAT) is Step.DONE
    text = kiosk.world.printer.printed[0][1].plain_text()
    ref = kiosk.reference
    for expected in ("[zh-Hans]Paid with [fr]Paid with", "[zh-Hans]WeChat Pay [fr]WeChat Pay",
                     "[zh-Hans]Transaction ID [fr]Transaction ID", f"TXN-{ref}",
                     "[zh-Hans]Order ID [fr]Order ID"):
        assert expected in text
    assert text.count(ref) >= 2 and "Card number" not in text


@pytest.mark.parametrize("lang", ["zh-Hans", "en", "ja", "ko", "fr", "de", "es", "ru"])
def test_the_qr_receipt_speaks_every_language(lang: str) -> None:
    """GIVEN an Alipay payment, recorded, and the real catalogs
    WHEN its receipt is built in each of the 8 languages
    THEN the way paid, the transaction id's and the order id's labels are translated
    (Chinese first, then the person's language), never left in English elsewhere."""
    world = World()
    draft = PaymentDraft(kiosk_id="SH-CN-TEST-01", session_id="s", lang=lang,
                         biller_id="sh-water", account_no="3100012345", bill_ids=("B1",),
                         periods="2026-09", amount=Decimal("46.06"), late_fee=Decimal("0.46"),
                         holder_masked="王*", lock_token=None, method=PayMethod.ALIPAY)
    payment = world.journal.create(draft, world.clock.now())
    payment = world.journal.authorize(payment.reference, QrResult(provider_txn_id="2026A1"),
                                      world.clock.now())
    catalogs = Catalogs()
    header = SlipHeader(kiosk_id="SH-CN-TEST-01", center_name_zh="中心", center_name_en="C",
                        location="L", hotline="12345")
    text = bill_payment_receipt(header, payment, WATER, lang, catalogs).plain_text()
    for label in ("Paid with", "Transaction ID", "Order ID", "Alipay"):
        assert catalogs.gettext("zh-Hans", label) in text
        assert catalogs.gettext(lang, label) in text
        if lang not in ("en",) and label != "Alipay":
            assert catalogs.gettext(lang, label) != label, (lang, label)
    assert "2026A1" in text and payment.reference in text


def test_a_payment_code_never_shows_in_a_repr_or_a_log(
        kiosks: Callable[..., Kiosk], caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a person paying by their app's payment code, refused once then accepted
    WHEN everything the kiosk logged and the requests' reprs are looked at
    THEN the code appears in none of them (it is good for a payment while it lives)."""
    caplog.set_level("DEBUG", logger="kiosk")
    kiosk = kiosks(Script(scan_answer=(QrState.FAILED, QrFailure.INSUFFICIENT_BALANCE)))
    kiosk.to_scanner()
    kiosk.scan(CODE)
    kiosk.orders.script.scan_answer = (QrState.PAID, None)
    assert kiosk.scan(OTHER_CODE) is Step.DONE
    assert kiosk.orders.auth_codes == [CODE, OTHER_CODE]
    assert CODE not in caplog.text and OTHER_CODE not in caplog.text
    request = QrOrderRequest(order_id="R", provider=QrProvider.ALIPAY, mode=QrMode.SCAN,
                             amount=Decimal("1.00"), subject="水", auth_code=CODE)
    assert CODE not in repr(request)
    assert CODE not in repr(PaymentRequest(reference="R", amount=Decimal("1.00"),
                                           auth_code=CODE))

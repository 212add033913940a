"""The bill flow's barcode question answered by the document reader's barcode mode: a
barcode read is used exactly as if typed, an identity document is ignored with a
notice, and without a reader everything is typed. The reader is a small in-memory one
that blocks like the real adapter; the flow reads it on its own thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from hardware.base import (
    DeviceError,
    DeviceStatus,
    DocumentFormat,
    DocumentRead,
    Health,
    ReadRejected,
)
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.availability import PAYMENT, PRINTER, READER, DeviceWatch
from kiosk.services.bill_payment import BillPaymentFlow, Step
from kiosk.services.flow import person_from_read
from kiosk.services.ports import CallContext
from service_fakes import POWER, WATER, QueueReader, World

pytestmark = pytest.mark.timeout(10)

AT = datetime(2026, 11, 22, 6, 30, tzinfo=UTC)
WATER_BARCODE = "SW31000123452026107"  # the fake directory reads the account in between
UNKNOWN_BARCODE = "SW31000000002026107"
PASSPORT = DocumentRead(format=DocumentFormat.TD3, read_at=AT,
                        mrz="P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<\n"
                            "C01X00T478D<<6408125F3408113<<<<<<<<<<<<<<<2")


def barcode(text: str) -> DocumentRead:
    return DocumentRead(format=DocumentFormat.BARCODE, barcode=text, read_at=AT)


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = 2.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def listener_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "bill-barcode" and t.is_alive()]


def run_until_idle(flow: BillPaymentFlow) -> Step:
    while flow.busy:
        flow.advance()
    return flow.step


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def reader() -> QueueReader:
    return QueueReader()


@pytest.fixture
def flows(world: World) -> Iterator[Callable[[QueueReader | None], BillPaymentFlow]]:
    """Builds flows with or without a reader; wipes them (their listener stops) after."""
    made: list[BillPaymentFlow] = []

    def build(reader: QueueReader | None) -> BillPaymentFlow:
        ctx = CallContext(kiosk_id="SH-CN-TEST-01", session_id="s1", lang="en")
        flow = BillPaymentFlow(replace(world.deps(), reader=reader), ctx, (WATER, POWER))
        made.append(flow)
        return flow

    yield build
    for flow in made:
        flow.wipe()
    wait_until(lambda: not listener_threads(), "the listeners to end")


def at_barcode_question(flow: BillPaymentFlow) -> None:
    flow.choose_biller("sh-water")
    flow.use_barcode()
    assert flow.step is Step.ENTER_BARCODE and flow.form is not None


def test_a_barcode_read_is_looked_up_as_if_typed(flows: Callable[..., BillPaymentFlow],
                                                 reader: QueueReader, world: World) -> None:
    """GIVEN the bill flow on its barcode question, a reader attached, and a document
    left on the reader before the user chose the barcode
    WHEN the bill's barcode is held under the reader
    THEN the old document is forgotten, the barcode is looked up exactly as a typed one
    (the account comes from the barcode), the review follows, and the reader is no
    longer watched."""
    flow = flows(reader)
    notified: list[Step] = []
    flow.listener = lambda f: notified.append(f.step)
    reader.present(PASSPORT)  # left by the previous customer
    flow.choose_biller("sh-water")
    flow.use_barcode()
    wait_until(lambda: reader.discards == 1 and reader.pending == 0, "the reader's reset")
    reader.present(barcode(WATER_BARCODE))
    wait_until(lambda: flow.step is Step.LOOKING_UP, "the look-up")
    assert flow.error is None and flow.barcode == WATER_BARCODE
    assert run_until_idle(flow) is Step.REVIEW
    assert flow.account is not None and flow.account.account_no == "3100012345"
    assert world.directory.barcodes == [WATER_BARCODE]
    assert Step.LOOKING_UP in notified  # the UI heard of it (it starts the worker then)
    wait_until(lambda: not listener_threads(), "the listener to stop")


def test_an_identity_document_is_ignored_with_a_notice(flows: Callable[..., BillPaymentFlow],
                                                       reader: QueueReader,
                                                       world: World) -> None:
    """GIVEN the barcode question with a reader attached
    WHEN a passport is placed instead of the bill, and then the bill's barcode
    THEN the passport is not used: the question stays, with E_BARCODE_EXPECTED and
    nothing looked up or kept; the barcode that follows is looked up."""
    flow = flows(reader)
    at_barcode_question(flow)
    reader.present(PASSPORT)
    wait_until(lambda: flow.error is not None, "the notice")
    assert flow.error is not None and flow.error.code is ErrorCode.BARCODE_EXPECTED
    assert flow.step is Step.ENTER_BARCODE and flow.form is not None
    assert flow.barcode == "" and world.directory.calls == []
    assert "MUSTERMANN" not in repr(vars(flow))

    reader.present(barcode(WATER_BARCODE))
    wait_until(lambda: flow.step is Step.LOOKING_UP, "the look-up")
    assert flow.error is None
    assert run_until_idle(flow) is Step.REVIEW


def test_a_bad_barcode_read_is_refused_like_a_typed_one(flows: Callable[..., BillPaymentFlow],
                                                        reader: QueueReader,
                                                        world: World) -> None:
    """GIVEN the barcode question with a reader attached
    WHEN the reader delivers a barcode of the wrong shape, then a read it rejected
    THEN both are E_BARCODE_FORMAT on the same question (the first as the typed answer's
    error, the second with the reader's reason), and nothing is looked up."""
    flow = flows(reader)
    at_barcode_question(flow)
    form = flow.form
    assert form is not None
    reader.present(barcode("SW-1"))
    wait_until(lambda: form.error is not None, "the refusal")
    assert form.error is ErrorCode.BARCODE_FORMAT and flow.step is Step.ENTER_BARCODE

    reader.present(ReadRejected("bad_length", "barcode of 9 characters"))
    wait_until(lambda: flow.error is not None, "the rejection")
    assert flow.error is not None and flow.error.code is ErrorCode.BARCODE_FORMAT
    assert flow.error.detail == {"reason": "bad_length"}
    assert form.error is None and flow.form is form  # what was typed is kept
    assert world.directory.calls == [] and world.directory.barcodes == []


def test_a_barcode_central_does_not_know_asks_again_and_reads_again(
        flows: Callable[..., BillPaymentFlow], reader: QueueReader, world: World) -> None:
    """GIVEN a barcode read whose account central does not know
    WHEN the look-up fails, and another bill is held under the reader
    THEN the question is back with E_ACCOUNT_NOT_FOUND, the reader is watched again
    (without forgetting what it holds), and the second barcode is looked up."""
    flow = flows(reader)
    at_barcode_question(flow)
    reader.present(barcode(UNKNOWN_BARCODE))
    wait_until(lambda: flow.step is Step.LOOKING_UP, "the first look-up")
    assert run_until_idle(flow) is Step.ENTER_BARCODE
    assert flow.error is not None and flow.error.code is ErrorCode.ACCOUNT_NOT_FOUND
    reader.present(barcode(WATER_BARCODE))
    wait_until(lambda: flow.step is Step.LOOKING_UP, "the second look-up")
    assert run_until_idle(flow) is Step.REVIEW
    assert world.directory.barcodes == [UNKNOWN_BARCODE, WATER_BARCODE]
    assert reader.discards == 1  # only when the user chose the barcode


def test_typing_back_and_leaving_stop_the_reader(flows: Callable[..., BillPaymentFlow],
                                                 reader: QueueReader, world: World) -> None:
    """GIVEN the barcode question with a reader attached
    WHEN the user types the barcode, goes back from the question, or leaves
    THEN the listener ends within a read slice, and a barcode read afterwards is left
    on the reader: one look-up for the typed one, none after back or leaving."""
    flow = flows(reader)
    at_barcode_question(flow)
    flow.answer(WATER_BARCODE)
    assert flow.step is Step.LOOKING_UP
    wait_until(lambda: not listener_threads(), "the listener to stop after typing")
    reader.present(barcode(WATER_BARCODE))
    assert run_until_idle(flow) is Step.REVIEW
    time.sleep(0.4)  # longer than a read slice: a listener would have taken it
    assert world.directory.barcodes == [WATER_BARCODE] and reader.pending == 1

    second = flows(reader)
    at_barcode_question(second)
    second.back()
    assert second.step is Step.ENTER_ACCOUNT
    wait_until(lambda: not listener_threads(), "the listener to stop after back")
    reader.present(barcode(WATER_BARCODE))
    time.sleep(0.4)
    assert second.step is Step.ENTER_ACCOUNT and reader.pending == 1

    third = flows(reader)
    at_barcode_question(third)
    third.stop_reading()
    third.wipe()
    wait_until(lambda: not listener_threads(), "the listener to stop after leaving")
    reader.present(barcode(WATER_BARCODE))
    time.sleep(0.4)
    assert world.directory.barcodes == [WATER_BARCODE] and reader.pending == 1


def test_a_failing_reader_leaves_typing_working(flows: Callable[..., BillPaymentFlow],
                                                reader: QueueReader) -> None:
    """GIVEN a reader that is unplugged
    WHEN the user is on the barcode question and types the barcode
    THEN nothing breaks: the typed barcode is looked up."""
    reader.failure = DeviceError("reader", "disconnected")
    flow = flows(reader)
    at_barcode_question(flow)
    wait_until(lambda: reader.reads >= 1, "a read attempt")
    assert flow.error is None
    flow.answer(WATER_BARCODE)
    assert run_until_idle(flow) is Step.REVIEW


def test_the_question_says_how_to_give_the_barcode(flows: Callable[..., BillPaymentFlow],
                                                   reader: QueueReader) -> None:
    """GIVEN one flow with a reader and one without
    WHEN each asks for the barcode
    THEN with the reader the hint says to hold it under the reader or type it; without,
    it says only to type it, and no thread reads anything."""
    with_reader = flows(reader)
    at_barcode_question(with_reader)
    assert with_reader.form is not None
    question = with_reader.form.current
    assert "reader" in question.hint and "type" in question.hint
    with_reader.wipe()
    wait_until(lambda: not listener_threads(), "the listener to stop")

    typed_only = flows(None)
    at_barcode_question(typed_only)
    assert typed_only.form is not None
    question = typed_only.form.current
    assert question.label == "Type the barcode number printed on your bill"
    assert "reader" not in question.hint and "reader" not in question.label
    assert not listener_threads()
    typed_only.answer(WATER_BARCODE)
    assert run_until_idle(typed_only) is Step.REVIEW


def test_bill_payment_does_not_need_the_reader() -> None:
    """GIVEN a device watch that finds the reader disconnected, the rest healthy
    WHEN the services' availability is asked
    THEN bill payment is offered (the barcode can be typed, the account number needs no
    reader) while the tax record, which reads a passport, is not."""
    def ok(device: str) -> Callable[[], DeviceStatus]:
        return lambda: DeviceStatus(device=device, health=Health.OK)

    class Reachable:
        def health(self) -> bool:
            return True

    watch = DeviceWatch({PRINTER: ok(PRINTER), PAYMENT: ok(PAYMENT),
                         READER: lambda: DeviceStatus(device=READER, health=Health.FAULT,
                                                      reason="disconnected")},
                        Reachable(), grace_polls=1)
    watch.poll_once()
    assert watch.unavailable("bill_payment") is None
    why = watch.unavailable("tax_record")
    assert why is not None and why.part == READER


def test_a_bill_barcode_where_a_document_is_expected_is_unreadable() -> None:
    """GIVEN a bill's barcode read while a flow waits for an identity document (tax
    record, registration)
    WHEN the flow checks what was read
    THEN E_MRZ_UNREADABLE (place the document), not a PR card error."""
    with pytest.raises(KioskError) as caught:
        person_from_read(barcode(WATER_BARCODE), AT.date())
    assert caught.value.code is ErrorCode.MRZ_UNREADABLE
    assert caught.value.detail == {"reason": "barcode"}

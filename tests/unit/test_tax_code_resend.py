"""The tax record's one-time code step (docs/spec/tax-record.md#steps): "Send again" after
the wait, a new code that replaces the old one, a refusal that names the wait, and
"This is not my number" with its way back. Against an in-memory tax office that keeps
central's rules for codes (one live code per session, one code a minute per phone)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import pytest

from hardware.sim.reader.specimens import TD3_VALID
from kiosk.domain.records import IdentityClaim, TaxIdentity, TaxRecord
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.contract import View
from kiosk.services.ports import CallContext
from kiosk.services.slips import SlipHeader
from kiosk.services.tax_record import TaxDeps, TaxRecordFlow, TaxStep
from service_fakes import EchoTranslator, FakePrinter, MemoryPrintJobs
from stay_world import FakeReader, StillClock, mrz_read, run

RESEND_S = 60


class CodeSendingOffice:
    """Central's one-time codes as rules: identify() and resend_code() send a new code
    for the session (the old one stops working), at most one a minute to the phone
    (E_RATE_LIMITED with the wait); verify_code() takes only the session's live code."""

    def __init__(self, clock: StillClock) -> None:
        self.clock = clock
        self.codes: dict[str, str] = {}  # otp session -> the code its phone got last
        self.last_sent: datetime | None = None

    def _send(self, otp_session: str) -> TaxIdentity:
        now = self.clock.now()
        if self.last_sent is not None and now - self.last_sent < timedelta(seconds=60):
            wait = 60 - int((now - self.last_sent).total_seconds())
            raise KioskError(ErrorCode.RATE_LIMITED, retry_after_s=str(wait),
                             limit="one_time_code")
        self.last_sent = now
        self.codes[otp_session] = f"{secrets.randbelow(1_000_000):06d}"
        return TaxIdentity(otp_session=otp_session, taxpayer_id_masked="9312************4X",
                           phone_masked="138****8000", name="MUSTERMANN ERIKA")

    def identify(self, ctx: CallContext, identity: IdentityClaim) -> TaxIdentity:
        return self._send(f"otp-{len(self.codes) + 1}")

    def resend_code(self, ctx: CallContext, otp_session: str) -> TaxIdentity:
        if otp_session not in self.codes:
            raise KioskError(ErrorCode.AUTH_FAILED)
        return self._send(otp_session)

    def verify_code(self, ctx: CallContext, otp_session: str, code: str) -> str:
        if self.codes.get(otp_session) != code:
            raise KioskError(ErrorCode.AUTH_FAILED)
        return f"token-{otp_session}"

    def fetch(self, ctx: CallContext, token: str, period_start: str,
              period_end: str) -> TaxRecord:
        raise KioskError(ErrorCode.NO_RECORDS)


@pytest.fixture
def clock() -> StillClock:
    return StillClock()


@pytest.fixture
def office(clock: StillClock) -> CodeSendingOffice:
    return CodeSendingOffice(clock)


@pytest.fixture
def flow(clock: StillClock, office: CodeSendingOffice) -> TaxRecordFlow:
    """Erika's passport read and confirmed: a code went to her phone; the code screen."""
    reader = FakeReader()
    deps = TaxDeps(office=office, reader=reader, printer=FakePrinter(),
                   print_jobs=MemoryPrintJobs(), clock=clock, translator=EchoTranslator(),
                   slip_header=SlipHeader(kiosk_id="SH-CN-TEST-01", center_name_zh="中心",
                                          center_name_en="Center", location="Changning",
                                          hotline="12345"),
                   verify_url="http://central/v1/verify/{code}", code_resend_s=RESEND_S)
    flow = TaxRecordFlow(deps, CallContext(kiosk_id="SH-CN-TEST-01", session_id="s1",
                                           lang="en"))
    reader.present(mrz_read(TD3_VALID))
    run(flow)
    flow.confirm_person()
    run(flow)
    assert flow.step is TaxStep.CODE and flow.view is View.QUESTION
    return flow


def actions(flow: TaxRecordFlow) -> dict[str, int]:
    return {action.key: action.wait_s for action in flow.question_actions()}


def test_send_again_waits_then_replaces_the_code(flow: TaxRecordFlow, clock: StillClock,
                                                 office: CodeSendingOffice) -> None:
    """GIVEN the code screen, the first code just sent
    WHEN 59 s pass, then one more, and she touches Send again, then types the old code,
    then the new one
    THEN Send again counts down (60, then 1) and is live at 60 s; a new code goes to the
    same session and the screen says so; the old code is refused (E_AUTH_FAILED, type
    again) and the new one opens the period question."""
    old = office.codes["otp-1"]
    assert actions(flow) == {"send_again": RESEND_S, "not_my_number": 0}
    clock.moment += timedelta(seconds=59)
    assert actions(flow)["send_again"] == 1
    clock.moment += timedelta(seconds=1)
    assert actions(flow)["send_again"] == 0
    flow.choose("send_again")
    assert flow.busy and flow.step is TaxStep.RESENDING
    run(flow)
    assert flow.step is TaxStep.CODE and flow.view is View.QUESTION and flow.error is None
    new = office.codes["otp-1"]
    assert flow.form is not None and "new" in flow.form.current.hint
    assert actions(flow)["send_again"] == RESEND_S  # the wait starts again
    if new == old:  # one draw in a million repeats the digits: nothing to tell apart
        return
    flow.answer(old)
    run(flow)
    assert flow.step is TaxStep.CODE and flow.form is not None
    assert flow.form.error is ErrorCode.AUTH_FAILED
    flow.answer(new)
    run(flow)
    assert flow.step is TaxStep.PERIOD


def test_send_again_too_soon_is_refused_with_the_wait(flow: TaxRecordFlow,
                                                      clock: StillClock,
                                                      office: CodeSendingOffice) -> None:
    """GIVEN the code screen 20 s after the code was sent
    WHEN she touches Send again
    THEN nothing is sent: E_RATE_LIMITED for the one-time code with the 40 s left, on
    the code screen; the first code still works."""
    clock.moment += timedelta(seconds=20)
    first = office.codes["otp-1"]
    flow.choose("send_again")
    assert not flow.busy and flow.step is TaxStep.CODE
    assert flow.error is not None and flow.error.code is ErrorCode.RATE_LIMITED
    assert flow.error.detail == {"retry_after_s": "40", "limit": "one_time_code"}
    assert office.codes["otp-1"] == first
    flow.answer(first)
    run(flow)
    assert flow.step is TaxStep.PERIOD


def test_central_refusing_the_new_code_names_its_wait(flow: TaxRecordFlow,
                                                      clock: StillClock,
                                                      office: CodeSendingOffice) -> None:
    """GIVEN the kiosk's own wait over, but central counting a later code to this phone
    (sent 30 s ago, from another kiosk)
    WHEN she touches Send again
    THEN central's E_RATE_LIMITED shows on the code screen with central's wait (30 s),
    and Send again counts down from that wait instead of going live at once."""
    clock.moment += timedelta(seconds=RESEND_S)
    office.last_sent = clock.now() - timedelta(seconds=30)
    flow.choose("send_again")
    run(flow)
    assert flow.step is TaxStep.CODE and flow.view is View.QUESTION
    assert flow.error is not None and flow.error.code is ErrorCode.RATE_LIMITED
    assert flow.error.detail["retry_after_s"] == "30"
    assert actions(flow)["send_again"] == 30


def test_not_my_number_explains_and_leads_back(flow: TaxRecordFlow) -> None:
    """GIVEN the code screen
    WHEN she touches "This is not my number", then Back
    THEN the advice screen names the masked phone, the Individual Income Tax app and the
    hotline 12366; Back returns to the code screen with the same session."""
    flow.choose("not_my_number")
    assert flow.view is View.ADVICE and flow.step is TaxStep.PHONE_HELP
    advice = flow.advice()
    assert advice is not None and advice.values["phone"] == "138****8000"
    text = " ".join(advice.paragraphs)
    assert "个人所得税" in text and "12366" in text and "{hotline}" in text
    assert flow.question_actions() == ()  # nothing to touch there but Back and the start
    flow.back()
    assert flow.step is TaxStep.CODE and flow.view is View.QUESTION
    assert flow.identity is not None and flow.identity.otp_session == "otp-1"

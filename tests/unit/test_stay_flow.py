"""The accommodation registration state machine, the whole way, the document and the
address, against the in-memory fakes of stay_world.py."""

from __future__ import annotations

from datetime import date

import pytest

from hardware.base import DeviceError, DocumentRead, ReadRejected
from hardware.sim.reader.specimens import TD3_SPECIMEN, TD3_VALID
from kiosk.errors import ErrorCode
from kiosk.services.flow import View
from kiosk.services.ports import Delivery
from kiosk.services.stay import StayStep
from stay_world import (
    ENTRY,
    PR_CARD,
    ROOM,
    ROOM_PATH,
    STAY,
    World,
    answer,
    choose_path,
    mrz_read,
    read,
    run,
    td3,
    to_summary,
)

# --- the whole way -----------------------------------------------------------------------


def test_rented_room_registered_and_slip_printed() -> None:
    """GIVEN ERIKA MUSTERMANN's passport on the reader and central answering at once
    WHEN she confirms her name, answers every question, picks her room level by level
    and submits
    THEN the registration goes into the journal with the agreed payload, the forwarder is
    woken, and the slip carries central's number, the QR and the Chinese title."""
    world = World()
    flow = world.flow()
    assert world.reader.discarded == 1  # nothing left on the glass is taken for hers
    read(world, flow, mrz_read(TD3_VALID))
    assert flow.step is StayStep.CONFIRM_PERSON and flow.view is View.IDENTITY
    rows = {row.label: row.value for row in flow.identity_rows()}
    assert rows["Name"] == "MUSTERMANN ERIKA" and rows["Document number"] == "*****0T47"
    assert rows["Nationality"] == "Germany"
    flow.confirm_person()
    asked = answer(flow, ENTRY, StayStep.ENTRY)
    assert asked == ["chinese_name", "entry_status_type", "entry_status_number",
                     "entry_status_valid_until", "number_of_entries", "date_of_entry",
                     "port_of_entry"]
    assert flow.step is StayStep.ADDRESS and flow.view is View.CHOOSE
    assert [c.title for c in flow.choices()] == ["长宁区", "苏州市虎丘区"]
    assert flow.choice_list().heading == "In which district do you stay?"
    choose_path(flow, ROOM_PATH[:-1])
    assert flow.choice_list().heading == "Which room?"
    assert flow.choice_list().trail.startswith("长宁区 Changning District › 仙霞路")
    choose_path(flow, ROOM_PATH[-1:])
    assert flow.step is StayStep.STAY
    asked = answer(flow, STAY, StayStep.STAY)
    assert asked == list(STAY)
    assert flow.step is StayStep.SUMMARY and flow.warnings == []
    summary = {row.label: row.value for row in flow.summary_rows()}
    assert summary["Address"] == "上海市长宁区仙霞路88弄3号楼1201室"
    assert summary["Address in English"] == \
        "Room 1201, Building 3, Lane 88, Xianxia Road, Changning District, Shanghai"
    assert summary["Police station"].startswith("仙霞路派出所")
    assert summary["Visa or permit"] == "Z visa (work)"
    assert summary["Host's document number"] == "**************002X"
    assert world.submissions.submitted == []  # nothing leaves before the summary is confirmed

    flow.submit()
    run(flow)
    assert flow.step is StayStep.DONE and flow.receipt_printed
    [(kind, kiosk_id, lang, payload)] = world.submissions.submitted
    assert (kind, kiosk_id, lang) == ("stay_registration", "SH-CN-TEST-01", "en")
    assert payload["doc_type"] == "passport_ordinary" and payload["nationality"] == "DEU"
    assert payload["doc_number"] == "C01X00T47" and payload["sex"] == "F"
    assert payload["address_room_id"] == ROOM and payload["arrival_at"] == \
        "2026-11-22T10:00:00+08:00"
    assert payload["chinese_name"] is None and payload["number_of_entries"] is None
    assert payload["host_id_number"] == "11010519491231002X" and payload["lease_contract"]
    assert world.outbox.wakes == 1
    assert flow.final_number == flow.reference == "LS-310105-2026-000123"
    assert flow.outcome().reference_label == "Registration number"
    [(_job, slip)] = world.printer.printed
    text = slip.plain_text()
    assert "境外人员临时住宿登记凭证" in text and "LS-310105-2026-000123" in text
    assert "Temporary Accommodation Registration Receipt" in text
    assert "https://central.example/v1/verify/VC00000001" in text
    assert "C01X00T47" not in text and "*****0T47" in text
    assert "上海市长宁区仙霞路88弄3号楼1201室" in text and "021-62190110" in text
    assert "已提交" in text  # SUBMITTED


CENTRAL_SAYS = {
    "REGISTERED": (Delivery(state="delivered", central_ref="LS-310105-2026-000123",
                            record_status="REGISTERED"),
                   "Your stay is registered", "Registration number", "已登记 Registered"),
    "SUBMITTED": (Delivery(state="delivered", central_ref="LS-310105-2026-000123",
                           record_status="SUBMITTED"),
                  "Your registration is submitted", "Registration number",
                  "已提交 Submitted"),
    "PENDING_VERIFICATION": (Delivery(state="delivered", central_ref="LS-310105-2026-000123",
                                      record_status="PENDING_VERIFICATION"),
                             "Your registration is waiting for verification",
                             "Registration number",
                             "待核查（逾期登记） Pending verification (late registration)"),
    "PROVISIONAL": (None, "Your registration is accepted", "Provisional reference",
                    "Accepted by the kiosk, not yet confirmed"),
}


@pytest.mark.parametrize("status", list(CENTRAL_SAYS))
def test_the_done_screen_says_what_the_slip_says_for_the_status_central_returned(
        status: str) -> None:
    """GIVEN a registration that central numbers as REGISTERED, SUBMITTED or
    PENDING_VERIFICATION, or does not answer in time (provisional, offline)
    WHEN it is submitted and the slip printed
    THEN the done screen's title and reference label say what is true for that status,
    and the slip's status line says the same status: never "registered" on the screen
    for a registration the police only received"""
    delivery, title, label, slip_status = CENTRAL_SAYS[status]
    world = World()
    world.outbox.answer = delivery
    flow = world.flow()
    to_summary(world, flow)
    flow.submit()
    run(flow)
    assert flow.step is StayStep.DONE and flow.receipt_printed
    assert flow.status() == status
    texts = flow.outcome()
    assert (texts.title, texts.reference_label) == (title, label)
    [(_job, slip)] = world.printer.printed
    [line] = [line for line in slip.plain_text().splitlines() if "Status" in line]
    assert line.endswith(slip_status), line


def test_visa_free_stay_asks_no_visa_number() -> None:
    """GIVEN a visa-free entry
    WHEN the entry questions are answered
    THEN neither the visa number nor the number of entries is asked, and the record
    carries no number."""
    world = World()
    flow = world.flow()
    read(world, flow, mrz_read(TD3_VALID))
    flow.confirm_person()
    asked = answer(flow, {**ENTRY, "entry_status_type": "VISA_FREE",
                          "entry_status_valid_until": date(2026, 12, 20)}, StayStep.ENTRY)
    assert "entry_status_number" not in asked and "number_of_entries" not in asked
    choose_path(flow, ROOM_PATH)
    answer(flow, {**STAY, "planned_departure": date(2026, 12, 10)}, StayStep.STAY)
    flow.submit()
    run(flow)
    payload = world.submissions.submitted[0][3]
    assert payload["entry_status_type"] == "VISA_FREE"
    assert payload["entry_status_number"] is None


def test_own_home_asks_no_host_and_no_lease() -> None:
    """GIVEN a resident in her own home
    WHEN the stay questions are answered
    THEN no host and no lease questions come, and the record's host fields are null."""
    world = World()
    flow = world.flow()
    read(world, flow, mrz_read(TD3_VALID))
    flow.confirm_person()
    answer(flow, ENTRY, StayStep.ENTRY)
    choose_path(flow, ROOM_PATH)
    asked = answer(flow, {**STAY, "accommodation_type": "own"}, StayStep.STAY)
    assert asked == ["arrival_date", "arrival_time", "planned_departure",
                     "accommodation_type", "purpose", "phone"]
    flow.submit()
    run(flow)
    payload = world.submissions.submitted[0][3]
    assert payload["host_name"] is None and payload["lease_contract"] is False


def test_pr_card_gives_the_chinese_name_and_document_type() -> None:
    """GIVEN a 2023 permanent resident card read through its chip
    WHEN it is confirmed
    THEN its Chinese name is shown and not asked, and the record says pr_card."""
    world = World()
    flow = world.flow()
    read(world, flow, PR_CARD)
    rows = {row.label: row.value for row in flow.identity_rows()}
    assert rows["Chinese name"] == "穆斯特曼·艾丽卡"
    flow.confirm_person()
    assert "chinese_name" not in answer(flow, ENTRY, StayStep.ENTRY)
    choose_path(flow, ROOM_PATH)
    answer(flow, STAY, StayStep.STAY)
    flow.submit()
    run(flow)
    payload = world.submissions.submitted[0][3]
    assert payload["doc_type"] == "pr_card" and payload["chinese_name"] == "穆斯特曼·艾丽卡"
    assert payload["doc_number"] == "93127619640812124X"


# --- the document ------------------------------------------------------------------------


@pytest.mark.parametrize("document, code", [
    (mrz_read(TD3_SPECIMEN), ErrorCode.DOC_EXPIRED),
    (mrz_read((TD3_VALID[0], TD3_VALID[1][:9] + "9" + TD3_VALID[1][10:])),
     ErrorCode.MRZ_CHECKDIGIT),
    (ReadRejected("noise"), ErrorCode.MRZ_UNREADABLE),
    (td3("CHN"), ErrorCode.CHINESE_NATIONAL),
])
def test_unusable_documents_are_refused_on_the_document_screen(
        document: DocumentRead | ReadRejected, code: ErrorCode) -> None:
    """GIVEN a document that cannot register a stay (expired, misread, unreadable, a
    Chinese passport)
    WHEN it is placed on the reader
    THEN the document screen says why and the kiosk keeps waiting; a valid passport
    placed next is taken."""
    world = World()
    flow = world.flow()
    world.reader.present(document)
    flow.advance()  # times out after read_timeout_s
    assert flow.step is StayStep.READ and flow.view is View.DOCUMENT
    assert flow.error is not None and flow.error.code is code and flow.person is None
    assert flow.answers.entry is None and world.submissions.submitted == []
    flow.retry_read()
    read(world, flow, mrz_read(TD3_VALID))
    assert flow.step is StayStep.CONFIRM_PERSON and flow.error is None


def test_reader_gone_is_said_at_once() -> None:
    """GIVEN a reader that is unplugged
    WHEN the flow waits for a document
    THEN it stops waiting with E_DEVICE_UNAVAILABLE."""
    world = World()
    world.reader.error = DeviceError("reader", "disconnected")
    flow = world.flow()
    run(flow)
    assert flow.error is not None and flow.error.code is ErrorCode.DEVICE_UNAVAILABLE


def test_unknown_sex_on_the_passport_is_asked() -> None:
    """GIVEN a passport whose sex field is "<"
    WHEN the entry questions start
    THEN the sex is asked (the police form needs M or F)."""
    world = World()
    flow = world.flow()
    read(world, flow, td3("FRA", sex="<"))
    flow.confirm_person()
    assert "sex" in answer(flow, ENTRY, StayStep.ENTRY)
    assert flow.step is StayStep.ADDRESS


# --- the address -----------------------------------------------------------------------


def test_hotel_cannot_be_chosen() -> None:
    """GIVEN the building list with a hotel in it
    WHEN the hotel is touched
    THEN E_HOTEL_ADDRESS shows on the same list and nothing more is asked of central;
    another building can still be chosen."""
    world = World()
    flow = world.flow()
    read(world, flow, mrz_read(TD3_VALID))
    flow.confirm_person()
    answer(flow, ENTRY, StayStep.ENTRY)
    choose_path(flow, ("310105", "310105-hongqiao", "310105-hongqiao-n2270"))
    hotel = next(c for c in flow.choices() if c.id.endswith("-hotel"))
    assert "Hotel: registers its guests itself" in hotel.subtitle
    calls = len(world.addresses.calls)
    flow.choose("310105-hongqiao-n2270-hotel")
    assert flow.step is StayStep.ADDRESS and not flow.busy
    assert flow.error is not None and flow.error.code is ErrorCode.HOTEL_ADDRESS
    assert len(world.addresses.calls) == calls
    choose_path(flow, ("310105-hongqiao-n2270-b2", "310105-hongqiao-n2270-b2-808"))
    assert flow.step is StayStep.STAY and flow.error is None


@pytest.mark.parametrize("path, code", [
    (("320505", "320505-a", "320505-a-l1", "320505-a-l1-b1", "320505-a-l1-b1-101"),
     ErrorCode.OUTSIDE_SHANGHAI),
    ((*ROOM_PATH[:-1], "310105-xianxia-l88-b3-404"), ErrorCode.ADDRESS_UNRESOLVED),
])
def test_rooms_central_cannot_register_are_refused_on_the_room_list(
        path: tuple[str, ...], code: ErrorCode) -> None:
    """GIVEN a room outside Shanghai, or one central cannot resolve
    WHEN it is chosen
    THEN the room list shows again with the code, and no stay question is asked."""
    world = World()
    flow = world.flow()
    read(world, flow, mrz_read(TD3_VALID))
    flow.confirm_person()
    answer(flow, ENTRY, StayStep.ENTRY)
    choose_path(flow, path)
    assert flow.step is StayStep.ADDRESS and flow.view is View.CHOOSE
    assert flow.error is not None and flow.error.code is code
    assert flow.choice_list().heading == "Which room?"
    assert flow.picker.address is None and world.submissions.submitted == []


def test_hotel_found_only_when_resolving() -> None:
    """GIVEN a room that central's resolved address places in a hotel
    WHEN it is chosen
    THEN E_HOTEL_ADDRESS shows on the room list."""
    world = World()
    world.addresses.hotel_rooms.add(ROOM)
    flow = world.flow()
    read(world, flow, mrz_read(TD3_VALID))
    flow.confirm_person()
    answer(flow, ENTRY, StayStep.ENTRY)
    choose_path(flow, ROOM_PATH)
    assert flow.error is not None and flow.error.code is ErrorCode.HOTEL_ADDRESS


@pytest.mark.parametrize("depth", [0, len(ROOM_PATH)])
def test_central_away_while_choosing_offers_to_try_again(depth: int) -> None:
    """GIVEN central unreachable when the districts (or the room) are asked for
    WHEN the address step comes
    THEN the failure screen says E_CENTRAL_UNAVAILABLE with Try again, which asks again
    and goes on once central is back; the answers are kept."""
    world = World()
    flow = world.flow()
    read(world, flow, mrz_read(TD3_VALID))
    flow.confirm_person()
    world.addresses.down = not depth
    answer(flow, ENTRY, StayStep.ENTRY)
    if depth:
        choose_path(flow, ROOM_PATH[:-1])
        world.addresses.down = True
        flow.choose(ROOM_PATH[-1])
        run(flow)
    assert flow.step is StayStep.FAILED and flow.can_retry
    assert flow.error is not None and flow.error.code is ErrorCode.CENTRAL_UNAVAILABLE
    world.addresses.down = False
    flow.try_again()
    run(flow)
    assert flow.step is (StayStep.STAY if depth else StayStep.ADDRESS)
    assert flow.answers.entry is not None and flow.answers.entry.answers["port_of_entry"] == "PVG"


def test_back_walks_up_the_levels_and_back_into_the_questions() -> None:
    """GIVEN the first stay question
    WHEN Back is touched again and again
    THEN it goes to the room list, up the address levels without asking central, to the
    last entry question (its answer kept), to the identity confirmation, and to reading
    the document again."""
    world = World()
    flow = world.flow()
    read(world, flow, mrz_read(TD3_VALID))
    flow.confirm_person()
    answer(flow, ENTRY, StayStep.ENTRY)
    choose_path(flow, ROOM_PATH)
    calls = len(world.addresses.calls)
    flow.back()
    assert flow.step is StayStep.ADDRESS and flow.choice_list().heading == "Which room?"
    for heading in ("Which building?", "Which lane or number?", "On which street?",
                    "In which district do you stay?"):
        flow.back()
        assert flow.choice_list().heading == heading
    assert len(world.addresses.calls) == calls
    flow.back()
    assert flow.step is StayStep.ENTRY and flow.form is not None
    assert flow.form.current.key == "port_of_entry" and flow.form.current_value() == "PVG"
    while flow.step is StayStep.ENTRY:
        flow.back()
    assert flow.step is StayStep.CONFIRM_PERSON
    flow.back()
    assert flow.step is StayStep.READ and flow.person is None and flow.busy
    assert world.reader.discarded == 2  # the same passport placed again is read again

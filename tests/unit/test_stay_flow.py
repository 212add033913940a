"""The accommodation registration state machine against small in-memory fakes of its
ports: reader, address book, submissions journal, outbox, printer."""

from __future__ import annotations

import time as clock_time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from service_fakes import FakePrinter, MemoryPrintJobs

from hardware.base import (
    DeviceError,
    DeviceStatus,
    DocumentFormat,
    DocumentRead,
    Health,
    PrintOutcome,
    ReadRejected,
)
from hardware.sim.reader.specimens import PR2023_FIELDS, TD3_SPECIMEN, TD3_VALID
from kiosk.domain.mrz import check_digit
from kiosk.domain.records import Address, AddressNode, Submission
from kiosk.errors import ErrorCode, KioskError, WarningCode
from kiosk.i18n import Catalogs
from kiosk.services.flow import View
from kiosk.services.ports import CallContext, Delivery
from kiosk.services.slips import SlipHeader
from kiosk.services.stay import StayDeps, StayFlow, StayStep

SHANGHAI = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 22, 14, 30, tzinfo=SHANGHAI)
TODAY = NOW.date()
SKIP = object()
ROOM = "310105-xianxia-l88-b3-1201"
CATALOGS = Catalogs()  # the real catalogs: the slip is Chinese first, then the user's language
ROOM_PATH = ("310105", "310105-xianxia", "310105-xianxia-l88", "310105-xianxia-l88-b3", ROOM)

# --- fakes -----------------------------------------------------------------------------


class StillClock:
    """Time stands still until a test moves it."""

    def __init__(self) -> None:
        self.moment = NOW

    def now(self) -> datetime:
        return self.moment


class FakeReader:
    def __init__(self) -> None:
        self.queue: list[DocumentRead | ReadRejected] = []
        self.error: DeviceError | None = None
        self.discarded = 0

    def present(self, item: DocumentRead | ReadRejected) -> None:
        self.queue.append(item)

    def read(self, timeout_s: float) -> DocumentRead | ReadRejected | None:
        if self.error is not None:
            raise self.error
        if self.queue:
            return self.queue.pop(0)
        clock_time.sleep(min(timeout_s, 0.005))
        return None

    def status(self) -> DeviceStatus:
        return DeviceStatus(device="reader", health=Health.OK)

    def discard_pending(self) -> None:
        self.discarded += 1
        self.queue.clear()

    def close(self) -> None:
        pass


def _node(node_id: str, level: str, zh: str, en: str, hotel: bool = False) -> AddressNode:
    return AddressNode(id=node_id, level=level, name_zh=zh, name_en=en, is_hotel=hotel)


TREE: dict[str | None, list[AddressNode]] = {
    None: [_node("310105", "district", "长宁区", "Changning District"),
           _node("320505", "district", "苏州市虎丘区", "Huqiu District, Suzhou")],
    "310105": [_node("310105-xianxia", "street", "仙霞路", "Xianxia Road"),
               _node("310105-hongqiao", "street", "虹桥路", "Hongqiao Road")],
    "310105-xianxia": [_node("310105-xianxia-l88", "lane", "88弄", "Lane 88")],
    "310105-xianxia-l88": [_node("310105-xianxia-l88-b3", "building", "3号楼", "Building 3")],
    "310105-xianxia-l88-b3": [_node(ROOM, "room", "1201室", "Room 1201"),
                              _node("310105-xianxia-l88-b3-404", "room", "404室", "Room 404")],
    "310105-hongqiao": [_node("310105-hongqiao-n2270", "lane", "2270号", "No. 2270")],
    "310105-hongqiao-n2270": [
        _node("310105-hongqiao-n2270-hotel", "building", "虹桥示例大酒店", "Hongqiao Example Hotel",
              hotel=True),
        _node("310105-hongqiao-n2270-b2", "building", "2号楼", "Building 2")],
    "310105-hongqiao-n2270-b2": [_node("310105-hongqiao-n2270-b2-808", "room", "808室", "Room 808")],
    "320505": [_node("320505-a", "street", "虎丘路", "Huqiu Road")],
    "320505-a": [_node("320505-a-l1", "lane", "1号", "No. 1")],
    "320505-a-l1": [_node("320505-a-l1-b1", "building", "1号楼", "Building 1")],
    "320505-a-l1-b1": [_node("320505-a-l1-b1-101", "room", "101室", "Room 101")],
}


class FakeAddressBook:
    """Central's address book: the tree above; ``down`` makes central unreachable."""

    def __init__(self) -> None:
        self.down = False
        self.hotel_rooms: set[str] = set()  # rooms central marks as a hotel only on resolve
        self.calls: list[str | None] = []

    def _reach(self) -> None:
        if self.down:
            raise KioskError(ErrorCode.CENTRAL_UNAVAILABLE, reason="refused")

    def children(self, ctx: CallContext, parent_id: str | None) -> list[AddressNode]:
        self.calls.append(parent_id)
        self._reach()
        if parent_id not in TREE:
            raise KioskError(ErrorCode.ADDRESS_UNRESOLVED)
        return list(TREE[parent_id])

    def resolve(self, ctx: CallContext, room_id: str) -> Address:
        self._reach()
        if room_id.endswith("-404"):
            raise KioskError(ErrorCode.ADDRESS_UNRESOLVED)
        parts: list[AddressNode] = []
        parent: str | None = None
        for depth in range(5):
            node = next(n for n in TREE[parent] if room_id.startswith(n.id))
            parts.append(node)
            parent = node.id
        if room_id in self.hotel_rooms:
            parts[3] = _node(parts[3].id, "building", parts[3].name_zh, parts[3].name_en, True)
        return Address(room_id=room_id, parts=tuple(parts),
                       police_station="仙霞路派出所 Xianxia Road Police Station",
                       police_phone="021-62190110")


class MemorySubmissions:
    def __init__(self) -> None:
        self.submitted: list[tuple[str, str, str, dict[str, Any]]] = []

    def submit(self, kind: str, kiosk_id: str, lang: str, payload: dict[str, Any],
               now: datetime) -> Submission:
        number = len(self.submitted) + 1
        self.submitted.append((kind, kiosk_id, lang, payload))
        return Submission(provisional_ref=f"{kiosk_id}-{now:%y%m%d}-{number:06d}",
                          verification_code=f"VC{number:08d}", idempotency_key=uuid.uuid4().hex)

    def get(self, reference: str) -> Submission | None:
        return None


@dataclass
class FakeOutbox:
    """What central answered, as the forwarder recorded it: set ``answer`` (None: central
    never answered, the record stays pending). Also the waker."""

    answer: Delivery | None = field(
        default_factory=lambda: Delivery(state="delivered", central_ref="LS-310105-2026-000123"))
    wakes: int = 0
    asked: list[str] = field(default_factory=list)

    def wake(self) -> None:
        self.wakes += 1

    def delivery(self, idempotency_key: str) -> Delivery | None:
        self.asked.append(idempotency_key)
        return self.answer or Delivery(state="pending")


@dataclass
class World:
    reader: FakeReader = field(default_factory=FakeReader)
    addresses: FakeAddressBook = field(default_factory=FakeAddressBook)
    submissions: MemorySubmissions = field(default_factory=MemorySubmissions)
    outbox: FakeOutbox = field(default_factory=FakeOutbox)
    printer: FakePrinter = field(default_factory=FakePrinter)
    print_jobs: MemoryPrintJobs = field(default_factory=MemoryPrintJobs)
    clock: StillClock = field(default_factory=StillClock)
    submit_wait_s: float = 0.05

    def deps(self) -> StayDeps:
        return StayDeps(
            addresses=self.addresses, reader=self.reader, printer=self.printer,
            print_jobs=self.print_jobs, clock=self.clock, translator=CATALOGS,
            slip_header=SlipHeader(kiosk_id="SH-CN-TEST-01", center_name_zh="中心",
                                   center_name_en="Center", location="Changning",
                                   hotline="12345"),
            verify_url="https://central.example/v1/verify/{code}", read_timeout_s=0.3,
            submissions=self.submissions, outbox=self.outbox, waker=self.outbox,
            submit_wait_s=self.submit_wait_s)

    def flow(self, lang: str = "en") -> StayFlow:
        return StayFlow(self.deps(), CallContext(kiosk_id="SH-CN-TEST-01", session_id="s1",
                                                 lang=lang))


# --- documents -------------------------------------------------------------------------


def mrz_read(lines: tuple[str, ...]) -> DocumentRead:
    return DocumentRead(format=DocumentFormat.TD3, mrz="\n".join(lines))


def td3(nationality: str, number: str = "E12345678", birth: str = "900101",
        expiry: str = "340101", sex: str = "M") -> DocumentRead:
    """A passport zone with every check digit right (ICAO 9303 part 4)."""
    line1 = f"P<{nationality}ZHANG<<WEI".ljust(44, "<")
    optional = "<" * 14
    body = (f"{number}{check_digit(number)}{nationality}{birth}{check_digit(birth)}{sex}"
            f"{expiry}{check_digit(expiry)}{optional}<")
    composite = check_digit(body[:10] + body[13:20] + body[21:43])
    return DocumentRead(format=DocumentFormat.TD3, mrz=f"{line1}\n{body}{composite}")


PR_CARD = DocumentRead(format=DocumentFormat.PR2023, chip=dict(PR2023_FIELDS))

# --- driving the flow ------------------------------------------------------------------

ENTRY = {"chinese_name": SKIP, "entry_status_type": "Z", "entry_status_number": "Z12345678",
         "entry_status_valid_until": date(2027, 11, 1), "number_of_entries": SKIP,
         "date_of_entry": date(2026, 11, 20), "port_of_entry": "PVG", "sex": "F"}
STAY = {"arrival_date": TODAY, "arrival_time": time(10, 0),
        "planned_departure": date(2027, 6, 30), "accommodation_type": "rented",
        "host_name": "WANG JIANGUO", "host_id_type": "resident_id",
        "host_id_number": "11010519491231002X", "host_phone": "13800138000",
        "purpose": "employment", "phone": "13912345678", "lease_contract": True}


def run(flow: StayFlow) -> None:
    deadline = clock_time.monotonic() + 5
    while flow.busy:
        assert clock_time.monotonic() < deadline, f"still busy at {flow.step}"
        flow.advance()


def read(world: World, flow: StayFlow, document: DocumentRead | ReadRejected) -> None:
    world.reader.present(document)
    run(flow)


def answer(flow: StayFlow, values: dict[str, Any], step: StayStep) -> list[str]:
    """Answer the questions of one part in turn; the keys that were asked."""
    asked = []
    while flow.step is step and flow.form is not None and not flow.form.done:
        key = flow.form.current.key
        asked.append(key)
        value = values[key]
        flow.skip() if value is SKIP else flow.answer(value)
        if flow.step is step and flow.form is not None:
            assert flow.form.error is None, (key, flow.form.error)
        if asked.count(key) > 1:
            break
    run(flow)
    return asked


def choose_path(flow: StayFlow, path: tuple[str, ...]) -> None:
    for node_id in path:
        assert flow.step is StayStep.ADDRESS, flow.step
        flow.choose(node_id)
        run(flow)


def to_summary(world: World, flow: StayFlow, document: DocumentRead | None = None,
               entry: dict[str, Any] | None = None, stay: dict[str, Any] | None = None) -> None:
    read(world, flow, document or mrz_read(TD3_VALID))
    assert flow.step is StayStep.CONFIRM_PERSON, flow.error
    flow.confirm_person()
    answer(flow, {**ENTRY, **(entry or {})}, StayStep.ENTRY)
    choose_path(flow, ROOM_PATH)
    answer(flow, {**STAY, **(stay or {})}, StayStep.STAY)


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
    assert flow.choose_texts()["heading"] == "In which district do you stay?"
    choose_path(flow, ROOM_PATH[:-1])
    assert flow.choose_texts()["heading"] == "Which room?"
    assert flow.choose_texts()["trail"].startswith("长宁区 Changning District › 仙霞路")
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
    assert flow.done_texts()["reference_label"] == "Registration number"
    [(_job, slip)] = world.printer.printed
    text = slip.plain_text()
    assert "境外人员临时住宿登记凭证" in text and "LS-310105-2026-000123" in text
    assert "Temporary Accommodation Registration Receipt" in text
    assert "https://central.example/v1/verify/VC00000001" in text
    assert "C01X00T47" not in text and "*****0T47" in text
    assert "上海市长宁区仙霞路88弄3号楼1201室" in text and "021-62190110" in text
    assert "已提交" in text  # SUBMITTED


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
    (ROOM_PATH[:-1] + ("310105-xianxia-l88-b3-404",), ErrorCode.ADDRESS_UNRESOLVED),
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
    assert flow.choose_texts()["heading"] == "Which room?"
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
    assert flow.step is StayStep.ADDRESS and flow.choose_texts()["heading"] == "Which room?"
    for heading in ("Which building?", "Which lane or number?", "On which street?",
                    "In which district do you stay?"):
        flow.back()
        assert flow.choose_texts()["heading"] == heading
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


# --- answers checked as they are given -------------------------------------------------------


@pytest.mark.parametrize("step, key, value, code", [
    (StayStep.ENTRY, "entry_status_valid_until", TODAY - timedelta(days=1), ErrorCode.OVERSTAY),
    (StayStep.ENTRY, "date_of_entry", TODAY + timedelta(days=1), ErrorCode.DATES_INVALID),
    (StayStep.ENTRY, "entry_status_number", "Z1234567890123456789", ErrorCode.FIELD_FORMAT),
    (StayStep.ENTRY, "number_of_entries", 0, ErrorCode.FIELD_FORMAT),
    (StayStep.STAY, "arrival_date", date(2026, 11, 19), ErrorCode.DATES_INVALID),  # before entry
    (StayStep.STAY, "arrival_date", TODAY + timedelta(days=1), ErrorCode.DATES_INVALID),
    (StayStep.STAY, "arrival_time", time(15, 0), ErrorCode.DATES_INVALID),  # later today
    (StayStep.STAY, "planned_departure", TODAY - timedelta(days=1), ErrorCode.DATES_INVALID),
    (StayStep.STAY, "phone", "12345", ErrorCode.PHONE_FORMAT),
    (StayStep.STAY, "host_phone", "0211234", ErrorCode.PHONE_FORMAT),
    (StayStep.STAY, "host_id_number", "11010519491231002Y", ErrorCode.FIELD_FORMAT),
])
def test_wrong_answers_are_refused_on_their_question(step: StayStep, key: str, value: Any,
                                                     code: ErrorCode) -> None:
    """GIVEN the question ``key``
    WHEN an answer the domain rules refuse is given
    THEN the same question stays with the code, and a right answer moves on."""
    world = World()
    flow = world.flow()
    read(world, flow, mrz_read(TD3_VALID))
    flow.confirm_person()
    if step is StayStep.STAY:
        answer(flow, ENTRY, StayStep.ENTRY)
        choose_path(flow, ROOM_PATH)
    values = {**ENTRY, **STAY}
    assert flow.form is not None
    while flow.form.current.key != key:
        flow.skip() if values[flow.form.current.key] is SKIP else \
            flow.answer(values[flow.form.current.key])
    flow.answer(value)
    assert flow.form.current.key == key and flow.form.error is code
    flow.answer(2 if values[key] is SKIP else values[key])
    assert flow.form.done or flow.form.current.key != key


# --- summary: warnings, and errors that send the user back -------------------------------------


def test_late_registration_and_departure_after_validity_are_warnings() -> None:
    """GIVEN an arrival three days ago and a departure after the visa ends
    WHEN the summary shows
    THEN W_LATE_REGISTRATION and W_DEPARTURE_AFTER_VALIDITY are on it, submitting is
    allowed, the record carries the warnings and the slip says pending verification."""
    world = World()
    flow = world.flow()
    to_summary(world, flow, stay={"arrival_date": TODAY - timedelta(days=2),
                                  "planned_departure": date(2028, 1, 1)})
    assert flow.step is StayStep.SUMMARY
    assert flow.warnings == [WarningCode.LATE_REGISTRATION,
                             WarningCode.DEPARTURE_AFTER_VALIDITY]
    flow.submit()
    run(flow)
    payload = world.submissions.submitted[0][3]
    assert payload["warnings"] == ["W_LATE_REGISTRATION", "W_DEPARTURE_AFTER_VALIDITY"]
    text = world.printer.printed[0][1].plain_text()
    assert "待核查（逾期登记）" in text


def test_visa_ending_before_the_summary_sends_back_to_its_question() -> None:
    """GIVEN a visa valid until today, accepted when asked
    WHEN the summary is reached the next day
    THEN E_OVERSTAY sends the user back to the valid-until question, with the other
    answers kept, and nothing is submitted."""
    world = World()
    flow = world.flow()
    read(world, flow, mrz_read(TD3_VALID))
    flow.confirm_person()
    answer(flow, {**ENTRY, "entry_status_valid_until": TODAY}, StayStep.ENTRY)
    choose_path(flow, ROOM_PATH)
    world.clock.moment += timedelta(days=1)
    answer(flow, {**STAY, "planned_departure": TODAY}, StayStep.STAY)
    assert flow.step is StayStep.ENTRY and flow.form is not None
    assert flow.form.current.key == "entry_status_valid_until"
    assert flow.form.error is ErrorCode.OVERSTAY
    flow.back()
    assert flow.form.current.key == "entry_status_number"
    assert flow.form.current_value() == "Z12345678"
    assert world.submissions.submitted == []


def test_time_passing_on_the_summary_is_caught_at_submit() -> None:
    """GIVEN the summary of a visa valid until today
    WHEN Submit is touched after midnight
    THEN nothing is submitted and the valid-until question shows E_OVERSTAY; once a valid
    date is given, the rest of the answers lead straight back to the summary."""
    world = World()
    flow = world.flow()
    to_summary(world, flow, entry={"entry_status_valid_until": TODAY},
               stay={"planned_departure": TODAY})
    assert flow.step is StayStep.SUMMARY
    world.clock.moment += timedelta(days=1)
    flow.submit()
    run(flow)
    assert world.submissions.submitted == []
    assert flow.step is StayStep.ENTRY and flow.form is not None
    assert flow.form.error is ErrorCode.OVERSTAY
    flow.answer(date(2027, 1, 31))
    while flow.step is StayStep.ENTRY:
        flow.skip() if flow.form.current_value() is None and not flow.form.current.required \
            else flow.answer(flow.form.current_value())
    assert flow.step is StayStep.SUMMARY, flow.step


def test_passport_expiring_before_the_summary_asks_for_another_document() -> None:
    """GIVEN a passport valid until today
    WHEN the summary is reached the next day
    THEN the flow waits for a valid document again, saying E_DOC_EXPIRED, and forgets
    the answers given for the expired one; nothing is submitted."""
    world = World()
    flow = world.flow()
    read(world, flow, td3("FRA", expiry=f"{TODAY:%y%m%d}"))
    flow.confirm_person()
    answer(flow, {**ENTRY, "entry_status_valid_until": TODAY}, StayStep.ENTRY)
    choose_path(flow, ROOM_PATH)
    world.clock.moment += timedelta(days=1)
    answer(flow, {**STAY, "planned_departure": TODAY}, StayStep.STAY)
    assert flow.step is StayStep.READ and flow.view is View.DOCUMENT
    assert flow.error is not None and flow.error.code is ErrorCode.DOC_EXPIRED
    assert flow.person is None and flow.answers.entry is None
    assert world.submissions.submitted == []


def test_summary_back_goes_to_the_last_question() -> None:
    """GIVEN the summary
    WHEN Back is touched
    THEN the last stay question shows with its answer."""
    world = World()
    flow = world.flow()
    to_summary(world, flow)
    flow.back()
    assert flow.step is StayStep.STAY and flow.form is not None
    assert flow.form.current.key == "lease_contract" and flow.form.current_value() is True


# --- central's answer ------------------------------------------------------------------------


def test_refused_registration_prints_nothing() -> None:
    """GIVEN central refuses the record (an active registration overlaps)
    WHEN it is submitted
    THEN the failure screen says E_DUPLICATE_ACTIVE_REGISTRATION without Try again, and
    no slip is printed."""
    world = World()
    world.outbox.answer = Delivery(state="rejected",
                                   reason="E_DUPLICATE_ACTIVE_REGISTRATION")
    flow = world.flow()
    to_summary(world, flow)
    flow.submit()
    run(flow)
    assert flow.step is StayStep.FAILED and flow.view is View.FAILED
    assert flow.error is not None and flow.error.code is ErrorCode.DUPLICATE_ACTIVE_REGISTRATION
    assert not flow.can_retry and world.printer.printed == [] and world.print_jobs.jobs == {}
    flow.try_again()
    assert flow.step is StayStep.FAILED


def test_unknown_refusal_reason_is_request_rejected() -> None:
    """GIVEN central refuses with a reason the kiosk does not know
    WHEN it is submitted
    THEN the failure says E_REQUEST_REJECTED."""
    world = World()
    world.outbox.answer = Delivery(state="rejected", reason="E_SOMETHING_NEW")
    flow = world.flow()
    to_summary(world, flow)
    flow.submit()
    run(flow)
    assert flow.error is not None and flow.error.code is ErrorCode.REQUEST_REJECTED


def test_central_away_prints_the_provisional_reference() -> None:
    """GIVEN central does not answer within submit_wait_s
    WHEN the registration is submitted
    THEN the slip carries the provisional reference, marked provisional, with the
    verification QR; the done screen says so."""
    world = World()
    world.outbox.answer = None
    flow = world.flow(lang="ko")
    to_summary(world, flow)
    started = clock_time.monotonic()
    flow.submit()
    run(flow)
    assert clock_time.monotonic() - started >= world.submit_wait_s
    assert flow.step is StayStep.DONE and flow.final_number is None
    assert flow.reference == "SH-CN-TEST-01-261122-000001"
    assert flow.done_texts()["reference_label"] == "Provisional reference"
    text = world.printer.printed[0][1].plain_text()
    assert "SH-CN-TEST-01-261122-000001" in text and "临时受理编号" in text
    assert "临时编号：正式登记编号以核验为准" in text and "임시 번호입니다. 정식 번호는" in text
    assert "VC00000001" in text and world.submissions.submitted[0][2] == "ko"


def test_print_failure_offers_print_again() -> None:
    """GIVEN a printer out of paper
    WHEN the slip is printed
    THEN the done screen says E_PRINT_FAILED and Print again prints the same registration
    once the paper is back, with nothing submitted twice."""
    world = World()
    world.printer.outcome = PrintOutcome.NOT_PRINTED
    world.printer.reason = "paper_out"
    flow = world.flow()
    to_summary(world, flow)
    flow.submit()
    run(flow)
    assert flow.step is StayStep.DONE and flow.receipt_printed is False
    assert flow.error is not None and flow.error.code is ErrorCode.PRINT_FAILED
    world.printer.outcome = PrintOutcome.PRINTED
    flow.print_again()
    run(flow)
    assert flow.receipt_printed and len(world.printer.printed) == 1
    assert len(world.submissions.submitted) == 1 and len(world.print_jobs.jobs) == 2


def test_wipe_forgets_everything_personal() -> None:
    """GIVEN a flow at the summary
    WHEN the session ends
    THEN the person, the answers, the address and the submission are gone."""
    world = World()
    flow = world.flow()
    to_summary(world, flow)
    flow.wipe()
    assert flow.person is None and flow.form is None and flow.answers.document == {}
    assert flow.answers.entry is None and flow.answers.stay is None
    assert flow.picker.address is None and flow.summary_rows() == []

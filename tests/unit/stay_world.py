"""The stay registration flow's world for the unit tests: small in-memory fakes of its
ports (reader, address book, submissions journal, outbox, printer), documents, and the
helpers that drive the flow. Shared by test_stay_flow.py and test_stay_checks.py."""

from __future__ import annotations

import time as clock_time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from hardware.base import (
    DeviceError,
    DeviceStatus,
    DocumentFormat,
    DocumentRead,
    Health,
    ReadRejected,
)
from hardware.sim.reader.specimens import PR2023_FIELDS, TD3_VALID
from kiosk.domain.mrz import check_digit
from kiosk.domain.records import Address, AddressNode, Submission
from kiosk.errors import ErrorCode, KioskError
from kiosk.i18n import Catalogs
from kiosk.services.ports import CallContext, Delivery
from kiosk.services.slips import SlipHeader
from kiosk.services.stay import StayDeps, StayFlow, StayStep
from service_fakes import FakePrinter, MemoryPrintJobs

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
    "310105-hongqiao-n2270-b2": [
        _node("310105-hongqiao-n2270-b2-808", "room", "808室", "Room 808")],
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
        for _ in range(5):
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

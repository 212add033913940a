"""Drain benchmark (issue 5): 10,000 queued outbox records from one kiosk to central on
127.0.0.1, in records per second, against

  (a) the limit: central's own insert rate for the same records through its service
      layer (CentralService.deliver_outbox, SQLAlchemy on a fresh SQLite file, no HTTP),
      in batches of the forwarder's size: the set-based batch path (central.outbox_bulk),
      central's fastest way to write them, so c/a is what HTTP and the kiosk add;
  (b) the peer: a naive client posting one record per request (requests.Session,
      sequential) to POST /v1/outbox;
  (c) the real thing: the OutboxForwarder draining a kiosk store (SQLite file) through
      CentralClient to central served by uvicorn.

Figures are printed, never judged pass/fail (targets: c/a >= 0.5, c/b >= 10). Each
measurement gets its own fresh central database. Every record is made up.

    PYTHONPATH=. .venv/bin/python bench/outbox_drain.py [--records 10000]
        [--batch-size 50] [--naive-records 2000] [--profile out.prof]
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests

from central.db import make_engine, migrate
from central.enrollment import EnrollmentService
from central.server import CentralServer
from central.service import CentralService
from kiosk.domain.payments import OutboxMessage
from kiosk.store import open_store
from kiosk.store.models import OutboxRow
from kiosk.store.session import Transactions
from kiosk.sync.client import CentralClient
from kiosk.sync.forwarder import DrainReport, OutboxForwarder
from kiosk.sync.wire import OutboxBatchIn, OutboxRecordIn

SHANGHAI = ZoneInfo("Asia/Shanghai")
KIOSK = "SH-CN-0001"
START = datetime(2026, 1, 15, 10, 30, tzinfo=SHANGHAI)
ROOM = "310105-xianxia-l88-b3-1201"
CHANGNING_USCC = "91310110666007217T"
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class FixedClock:
    def now(self) -> datetime:
        return START


def _code(i: int) -> str:
    """A unique 10-character verification code per record number."""
    n = i * 7919 + 104729
    return "".join(_CODE_ALPHABET[(n >> (5 * k)) & 31] for k in range(10))


def _payment(i: int) -> dict[str, Any]:
    return {"reference": f"{KIOSK}-260115-{i:06d}", "kiosk_id": KIOSK, "session_id": "S-1",
            "lang": "en", "biller_id": "sh-water", "account_no": "3100012345",
            "bill_ids": ["sh-water-202511-01"], "amount": "128.96", "currency": "CNY",
            "response_code": "00", "auth_code": "A12345",
            "rrn": f"{i:012d}", "masked_pan": "622588******1234", "card_brand": "UnionPay",
            "terminal_id": "T0000001", "merchant_id": "M000000000001",
            "paid_at": (START + timedelta(seconds=i)).isoformat()}


def _stay(i: int) -> dict[str, Any]:
    return {
        "reference": f"{KIOSK}-260115-{i:06d}", "verification_code": _code(i),
        "kiosk_id": KIOSK, "lang": "de", "submitted_at": "2026-01-15T10:29:00+08:00",
        "surname": "MUSTERMANN", "given_names": "ERIKA", "middle_name": None,
        "chinese_name": None, "sex": "F", "birth_date": "1964-08-12", "nationality": "DEU",
        "doc_type": "passport_ordinary", "doc_number": f"C{i:08d}", "doc_expiry": "2034-08-11",
        "entry_status_type": "Z", "entry_status_number": "Z12345678",
        "entry_status_valid_until": "2026-12-31", "number_of_entries": 1,
        "date_of_entry": "2026-01-14", "port_of_entry": "PVG",
        "arrival_at": "2026-01-14T20:00:00+08:00", "planned_departure": "2026-06-30",
        "address_room_id": ROOM, "accommodation_type": "rented",
        "host_name": "王小明", "host_id_type": "resident_id",
        "host_id_number": "11010519491231002X", "host_phone": "13900000000",
        "purpose": "employment", "phone": "13812348000", "lease_contract": True,
        "warnings": []}


def _application(i: int) -> dict[str, Any]:
    return {
        "reference": f"{KIOSK}-260115-{i:06d}", "verification_code": _code(i),
        "kiosk_id": KIOSK, "lang": "en", "submitted_at": "2026-01-15T10:29:00+08:00",
        "applicant": {"surname": "MUSTERMANN", "given_names": "ERIKA", "sex": "F",
                      "birth_date": "1964-08-12", "nationality": "DEU",
                      "doc_type": "passport", "doc_number": f"A{i:08d}",
                      "occupation": "Software engineer",
                      "address": "上海市长宁区仙霞路88弄3号楼1201室",
                      "service_address": "上海市长宁区仙霞路88弄3号楼1201室",
                      "phone": "13812348000", "work_permit_no": "Z310000123456"},
        "agent": None,
        "respondent": {"uscc": CHANGNING_USCC, "name": "上海长宁示例科技有限公司",
                       "address": "上海市长宁区仙霞路350号18楼",
                       "legal_representative": "王建国",
                       "representative_title": "执行董事", "phone": "021-62001234"},
        "co_respondent": None,
        "employment": {"start": "2023-03-01", "end": None,
                       "workplace": "上海市长宁区仙霞路350号", "workplace_district": "长宁区"},
        "claims": [{"type": "unpaid_wages", "amount": "76000.00", "from": "2025-11-01",
                    "to": "2025-12-31", "basis": "Labour Contract Law Art. 30"}],
        "facts": "The employer has not paid my wages for November and December 2025.",
        "evidence": [{"name": "Labour contract", "source": "applicant",
                      "fact_proved": "employment relationship", "pages": 6}],
        "witnesses": [], "knew_date": "2026-01-05", "warnings": []}


_BUILDERS: tuple[tuple[str, Callable[[int], dict[str, Any]]], ...] = (
    ("bill_payment", _payment), ("stay_registration", _stay),
    ("arbitration_application", _application))


def make_records(count: int) -> list[OutboxMessage]:
    """Payments, stay registrations and arbitration applications in turn."""
    records = []
    for i in range(count):
        kind, build = _BUILDERS[i % 3]
        records.append(OutboxMessage(kind=kind, idempotency_key=uuid.uuid4().hex,
                                     payload=build(i), created_at=START + timedelta(
                                         milliseconds=i)))
    return records


def _wire(records: list[OutboxMessage]) -> OutboxBatchIn:
    return OutboxBatchIn(kiosk_id=KIOSK, records=[
        OutboxRecordIn(idempotency_key=r.idempotency_key, kind=r.kind,  # type: ignore[arg-type]
                       created_at=r.created_at, payload=r.payload) for r in records])


def _chunks(records: list[OutboxMessage], size: int) -> list[list[OutboxMessage]]:
    return [records[i:i + size] for i in range(0, len(records), size)]


def _seeded_service(db_path: Path) -> CentralService:
    engine = make_engine(f"sqlite:///{db_path}")
    migrate(engine)
    service = CentralService(engine, FixedClock(), demo=True)
    service.seed_demo_if_empty()
    return service


def measure_direct(records: list[OutboxMessage], batch_size: int, work: Path) -> float:
    """(a) records/s through CentralService.deliver_outbox (set-based), no HTTP."""
    service = _seeded_service(work / "central-direct.db")
    batches = [_wire(chunk) for chunk in _chunks(records, batch_size)]
    started = time.perf_counter()
    accepted = sum(r.status == "accepted" for batch in batches
                   for r in service.deliver_outbox(batch).results)
    elapsed = time.perf_counter() - started
    service.engine.dispose()
    _check(accepted, len(records), "direct")
    return len(records) / elapsed


def kiosk_credential(central: CentralServer) -> str:
    """KIOSK's credential, put straight into the running central's database."""
    engine = make_engine(central.db_url)
    try:
        return EnrollmentService(engine).issue_credential(KIOSK)
    finally:
        engine.dispose()


def measure_naive(records: list[OutboxMessage], work: Path) -> float:
    """(b) records/s posting one record per request, sequentially."""
    with CentralServer(f"sqlite:///{work / 'central-naive.db'}", clock=FixedClock()) as central, \
            requests.Session() as http:
        bodies = [_wire([record]).model_dump_json() for record in records]
        credential = kiosk_credential(central)
        headers = {"Content-Type": "application/json", "X-Kiosk-Id": KIOSK,
                   "Authorization": f"Bearer {credential}"}
        accepted = 0
        started = time.perf_counter()
        for body in bodies:
            answer = http.post(f"{central.url}/v1/outbox", data=body, headers=headers,
                               timeout=10)
            answer.raise_for_status()
            accepted += answer.json()["results"][0]["status"] == "accepted"
        elapsed = time.perf_counter() - started
    _check(accepted, len(records), "naive")
    return len(records) / elapsed


def measure_forwarder(records: list[OutboxMessage], batch_size: int, work: Path,
                      profile: Path | None) -> float:
    """(c) records/s of OutboxForwarder.drain_once emptying a kiosk store over HTTP."""
    store = open_store(work / "kiosk.db")
    with Transactions(store.engine).write("bench: queue records") as session:
        session.add_all(OutboxRow(idempotency_key=r.idempotency_key, kind=r.kind,
                                  payload=r.payload, created_at=r.created_at, attempts=0)
                        for r in records)
    clock = FixedClock()
    with CentralServer(f"sqlite:///{work / 'central-forwarder.db'}", clock=clock) as central, \
            CentralClient(central.url, timeout_s=30.0, kiosk_id=KIOSK, clock=clock,
                          token=kiosk_credential(central)) as client:
        forwarder = OutboxForwarder(store.outbox, client, clock, interval_s=5.0,
                                    batch_size=batch_size, backoff_max_s=60.0)
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        report = forwarder.drain_once()
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
    if profiler and profile:
        profiler.dump_stats(str(profile))
    depth = store.outbox.depth()
    store.close()
    if report != DrainReport(sent=len(records)) or depth:
        raise SystemExit(f"forwarder: {report}, {depth} left")
    return len(records) / elapsed


def _check(accepted: int, expected: int, what: str) -> None:
    if accepted != expected:
        raise SystemExit(f"{what}: only {accepted} of {expected} accepted")


def main() -> None:
    logging.basicConfig(level=logging.ERROR)  # central logs a line per batch at INFO
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=50,
                        help="records per request (config [central] batch_size)")
    parser.add_argument("--naive-records", type=int, default=2_000,
                        help="records the naive client posts (its rate is per record)")
    parser.add_argument("--profile", type=Path, help="cProfile the forwarder's drain")
    args = parser.parse_args()
    records = make_records(args.records)
    with tempfile.TemporaryDirectory(prefix="outbox-drain-") as tmp:
        work = Path(tmp)
        direct = measure_direct(records, args.batch_size, work)
        print(f"(a) central service layer, no HTTP : {direct:9.0f} records/s")
        naive = measure_naive(records[:args.naive_records], work)
        print(f"(b) naive, one record per request  : {naive:9.0f} records/s "
              f"({args.naive_records} records)")
        drained = measure_forwarder(records, args.batch_size, work, args.profile)
        print(f"(c) forwarder, batches of {args.batch_size:<4}     : {drained:9.0f} records/s "
              f"({args.records} records)")
    print(f"c/a = {drained / direct:.2f} (target >= 0.5)   "
          f"c/b = {drained / naive:.1f} (target >= 10)")


if __name__ == "__main__":
    main()

"""A central database from before a migration is upgraded in place: before 0002 it gets
the new parts of the demo, keeping what it had; before 0007 its keys are registered per
kiosk."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import inspect, text

from central.db import make_engine, make_session_factory, migrate
from central.demo_data import seed_demo
from central.server import CentralServer
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces


def test_old_database_is_migrated_and_seeded_with_the_new_parts(central_db, clock, http):
    """GIVEN a database at revision 0001 holding the bill demo only
    WHEN central starts on it with demo data
    THEN the new tables exist and are seeded (districts, companies, taxpayers) while the
    old bills are still there."""
    db_url = central_db
    engine = make_engine(db_url)
    try:
        migrate(engine, "0001")
        with make_session_factory(engine).begin() as session:
            seed_demo(session, date(2026, 1, 15))
    finally:
        engine.dispose()
    with CentralServer(db_url, clock=clock) as server:
        districts = http.get(f"{server.url}/v1/addresses", timeout=PATIENCE_S).json()
        company = http.get(f"{server.url}/v1/companies/91310110666007217T", timeout=PATIENCE_S)
        identify = http.post(f"{server.url}/v1/tax/identify", timeout=PATIENCE_S, json={
            "doc_type": "passport", "doc_number": "C01X00T47", "nationality": "DEU",
            "birth_date": "1964-08-12", "surname": "MUSTERMANN", "given_names": "ERIKA"})
        lookup = http.post(f"{server.url}/v1/bills/lookup", timeout=PATIENCE_S,
                               headers={"X-Kiosk-Id": "K-1"},
                               json={"biller_id": "sh-water", "account_no": "3100012345"})
    assert [d["id"] for d in districts] == ["310105", "310104"]
    assert company.status_code == 200
    assert identify.status_code == 200, identify.text
    assert len(lookup.json()["bills"]) == 2


def test_keys_recorded_before_0007_are_registered_per_kiosk(central_db):
    """GIVEN a database at 0004_fleet where kiosk A recorded a payment and an application
    under one idempotency key (the defect 0007 closes), another application under its
    own key, and a refusal in the rejection log
    WHEN it is migrated to head
    THEN record_keys holds each of A's keys once (the shared one as the payment's, the
    first table's), and the refusal is kept with an empty kiosk id."""
    engine = make_engine(central_db)
    when = datetime(2026, 1, 15, 2, 0)  # noqa: DTZ001 - raw rows hold naive UTC (UTCDateTime)
    try:
        migrate(engine, "0004_fleet")
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO payments (central_ref, idempotency_key, request_hash, reference, "
                "kiosk_id, biller_id, account_no, amount_fen, currency, paid_at, "
                "recorded_at, channel, status, needs_review, record) VALUES ('C1', "
                "'key-shared-0001', 'h1', 'A-260115-000001', 'A', 'sh-water', '3100012345', "
                "100, 'CNY', :when, :when, 'outbox', 'RECORDED', false, '{}')"),
                {"when": when})
            for number, key in ((1, "key-shared-0001"), (2, "key-own-0002")):
                connection.execute(text(
                    "INSERT INTO arbitration_applications (application_no, idempotency_key, "
                    "request_hash, reference, verification_code, kiosk_id, "
                    "applicant_doc_number, respondent_uscc, commission, status, channel, "
                    "submitted_at, received_at, decision_due, record) VALUES (:no, :key, "
                    ":hash, :ref, :code, 'A', 'D1', '91310110666007217T', '310105', "
                    "'PENDING', 'outbox', :when, :when, :due, '{}')"),
                    {"no": f"CNLA-2026-{number:06d}", "key": key, "hash": f"a{number}",
                     "ref": f"A-260115-00000{number + 1}", "code": f"CODE{number:06d}",
                     "when": when, "due": date(2026, 1, 20)})
            connection.execute(text(
                "INSERT INTO submission_rejections (idempotency_key, kind, reference, "
                "verification_code, reason, rejected_at) VALUES ('key-refused-03', "
                "'stay_registration', 'A-260115-000004', 'CODE000004', 'E_HOTEL_ADDRESS', "
                ":when)"), {"when": when})
        migrate(engine)
        with engine.connect() as connection:
            keys = connection.execute(text(
                "SELECT kiosk_id, idempotency_key, kind, request_hash FROM record_keys "
                "ORDER BY idempotency_key")).all()
            refused = connection.execute(text(
                "SELECT kiosk_id, idempotency_key FROM submission_rejections")).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in keys] == [
        ("A", "key-own-0002", "arbitration_application", "a2"),
        ("A", "key-shared-0001", "bill_payment", "h1")]
    assert [tuple(row) for row in refused] == [("", "key-refused-03")]


def test_kiosks_known_before_0009_are_in_service_with_their_upkeep_unknown(central_db):
    """GIVEN a database at 0008_kiosklocal that knows one kiosk from its heartbeats
    WHEN it is migrated to head
    THEN the kiosk is kept, in service, not low on disk, its up-since, restart window
    and last restart unknown (null)."""
    engine = make_engine(central_db)
    when = datetime(2026, 1, 15, 2, 0)  # noqa: DTZ001 - raw rows hold naive UTC (UTCDateTime)
    try:
        migrate(engine, "0008_kiosklocal")
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO kiosks (kiosk_id, app_version, config_version, devices, "
                "outbox_depth, outbox_parked, disk_free_bytes, last_heartbeat_at, "
                "first_seen_at) VALUES ('SH-CN-0042', '0.1.0', 'local-0123456789ab', '{}', "
                "0, 0, 5000000000, :when, :when)"), {"when": when})
        migrate(engine)
        with engine.connect() as connection:
            row = connection.execute(text(
                "SELECT kiosk_id, out_of_service, out_of_service_since, low_disk, up_since, "
                "restart_window, last_restart_at FROM kiosks")).one()
    finally:
        engine.dispose()
    assert tuple(row) == ("SH-CN-0042", False, None, False, None, None, None)


def test_rollouts_running_before_0014_keep_serving_what_they_released(central_db):
    """GIVEN a database at 0012 with a config rollout running in wave 1 of 2 (kiosk A in
    wave 1, B in wave 2) and a release rollout completed to kiosk C
    WHEN it is migrated to head
    THEN A and C count as given their rollout, B not; both rollouts get the default 1-day
    deadline and no window, and the running one's deadline runs from its last change."""
    engine = make_engine(central_db)
    created = datetime(2026, 1, 15, 2, 0)  # noqa: DTZ001 - raw rows hold naive UTC
    changed = datetime(2026, 1, 15, 3, 0)  # noqa: DTZ001
    try:
        migrate(engine, "0012_qr_orders_given_up")
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO config_bundles (version, key_id, signed, note, created_at) "
                "VALUES (1, '0123456789abcdef', '{}', '', :at)"), {"at": created})
            connection.execute(text(
                "INSERT INTO rollouts (id, version, target, wave_percent, success_threshold, "
                "failure_threshold, state, current_wave, waves, reason, created_at, "
                "updated_at) VALUES (1, 1, 'all', 50, 0.9, 0.2, 'running', 1, 2, '', :c, "
                ":u)"), {"c": created, "u": changed})
            connection.execute(text(
                "INSERT INTO rollout_kiosks (rollout_id, kiosk_id, wave, status, reason) "
                "VALUES (1, 'SH-A-0001', 1, 'offered', ''), (1, 'SH-B-0001', 2, 'waiting', '')"))
            connection.execute(text(
                "INSERT INTO releases (version, key_id, signed, total_bytes, note, created_at) "
                "VALUES ('0.2.0', '0123456789abcdef', '{}', 1, '', :at)"), {"at": created})
            connection.execute(text(
                "INSERT INTO release_rollouts (id, version, target, wave_percent, "
                "success_threshold, failure_threshold, state, current_wave, waves, reason, "
                "created_at, updated_at) VALUES (1, '0.2.0', 'all', 100, 0.9, 0.2, "
                "'completed', 1, 1, 'all 1 waves kept', :c, :u)"), {"c": created, "u": changed})
            connection.execute(text(
                "INSERT INTO release_rollout_kiosks (rollout_id, kiosk_id, wave, status, "
                "reason) VALUES (1, 'SH-C-0001', 1, 'kept', '')"))
        migrate(engine)
        with engine.connect() as connection:
            given = dict(connection.execute(text(
                "SELECT kiosk_id, given_at FROM rollout_kiosks UNION ALL "
                "SELECT kiosk_id, given_at FROM release_rollout_kiosks")).all())
            rollouts = connection.execute(text(
                "SELECT wave_deadline_s, maintenance_window, wave_active_s, wave_clock_at "
                "FROM rollouts UNION ALL SELECT wave_deadline_s, maintenance_window, "
                "wave_active_s, wave_clock_at FROM release_rollouts")).all()
    finally:
        engine.dispose()
    assert given["SH-B-0001"] is None
    assert given["SH-A-0001"] is not None and given["SH-C-0001"] is not None
    assert [tuple(row[:3]) for row in rollouts] == [(86400, None, 0.0), (86400, None, 0.0)]
    assert rollouts[0][3] is not None and rollouts[1][3] is None


def test_kiosks_known_before_0018_keep_their_device_faults(central_db):
    """GIVEN a database at 0016_console that knows a kiosk whose last heartbeat had its
    printer in fault and one whose devices were all well
    WHEN it is migrated to head
    THEN the first is marked device_fault and the second not (the console's fleet page
    filters and ranks by it)."""
    engine = make_engine(central_db)
    when = datetime(2026, 1, 15, 2, 0)  # noqa: DTZ001 - raw rows hold naive UTC (UTCDateTime)
    devices = {"SH-CN-0050": '{"printer": {"state": "fault", "reason": "paper_out"}}',
               "SH-CN-0051": '{"printer": {"state": "ok"}, "reader": {"state": "unknown"}}'}
    try:
        migrate(engine, "0016_console")
        with engine.begin() as connection:
            for kiosk_id, reported in devices.items():
                connection.execute(text(
                    "INSERT INTO kiosks (kiosk_id, app_version, config_version, devices, "
                    "outbox_depth, outbox_parked, disk_free_bytes, last_heartbeat_at, "
                    "first_seen_at, out_of_service, low_disk, heartbeats, outbox_rises) "
                    "VALUES (:kiosk_id, '0.1.0', '7', :devices, 0, 0, 5000000000, :when, "
                    ":when, false, false, 1, 0)"),
                    {"kiosk_id": kiosk_id, "devices": reported, "when": when})
        migrate(engine)
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT kiosk_id, device_fault FROM kiosks ORDER BY kiosk_id")).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [("SH-CN-0050", True), ("SH-CN-0051", False)]


def test_qr_order_ids_known_before_0020_keep_their_outcome(central_db):
    """GIVEN a database at 0019_rollout_attempt with a QR order opened for id 1, id 2
    given up, and id 3 both opened and given up (the race 0020 closes)
    WHEN it is migrated to head
    THEN ids 1 and 3 are claimed opened (the provider knows their orders), id 2 given up,
    and the old table is gone."""
    engine = make_engine(central_db)
    when = datetime(2026, 1, 15, 2, 0)  # noqa: DTZ001 - raw rows hold naive UTC (UTCDateTime)
    ids = [f"SH-CN-0001-260115-00000{n}" for n in (1, 2, 3)]
    try:
        migrate(engine, "0019_rollout_attempt")
        with engine.begin() as connection:
            for n, order_id in ((1, ids[0]), (3, ids[2])):
                connection.execute(text(
                    "INSERT INTO qr_orders (kiosk_id, order_id, out_trade_no, provider, mode, "
                    "amount_fen, subject, request_hash, state, pay_sent, created_at, "
                    "updated_at) VALUES ('SH-CN-0001', :order_id, :out, 'alipay', 'show', "
                    "12896, 'water', :hash, 'PAID', false, :when, :when)"),
                    {"order_id": order_id, "out": f"Q260115{n:020d}", "hash": "0" * 64,
                     "when": when})
            for order_id in ids[1:]:
                connection.execute(text(
                    "INSERT INTO qr_orders_given_up (kiosk_id, order_id, asked_at) "
                    "VALUES ('SH-CN-0001', :order_id, :when)"),
                    {"order_id": order_id, "when": when})
        migrate(engine)
        with engine.connect() as connection:
            claims = dict(connection.execute(text(
                "SELECT order_id, outcome FROM qr_order_claims")).tuples().all())
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert claims == {ids[0]: "opened", ids[1]: "given_up", ids[2]: "opened"}
    assert "qr_orders_given_up" not in tables

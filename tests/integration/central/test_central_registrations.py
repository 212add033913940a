"""Stay registrations over real HTTP (docs/spec/accommodation.md#central): posted directly
or through the outbox, once per idempotency key, with every refusal code."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import func, select

from central.db import make_engine
from central.models import AddressNodeRow, StayRegistrationRow
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

TIMEOUT = PATIENCE_S


def post_stay(http, url, payload, key=None):
    return http.post(f"{url}/v1/stay-registrations", json=payload, timeout=TIMEOUT,
                     headers={"Idempotency-Key": key or uuid.uuid4().hex,
                              "X-Kiosk-Id": "SH-CN-0001"})


def registrations_stored(db_url):
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                select(func.count()).select_from(StayRegistrationRow)).scalar_one()
    finally:
        engine.dispose()


def code_of(response):
    return response.status_code, response.json()["code"]


def test_registration_gets_a_number_and_its_police_station(http, central_url, make_stay):
    """GIVEN a valid registration for a Changning flat
    WHEN it is posted
    THEN 201 with the first LS-310105-2026 number, status SUBMITTED and 仙霞路派出所."""
    payload = make_stay()
    answer = post_stay(http, central_url, payload)
    assert answer.status_code == 201, answer.text
    ack = answer.json()
    assert ack["registration_no"] == "LS-310105-2026-000001"
    assert ack["reference"] == payload["reference"]
    assert ack["status"] == "SUBMITTED"
    assert (ack["police_station"], ack["police_station_en"]) == (
        "仙霞路派出所", "Xianxia Road Police Station")
    assert ack["police_phone"].startswith("021-")
    assert ack["duplicate"] is False


def test_same_key_twice_is_one_registration(http, central_url, central_db, make_stay):
    """GIVEN a registration posted with a key
    WHEN it is posted again with the same key, then a different one with that key
    THEN the second is 200 duplicate with the same number, the third 409
    E_REQUEST_REJECTED; one registration is stored."""
    payload, key = make_stay(), uuid.uuid4().hex
    first = post_stay(http, central_url, payload, key).json()
    again = post_stay(http, central_url, payload, key)
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["registration_no"] == first["registration_no"]
    other = post_stay(http, central_url, make_stay(doc_number="X1234567"), key)
    assert code_of(other) == (409, "E_REQUEST_REJECTED")
    assert registrations_stored(central_db) == 1


def test_late_registration_is_pending_verification(http, central_url, make_stay):
    """GIVEN a registration the user sent late (W_LATE_REGISTRATION accepted)
    WHEN it is posted
    THEN it is accepted with status PENDING_VERIFICATION."""
    payload = make_stay(arrival_at="2026-01-10T20:00:00+08:00",
                        warnings=["W_LATE_REGISTRATION"])
    answer = post_stay(http, central_url, payload)
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "PENDING_VERIFICATION"


@pytest.mark.parametrize(("changes", "expected"), [
    ({"address_room_id": "310105-hongqiao-n2270-hotel-808"}, (422, "E_HOTEL_ADDRESS")),
    ({"address_room_id": "310105-xianxia-l88-b3"}, (404, "E_ADDRESS_UNRESOLVED")),
    ({"address_room_id": "no-such-room"}, (404, "E_ADDRESS_UNRESOLVED")),
    ({"nationality": "CHN"}, (422, "E_CHINESE_NATIONAL")),
    ({"sex": "X"}, (422, "E_REQUEST_REJECTED")),
    ({"entry_status_number": None}, (422, "E_REQUEST_REJECTED")),  # not VISA_FREE
    ({"host_phone": None}, (422, "E_REQUEST_REJECTED")),  # rented: host required
    ({"verification_code": "short"}, (422, "E_REQUEST_REJECTED")),
    ({"arrival_at": "2026-01-14T20:00:00"}, (422, "E_REQUEST_REJECTED")),  # no offset
])
def test_refusals(http, central_url, make_stay, changes, expected):
    """GIVEN a registration at a hotel, at a building or unknown id, of a Chinese
    national, or breaking the schema
    WHEN it is posted
    THEN the matching code: E_HOTEL_ADDRESS, E_ADDRESS_UNRESOLVED, E_CHINESE_NATIONAL or
    E_REQUEST_REJECTED."""
    assert code_of(post_stay(http, central_url, make_stay(**changes))) == expected


def test_conditional_fields_may_be_null_where_allowed(http, central_url, make_stay):
    """GIVEN a visa-free entrant in her own flat (no entry number, no host)
    WHEN registered
    THEN it is accepted."""
    payload = make_stay(entry_status_type="VISA_FREE", entry_status_number=None,
                        accommodation_type="own", host_name=None, host_id_type=None,
                        host_id_number=None, host_phone=None, lease_contract=False)
    assert post_stay(http, central_url, payload).status_code == 201


def test_overlapping_stay_of_the_same_document_is_a_duplicate(http, central_url, make_stay):
    """GIVEN Erika registered at Xianxia Road until 2026-06-30
    WHEN she registers another room from 2026-03-01, then one from 2026-06-30 (the day
    she leaves), then another person the same room and dates
    THEN the first is E_DUPLICATE_ACTIVE_REGISTRATION (409); the other two are accepted."""
    assert post_stay(http, central_url, make_stay()).status_code == 201
    overlapping = make_stay(address_room_id="310105-tianshan-l600-b2-1101",
                            arrival_at="2026-03-01T12:00:00+08:00")
    assert code_of(post_stay(http, central_url, overlapping)) == (
        409, "E_DUPLICATE_ACTIVE_REGISTRATION")
    moving_on = make_stay(address_room_id="310105-tianshan-l600-b2-1101",
                          arrival_at="2026-06-30T15:00:00+08:00", planned_departure="2026-12-31")
    assert post_stay(http, central_url, moving_on).status_code == 201
    someone_else = make_stay(doc_number="L898902C3", nationality="UTO")
    assert post_stay(http, central_url, someone_else).status_code == 201


def test_address_outside_shanghai_is_refused(http, central_url, central_db, make_stay):
    """GIVEN an address book that also holds a room in Kunshan (Jiangsu, 320583)
    WHEN a registration there is posted
    THEN 422 E_OUTSIDE_SHANGHAI."""
    engine = make_engine(central_db)
    try:
        with engine.begin() as connection:
            for node_id, parent, level, division in (
                    ("320583", None, "district", "320583"),
                    ("320583-s", "320583", "street", None),
                    ("320583-s-l1", "320583-s", "lane", None),
                    ("320583-s-l1-b1", "320583-s-l1", "building", None),
                    ("320583-s-l1-b1-101", "320583-s-l1-b1", "room", None)):
                connection.execute(AddressNodeRow.__table__.insert().values(
                    id=node_id, parent_id=parent, level=level, name_zh="昆山", name_en="Kunshan",
                    is_hotel=False, division_code=division,
                    police_station_id="xianxia" if level == "street" else None, sort_key=9))
    finally:
        engine.dispose()
    answer = post_stay(http, central_url, make_stay(address_room_id="320583-s-l1-b1-101"))
    assert code_of(answer) == (422, "E_OUTSIDE_SHANGHAI")


def test_outbox_batch_accepts_refuses_and_rejects_per_record(http, central_url, central_db,
                                                             make_stay, make_batch):
    """GIVEN a batch with a valid registration, an overlapping one of the same document
    and one without a surname
    WHEN delivered through the outbox
    THEN accepted (with number, status and police station), rejected
    E_DUPLICATE_ACTIVE_REGISTRATION, rejected E_REQUEST_REJECTED; one row stored."""
    broken = make_stay()
    del broken["surname"]
    keys = [uuid.uuid4().hex for _ in range(3)]
    batch = make_batch([
        ("stay_registration", keys[0], make_stay()),
        ("stay_registration", keys[1], make_stay(address_room_id="310105-xianxia-n350-b1-1803")),
        ("stay_registration", keys[2], broken)])
    answer = http.post(f"{central_url}/v1/outbox", json=batch, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [(r["idempotency_key"], r["status"], r["reason"]) for r in results] == [
        (keys[0], "accepted", None),
        (keys[1], "rejected", "E_DUPLICATE_ACTIVE_REGISTRATION"),
        (keys[2], "rejected", "E_REQUEST_REJECTED")]
    assert results[0]["central_ref"] == "LS-310105-2026-000001"
    assert results[0]["record_status"] == "SUBMITTED"
    assert results[0]["detail"]["police_station"] == "仙霞路派出所"
    assert registrations_stored(central_db) == 1


def test_outbox_same_key_twice_then_direct_is_one_registration(http, central_url, central_db,
                                                               make_stay, make_batch):
    """GIVEN a registration delivered through the outbox
    WHEN the same record and key arrive in a second batch and then as a direct POST
    THEN the second is "duplicate" and the POST 200 duplicate, all with the same
    central_ref; one registration is stored."""
    payload, key = make_stay(), uuid.uuid4().hex
    batch = make_batch([("stay_registration", key, payload)])
    first = http.post(f"{central_url}/v1/outbox", json=batch, timeout=TIMEOUT).json()["results"][0]
    second = http.post(f"{central_url}/v1/outbox", json=batch, timeout=TIMEOUT).json()["results"][0]
    assert (first["status"], second["status"]) == ("accepted", "duplicate")
    assert first["central_ref"] == second["central_ref"]
    direct = post_stay(http, central_url, payload, key)
    assert direct.status_code == 200
    assert direct.json()["registration_no"] == first["central_ref"]
    assert registrations_stored(central_db) == 1


def test_no_personal_data_in_central_log(http, central_url, make_stay, make_batch, caplog):
    """GIVEN a registration accepted and one refused
    WHEN central logs what it did
    THEN neither the document number, the names nor the phone appear in the log."""
    payload = make_stay(doc_number="P9TRACE77", surname="TRACEABLE", phone="13999990000")
    with caplog.at_level(logging.DEBUG):
        post_stay(http, central_url, payload)
        post_stay(http, central_url, make_stay(doc_number="P9TRACE77", surname="TRACEABLE"))
        broken = dict(payload, sex="?")
        http.post(f"{central_url}/v1/outbox", timeout=TIMEOUT,
                  json=make_batch([("stay_registration", uuid.uuid4().hex, broken)]))
    assert "stay registration recorded" in caplog.text  # the log did capture central
    for secret in ("P9TRACE77", "TRACEABLE", "13999990000", "王小明", "11010519491231002X"):
        assert secret not in caplog.text

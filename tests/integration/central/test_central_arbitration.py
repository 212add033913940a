"""Labour arbitration applications over real HTTP (docs/spec/arbitration.md#central): posted
directly or through the outbox, once per idempotency key, with every refusal code."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from central.db import make_engine
from central.demo_places import COMPANIES
from central.models import ArbitrationApplicationRow
from kiosk.devtools.loopback import LOOPBACK_CENTRAL_TIMEOUT_S
from kiosk.services.ports import CallContext
from kiosk.sync.client import CentralClient
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

TIMEOUT = PATIENCE_S


def post_application(http, url, payload, key=None):
    return http.post(f"{url}/v1/arbitration-applications", json=payload, timeout=TIMEOUT,
                     headers={"Idempotency-Key": key or uuid.uuid4().hex})


def applications_stored(db_url):
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                select(func.count()).select_from(ArbitrationApplicationRow)).scalar_one()
    finally:
        engine.dispose()


def stored_records(db_url):
    """The applications as central stored them (the record column), oldest first."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(ArbitrationApplicationRow.record).order_by(
                ArbitrationApplicationRow.id)).scalars())
    finally:
        engine.dispose()


def code_of(response):
    return response.status_code, response.json()["code"]


def party(company):
    return {"uscc": company.uscc, "name": company.name_zh, "address": company.address,
            "legal_representative": company.legal_representative,
            "representative_title": company.representative_title, "phone": company.phone}


def test_application_gets_a_number_commission_and_decision_date(http, central_url,
                                                                make_application):
    """GIVEN a valid application against the Changning demo company
    WHEN it is posted
    THEN 201 with CNLA-2026-000001, the Changning commission with address and phone, and
    the acceptance decision due five days after receipt."""
    payload = make_application()
    answer = post_application(http, central_url, payload)
    assert answer.status_code == 201, answer.text
    ack = answer.json()
    assert ack["application_no"] == "CNLA-2026-000001"
    assert ack["reference"] == payload["reference"]
    assert ack["status"] == "PENDING"
    assert ack["commission"] == "长宁区劳动人事争议仲裁委员会"
    assert ack["commission_address"] and ack["commission_phone"].startswith("021-")
    assert ack["received_at"] == "2026-01-15T10:30:00+08:00"
    assert ack["decision_due"] == "2026-01-20"


def test_same_key_twice_is_one_application(http, central_url, central_db, make_application):
    """GIVEN an application posted with a key
    WHEN posted again with that key (amount spelled "76000.0"), then changed with that key
    THEN 200 duplicate with the same number, then 409 E_REQUEST_REJECTED; one stored."""
    payload, key = make_application(), uuid.uuid4().hex
    first = post_application(http, central_url, payload, key).json()
    respelled = dict(payload, claims=[dict(payload["claims"][0], amount="76000.0")])
    again = post_application(http, central_url, respelled, key)
    assert again.status_code == 200, again.text
    assert (again.json()["duplicate"], again.json()["application_no"]) == (
        True, first["application_no"])
    changed = dict(payload, knew_date="2026-01-06")
    assert code_of(post_application(http, central_url, changed, key)) == (
        409, "E_REQUEST_REJECTED")
    assert applications_stored(central_db) == 1


@pytest.mark.parametrize("role", ["respondent", "co_respondent"])
def test_unknown_respondent_is_refused(http, central_url, make_application, role):
    """GIVEN an application whose respondent or co-respondent is not in the registry
    WHEN posted
    THEN 404 E_RESPONDENT_NOT_FOUND naming the party."""
    unknown = dict(party(COMPANIES[0]), uscc="91310110666007218T")
    answer = post_application(http, central_url, make_application(**{role: unknown}))
    assert code_of(answer) == (404, "E_RESPONDENT_NOT_FOUND")
    assert answer.json()["detail"]["party"] == role


def test_pending_case_against_the_same_employer_is_a_duplicate(http, central_url,
                                                               make_application):
    """GIVEN Erika's pending case against the Changning company
    WHEN she files again against it (new key), and then against the Xuhui company
    THEN the first is 409 E_DUPLICATE_PENDING_CASE, the second is accepted."""
    assert post_application(http, central_url, make_application()).status_code == 201
    assert code_of(post_application(http, central_url, make_application())) == (
        409, "E_DUPLICATE_PENDING_CASE")
    other = make_application(respondent=party(COMPANIES[2]))
    answer = post_application(http, central_url, other)
    assert answer.status_code == 201, answer.text
    assert answer.json()["application_no"] == "CNLA-2026-000002"


@pytest.mark.parametrize("changes", [
    {"facts": "Too short."},
    {"claims": []},
    {"claims": [{"type": "unpaid_wages", "amount": "-5.00", "from": None, "to": None,
                 "basis": "x"}]},
    {"applicant": None},
    {"respondent": {"uscc": "91310110666007217T"}},
])
def test_schema_breaches_are_request_rejected(http, central_url, make_application, changes):
    """GIVEN an application with facts under 50 characters, no claims, a negative
    amount, no applicant or an incomplete respondent
    WHEN posted
    THEN 422 E_REQUEST_REJECTED."""
    answer = post_application(http, central_url, make_application(**changes))
    assert code_of(answer) == (422, "E_REQUEST_REJECTED")


def test_co_respondent_and_agent_are_accepted(http, central_url, make_application):
    """GIVEN an application with an agent and the dispatch agency as co-respondent
    WHEN posted
    THEN it is accepted."""
    payload = make_application(
        agent={"name": "ZHANG San", "phone": "13700000000", "authorization_letter": True},
        co_respondent=party(COMPANIES[1]))
    assert post_application(http, central_url, payload).status_code == 201


def test_the_dispatch_agency_is_found_stored_and_kept_as_co_respondent(
        http, central_url, central_db, clock, make_application, make_batch, keys):
    """GIVEN the demo dispatch agency, looked up by the kiosk's own client like an employer
    WHEN an application naming it as co-respondent is delivered through the outbox, and
    the same record is delivered again, then without the agency under the same key
    THEN the look-up returns the agency; central stores it as the co-respondent beside the
    employer; the redelivery is a duplicate; the record without it is refused."""
    agency_uscc = "91310105MA1G2K4P9Y"
    with CentralClient(central_url, timeout_s=LOOPBACK_CENTRAL_TIMEOUT_S, kiosk_id="SH-CN-0001",
                       clock=clock, token=keys.credential()) as client:
        agency = client.company(CallContext("SH-CN-0001", "s1", "en"), agency_uscc)
    assert (agency.uscc, agency.name_zh) == (agency_uscc, "上海虹桥示例人力资源有限公司")
    assert agency.phone and agency.legal_representative
    co_respondent = {"uscc": agency.uscc, "name": agency.name_zh, "address": agency.address,
                     "legal_representative": agency.legal_representative,
                     "representative_title": agency.representative_title,
                     "phone": agency.phone}
    payload, key = make_application(co_respondent=co_respondent), uuid.uuid4().hex
    batch = make_batch([("arbitration_application", key, payload)])

    first = http.post(f"{central_url}/v1/outbox", json=batch, timeout=TIMEOUT).json()
    again = http.post(f"{central_url}/v1/outbox", json=batch, timeout=TIMEOUT).json()
    without = http.post(f"{central_url}/v1/outbox", timeout=TIMEOUT, json=make_batch(
        [("arbitration_application", key, dict(payload, co_respondent=None))])).json()

    assert first["results"][0]["status"] == "accepted", first
    assert (again["results"][0]["status"], again["results"][0]["central_ref"]) == (
        "duplicate", first["results"][0]["central_ref"])
    assert (without["results"][0]["status"], without["results"][0]["reason"]) == (
        "rejected", "E_REQUEST_REJECTED")
    [record] = stored_records(central_db)
    assert record["respondent"]["uscc"] == "91310110666007217T"
    assert record["co_respondent"] == co_respondent


def test_the_employer_cannot_be_its_own_co_respondent(http, central_url, central_db,
                                                      make_application):
    """GIVEN an application whose co-respondent is the respondent itself
    WHEN posted
    THEN 422 E_REQUEST_REJECTED and nothing is stored."""
    payload = make_application()
    answer = post_application(http, central_url,
                              dict(payload, co_respondent=payload["respondent"]))
    assert code_of(answer) == (422, "E_REQUEST_REJECTED")
    assert applications_stored(central_db) == 0


def test_outbox_accepts_then_answers_duplicate(http, central_url, central_db,
                                               make_application, make_batch):
    """GIVEN an application and a second one against the same employer, in one batch
    WHEN delivered, and the first delivered again
    THEN accepted (number, status PENDING, commission) and rejected
    E_DUPLICATE_PENDING_CASE; the redelivery is a duplicate with the same number."""
    key = uuid.uuid4().hex
    batch = make_batch([("arbitration_application", key, make_application()),
                        ("arbitration_application", uuid.uuid4().hex, make_application())])
    results = http.post(f"{central_url}/v1/outbox", json=batch, timeout=TIMEOUT).json()["results"]
    assert [(r["status"], r["reason"]) for r in results] == [
        ("accepted", None), ("rejected", "E_DUPLICATE_PENDING_CASE")]
    accepted = results[0]
    assert accepted["central_ref"] == "CNLA-2026-000001"
    assert accepted["record_status"] == "PENDING"
    assert accepted["detail"]["commission"] == "长宁区劳动人事争议仲裁委员会"
    assert accepted["detail"]["decision_due"] == "2026-01-20"
    again = http.post(f"{central_url}/v1/outbox", timeout=TIMEOUT,
                      json=make_batch([("arbitration_application", key,
                                        batch["records"][0]["payload"])])).json()["results"][0]
    assert (again["status"], again["central_ref"]) == ("duplicate", "CNLA-2026-000001")
    assert applications_stored(central_db) == 1

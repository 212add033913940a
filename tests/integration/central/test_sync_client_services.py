"""CentralClient's issue-4 calls against a real central: the TaxOffice, AddressBook and
CompanyRegistry ports, barcode look-up, registrations and applications, verification;
and E_CENTRAL_UNAVAILABLE when nothing listens."""

from __future__ import annotations

import inspect
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import pytest

from kiosk.devtools.loopback import LOOPBACK_CENTRAL_TIMEOUT_S
from kiosk.domain.bills import BillAccount
from kiosk.domain.payments import OutboxMessage
from kiosk.domain.records import Address, AddressNode, Company, IdentityClaim, TaxRecord
from kiosk.errors import ErrorCode, KioskError
from kiosk.services import ports
from kiosk.services.ports import CallContext
from kiosk.sync.client import CentralClient
from tests.patience import PATIENCE_S

ERIKA = IdentityClaim(doc_type="passport", doc_number="C01X00T47", nationality="DEU",
                      birth_date=date(1964, 8, 12), surname="MUSTERMANN", given_names="ERIKA")
ANNA = IdentityClaim(doc_type="passport", doc_number="L898902C3", nationality="UTO",
                     birth_date=date(1974, 8, 12), surname="ERIKSSON", given_names="ANNA MARIA")
CTX = CallContext(kiosk_id="SH-CN-0001", session_id="S-7", lang="de")


@pytest.fixture
def client(central_url, clock, keys) -> Iterator[CentralClient]:
    """SH-CN-0001's client: the kiosk of the records make_stay and make_application make."""
    with CentralClient(central_url, timeout_s=LOOPBACK_CENTRAL_TIMEOUT_S,
                       kiosk_id="SH-CN-0001", clock=clock,
                       token=keys.credential("SH-CN-0001")) as c:
        yield c


def demo_code(http, url, otp_session):
    return http.get(f"{url}/v1/demo/sms", params={"otp_session": otp_session},
                    timeout=PATIENCE_S).json()["code"]


@pytest.mark.parametrize("port", [ports.BillDirectory, ports.TaxOffice, ports.AddressBook,
                                  ports.CompanyRegistry])
def test_client_has_every_method_of_the_ports(port):
    """GIVEN the Protocols the services need
    WHEN the client's methods are compared with them
    THEN each Protocol method exists on the client with the same parameters."""
    for name, member in inspect.getmembers(port, inspect.isfunction):
        if name.startswith("_"):
            continue
        expected = list(inspect.signature(member).parameters)
        assert list(inspect.signature(getattr(CentralClient, name)).parameters) == expected, name


def test_tax_office_flow_returns_domain_records(client, http, central_url):
    """GIVEN Erika's passport
    WHEN the client identifies her, verifies the SMS code and fetches 2025
    THEN a TaxIdentity with masked data, a token, and a TaxRecord of twelve TaxRows with
    Decimal amounts that add up."""
    identity = client.identify(CTX, ERIKA)
    assert (identity.phone_masked, identity.name) == ("138****8000", "MUSTERMANN ERIKA")
    token = client.verify_code(CTX, identity.otp_session,
                               demo_code(http, central_url, identity.otp_session))
    record = client.fetch(CTX, token, "2025-01", "2025-12")
    assert isinstance(record, TaxRecord)
    assert len(record.rows) == 12
    assert record.rows[0].paid_on == date(2025, 2, 10)
    assert record.total_income == Decimal("456000.00")
    assert record.total_tax == sum((row.tax_paid for row in record.rows), Decimal(0))
    assert isinstance(record.issued_at, datetime) and record.issued_at.tzinfo is not None


def test_tax_office_errors_keep_their_codes(client, http, central_url):
    """GIVEN central's tax refusals
    WHEN the client meets them (unknown document, wrong name, wrong code, no records,
    pre-2019 period)
    THEN KioskError with central's code."""
    def code_of(call, *args):
        with pytest.raises(KioskError) as failure:
            call(*args)
        return failure.value.code

    unknown = IdentityClaim(**{**ERIKA.__dict__, "doc_number": "C01X00T48"})
    assert code_of(client.identify, CTX, unknown) is ErrorCode.TAXPAYER_NOT_FOUND
    other = IdentityClaim(**{**ERIKA.__dict__, "surname": "MUSTERFRAU"})
    assert code_of(client.identify, CTX, other) is ErrorCode.IDENTITY_MISMATCH
    identity = client.identify(CTX, ANNA)
    assert code_of(client.verify_code, CTX, identity.otp_session, "12345") is \
        ErrorCode.AUTH_FAILED  # not six digits: one wrong attempt of three
    token = client.verify_code(CTX, identity.otp_session,
                               demo_code(http, central_url, identity.otp_session))
    assert code_of(client.fetch, CTX, token, "2025-01", "2025-12") is ErrorCode.NO_RECORDS
    assert code_of(client.fetch, CTX, token, "2018-01", "2018-12") is ErrorCode.PRE2019_COUNTER
    assert code_of(client.fetch, CTX, "bogus", "2024-01", "2024-03") is ErrorCode.AUTH_FAILED


def test_address_book_children_and_resolve(client):
    """GIVEN the demo address book
    WHEN the client lists districts, Changning's streets and resolves a room
    THEN AddressNodes and an Address whose texts and police station are filled in."""
    districts = client.children(CTX, None)
    assert all(isinstance(node, AddressNode) for node in districts)
    assert [node.name_en for node in districts] == ["Changning District", "Xuhui District"]
    streets = client.children(CTX, "310105")
    assert "Xianxia Road" in [node.name_en for node in streets]
    address = client.resolve(CTX, "310105-xianxia-l88-b3-1201")
    assert isinstance(address, Address)
    assert address.text_zh() == "上海市长宁区仙霞路88弄3号楼1201室"
    assert address.police_station == "仙霞路派出所 Xianxia Road Police Station"
    assert address.police_phone.startswith("021-")
    with pytest.raises(KioskError) as failure:
        client.resolve(CTX, "310105-xianxia")
    assert failure.value.code is ErrorCode.ADDRESS_UNRESOLVED
    with pytest.raises(KioskError) as failure:
        client.children(CTX, "no such/parent?")
    assert failure.value.code is ErrorCode.ADDRESS_UNRESOLVED


def test_company_registry(client):
    """GIVEN the demo registry
    WHEN the client asks a known USCC (lower case as typed) and an unknown one
    THEN a Company, then E_RESPONDENT_NOT_FOUND."""
    company = client.company(CTX, "91310110666007217t")
    assert isinstance(company, Company)
    assert (company.name_zh, company.district) == ("上海长宁示例科技有限公司", "长宁区")
    with pytest.raises(KioskError) as failure:
        client.company(CTX, "91310110666007218T")
    assert failure.value.code is ErrorCode.RESPONDENT_NOT_FOUND


def test_lookup_barcode_returns_the_bill_account(client):
    """GIVEN the water statement's barcode
    WHEN the client looks it up, and a barcode that cannot be one
    THEN a BillAccount with the two water bills, then E_BARCODE_FORMAT."""
    account = client.lookup_barcode(CTX, "sh-water", "SW31000123452025127")
    assert isinstance(account, BillAccount)
    assert account.total_due == Decimal("128.96")
    with pytest.raises(KioskError) as failure:
        client.lookup_barcode(CTX, "sh-water", "SW31000123452025128")  # check character
    assert failure.value.code is ErrorCode.BARCODE_FORMAT


def test_registration_and_application_posts_are_idempotent(client, make_stay,
                                                           make_application):
    """GIVEN a registration and an application
    WHEN the client posts each twice with its key
    THEN the second answers are duplicates with the same numbers, and verify() finds
    both by their verification codes."""
    stay, stay_key = make_stay(), uuid.uuid4().hex
    first = client.submit_registration(stay, stay_key)
    again = client.submit_registration(stay, stay_key)
    assert (first.duplicate, again.duplicate) == (False, True)
    assert first.registration_no == again.registration_no
    case, case_key = make_application(), uuid.uuid4().hex
    filed = client.submit_application(case, case_key)
    assert client.submit_application(case, case_key).application_no == filed.application_no
    assert client.verify(CTX, stay["verification_code"]).number == first.registration_no
    assert client.verify(CTX, case["verification_code"]).number == filed.application_no
    with pytest.raises(KioskError) as failure:
        client.submit_registration(dict(stay, sex="?"), uuid.uuid4().hex)
    assert failure.value.code is ErrorCode.REQUEST_REJECTED


def test_deliver_carries_new_kinds_with_status_and_detail(client, make_stay, clock):
    """GIVEN outbox messages of a late registration and one at a hotel
    WHEN the client delivers them
    THEN accepted with PENDING_VERIFICATION and the police station, and rejected with
    E_HOTEL_ADDRESS."""
    late = OutboxMessage(kind="stay_registration", idempotency_key=uuid.uuid4().hex,
                         payload=make_stay(warnings=["W_LATE_REGISTRATION"]),
                         created_at=clock.now())
    hotel = OutboxMessage(kind="stay_registration", idempotency_key=uuid.uuid4().hex,
                          payload=make_stay(doc_number="X7654321",
                                            address_room_id="310105-hongqiao-n2270-hotel-808"),
                          created_at=clock.now())
    results = client.deliver([late, hotel])
    assert [(r.status, r.reason) for r in results] == [
        ("accepted", None), ("rejected", "E_HOTEL_ADDRESS")]
    assert results[0].record_status == "PENDING_VERIFICATION"
    assert results[0].detail["police_station"] == "仙霞路派出所"


@pytest.mark.parametrize(("method", "args"), [
    ("lookup_barcode", (CTX, "sh-water", "SW31000123452025127")),
    ("identify", (CTX, ERIKA)),
    ("verify_code", (CTX, "otp", "123456")),
    ("fetch", (CTX, "token", "2025-01", "2025-12")),
    ("children", (CTX, None)),
    ("resolve", (CTX, "310105-xianxia-l88-b3-1201")),
    ("company", (CTX, "91310110666007217T")),
    ("verify", (CTX, "ZZZZZZZZZZ")),
])
def test_nothing_listening_is_central_unavailable(refused_port, clock, method, args):
    """GIVEN a port where nothing listens
    WHEN any of the new calls is made
    THEN KioskError E_CENTRAL_UNAVAILABLE, within about a second (GETs retry briefly)."""
    with CentralClient(f"http://127.0.0.1:{refused_port}", timeout_s=2.0, kiosk_id="KIOSK-A",
                       clock=clock, backoff_s=0.05) as c:
        started = time.monotonic()
        with pytest.raises(KioskError) as failure:
            getattr(c, method)(*args)
    assert failure.value.code is ErrorCode.CENTRAL_UNAVAILABLE
    assert time.monotonic() - started < 2.0


def test_bad_barcode_is_refused_before_asking(refused_port, clock):
    """GIVEN nothing listening
    WHEN a barcode with lower-case letters is looked up
    THEN E_BARCODE_FORMAT (the client never asked central)."""
    with CentralClient(f"http://127.0.0.1:{refused_port}", timeout_s=2.0, kiosk_id="K",
                       clock=clock) as c, pytest.raises(KioskError) as failure:
        c.lookup_barcode(CTX, "sh-water", "sw31000123452025127")
    assert failure.value.code is ErrorCode.BARCODE_FORMAT

"""GET /v1/verify/{code} over real HTTP: what a slip's QR code opens, for each kind,
without personal data."""

from __future__ import annotations

import uuid

from tests.patience import PATIENCE_S

TIMEOUT = PATIENCE_S
WATER_BILLS = ("sh-water-202511-01", "sh-water-202512-01")


def verify(http, url, code):
    return http.get(f"{url}/v1/verify/{code}", timeout=TIMEOUT)


def test_stay_registration_by_its_verification_code(http, central_url, make_stay):
    """GIVEN an accepted registration
    WHEN its verification code is verified
    THEN kind, kiosk reference, registration number, status, time and police station
    come back, and nothing of the person."""
    payload = make_stay()
    http.post(f"{central_url}/v1/stay-registrations", json=payload, timeout=TIMEOUT,
              headers={"Idempotency-Key": uuid.uuid4().hex}).raise_for_status()
    answer = verify(http, central_url, payload["verification_code"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["kind"], body["reference"], body["number"], body["status"]) == (
        "stay_registration", payload["reference"], "LS-310105-2026-000001", "SUBMITTED")
    assert body["issued_at"] == "2026-01-15T10:30:00+08:00"
    assert body["detail"]["police_station"] == "仙霞路派出所"
    for personal in ("MUSTERMANN", "C01X00T47", "13812348000", "1201"):
        assert personal not in answer.text


def test_arbitration_application_by_its_verification_code(http, central_url,
                                                         make_application):
    """GIVEN an accepted application
    WHEN its verification code is verified
    THEN the application number, PENDING, and the commission with the decision date."""
    payload = make_application()
    http.post(f"{central_url}/v1/arbitration-applications", json=payload, timeout=TIMEOUT,
              headers={"Idempotency-Key": uuid.uuid4().hex}).raise_for_status()
    body = verify(http, central_url, payload["verification_code"]).json()
    assert (body["kind"], body["number"], body["status"]) == (
        "arbitration_application", "CNLA-2026-000001", "PENDING")
    assert body["detail"]["commission"] == "长宁区劳动人事争议仲裁委员会"
    assert body["detail"]["decision_due"] == "2026-01-20"
    assert "MUSTERMANN" not in str(body)


def test_refused_registration_verifies_as_rejected_without_number(http, central_url,
                                                                  make_stay, make_batch):
    """GIVEN a registration central refused (hotel address) through the outbox
    WHEN its slip's code is verified
    THEN status REJECTED, no number, the reason code."""
    payload = make_stay(address_room_id="310105-hongqiao-n2270-hotel-808")
    http.post(f"{central_url}/v1/outbox", timeout=TIMEOUT, json=make_batch(
        [("stay_registration", uuid.uuid4().hex, payload)])).raise_for_status()
    body = verify(http, central_url, payload["verification_code"]).json()
    assert (body["kind"], body["number"], body["status"]) == (
        "stay_registration", None, "REJECTED")
    assert body["detail"] == {"reason": "E_HOTEL_ADDRESS"}


def test_tax_record_by_its_verification_code(http, central_url):
    """GIVEN a tax record central issued
    WHEN its verification code is verified
    THEN kind tax_record, its record number, ISSUED, the authority and period only."""
    identity = {"doc_type": "passport", "doc_number": "C01X00T47", "nationality": "DEU",
                "birth_date": "1964-08-12", "surname": "MUSTERMANN", "given_names": "ERIKA"}
    otp = http.post(f"{central_url}/v1/tax/identify", json=identity,
                    timeout=TIMEOUT).json()["otp_session"]
    code = http.get(f"{central_url}/v1/demo/sms", params={"otp_session": otp},
                    timeout=TIMEOUT).json()["code"]
    token = http.post(f"{central_url}/v1/tax/verify", json={"otp_session": otp, "code": code},
                      timeout=TIMEOUT).json()["token"]
    record = http.post(f"{central_url}/v1/tax/records", timeout=TIMEOUT, json={
        "token": token, "period_start": "2025-07", "period_end": "2025-12"}).json()
    body = verify(http, central_url, record["verification_code"]).json()
    assert (body["kind"], body["number"], body["status"]) == (
        "tax_record", "TR-2026-000001", "ISSUED")
    assert body["detail"] == {"tax_authority": "国家税务总局上海市长宁区税务局",
                              "period_start": "2025-07", "period_end": "2025-12"}


def post_payment(http, url, payment):
    answer = http.post(f"{url}/v1/bill-payments", timeout=TIMEOUT,
                       json=payment.outbox_payload(payment.created_at),
                       headers={"Idempotency-Key": payment.idempotency_key,
                                "X-Kiosk-Id": payment.draft.kiosk_id})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_bill_payment_by_its_receipts_verification_code_not_its_reference(
        http, central_url, make_payment):
    """GIVEN a recorded card payment with its receipt's verification code
    WHEN the code is verified, and then the receipt's (sequential) kiosk reference
    THEN the code gives kind bill_payment with central's reference, RECORDED, biller and
    amount, and nothing of the account; the reference alone gives 404 (nobody can walk
    a kiosk's payments by counting references)."""
    payment = make_payment(bill_ids=WATER_BILLS)
    ack = post_payment(http, central_url, payment)
    body = verify(http, central_url, payment.verification_code).json()
    assert (body["kind"], body["reference"], body["number"], body["status"]) == (
        "bill_payment", payment.reference, ack["central_ref"], "RECORDED")
    assert body["detail"]["biller"] == "上海城投水务"
    assert body["detail"]["amount"] == "128.96"
    assert "3100012345" not in str(body)
    answer = verify(http, central_url, payment.reference)
    assert (answer.status_code, answer.json()["code"]) == (404, "E_NOT_FOUND")


def test_a_receipt_from_before_codes_verifies_with_its_rrn_and_authorization_code(
        http, central_url, make_payment):
    """GIVEN a payment recorded without a verification code (an older kiosk's receipt,
    which prints the reference, the RRN and the authorization code) and one with a code
    WHEN each reference is verified alone, with a wrong RRN or authorization code, and
    with both right
    THEN only the codeless payment with both right is found; everything else is 404."""
    old = make_payment(bill_ids=WATER_BILLS, verification_code=None)
    ack = post_payment(http, central_url, old)
    new = make_payment(bill_ids=WATER_BILLS)
    post_payment(http, central_url, new)

    def by_reference(reference, **card):
        return http.get(f"{central_url}/v1/verify/{reference}", params=card, timeout=TIMEOUT)

    right = {"rrn": "123456789012", "auth_code": "A12345"}  # what make_payment's card says
    assert by_reference(old.reference).status_code == 404
    assert by_reference(old.reference, rrn="123456789012", auth_code="A12346").status_code == 404
    assert by_reference(old.reference, rrn="123456789013", auth_code="A12345").status_code == 404
    assert by_reference(old.reference, rrn="123456789012").status_code == 404
    found = by_reference(old.reference, **right)
    assert found.status_code == 200, found.text
    assert (found.json()["kind"], found.json()["number"]) == ("bill_payment", ack["central_ref"])
    assert by_reference(new.reference, **right).status_code == 404


def test_unknown_code_is_not_found(http, central_url):
    """GIVEN a code central never saw (e.g. a slip whose outbox record is still on the
    kiosk)  WHEN verified  THEN 404 E_NOT_FOUND."""
    answer = verify(http, central_url, "ZZZZZZZZZZ")
    assert (answer.status_code, answer.json()["code"]) == (404, "E_NOT_FOUND")

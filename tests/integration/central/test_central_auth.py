"""Authentication on every device and admin call of a real central (SQLite and
PostgreSQL): kiosk credentials, the X-Kiosk-Id cross-check, a kiosk's view limited to its
own records, admin tokens, the public endpoints and the OpenAPI security schemes."""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests

from central import admin
from central.cli import ensure_admin_token_file, main as central_main
from central.ratelimit import Rate, RateLimits
from tests.patience import PATIENCE_S

TIMEOUT = PATIENCE_S
LOOKUP = {"biller_id": "sh-water", "account_no": "3100012345"}
WATER_BILLS = ("sh-water-202511-01", "sh-water-202512-01")
BEAT = {"app_version": "0.1.0", "config_version": "local-aaaabbbbcccc", "devices": {},
        "outbox_depth": 0, "last_error": None, "disk_free_bytes": 2**30}

# (method, path, body): one of each kind of device call.
DEVICE_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/v1/bills/lookup", LOOKUP),
    ("POST", "/v1/heartbeats", BEAT),
    ("GET", "/v1/addresses", None),
    ("GET", "/v1/companies/91310110666007217T", None),
    ("GET", "/v1/bill-payments/R-UNKNOWN", None),
    ("POST", "/v1/tax/identify", {"doc_type": "passport", "doc_number": "C01X00T47",
                                  "nationality": "DEU", "birth_date": "1964-08-12",
                                  "surname": "MUSTERMANN", "given_names": "ERIKA"}),
]
ADMIN_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/v1/admin/payments", None),
    ("GET", "/v1/admin/fleet", None),
    ("POST", "/v1/admin/billers/sh-gas/maintenance", {"maintenance": True}),
    ("POST", "/v1/admin/enrollments", {"kiosk_id": "SH-CN-0009"}),
]


def call(url: str, method: str, path: str, body: dict[str, Any] | None,
         headers: dict[str, str] | None = None) -> requests.Response:
    return requests.request(method, f"{url}{path}", json=body, headers=headers or {},
                            timeout=TIMEOUT)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(("method", "path", "body"), DEVICE_CALLS)
def test_device_calls_without_or_with_a_wrong_credential_are_401(central_url, keys, method,
                                                                   path, body):
    """GIVEN a device endpoint
    WHEN it is called without a credential, with an unknown one, or with the admin token
    THEN each answer is 401 E_UNAUTHORIZED with WWW-Authenticate: Bearer."""
    for headers in ({"X-Kiosk-Id": "SH-CN-0001"}, bearer("not-a-credential-at-all"),
                    bearer(keys.admin_token), {"Authorization": "Basic dXNlcjpwdw=="}):
        answer = call(central_url, method, path, body, headers)
        assert answer.status_code == 401, (headers, answer.text)
        assert answer.json()["code"] == "E_UNAUTHORIZED"
        assert answer.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "body"), DEVICE_CALLS)
def test_a_credential_with_another_kiosks_header_is_403(central_url, keys, method, path, body):
    """GIVEN SH-CN-0001's valid credential
    WHEN a device call names SH-CN-0002 in X-Kiosk-Id
    THEN 403 E_FORBIDDEN."""
    headers = {**keys.kiosk_headers("SH-CN-0001"), "X-Kiosk-Id": "SH-CN-0002"}
    answer = call(central_url, method, path, body, headers)
    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "E_FORBIDDEN"


def test_the_credential_decides_which_kiosk_locks_the_bill(central_url, keys):
    """GIVEN kiosk A looked up the water account (locked for A) without any X-Kiosk-Id
    WHEN kiosk B looks it up, then A again
    THEN B is refused E_BILL_LOCKED and A is answered: the lock is the credential's."""
    first = call(central_url, "POST", "/v1/bills/lookup", LOOKUP, keys.kiosk_headers("KIOSK-A"))
    assert first.status_code == 200, first.text
    other = call(central_url, "POST", "/v1/bills/lookup", LOOKUP, keys.kiosk_headers("KIOSK-B"))
    assert other.json()["code"] == "E_BILL_LOCKED"
    again = call(central_url, "POST", "/v1/bills/lookup", LOOKUP, keys.kiosk_headers("KIOSK-A"))
    assert again.status_code == 200


def test_a_kiosk_cannot_read_or_record_another_kiosks_payment(central_url, keys, make_payment):
    """GIVEN a payment recorded by KIOSK-A
    WHEN KIOSK-B reads it, and KIOSK-B posts a payment record that names KIOSK-A
    THEN the read is 404 E_NOT_FOUND (as if it did not exist) while A reads it, and the
    post is 403 E_FORBIDDEN and records nothing."""
    payment = make_payment(kiosk_id="KIOSK-A", bill_ids=WATER_BILLS)
    posted = requests.post(f"{central_url}/v1/bill-payments", timeout=TIMEOUT,
                           json=payment.outbox_payload(payment.created_at),
                           headers={**keys.kiosk_headers("KIOSK-A"),
                                    "Idempotency-Key": payment.idempotency_key})
    assert posted.status_code == 201, posted.text
    path = f"/v1/bill-payments/{payment.reference}"
    assert call(central_url, "GET", path, None, keys.kiosk_headers("KIOSK-A")).status_code == 200
    stolen = call(central_url, "GET", path, None, keys.kiosk_headers("KIOSK-B"))
    assert stolen.status_code == 404 and stolen.json()["code"] == "E_NOT_FOUND"

    forged = make_payment(kiosk_id="KIOSK-A")
    answer = requests.post(f"{central_url}/v1/bill-payments", timeout=TIMEOUT,
                           json=forged.outbox_payload(forged.created_at),
                           headers={**keys.kiosk_headers("KIOSK-B"),
                                    "Idempotency-Key": forged.idempotency_key})
    assert answer.status_code == 403 and answer.json()["code"] == "E_FORBIDDEN"
    listed = call(central_url, "GET", "/v1/admin/payments", None, keys.admin_headers()).json()
    assert [p["reference"] for p in listed["payments"]] == [payment.reference]


def test_an_outbox_batch_with_another_kiosks_record_refuses_that_record_alone(
        central_url, keys, make_payment, outbox_message, make_batch):
    """GIVEN KIOSK-B's credential
    WHEN it delivers a batch in its own name holding a record of KIOSK-A, one of its own
    carrying KIOSK-A's reference, and a good one of its own; then a batch in KIOSK-A's name
    THEN the first two are refused E_FORBIDDEN (nothing recorded for them) and the good
    one is recorded; the batch in another kiosk's name is 403 E_FORBIDDEN as a whole."""
    theirs = outbox_message(make_payment(kiosk_id="KIOSK-A", bill_ids=WATER_BILLS))
    forged = make_payment(kiosk_id="KIOSK-B", bill_ids=WATER_BILLS,
                          reference="KIOSK-A-260115-000001")
    good = outbox_message(make_payment(kiosk_id="KIOSK-B", bill_ids=WATER_BILLS))
    batch = make_batch([("bill_payment", m.idempotency_key, m.payload)
                        for m in (theirs, outbox_message(forged), good)], kiosk_id="KIOSK-B")
    answer = call(central_url, "POST", "/v1/outbox", batch, keys.kiosk_headers("KIOSK-B"))
    assert answer.status_code == 200, answer.text
    assert [(r["status"], r["reason"], r["detail"]) for r in answer.json()["results"]] == [
        ("rejected", "E_FORBIDDEN", {"reason": "kiosk_not_own"}),
        ("rejected", "E_FORBIDDEN", {"reason": "reference_not_own"}),
        ("accepted", None, {})]
    listed = call(central_url, "GET", "/v1/admin/payments", None, keys.admin_headers()).json()
    assert [p["idempotency_key"] for p in listed["payments"]] == [good.idempotency_key]
    in_their_name = make_batch([("bill_payment", theirs.idempotency_key, theirs.payload)],
                               kiosk_id="KIOSK-A")
    answer = call(central_url, "POST", "/v1/outbox", in_their_name, keys.kiosk_headers("KIOSK-B"))
    assert answer.status_code == 403 and answer.json()["code"] == "E_FORBIDDEN"


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
def test_admin_calls_need_an_admin_token(central_url, keys, method, path, body):
    """GIVEN an admin endpoint
    WHEN it is called without a token, with a wrong one, or with a kiosk's credential
    THEN 401 E_UNAUTHORIZED, the message saying how to get a token; with the admin
    token it is answered."""
    for headers in ({}, bearer("wrong-admin-token-0000000000"), keys.kiosk_headers()):
        answer = call(central_url, method, path, body, headers)
        assert answer.status_code == 401, (headers, answer.text)
        assert answer.json()["code"] == "E_UNAUTHORIZED"
        assert "admin-token" in answer.json()["message"]
    answer = call(central_url, method, path, body, keys.admin_headers())
    assert answer.status_code in (200, 201), answer.text


def test_public_endpoints_need_no_credential(central_url):
    """GIVEN no credential at all
    WHEN health, a slip's verification link, the demo helpers and the API docs are asked
    THEN none of them answers 401."""
    assert requests.get(f"{central_url}/v1/health", timeout=TIMEOUT).status_code == 200
    assert requests.get(f"{central_url}/v1/verify/NOPE000000", timeout=TIMEOUT
                        ).status_code == 404
    assert requests.get(f"{central_url}/openapi.json", timeout=TIMEOUT).status_code == 200
    assert requests.get(f"{central_url}/docs", timeout=TIMEOUT).status_code == 200
    refused = requests.post(f"{central_url}/v1/enroll", timeout=TIMEOUT,
                            json={"kiosk_id": "SH-CN-0001", "token": "x" * 43})
    assert refused.json()["code"] == "E_ENROLL_TOKEN"  # judged by its token, not a credential


def test_openapi_declares_the_bearer_schemes_on_protected_routes_only(central_url):
    """GIVEN the OpenAPI document
    WHEN its operations are inspected
    THEN device routes require KioskCredential, /v1/admin/* AdminToken (both HTTP bearer),
    and health, verify, enroll and the demo helpers none."""
    spec = requests.get(f"{central_url}/openapi.json", timeout=TIMEOUT).json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["KioskCredential"] == {**schemes["KioskCredential"], "type": "http",
                                          "scheme": "bearer"}
    assert schemes["AdminToken"]["scheme"] == "bearer"
    public = PUBLIC_PATHS
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            security = operation.get("security")
            if path in public:
                assert security is None, path
            elif path.startswith("/v1/admin/"):
                assert security == [{"AdminToken": []}], path
            else:
                assert security == [{"KioskCredential": []}], path


def test_admin_token_file_is_made_once_and_works(central_db, central_url, tmp_path: Path):
    """GIVEN central's database and no token file
    WHEN the serve command's token-file step runs twice, and `kiosk-central admin-token`
    runs once
    THEN the file is made with mode 0600 and kept the second time; its token and the
    printed one both open the admin API."""
    path = tmp_path / "run" / "admin-token"
    ensure_admin_token_file(central_db, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    token = path.read_text(encoding="utf-8").strip()
    ensure_admin_token_file(central_db, path)
    assert path.read_text(encoding="utf-8").strip() == token
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert central_main(["admin-token", "--db", central_db, "--label", "ops"]) == 0
    printed = out.getvalue().strip()
    assert printed and printed != token
    for secret in (token, printed):
        answer = call(central_url, "GET", "/v1/admin/fleet", None, bearer(secret))
        assert answer.status_code == 200, answer.text


def test_kiosk_admin_sends_its_token_from_option_env_or_file(central_url, keys, tmp_path,
                                                              monkeypatch, capsys):
    """GIVEN the admin token in --token, in $KIOSK_ADMIN_TOKEN or in a --token-file
    WHEN `kiosk-admin fleet` runs with each, and once with none and once with a wrong one
    THEN it succeeds with each; without a token it exits 1 saying how to get one, and
    with a wrong one exits 1 with central's E_UNAUTHORIZED."""
    monkeypatch.delenv("KIOSK_ADMIN_TOKEN", raising=False)
    token_file = tmp_path / "token"
    token_file.write_text(keys.admin_token + "\n", encoding="utf-8")
    base = ["fleet", "--central", central_url]
    assert admin.main([*base, "--token", keys.admin_token], out=io.StringIO()) == 0
    assert admin.main([*base, "--token-file", str(token_file)], out=io.StringIO()) == 0
    assert admin.main(base, out=io.StringIO()) == 1
    assert "kiosk-central admin-token" in capsys.readouterr().err
    assert admin.main([*base, "--token", "wrong-token-000000000000"], out=io.StringIO()) == 1
    assert "E_UNAUTHORIZED" in capsys.readouterr().err
    monkeypatch.setenv("KIOSK_ADMIN_TOKEN", keys.admin_token)
    assert admin.main(base, out=io.StringIO()) == 0


# The payment providers' notifications carry no credential: their signature is checked.
PUBLIC_PATHS = {"/v1/health", "/v1/verify/{code}", "/v1/enroll", "/v1/demo/sms",
                "/v1/demo/barcodes", "/v1/qrpay/notify/{provider}"}


@pytest.fixture
def central_rate_limits() -> RateLimits:
    """Every protected operation is called with wrong credentials here, two or three
    times each: more failures a minute than central lets one client make (that limit is
    test_central_rate_limits.py's subject)."""
    return replace(RateLimits(), auth_failures_per_client=(Rate(10_000, 60),))


def every_protected_operation(central_url: str) -> list[tuple[str, str]]:
    """Every operation central's OpenAPI document lists, public ones left out, with its
    path parameters filled in."""
    spec = requests.get(f"{central_url}/openapi.json", timeout=TIMEOUT).json()
    operations = []
    for path, methods in spec["paths"].items():
        if path in PUBLIC_PATHS:
            continue
        concrete = re.sub(r"\{[^}]+\}", "X1", path)
        operations.extend((method.upper(), concrete) for method in methods)
    return operations


def test_every_protected_endpoint_refuses_no_or_a_wrong_credential(central_url, keys):
    """GIVEN every operation in central's OpenAPI document but the public ones
    WHEN each is called without a credential, with a made-up one, and (admin routes) with
    a kiosk's credential instead of an admin token
    THEN each answers 401 E_UNAUTHORIZED; nothing reaches a handler."""
    operations = every_protected_operation(central_url)
    assert len(operations) >= 20  # the whole API, not a sample
    kiosk = bearer(keys.credential("SH-CN-0001"))
    for method, path in operations:
        attempts = [{}, bearer("not-a-credential-" + "x" * 30)]
        if path.startswith("/v1/admin/"):
            attempts.append(kiosk)
        for headers in attempts:
            answer = call(central_url, method, path, {}, headers)
            assert answer.status_code == 401, (method, path, headers, answer.text)
            assert answer.json()["code"] == "E_UNAUTHORIZED", (method, path)

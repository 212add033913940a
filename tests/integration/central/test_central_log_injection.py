"""Nothing a client sends can forge a line of central's log or put personal data into it
(issue 10, item 14): idempotency keys are bounded where they enter, rejections log error
kinds instead of field names, and every record central writes is one escaped line."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from central.logsafe import OneLineFormatter, escape_controls, shown
from central_payloads import stay_payload
from tests.patience import PATIENCE_S

REPO = Path(__file__).resolve().parents[3]

TIMEOUT = PATIENCE_S
PASSPORT = "C01X00T47"
FORGED = "2026-01-15 10:30:00,000 WARNING central: FORGED token"


def _messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def test_an_outbox_key_with_a_newline_is_refused_where_it_enters(http, central_url,
                                                                make_batch, make_stay,
                                                                caplog):
    """GIVEN an outbox batch whose record key holds a newline and a forged log line
    WHEN it is posted
    THEN 422 E_REQUEST_REJECTED naming the key's field, and no log record holds the
    newline or the forged text."""
    key = f"key-0001\n{FORGED}"
    with caplog.at_level(logging.INFO):
        answer = http.post(f"{central_url}/v1/outbox", timeout=TIMEOUT,
                           json=make_batch([("stay_registration", key, make_stay())]))
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "E_REQUEST_REJECTED"
    assert "body.records.0.idempotency_key" in answer.json()["detail"]
    assert not [m for m in _messages(caplog) if "\n" in m or "FORGED" in m]


@pytest.mark.parametrize("key", ["key\t0001-tabbed", "key 0001 spaced", "short", "k" * 65])
def test_an_idempotency_header_outside_its_alphabet_is_refused(http, central_url,
                                                             make_payment, key):
    """GIVEN a payment posted with an Idempotency-Key holding a tab, a space, too few or
    too many characters
    WHEN it is posted
    THEN 422 E_REQUEST_REJECTED, nothing recorded."""
    payment = make_payment()
    answer = http.post(f"{central_url}/v1/bill-payments", timeout=TIMEOUT,
                       json=payment.outbox_payload(payment.created_at),
                       headers={"Idempotency-Key": key})
    assert answer.status_code == 422, answer.text
    assert "header.Idempotency-Key" in answer.json()["detail"]


def test_the_kiosks_own_keys_pass(http, central_url, make_payment):
    """GIVEN a payment with the key the kiosk makes (uuid4().hex)
    WHEN it is posted
    THEN it is recorded (201)."""
    payment = make_payment()
    answer = http.post(f"{central_url}/v1/bill-payments", timeout=TIMEOUT,
                       json=payment.outbox_payload(payment.created_at),
                       headers={"Idempotency-Key": uuid.uuid4().hex})
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("kind", ["stay_registration", "bill_payment"])
def test_field_names_of_a_refused_record_never_reach_the_log(http, central_url, make_batch,
                                                            make_stay, make_payment,
                                                            kind, caplog):
    """GIVEN an outbox record whose payload has a passport number as a field name (at the
    top and nested), beside a valid record
    WHEN the batch is delivered
    THEN that record is rejected and the other accepted; central's log names the
    rejection by key and error kind, and no record mentions the passport number or a
    field name."""
    if kind == "stay_registration":
        bad = {**make_stay(), PASSPORT: "x", "warnings": [{PASSPORT: 1}]}
        good = make_stay()
    else:
        payment = make_payment()
        bad = {**payment.outbox_payload(payment.created_at), PASSPORT: "x"}
        other = make_payment()
        good = other.outbox_payload(other.created_at)
    bad_key, good_key = uuid.uuid4().hex, uuid.uuid4().hex
    with caplog.at_level(logging.INFO):
        answer = http.post(f"{central_url}/v1/outbox", timeout=TIMEOUT,
                           json=make_batch([(kind, bad_key, bad), (kind, good_key, good)]))
    assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["results"]] == ["rejected", "accepted"]
    messages = _messages(caplog)
    assert not [m for m in messages if PASSPORT in m or "warnings" in m]
    rejection = [m for m in messages if bad_key in m]
    assert rejection and "extra_forbidden" in rejection[0], messages


def test_the_formatter_makes_every_record_one_escaped_line():
    """GIVEN a record whose message and exception hold newlines, an ANSI escape, a
    Unicode line separator and a right-to-left override
    WHEN OneLineFormatter formats it
    THEN one line comes out, each control written as an escape."""
    formatter = OneLineFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        record = logging.LogRecord("central.x", logging.WARNING, __file__, 1,
                                   "key=%s", ("a\nb\x1b[31mc\u2028d\u202ee",), sys.exc_info())
    text = formatter.format(record)
    assert "\n" not in text and "\x1b" not in text and "\u2028" not in text
    assert text.startswith("WARNING central.x: key=a\\nb\\x1b[31mc\\u2028d\\u202ee\\nTraceback")
    assert "ValueError: bad\\nvalue" in text
    assert shown("x" * 100, 10) == "x" * 10 + "…"
    assert escape_controls("plain 中文 text\\n") == "plain 中文 text\\n"


# The one format of kiosk.logsetup, uvicorn's lines included: time at +08:00, level, logger.
_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00 [A-Z]+ +[\w.]+: ")


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_kiosk_central_serve_writes_one_line_per_record(tmp_path: Path, central_db, http,
                                                        log_format):
    """GIVEN `kiosk-central serve` at log level info, its log (text, or JSON lines) going
    to a file
    WHEN a look-up names a biller holding a newline and a forged line (central logs the
    biller it was asked for), and a stay registration's reference holds one
    THEN the registration is refused (a reference has no room for a line break), and
    the log still has one line per record, each (uvicorn's too) starting with its
    +08:00 time, level and logger (or a JSON object with them), the forged text only
    ever inside a line."""
    ready = tmp_path / "central.json"
    log_file = tmp_path / "central.log"
    with log_file.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "central.cli", "--log-format", log_format,
             "serve", "--db", central_db, "--port", "0",
             "--seed-demo", "--ready-file", str(ready), "--log-level", "info"],
            cwd=REPO, stdout=sink, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 20
            while not ready.exists():
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.05)
            url = str(json.loads(ready.read_text(encoding="utf-8"))["url"])
            lookup = http.post(f"{url}/v1/bills/lookup", timeout=TIMEOUT,
                               json={"biller_id": f"sh-water\n{FORGED}",
                                     "account_no": "3100012345"})
            assert lookup.status_code == 404, lookup.text
            stay = http.post(f"{url}/v1/stay-registrations", timeout=TIMEOUT,
                             json=stay_payload(reference=f"R-1\n{FORGED}"),
                             headers={"Idempotency-Key": uuid.uuid4().hex})
            assert stay.status_code == 422, stay.text
            deadline = time.monotonic() + 10
            while "lookup kiosk=" not in log_file.read_text(encoding="utf-8"):
                assert time.monotonic() < deadline, log_file.read_text(encoding="utf-8")
                time.sleep(0.05)
        finally:
            process.terminate()
            process.wait(timeout=PATIENCE_S)
    lines = log_file.read_text(encoding="utf-8").splitlines()
    if log_format == "json":
        entries = [json.loads(line) for line in lines]
        assert entries and all(_LINE.match(f"{e['time']} {e['level']} {e['logger']}: ")
                               for e in entries), lines
        assert len([e for e in entries if "FORGED" in e["message"]]) == 1, lines
        return
    assert lines and all(_LINE.match(line) for line in lines), lines
    forged = [line for line in lines if "FORGED" in line]
    assert len(forged) == 1, lines
    assert all(not line.startswith(FORGED[:10]) and "\\n2026" in line for line in forged)

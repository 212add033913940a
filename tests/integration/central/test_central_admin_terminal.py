"""What reaches an operator's terminal: every kiosk-admin command that prints what a kiosk
sent (fleet, rollout status, payments) prints control and format characters as visible
escapes, as text and as --json, against a real central (SQLite and PostgreSQL).

Heartbeats with such text are refused now (test_central_heartbeats), so the fleet rows
here are written into the database directly, as rows from before the bound or from a
compromised central database would be; a config report's reason and a payment's
reference still travel as the kiosk wrote them."""

from __future__ import annotations

import io
import json
import unicodedata
from typing import Any

import requests
from sqlalchemy import create_engine, text

from central import admin
from kiosk.sync.wire_fleet import UNPRINTABLE_CATEGORIES
from test_central_rollouts import enroll, push, report
from tests.patience import PATIENCE_S

TIMEOUT = PATIENCE_S
# Clears the screen, turns text red, the one-byte CSI, overrides the text direction, and
# a carriage return + line break that would forge a fleet row of its own.
HOSTILE = "boom\x1b[2J\x1b[31m\x9b8m\u202eevil\u2028\r\nSH-CN-9999  online"


def run_admin(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = admin.main(list(argv), out=out)
    return status, out.getvalue()


def raw_controls(printed: str) -> list[str]:
    """Every control or format character in the output, except its own line breaks."""
    return [char for char in printed
            if char != "\n" and unicodedata.category(char) in UNPRINTABLE_CATEGORIES]


def sql(db_url: str, statement: str, **values: Any) -> None:
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.begin() as connection:
            connection.execute(text(statement), values)
    finally:
        engine.dispose()


def post_beat(http: requests.Session, url: str, kiosk_id: str, **changes: Any) -> None:
    body: dict[str, Any] = {"app_version": "0.1.0", "config_version": "local-aaaabbbbcccc",
                            "devices": {"printer": {"state": "fault", "reason": "paper_out"}},
                            "outbox_depth": 0, "last_error": None, "disk_free_bytes": 2**31}
    body.update(changes)
    answer = http.post(f"{url}/v1/heartbeats", json=body, headers={"X-Kiosk-Id": kiosk_id},
                       timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text


def test_fleet_prints_what_a_kiosk_sent_without_its_control_characters(central_url,
                                                                         central_db, http):
    """GIVEN a kiosk row whose error, versions and printer reason hold escape sequences,
    a C1 CSI, a bidi override and a line break forging another kiosk's row
    WHEN `kiosk-admin fleet` and `kiosk-admin fleet --json` run
    THEN neither output holds a raw control or format character; the table shows them
    as escapes in one row (no forged row); the JSON decodes to central's answer."""
    post_beat(http, central_url, "SH-CN-0007")
    sql(central_db, "UPDATE kiosks SET last_error = :error, app_version = :app, "
                    "config_version = :config, devices = :devices",
        error=HOSTILE, app="0.1\x1b[8m", config="7\x07",
        devices=json.dumps({"printer": {"state": "fault", "reason": "x\x1b[5m"}}))
    status, table = run_admin("fleet", "--central", central_url)
    assert status == 0, table
    assert raw_controls(table) == []
    lines = table.splitlines()
    assert len(lines) == 3 and lines[1].startswith("SH-CN-0007")
    assert "boom\\x1b[2J\\x1b[31m\\x9b8m\\u202eevil" in lines[1]
    assert "0.1\\x1b[8m" in lines[1] and "7\\x07" in lines[1]
    assert "fault:x\\x1b[5m" in lines[1]
    status, printed = run_admin("fleet", "--json", "--central", central_url)
    assert status == 0
    assert raw_controls(printed) == []
    assert json.loads(printed) == http.get(f"{central_url}/v1/admin/fleet",
                                           timeout=TIMEOUT).json()
    assert json.loads(printed)["kiosks"][0]["last_error"] == HOSTILE


def test_rollout_status_prints_a_kiosks_reason_without_its_control_characters(
        central_url, central_db):
    """GIVEN a rollout to one kiosk that reports it failed, with a reason holding escape
    sequences and a forged line (the rollout halts, quoting it)
    WHEN `kiosk-admin rollout status` and `--json` run
    THEN neither output holds a raw control or format character; the reason is shown as
    escapes; the JSON decodes to central's answer."""
    enroll(central_db, None, "SH-L-0001")
    assert push(central_url, 1, "kiosk:SH-L-0001").status_code == 201
    assert report(central_url, "SH-L-0001", 1, "failed", HOSTILE).status_code == 200
    status, table = run_admin("rollout", "status", "--central", central_url)
    assert status == 1, table  # halted
    assert raw_controls(table) == []
    assert "boom\\x1b[2J" in table
    assert not any(line.startswith("SH-CN-9999") for line in table.splitlines())
    status, printed = run_admin("rollout", "status", "--json", "--central", central_url)
    assert raw_controls(printed) == []
    assert json.loads(printed)["kiosks"][0]["reason"] == HOSTILE


def test_payments_print_what_a_kiosk_sent_without_its_control_characters(
        central_url, central_db, http, make_payment):
    """GIVEN a recorded payment whose kiosk reference holds escape sequences
    WHEN `kiosk-admin payments` and `--json` run
    THEN neither output holds a raw control or format character and the reference is
    shown as escapes."""
    payment = make_payment(bill_ids=("sh-water-202511-01",))
    answer = http.post(f"{central_url}/v1/bill-payments", timeout=TIMEOUT,
                       json=payment.outbox_payload(payment.created_at),
                       headers={"Idempotency-Key": payment.idempotency_key})
    assert answer.status_code == 201, answer.text
    sql(central_db, "UPDATE payments SET reference = :reference, kiosk_id = :kiosk",
        reference="R-1\x1b[2J\u202e", kiosk="SH\x9b1m")
    status, table = run_admin("payments", "--central", central_url)
    assert status == 0, table
    assert raw_controls(table) == []
    assert "SH\\x9b1m" in table
    status, printed = run_admin("payments", "--json", "--central", central_url)
    assert raw_controls(printed) == []
    assert json.loads(printed)["payments"][0]["reference"] == "R-1\x1b[2J\u202e"


def test_a_heartbeat_in_any_language_is_still_taken(central_url, http):
    """GIVEN a heartbeat whose last error is a Chinese and accented line
    WHEN it is posted and `kiosk-admin fleet` runs
    THEN it is taken and printed as is: the bound refuses controls, not languages."""
    line = "ERROR kiosk.printer: 打印机缺纸 (papier épuisé)"
    post_beat(http, central_url, "SH-CN-0007", last_error=line)
    status, table = run_admin("fleet", "--central", central_url)
    assert status == 0 and line[:50] in table

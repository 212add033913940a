"""Request bodies are refused with 413 before central reads them (issue 10, item 10):
a declared Content-Length at once, a chunked body as it grows past the limit, larger
limits only for the routes and callers that need them, and central's memory does not
grow by the body's size. Real HTTP on raw sockets (a client that keeps sending)."""

from __future__ import annotations

import json
import re
import select
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from central.bodylimit import BodyLimits
from central.server import CentralServer
from central_payloads import CHANGNING_USCC, arbitration_payload, stay_payload
from kiosk.devtools.loopback import LOOPBACK_CENTRAL_TIMEOUT_S
from kiosk.domain.payments import OutboxMessage
from kiosk.sync.client import CentralClient
from kiosk.sync.wire import OUTBOX_MAX_BYTES, RECORD_MAX_BYTES, ArbitrationApplicationRecord
from tests.patience import PATIENCE_S

REPO = Path(__file__).resolve().parents[3]
MB = 1024 * 1024
SMALL = BodyLimits(default=8 * 1024, record=32 * 1024, outbox=64 * 1024, bundle=16 * 1024)


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes, sent: int) -> None:
        self.status, self.headers, self.body, self.sent = status, headers, body, sent

    def json(self) -> Any:
        return json.loads(self.body)


def send_raw(url: str, method: str, path: str, headers: dict[str, str],
             chunks: Iterator[bytes], timeout: float = 30.0) -> Answer:
    """Send the head, then the body chunks while central reads them, until central
    answers (or the body ends); then read the answer. Like a client that never stops."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    sent = 0
    try:
        sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{head}\r\n".encode())
        sock.setblocking(False)
        deadline = time.monotonic() + timeout
        pending = b""
        while time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock], [], 1.0)
            if readable:
                break
            if writable:
                if not pending:
                    pending = next(chunks, b"")
                    if not pending:
                        break
                try:
                    count = sock.send(pending)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:  # central closed: its answer is in our buffer
                    break
                sent += count
                pending = pending[count:]
        sock.setblocking(True)
        sock.settimeout(timeout)
        data = b""
        while b"\r\n\r\n" not in data or len(data) < _expected(data):
            try:
                more = sock.recv(65536)
            except ConnectionResetError:
                break
            if not more:
                break
            data += more
    finally:
        sock.close()
    head_bytes, _, body = data.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    found = {k.strip().lower(): v.strip()
             for k, _, v in (line.partition(":") for line in lines[1:])}
    return Answer(status, found, body, sent)


def _expected(data: bytes) -> int:
    head, _, _ = data.partition(b"\r\n\r\n")
    match = re.search(rb"(?i)content-length:\s*(\d+)", head)
    return len(head) + 4 + (int(match.group(1)) if match else 0)


def filler(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = b"x" * min(size, total - sent)
        sent += len(piece)
        yield piece


def chunked(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    for piece in filler(total, size):
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


def assert_too_large(answer: Answer, limit: int) -> None:
    assert answer.status == 413, (answer.status, answer.body[:200])
    assert answer.json() == {"code": "E_REQUEST_REJECTED", "message": "request body too large",
                             "detail": {"limit_bytes": str(limit)}}
    assert answer.headers.get("connection") == "close"


@pytest.fixture
def small_central(central_db, clock) -> Iterator[CentralServer]:
    with CentralServer(central_db, clock=clock, body_limits=SMALL) as server:
        yield server


def test_a_declared_oversize_body_is_refused_before_it_is_read(central_url):
    """GIVEN central with its default limits
    WHEN a client declares a 100 MB body for the public /v1/enroll and keeps sending
    THEN 413 E_REQUEST_REJECTED naming the limit comes at once, with Connection: close,
    after central took at most a few MB (socket buffers), not the 100 MB."""
    answer = send_raw(central_url, "POST", "/v1/enroll",
                      {"Content-Type": "application/json", "Content-Length": str(100 * MB)},
                      filler(100 * MB))
    assert_too_large(answer, BodyLimits().default)
    assert answer.sent < 20 * MB


def test_a_chunked_body_is_refused_as_it_grows_past_the_limit(central_url):
    """GIVEN central with its default limits
    WHEN a client sends /v1/enroll a chunked body with no Content-Length that grows
    without end
    THEN 413 as soon as it passes the limit, and the client got to send only a little."""
    answer = send_raw(central_url, "POST", "/v1/enroll",
                      {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                      chunked(100 * MB))
    assert_too_large(answer, BodyLimits().default)
    assert answer.sent < 20 * MB


def test_a_body_within_the_limit_is_read_whether_declared_or_chunked(central_url):
    """GIVEN central
    WHEN a small enroll request is sent with Content-Length and chunked
    THEN both reach the route (401 E_ENROLL_TOKEN for an unknown token)."""
    body = json.dumps({"kiosk_id": "SH-CN-0009", "token": "x" * 40}).encode()
    for headers, chunks in (({"Content-Length": str(len(body))}, iter([body])),
                            ({"Transfer-Encoding": "chunked"},
                             iter([f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"]))):
        answer = send_raw(central_url, "POST", "/v1/enroll",
                          {"Content-Type": "application/json", **headers}, chunks)
        assert (answer.status, answer.json()["code"]) == (401, "E_ENROLL_TOKEN")


def _batch(records: int) -> bytes:
    rows = [{"idempotency_key": uuid.uuid4().hex, "kind": "stay_registration",
             "created_at": "2026-01-15T10:29:00+08:00", "payload": stay_payload()}
            for _ in range(records)]
    return json.dumps({"kiosk_id": "SH-CN-0001", "records": rows}).encode()


@pytest.mark.parametrize("how", ["declared", "chunked"])
def test_larger_routes_take_more_only_from_a_valid_credential(small_central, keys, how):
    """GIVEN central with an 8 kB default and a 64 kB outbox limit
    WHEN an 11 kB outbox batch comes with the kiosk's credential, with a made-up one,
    and a 77 kB one with the credential (declared or chunked)
    THEN the first is answered record by record, the second and third are 413 (8 kB for a stranger,
    64 kB for the kiosk): a stranger cannot make central buffer more than the default."""
    def post(body: bytes, token: str) -> Answer:
        if how == "declared":
            framing, chunks = {"Content-Length": str(len(body))}, iter([body])
        else:
            pieces = [body[i:i + 4096] for i in range(0, len(body), 4096)]
            framing = {"Transfer-Encoding": "chunked"}
            chunks = iter([f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in pieces]
                          + [b"0\r\n\r\n"])
        return send_raw(small_central.url, "POST", "/v1/outbox",
                        {"Content-Type": "application/json", "Authorization": f"Bearer {token}",
                         **framing}, chunks)

    credential = keys.credential("SH-CN-0001")
    within = _batch(10)
    assert 8 * 1024 < len(within) < 64 * 1024
    delivered = post(within, credential)
    assert delivered.status == 200, delivered.body[:300]
    # Read and answered record by record (one person, so the later ones are duplicates
    # of her first registration: refused for that, never for their size).
    assert len(delivered.json()["results"]) == 10
    assert_too_large(post(within, "made-up-credential-" + "x" * 30), SMALL.default)
    beyond = _batch(70)
    assert len(beyond) > 64 * 1024
    assert_too_large(post(beyond, credential), SMALL.outbox)


def test_a_config_push_takes_a_bundle_sized_body_only_from_an_admin(small_central, keys):
    """GIVEN central with an 8 kB default and a 16 kB push limit
    WHEN a 12 kB push body comes from an admin and from a kiosk's credential
    THEN the admin's reaches the route (422 for its made-up signature's target: no
    enrolled kiosk), the kiosk's is 413 at the default limit."""
    body = json.dumps({"signed": {"bundle": {
        "version": 1, "issued_at": "2026-01-15T10:30:00+08:00",
        "settings": {"ui": {"hotline": "x" * 12000}}},
        "key_id": "0123456789abcdef", "signature": "c2ln"}, "target": "kiosk:NOPE-1"}).encode()
    for token, expected in ((keys.admin_token, 422), (keys.credential("SH-CN-0001"), 413)):
        answer = send_raw(small_central.url, "POST", "/v1/admin/config/pushes",
                          {"Content-Type": "application/json", "Authorization": f"Bearer {token}",
                           "Content-Length": str(len(body))}, iter([body]))
        assert answer.status == expected, answer.body[:300]


def _largest_application(char: str) -> dict[str, Any]:
    """An arbitration application with every list full and every text at its longest."""
    def text(n: int) -> str:
        return char * n
    party = {"uscc": CHANGNING_USCC, "name": text(200), "address": text(200),
             "legal_representative": text(200), "representative_title": text(200),
             "phone": text(200)}
    return arbitration_payload(
        applicant={"surname": text(200), "given_names": text(200), "sex": "F",
                   "birth_date": "1964-08-12", "nationality": "DEU", "doc_type": text(200),
                   "doc_number": text(32), "occupation": text(200), "address": text(200),
                   "service_address": text(200), "phone": text(200),
                   "work_permit_no": text(200)},
        agent={"name": text(200), "phone": text(200), "authorization_letter": True},
        respondent=party, co_respondent={**party, "uscc": "91310000MA1FL0XX0X"},
        employment={"start": "2023-03-01", "end": "2024-01-01", "workplace": text(200),
                    "workplace_district": text(200)},
        claims=[{"type": text(64), "amount": "9999999999.99", "from": "2025-01-01",
                 "to": "2025-02-01", "basis": text(1000)}] * 50,
        facts=text(5000),
        evidence=[{"name": text(200), "source": text(200), "fact_proved": text(1000),
                   "pages": 10000}] * 200,
        witnesses=[{"name": text(200), "phone": text(200)}] * 50, warnings=[text(64)] * 32)


@pytest.mark.parametrize(("char", "ascii_only"), [("\U00020000", False), ("\U00020000", True)])
def test_the_largest_record_the_wire_allows_fits_the_default_limits(http, central_url, char,
                                                                    ascii_only):
    """GIVEN central with its default limits
    WHEN the largest arbitration application the schema allows is posted directly by
    its kiosk: 4-byte characters as the kiosk writes them (UTF-8) or as two \\u escapes
    each (the longest escape of a character the schema takes: it refuses control
    characters)
    THEN it is read and judged (not 413): RECORD_MAX_BYTES holds it, and
    OUTBOX_MAX_BYTES holds it as the kiosk writes it with room to spare."""
    payload = _largest_application(char)
    record = ArbitrationApplicationRecord.model_validate(payload)
    body = (json.dumps(record.model_dump(mode="json", by_alias=True)).encode() if ascii_only
            else record.model_dump_json(by_alias=True).encode())
    assert 1 * MB < len(body) < RECORD_MAX_BYTES
    assert len(record.model_dump_json().encode()) < OUTBOX_MAX_BYTES / 2
    answer = http.post(f"{central_url}/v1/arbitration-applications", data=body,
                       headers={"Idempotency-Key": uuid.uuid4().hex,
                                "Content-Type": "application/json"}, timeout=30)
    assert answer.status_code != 413, answer.text[:300]
    assert answer.json().get("code") != "E_REQUEST_REJECTED", answer.text[:300]


def test_the_kiosk_packs_its_outbox_into_requests_central_takes(small_central, keys, clock):
    """GIVEN central taking outbox bodies of at most 64 kB, and 60 registrations of
    about 2.5 kB waiting (150 kB)
    WHEN the kiosk's client delivers them with a 64 kB budget
    THEN every one is answered, in order (several requests, none refused as a whole):
    the first accepted, the others refused one by one as the same person's duplicate."""
    messages = [OutboxMessage(kind="stay_registration", idempotency_key=uuid.uuid4().hex,
                              payload=stay_payload(), created_at=clock.now())
                for _ in range(150)]
    with CentralClient(small_central.url, timeout_s=LOOPBACK_CENTRAL_TIMEOUT_S,
                       kiosk_id="SH-CN-0001", clock=clock, token=keys.credential("SH-CN-0001"),
                       outbox_max_bytes=SMALL.outbox) as client:
        results = client.deliver(messages)
    assert [r.idempotency_key for r in results] == [m.idempotency_key for m in messages]
    assert results[0].status == "accepted"
    assert {r.reason for r in results[1:]} == {"E_DUPLICATE_ACTIVE_REGISTRATION"}


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_central_memory_does_not_grow_by_the_bodys_size(tmp_path):
    """GIVEN `kiosk-central serve` as its own process, warmed up by a small request
    WHEN 100 MB bodies are sent to the public /v1/enroll, declared and chunked, by a
    client that keeps sending
    THEN both are 413 and central's peak resident memory (VmHWM) grew by less than
    16 MB, not by the 100 MB."""
    ready = tmp_path / "central.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "central.cli", "serve", "--db",
         f"sqlite:///{tmp_path / 'central.db'}", "--port", "0", "--ready-file", str(ready),
         "--log-level", "warning"], cwd=REPO, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        url = json.loads(ready.read_text())["url"]
        body = json.dumps({"kiosk_id": "SH-CN-0009", "token": "x" * 40}).encode()
        warm = send_raw(url, "POST", "/v1/enroll", {"Content-Length": str(len(body)),
                                                    "Content-Type": "application/json"},
                        iter([body]))
        assert warm.status == 401
        before = _peak_rss_kb(process.pid)
        declared = send_raw(url, "POST", "/v1/enroll",
                            {"Content-Type": "application/json",
                             "Content-Length": str(100 * MB)}, filler(100 * MB))
        streamed = send_raw(url, "POST", "/v1/enroll",
                            {"Content-Type": "application/json",
                             "Transfer-Encoding": "chunked"}, chunked(100 * MB))
        grown_mb = (_peak_rss_kb(process.pid) - before) / 1024
        assert (declared.status, streamed.status) == (413, 413)
        assert grown_mb < 16, f"central grew by {grown_mb:.0f} MB"
    finally:
        process.terminate()
        process.wait(timeout=PATIENCE_S)

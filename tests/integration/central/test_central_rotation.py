"""Credential rotation and expiry against a real central (SQLite and PostgreSQL): the
kiosk's side (kiosk.sync.enrollment.rotate, `kiosk enroll --rotate`, the rotator thread,
CentralClient reading the credential file) over HTTP, with the answer lost on the way
(kiosk.devtools.faultproxy) and with the kiosk killed (SIGKILL) between central's
answer and its credential file, and after writing it."""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from central import admin
from central.credentials import CredentialPolicy
from central.server import CentralServer
from kiosk import cli as kiosk_cli
from kiosk.bootstrap import central_credentials, central_token
from kiosk.config import load_config
from kiosk.devtools.faultproxy import FaultProxy, Mode
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.client import CentralClient
from kiosk.sync.enrollment import (
    CREDENTIAL_FILE,
    KioskCredential,
    enroll,
    read_credential,
    rotate,
    write_credential,
)
from kiosk.sync.rotation import CredentialRotator
from kiosk.sync.wire_fleet import HeartbeatIn
from tests.patience import PATIENCE_S

TIMEOUT = PATIENCE_S
KIOSK = "SH-CN-0042"
REPO = Path(__file__).resolve().parents[3]
BEAT = {"app_version": "0.1.0", "config_version": "local-aaaabbbbcccc", "devices": {},
        "outbox_depth": 0, "last_error": None, "disk_free_bytes": 2**30}


def make_token(url: str, kiosk_id: str = KIOSK) -> str:
    out = io.StringIO()
    assert admin.main(["enroll", kiosk_id, "--central", url], out=out) == 0
    return out.getvalue().strip()


def enrolled(url: str, data_dir: Path, kiosk_id: str = KIOSK) -> KioskCredential:
    return enroll(url, kiosk_id, make_token(url, kiosk_id), data_dir, timeout=TIMEOUT)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def beat(url: str, credential: str) -> int:
    return requests.post(f"{url}/v1/heartbeats", json=BEAT, headers=bearer(credential),
                         timeout=TIMEOUT).status_code


def rotate_over_http(url: str, credential: str) -> str:
    answer = requests.post(f"{url}/v1/credential/rotate", headers=bearer(credential),
                           timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["credential"])


def credential_rows(db_url: str) -> list[dict[str, Any]]:
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            return [dict(row._mapping) for row in
                    connection.execute(text("SELECT * FROM kiosk_credentials"))]
    finally:
        engine.dispose()


def site_file(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(f'[kiosk]\nid = "{KIOSK}"\ndata_dir = "{tmp_path / "data"}"\n'
                    f'[central]\nurl = "{url}"\n', encoding="utf-8")
    return path


def wait_until(condition: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


# --- central's side ------------------------------------------------------------------------

def test_the_old_credential_works_until_the_rotated_one_is_first_used(central_url):
    """GIVEN a kiosk enrolled with credential C1
    WHEN it rotates (C2), rotates again with C1 before using C2 (C3), then uses C3
    THEN C1 works until C3's first use and is refused after it; C2, never used and
    replaced by C3, is refused; C3 works."""
    c1 = requests.post(f"{central_url}/v1/enroll", timeout=TIMEOUT, json={
        "kiosk_id": KIOSK, "token": make_token(central_url)}).json()["credential"]
    c2 = rotate_over_http(central_url, c1)
    assert beat(central_url, c1) == 200
    c3 = rotate_over_http(central_url, c1)
    assert len({c1, c2, c3}) == 3
    assert beat(central_url, c2) == 401
    assert beat(central_url, c1) == 200
    assert beat(central_url, c3) == 200
    assert beat(central_url, c1) == 401
    assert beat(central_url, c3) == 200


def test_credentials_expire_after_their_lifetime_unless_rotated(central_url, central_db,
                                                               clock, tmp_path):
    """GIVEN two kiosks enrolled on day 0 (lifetime 90 days), SH-CN-0042 with its rotator
    WHEN the rotator looks on day 44 and on day 46, and both kiosks call on day 91
    THEN it rotates only on day 46, its new credential says it expires on day 136 and
    works on day 91; the other kiosk's credential is refused on day 91, and `kiosk-admin
    fleet` shows "credential expired" for it."""
    first = enrolled(central_url, tmp_path / "a")
    assert first.expires_at is not None and first.issued_at is not None
    assert first.expires_at - first.issued_at == timedelta(days=90)
    other = enrolled(central_url, tmp_path / "b", "SH-CN-0043")
    assert beat(central_url, other.credential) == 200
    rotator = CredentialRotator(central_url, KIOSK, tmp_path / "a", clock, timeout_s=TIMEOUT)
    clock.advance(timedelta(days=44))
    assert rotator.check_once() is False
    clock.advance(timedelta(days=2))
    assert rotator.check_once() is True
    rotated = read_credential(tmp_path / "a")
    assert rotated is not None and rotated.credential != first.credential
    assert rotated.expires_at == first.expires_at + timedelta(days=46)
    assert beat(central_url, first.credential) == 401  # the rotator used the new one once
    clock.advance(timedelta(days=45))
    assert beat(central_url, rotated.credential) == 200
    answer = requests.post(f"{central_url}/v1/heartbeats", json=BEAT, timeout=TIMEOUT,
                           headers=bearer(other.credential))
    assert answer.status_code == 401 and answer.json()["code"] == "E_UNAUTHORIZED"
    out = io.StringIO()
    assert admin.main(["fleet", "--central", central_url], out=out) == 0
    row = next(line for line in out.getvalue().splitlines() if line.startswith("SH-CN-0043"))
    assert "credential expired" in row


def test_the_lifetime_is_centrals_setting(central_db, clock, tmp_path, keys):
    """GIVEN central started with a credential lifetime of 10 days
    WHEN a kiosk enrolls, and on day 10
    THEN its credential says it expires on day 10 and is refused from then on; an
    out-of-range --credential-lifetime-days stops `kiosk-central serve` at once."""
    from central.cli import build_parser, serve

    policy = CredentialPolicy(lifetime=timedelta(days=10))
    with CentralServer(central_db, clock=clock, credentials=policy) as server:
        token = requests.post(f"{server.url}/v1/admin/enrollments", timeout=TIMEOUT,
                              json={"kiosk_id": KIOSK}, headers=keys.admin_headers())
        credential = enroll(server.url, KIOSK, token.json()["token"], tmp_path)
        assert credential.expires_at == clock.now() + timedelta(days=10)
        clock.advance(timedelta(days=10))
        assert beat(server.url, credential.credential) == 401
    with pytest.raises(SystemExit, match="credential-lifetime-days"):
        serve(build_parser().parse_args(["serve", "--db", central_db,
                                         "--credential-lifetime-days", "0"]))


# --- the kiosk's side --------------------------------------------------------------------

def test_kiosk_enroll_rotate_replaces_the_credential_in_its_file(central_url, tmp_path, capsys):
    """GIVEN a kiosk enrolled with `kiosk enroll --token`
    WHEN `kiosk enroll --rotate` runs
    THEN it exits 0 saying until when the new credential is valid; the file (still 0600)
    holds the new credential and its times; bootstrap reads it; the old one is refused."""
    site = site_file(tmp_path, central_url)
    assert kiosk_cli.main(["enroll", f"--token={make_token(central_url)}",
                           "--config", str(site)]) == 0
    before = read_credential(tmp_path / "data")
    assert kiosk_cli.main(["enroll", "--rotate", "--config", str(site)]) == 0
    assert "valid until 2026-04-15 10:30 +0800" in capsys.readouterr().out
    after = read_credential(tmp_path / "data")
    assert before is not None and after is not None
    assert after.credential != before.credential and after.kiosk_id == KIOSK
    path = tmp_path / "data" / CREDENTIAL_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text(encoding="utf-8"))["expires_at"] == \
        "2026-04-15T10:30:00+08:00"
    assert central_token(load_config(site)) == after.credential
    assert beat(central_url, before.credential) == 401
    assert beat(central_url, after.credential) == 200


def test_every_client_follows_a_rotated_credential(central_url, tmp_path, clock):
    """GIVEN the kiosk's clients built as bootstrap builds them (credential read from the
    file), one of them having called central already
    WHEN the credential is rotated (by another process: `kiosk enroll --rotate`)
    THEN the same clients' next calls are taken with the new credential."""
    site = site_file(tmp_path, central_url)
    assert kiosk_cli.main(["enroll", f"--token={make_token(central_url)}",
                           "--config", str(site)]) == 0
    config = load_config(site)
    clients = [CentralClient(central_url, timeout_s=TIMEOUT, kiosk_id=KIOSK, clock=clock,
                             token=central_credentials(config)) for _ in range(2)]
    heartbeat = HeartbeatIn.model_validate(BEAT)
    try:
        clients[0].send_heartbeat(heartbeat)
        assert kiosk_cli.main(["enroll", "--rotate", "--config", str(site)]) == 0
        for client in clients:
            assert client.send_heartbeat(heartbeat).kiosk_id == KIOSK
    finally:
        for client in clients:
            client.close()


def test_a_call_refused_for_a_credential_rotated_meanwhile_is_sent_again(central_url,
                                                                         tmp_path, clock):
    """GIVEN a client whose credential source gives the old credential for a request
    already on its way when another thread rotated (central has retired the old one),
    and the new one afterwards
    WHEN the client sends a heartbeat
    THEN central refuses the old credential, the client sends it once more with the new
    one and the beat is taken."""
    old = enrolled(central_url, tmp_path)
    new = rotate_over_http(central_url, old.credential)
    assert beat(central_url, new) == 200  # the old one is retired now
    answers = iter([old.credential, new, new])
    with CentralClient(central_url, timeout_s=TIMEOUT, kiosk_id=KIOSK, clock=clock,
                       token=lambda: next(answers)) as client:
        assert client.send_heartbeat(HeartbeatIn.model_validate(BEAT)).kiosk_id == KIOSK
    with CentralClient(central_url, timeout_s=TIMEOUT, kiosk_id=KIOSK, clock=clock,
                       token=old.credential) as stale, pytest.raises(KioskError) as refused:
        stale.send_heartbeat(HeartbeatIn.model_validate(BEAT))
    assert refused.value.code is ErrorCode.UNAUTHORIZED


def test_a_rotation_answer_lost_on_the_way_leaves_the_kiosk_its_credential(central,
                                                                           central_db,
                                                                           tmp_path):
    """GIVEN an enrolled kiosk reaching central through a network that loses answers
    WHEN it rotates and central's answer is cut off (reset, truncated)
    THEN the rotation fails as E_CENTRAL_UNAVAILABLE, the credential file is unchanged
    and its credential still works although central issued a new one; the next
    rotation through a healthy network succeeds."""
    original = enrolled(central.url, tmp_path)
    port = int(central.url.rsplit(":", 1)[1])
    with FaultProxy(("127.0.0.1", port), seed=3) as proxy:
        for mode in (Mode.RESET, Mode.TRUNCATE_FRAMED):
            proxy.set_mode(mode)
            with pytest.raises(KioskError) as failed:
                rotate(proxy.url, KIOSK, tmp_path, timeout=TIMEOUT)
            assert failed.value.code is ErrorCode.CENTRAL_UNAVAILABLE
            assert read_credential(tmp_path) == original
            assert credential_rows(central_db)[0]["pending_hash"] is not None
            assert beat(central.url, original.credential) == 200
        proxy.set_mode(Mode.PASS)
        rotated = rotate(proxy.url, KIOSK, tmp_path, timeout=TIMEOUT)
    assert read_credential(tmp_path) == rotated
    assert beat(central.url, rotated.credential) == 200
    assert beat(central.url, original.credential) == 401


# A kiosk process rotating its credential, killed (SIGKILL) at the named step: the
# module's own function is replaced by a kill in the child only, so the kill happens at
# exactly that point of the real code path.
KILLED_AT = """
import os, signal, sys
from pathlib import Path
from kiosk.sync import enrollment
setattr(enrollment, sys.argv[1], lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL))
enrollment.rotate(sys.argv[2], sys.argv[3], Path(sys.argv[4]), timeout=5.0)
"""


def rotate_and_die(url: str, data_dir: Path, step: str) -> None:
    child = subprocess.run([sys.executable, "-c", KILLED_AT, step, url, KIOSK, str(data_dir)],
                           cwd=REPO, capture_output=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode(errors="replace")


def test_a_kiosk_killed_before_storing_the_rotated_credential_keeps_working(
        central_url, central_db, tmp_path):
    """GIVEN an enrolled kiosk
    WHEN its process is killed after central answered a rotation but before it wrote
    the credential file
    THEN central holds the new credential as pending, the file still holds the old one,
    which still works; the kiosk's next rotation succeeds and only its result works."""
    original = enrolled(central_url, tmp_path)
    rotate_and_die(central_url, tmp_path, "write_credential")
    assert credential_rows(central_db)[0]["pending_hash"] is not None
    assert read_credential(tmp_path) == original
    assert beat(central_url, original.credential) == 200
    rotated = rotate(central_url, KIOSK, tmp_path, timeout=TIMEOUT)
    assert beat(central_url, rotated.credential) == 200
    assert beat(central_url, original.credential) == 401


def test_a_kiosk_killed_after_storing_the_rotated_credential_uses_it(central_url, central_db,
                                                                     tmp_path):
    """GIVEN an enrolled kiosk
    WHEN its process is killed after it wrote the rotated credential, before using it
    THEN the file holds the new credential; the old one still works until the new one's
    first use, after which only the new one does."""
    original = enrolled(central_url, tmp_path)
    rotate_and_die(central_url, tmp_path, "_first_use")
    stored = read_credential(tmp_path)
    assert stored is not None and stored.credential != original.credential
    assert beat(central_url, original.credential) == 200
    assert beat(central_url, stored.credential) == 200
    assert beat(central_url, original.credential) == 401
    assert credential_rows(central_db)[0]["pending_hash"] is None


@pytest.fixture
def rotator(central_url: str, tmp_path: Path, clock: Any) -> Iterator[CredentialRotator]:
    running = CredentialRotator(central_url, KIOSK, tmp_path, clock, timeout_s=TIMEOUT,
                                check_interval_s=0.05)
    yield running
    assert running.stop(timeout=10)


def test_the_kiosk_rotates_by_itself_when_half_the_lifetime_has_passed(central_url, tmp_path,
                                                                       clock, rotator):
    """GIVEN an enrolled kiosk whose rotator thread looks every 50 ms
    WHEN 46 of the credential's 90 days have passed
    THEN the thread rotates it by itself: the file holds a new credential that works,
    and the thread keeps running without rotating again."""
    original = enrolled(central_url, tmp_path)
    rotator.start()
    clock.advance(timedelta(days=46))
    wait_until(lambda: rotator.rotations == 1)
    rotated = read_credential(tmp_path)
    assert rotated is not None and rotated.credential != original.credential
    assert beat(central_url, rotated.credential) == 200
    assert rotator.running and rotator.rotations == 1


def test_a_credential_stored_without_its_lifetime_is_rotated_at_once(central_url, tmp_path,
                                                                     clock, caplog):
    """GIVEN a credential file written before central told the lifetime (no times)
    WHEN the rotator looks, and looks again
    THEN it rotates at once and the file then carries the times; the second look
    rotates nothing; nothing is logged as a failure."""
    original = enrolled(central_url, tmp_path)
    write_credential(tmp_path, KioskCredential(KIOSK, original.credential, original.group))
    rotator = CredentialRotator(central_url, KIOSK, tmp_path, clock, timeout_s=TIMEOUT)
    assert rotator.check_once() is True
    rotated = read_credential(tmp_path)
    assert rotated is not None and isinstance(rotated.expires_at, datetime)
    assert rotator.check_once() is False
    assert "failed" not in caplog.text


def test_the_kiosk_runtime_rotates_and_its_clients_follow(tmp_path):
    """GIVEN the loopback kiosk runtime (enrolled for real), its credential file written
    as before central told the lifetime
    WHEN the runtime's own rotator looks, and the runtime then beats
    THEN it rotated (the file holds a new credential with its times), central refuses
    the old one, and the runtime's heartbeat client, built before, is taken with the
    new one without a restart."""
    from kiosk.devtools.loopback import running_system

    with running_system(tmp_path) as system:
        runtime = system.runtime
        data_dir = Path(system.config.kiosk.data_dir)
        old = read_credential(data_dir)
        assert old is not None and runtime.rotator is not None
        write_credential(data_dir, KioskCredential(old.kiosk_id, old.credential, old.group))
        assert runtime.rotator.check_once() is True
        new = read_credential(data_dir)
        assert new is not None and new.credential != old.credential and new.expires_at
        assert beat(system.central_url, old.credential) == 401
        assert runtime.heartbeat is not None and runtime.heartbeat.beat_once() is True

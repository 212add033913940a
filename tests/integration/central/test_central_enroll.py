"""Enrollment against a real central (SQLite and PostgreSQL): `kiosk-admin enroll` makes a
one-time token, the kiosk spends it (kiosk.sync.enrollment, `kiosk enroll`) for its own
credential; tokens are one-time, expire, belong to one kiosk, and are stored hashed."""

from __future__ import annotations

import io
import json
import os
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from central import admin
from kiosk import cli as kiosk_cli
from kiosk.bootstrap import central_token
from kiosk.config import load_config
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.enrollment import CREDENTIAL_FILE, enroll, read_credential
from tests.patience import PATIENCE_S

TIMEOUT = PATIENCE_S
KIOSK = "SH-CN-0042"
BEAT = {"app_version": "0.1.0", "config_version": "local-aaaabbbbcccc", "devices": {},
        "outbox_depth": 0, "last_error": None, "disk_free_bytes": 2**30}


def make_enrollment(url: str, kiosk_id: str = KIOSK, *extra: str) -> str:
    """`kiosk-admin enroll` as an operator runs it; returns the printed token."""
    out = io.StringIO()
    assert admin.main(["enroll", kiosk_id, "--central", url, *extra], out=out) == 0
    token = out.getvalue().strip()
    assert len(token) >= 40
    return token


def spend(url: str, token: str, kiosk_id: str = KIOSK) -> requests.Response:
    return requests.post(f"{url}/v1/enroll", json={"kiosk_id": kiosk_id, "token": token},
                         timeout=TIMEOUT)


def beat(url: str, credential: str) -> requests.Response:
    return requests.post(f"{url}/v1/heartbeats", json=BEAT, timeout=TIMEOUT,
                         headers={"Authorization": f"Bearer {credential}"})


def test_enrolled_kiosk_stores_its_credential_and_is_known_by_it(central_url, tmp_path):
    """GIVEN a token from `kiosk-admin enroll SH-CN-0042 --group pilot`
    WHEN the kiosk enrolls with it
    THEN its credential file (mode 0600) holds id, credential, group and when the
    credential was issued and expires (90 days), and the credential authenticates it as
    SH-CN-0042, in group pilot in the fleet."""
    token = make_enrollment(central_url, KIOSK, "--group", "pilot")
    credential = enroll(central_url, KIOSK, token, tmp_path / "data", timeout=TIMEOUT)
    path = tmp_path / "data" / CREDENTIAL_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "kiosk_id": KIOSK, "credential": credential.credential, "group": "pilot",
        "issued_at": "2026-01-15T10:30:00+08:00", "expires_at": "2026-04-15T10:30:00+08:00"}
    assert read_credential(tmp_path / "data") == credential
    ack = beat(central_url, credential.credential)
    assert ack.status_code == 200 and ack.json()["kiosk_id"] == KIOSK
    out = io.StringIO()
    assert admin.main(["fleet", "--central", central_url], out=out) == 0
    row = next(line for line in out.getvalue().splitlines() if line.startswith(KIOSK))
    assert row.split()[1] == "pilot"


def test_a_token_is_spent_once(central_url, tmp_path):
    """GIVEN a kiosk enrolled with a token
    WHEN the token is used again
    THEN 401 E_ENROLL_TOKEN (kiosk side: KioskError E_ENROLL_TOKEN), and the first
    credential still works."""
    token = make_enrollment(central_url)
    first = enroll(central_url, KIOSK, token, tmp_path, timeout=TIMEOUT)
    again = spend(central_url, token)
    assert again.status_code == 401 and again.json()["code"] == "E_ENROLL_TOKEN"
    with pytest.raises(KioskError) as refused:
        enroll(central_url, KIOSK, token, tmp_path / "other", timeout=TIMEOUT)
    assert refused.value.code is ErrorCode.ENROLL_TOKEN
    assert read_credential(tmp_path / "other") is None
    assert beat(central_url, first.credential).status_code == 200


def test_an_expired_token_is_refused_and_stays_unused(central_url, central_db, clock):
    """GIVEN a token valid 2 hours
    WHEN it is used after 2 hours and a minute
    THEN 401 E_ENROLL_TOKEN, no credential exists and the token is not marked used."""
    token = make_enrollment(central_url, KIOSK, "--ttl-hours", "2")
    clock.advance(timedelta(hours=2, minutes=1))
    answer = spend(central_url, token)
    assert answer.status_code == 401 and answer.json()["code"] == "E_ENROLL_TOKEN"
    rows = table_rows(central_db)
    assert rows["kiosk_credentials"] == []
    assert [r["used_at"] for r in rows["enrollment_tokens"]] == [None]


def test_another_kiosks_token_is_refused_and_left_for_its_kiosk(central_url):
    """GIVEN a token made for SH-CN-0042
    WHEN SH-CN-0043 tries it, and then a made-up token is tried
    THEN both are 401 E_ENROLL_TOKEN, and SH-CN-0042 can still spend its token."""
    token = make_enrollment(central_url)
    for kiosk_id, secret in (("SH-CN-0043", token), (KIOSK, "made-up-token-00000000000000")):
        answer = spend(central_url, secret, kiosk_id)
        assert answer.status_code == 401 and answer.json()["code"] == "E_ENROLL_TOKEN"
    assert spend(central_url, token).status_code == 200


def test_enrolling_again_replaces_the_credential_and_the_group(central_url, keys):
    """GIVEN a kiosk enrolled into group pilot that has sent a heartbeat
    WHEN it enrolls again with a new token into group wave2
    THEN the old credential is refused 401, the new one works, and the fleet shows
    wave2 at once (before the next heartbeat)."""
    first = spend(central_url, make_enrollment(central_url, KIOSK, "--group", "pilot")).json()
    assert beat(central_url, first["credential"]).status_code == 200
    second = spend(central_url, make_enrollment(central_url, KIOSK, "--group", "wave2")).json()
    assert second["group"] == "wave2" and second["credential"] != first["credential"]
    assert beat(central_url, first["credential"]).status_code == 401
    fleet = requests.get(f"{central_url}/v1/admin/fleet", headers=keys.admin_headers(),
                         timeout=TIMEOUT).json()
    assert [(k["kiosk_id"], k["group"]) for k in fleet["kiosks"]] == [(KIOSK, "wave2")]
    assert beat(central_url, second["credential"]).status_code == 200


def test_two_concurrent_uses_of_one_token_enroll_once(central_url, central_db):
    """GIVEN one token
    WHEN two requests spend it at the same moment
    THEN exactly one gets a credential (200) and the other 401 E_ENROLL_TOKEN; central
    holds one credential, and it is the winner's."""
    token = make_enrollment(central_url)
    barrier = threading.Barrier(2)

    def race(_: int) -> requests.Response:
        barrier.wait(timeout=PATIENCE_S)
        return spend(central_url, token)

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(race, range(2)))
    assert sorted(a.status_code for a in answers) == [200, 401]
    winner = next(a for a in answers if a.status_code == 200).json()["credential"]
    loser = next(a for a in answers if a.status_code == 401)
    assert loser.json()["code"] == "E_ENROLL_TOKEN"
    assert len(table_rows(central_db)["kiosk_credentials"]) == 1
    assert beat(central_url, winner).status_code == 200


def test_secrets_are_stored_only_as_hashes(central_url, central_db, keys):
    """GIVEN an admin token, an enrollment token and the credential it was spent for
    WHEN the database is read (every row of the trust tables; on SQLite also the raw
    bytes of the file and its write-ahead log)
    THEN none of the three secrets appears in it."""
    enrollment_token = make_enrollment(central_url)
    credential = spend(central_url, enrollment_token).json()["credential"]
    secrets = [keys.admin_token, enrollment_token, credential]
    dumped = json.dumps(table_rows(central_db), default=str)
    assert "token_hash" in dumped
    for secret in secrets:
        assert secret not in dumped
    if central_db.startswith("sqlite:///"):
        database = Path(central_db.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
        for secret in secrets:
            assert secret.encode() not in raw


def test_kiosk_enroll_command_and_bootstrap_use_the_stored_credential(central_url, tmp_path,
                                                                      capsys):
    """GIVEN a site file naming the kiosk, its data dir and central, and a token
    WHEN `kiosk enroll --token T --config site.toml` runs (and once more with the spent
    token)
    THEN it exits 0 and bootstrap's central token is the stored credential; the second
    run exits 1 with E_ENROLL_TOKEN; a central.token in config takes precedence."""
    site = tmp_path / "site.toml"
    site.write_text(f'[kiosk]\nid = "{KIOSK}"\ndata_dir = "{tmp_path / "data"}"\n'
                    f'[central]\nurl = "{central_url}"\n', encoding="utf-8")
    token = make_enrollment(central_url)
    assert kiosk_cli.main(["enroll", f"--token={token}", "--config", str(site)]) == 0
    config = load_config(site)
    stored = read_credential(tmp_path / "data")
    assert stored is not None and central_token(config) == stored.credential
    assert beat(central_url, central_token(config)).status_code == 200
    assert kiosk_cli.main(["enroll", f"--token={token}", "--config", str(site)]) == 1
    assert "E_ENROLL_TOKEN" in capsys.readouterr().err
    configured = load_config(site, overrides={"central": {"token": "from-site-file"}})
    assert central_token(configured) == "from-site-file"


def table_rows(db_url: str) -> dict[str, list[dict[str, Any]]]:
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            return {table: [dict(row._mapping) for row in
                            connection.execute(text(f"SELECT * FROM {table}"))]
                    for table in ("admin_tokens", "enrollment_tokens", "kiosk_credentials")}
    finally:
        engine.dispose()


def test_secrets_never_look_like_a_command_line_option() -> None:
    """GIVEN many new tokens and credentials
    WHEN they are made
    THEN none starts with "-" (`kiosk enroll --token -x...` would read it as an option)."""
    from central.enrollment import new_secret

    assert not [s for s in (new_secret() for _ in range(3000)) if s.startswith("-")]

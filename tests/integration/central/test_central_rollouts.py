"""Signed config pushes and staged rollouts against a real central over HTTP, on SQLite
and PostgreSQL (central_db). Kiosks are enrolled by inserting kiosk_credentials rows
directly (enrollment is its own feature) with the kiosk id as credential; admin calls use
the test's admin token ($KIOSK_ADMIN_TOKEN, set by the conftest)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.db import make_engine, make_session_factory
from central.models_fleet import KioskCredentialRow
from central.rollouts import wave_order
from kiosk.sync.wire_config import (
    ConfigBundle,
    ConfigPushIn,
    SignedBundle,
    key_id,
    parse_signed,
    sign_bundle,
    verify_signed,
)
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

TIMEOUT = PATIENCE_S


def as_admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {os.environ['KIOSK_ADMIN_TOKEN']}"}


def as_kiosk(kiosk_id: str) -> dict[str, str]:
    """enroll() below stores sha256(kiosk id) as the credential's hash."""
    return {"X-Kiosk-Id": kiosk_id, "Authorization": f"Bearer {kiosk_id}"}
SIGNING_KEY = Ed25519PrivateKey.generate()


def enroll(db_url: str, group: str | None, *kiosk_ids: str) -> None:
    """Kiosks as enrollment leaves them: a credential row with their group."""
    engine = make_engine(db_url)
    try:
        with make_session_factory(engine).begin() as session:
            for kiosk_id in kiosk_ids:
                session.add(KioskCredentialRow(
                    kiosk_id=kiosk_id, group_name=group, enrolled_at=datetime.now(UTC),
                    credential_hash=hashlib.sha256(kiosk_id.encode()).hexdigest()))
    finally:
        engine.dispose()


def signed(version: int, settings: dict[str, dict[str, Any]] | None = None) -> SignedBundle:
    bundle = ConfigBundle(version=version, issued_at=datetime.now(UTC), note=f"v{version}",
                          settings=settings or {"ui": {"idle_timeout_s": 90 + version}})
    return sign_bundle(bundle, SIGNING_KEY)


def push(url: str, version: int, target: str, **options: Any) -> requests.Response:
    body = ConfigPushIn(signed=signed(version), target=target, **options)
    return requests.post(f"{url}/v1/admin/config/pushes", json=body.model_dump(mode="json"),
                         headers=as_admin(), timeout=TIMEOUT)


def fetch(url: str, kiosk_id: str, etag: str | None = None) -> requests.Response:
    headers = as_kiosk(kiosk_id)
    if etag is not None:
        headers["If-None-Match"] = etag
    return requests.get(f"{url}/v1/config", headers=headers, timeout=TIMEOUT)


def report(url: str, kiosk_id: str, version: int, outcome: str = "applied",
           reason: str = "", overridden: list[str] | None = None) -> requests.Response:
    body: dict[str, Any] = {"version": version, "outcome": outcome, "reason": reason}
    if overridden is not None:
        body["overridden"] = overridden
    return requests.post(f"{url}/v1/config/reports", headers=as_kiosk(kiosk_id), json=body,
                         timeout=TIMEOUT)


def rollout(url: str, rollout_id: int) -> dict[str, Any]:
    answer = requests.get(f"{url}/v1/admin/rollouts/{rollout_id}", headers=as_admin(),
                          timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def wave_of(body: dict[str, Any], wave: int) -> list[str]:
    return [k["kiosk_id"] for k in body["kiosks"] if k["wave"] == wave]


@pytest.fixture
def lobby(central_db: str, central_url: str) -> Iterator[list[str]]:
    """Ten kiosks in group "lobby" and two in group "airport"."""
    kiosks = [f"SH-L-{n:04d}" for n in range(1, 11)]
    enroll(central_db, "lobby", *kiosks)
    enroll(central_db, "airport", "SH-A-0001", "SH-A-0002")
    yield kiosks


def test_push_to_group_splits_into_waves_and_releases_only_wave_one(central_url: str,
                                                                    lobby: list[str]) -> None:
    """GIVEN ten lobby kiosks and two airport kiosks
    WHEN version 1 is pushed to group:lobby with 20% waves
    THEN the rollout has 5 waves of 2 in hash order; the 2 kiosks of wave 1 get the bundle
    exactly as signed (ETag "v1", no-store), the others in the group and the airport
    kiosks get 204."""
    answer = push(central_url, 1, "group:lobby", wave_percent=20)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["state"], body["current_wave"], body["waves"]) == ("running", 1, 5)
    assert [k["kiosk_id"] for k in body["kiosks"]] != []
    expected = wave_order(body["id"], lobby)
    for wave in range(1, 6):
        assert sorted(wave_of(body, wave)) == sorted(expected[2 * wave - 2:2 * wave])
    status = {k["kiosk_id"]: k["status"] for k in body["kiosks"]}
    first = wave_of(body, 1)
    assert all(status[k] == "offered" for k in first)
    assert sorted(s for k, s in status.items() if k not in first) == ["waiting"] * 8

    served = fetch(central_url, first[0])
    assert served.status_code == 200, served.text
    assert served.headers["ETag"] == '"v1"'
    assert served.headers["Cache-Control"] == "no-store"
    bundle = verify_signed(parse_signed(served.content),
                           {key_id(SIGNING_KEY.public_key()): SIGNING_KEY.public_key()})
    assert bundle.version == 1
    waiting = next(k for k in lobby if k not in first)
    assert fetch(central_url, waiting).status_code == 204
    assert fetch(central_url, "SH-A-0001").status_code == 204


def test_applied_wave_offers_the_next_until_completed(central_url: str, central_db: str) -> None:
    """GIVEN four kiosks, one with an inventory row, and version 1 pushed with 50% waves
    WHEN wave 1 reports applied, then wave 2
    THEN wave 2 is offered (and served) after wave 1, the rollout completes with "all 2
    waves applied", and the fleet inventory shows config version "1"."""
    kiosks = ["SH-W-0001", "SH-W-0002", "SH-W-0003", "SH-W-0004"]
    enroll(central_db, "west", *kiosks)
    beat: dict[str, Any] = {"app_version": "0.1.0", "config_version": "local", "devices": {},
            "outbox_depth": 0, "last_error": None, "disk_free_bytes": 2**30}
    for kiosk in kiosks:
        assert requests.post(f"{central_url}/v1/heartbeats", json=beat, timeout=TIMEOUT,
                             headers=as_kiosk(kiosk)).status_code == 200
    body = push(central_url, 1, "all", wave_percent=50).json()
    first, second = wave_of(body, 1), wave_of(body, 2)
    assert fetch(central_url, second[0]).status_code == 204

    assert report(central_url, first[0], 1).json() == {"recorded": True}
    assert rollout(central_url, body["id"])["current_wave"] == 1  # 50% < 90%
    report(central_url, first[1], 1)
    after_one = rollout(central_url, body["id"])
    assert (after_one["state"], after_one["current_wave"]) == ("running", 2)
    assert {k["status"] for k in after_one["kiosks"] if k["wave"] == 2} == {"offered"}
    assert fetch(central_url, second[0]).status_code == 200

    for kiosk in second:
        report(central_url, kiosk, 1)
    done = rollout(central_url, body["id"])
    assert (done["state"], done["reason"]) == ("completed", "all 2 waves applied")
    fleet = requests.get(f"{central_url}/v1/admin/fleet", headers=as_admin(),
                         timeout=TIMEOUT).json()
    assert {k["config_version"] for k in fleet["kiosks"]} == {"1"}


def test_failures_above_threshold_halt_the_rollout_with_the_reasons(central_url: str,
                                                                     lobby: list[str]) -> None:
    """GIVEN version 1 pushed to the lobby in 30% waves (4 waves: 3, 3, 3, 1) that may
    lose 40% of a wave
    WHEN wave 1 reports one failure (33%), one rejection and one success
    THEN after the second failure the rollout halts, naming the wave, the counts and each
    kiosk's reason; wave 1 keeps its bundle and wave 2 is never released."""
    body = push(central_url, 1, "group:lobby", wave_percent=30,
                failure_threshold=0.4).json()
    assert body["waves"] == 4
    a, b, c = sorted(wave_of(body, 1))
    report(central_url, a, 1, "failed", "health check: printer offline")
    assert rollout(central_url, body["id"])["state"] == "running"
    report(central_url, b, 1, "rejected", "schema: ui.idle_timeout_s")
    report(central_url, c, 1, "applied")
    halted = rollout(central_url, body["id"])
    assert halted["state"] == "halted"
    assert halted["current_wave"] == 1
    assert halted["reason"] == (f"wave 1: 2 of 3 kiosks failed (>40%): {a} failed: health "
                                f"check: printer offline; {b} rejected: schema: "
                                "ui.idle_timeout_s")
    assert fetch(central_url, a).status_code == 200
    assert all(fetch(central_url, k).status_code == 204 for k in wave_of(body, 2))


def test_if_none_match_answers_304_until_a_newer_version(central_url: str,
                                                          lobby: list[str]) -> None:
    """GIVEN version 1 released to a kiosk
    WHEN it polls with If-None-Match "v1", then version 2 is pushed to it and it polls again
    THEN the first poll is 304 with no body, the second serves version 2 with ETag "v2"."""
    kiosk = lobby[0]
    push(central_url, 1, f"kiosk:{kiosk}")
    etag = fetch(central_url, kiosk).headers["ETag"]
    unchanged = fetch(central_url, kiosk, etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert push(central_url, 2, f"kiosk:{kiosk}").status_code == 201
    newer = fetch(central_url, kiosk, etag)
    assert newer.status_code == 200
    assert newer.headers["ETag"] == '"v2"'
    assert parse_signed(newer.content).bundle.version == 2


def test_a_version_not_above_every_stored_one_is_refused(central_url: str,
                                                         lobby: list[str]) -> None:
    """GIVEN version 2 pushed
    WHEN version 2 or version 1 is pushed again
    THEN central answers 409 E_CONFIG_VERSION and keeps a single rollout."""
    assert push(central_url, 2, "all").status_code == 201
    for version in (2, 1):
        answer = push(central_url, version, "group:airport")
        assert answer.status_code == 409, answer.text
        assert answer.json()["code"] == "E_CONFIG_VERSION"
    listed = requests.get(f"{central_url}/v1/admin/rollouts", headers=as_admin(),
                          timeout=TIMEOUT).json()
    assert [r["version"] for r in listed["rollouts"]] == [2]
    highest = requests.get(f"{central_url}/v1/admin/config/version", headers=as_admin(),
                           timeout=TIMEOUT)
    assert highest.json() == {"version": 2}


def test_a_target_naming_no_enrolled_kiosk_is_refused(central_url: str, lobby: list[str]) -> None:
    """GIVEN enrolled lobby and airport kiosks
    WHEN a push targets an unknown group or an unenrolled kiosk
    THEN central answers 422 E_CONFIG_TARGET and stores nothing (a later version 1 is
    still accepted)."""
    for target in ("group:nobody", "kiosk:SH-X-9999"):
        answer = push(central_url, 1, target)
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] == "E_CONFIG_TARGET"
    assert push(central_url, 1, "group:airport").status_code == 201


def test_the_same_report_twice_changes_nothing(central_url: str, lobby: list[str]) -> None:
    """GIVEN version 1 released to one kiosk and reported failed
    WHEN the same report arrives again, and a report of an unknown version or from a
    kiosk it was never released to
    THEN the repeat records nothing (reported_at unchanged), the others are 404 E_NOT_FOUND."""
    kiosk = lobby[0]
    body = push(central_url, 1, f"kiosk:{kiosk}", failure_threshold=0.5).json()
    assert report(central_url, kiosk, 1, "failed", "health check: x").json() == {
        "recorded": True}
    before = rollout(central_url, body["id"])
    again = report(central_url, kiosk, 1, "failed", "health check: x")
    assert again.json() == {"recorded": False}
    assert rollout(central_url, body["id"]) == before
    for kiosk_id, version in ((kiosk, 7), (lobby[1], 1)):
        answer = report(central_url, kiosk_id, version)
        assert answer.status_code == 404, answer.text
        assert answer.json()["code"] == "E_NOT_FOUND"


def test_concurrent_reports_advance_a_wave_exactly_once(central_url: str, lobby: list[str]) -> None:
    """GIVEN version 1 to the ten lobby kiosks in 5 waves of 2
    WHEN both wave-1 kiosks report applied at the same moment, five times over the waves
    THEN every wave advances exactly once: after each pair the current wave is the next
    one, and the rollout completes after the last pair."""
    body = push(central_url, 1, "group:lobby", wave_percent=20).json()
    for wave in range(1, 6):
        start = threading.Barrier(2, timeout=TIMEOUT)
        answers: list[int] = []

        def send(kiosk: str, barrier: threading.Barrier = start,
                 answers: list[int] = answers) -> None:
            barrier.wait()
            answers.append(report(central_url, kiosk, 1).status_code)

        threads = [threading.Thread(target=send, args=(k,)) for k in wave_of(body, wave)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT * 2)
        assert answers == [200, 200]
        now = rollout(central_url, body["id"])
        expected = ("running", wave + 1) if wave < 5 else ("completed", 5)
        assert (now["state"], now["current_wave"]) == expected

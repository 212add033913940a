"""A release of the kiosk software, end to end over HTTP: the admin signs and pushes it
with kiosk-admin, real central (SQLite and PostgreSQL) stores it and releases it in
waves, each kiosk's update agent fetches, verifies, installs it beside (a real venv),
switches, keeps it or rolls back, and reports; the rollout completes or halts with the
reason, and the fleet shows each kiosk's version and update state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from central.admin_config import KEY_FILE, load_key
from kiosk.domain.clock import SystemClock
from kiosk.sync.release_client import ReleaseClient
from kiosk.sync.wire_config import key_id
from kiosk.update.agent import TrialWatch, UpdateAgent
from kiosk.update.switch import Releases
from test_central_config_admin import (
    keys_dir,  # noqa: F401 (a fixture: the admin signing key)
    run_admin as kiosk_admin,
)
from tests.patience import PATIENCE_S
from tests.release_wheels import make_wheel

GROUP = "hongqiao"
KIOSKS = ("SH-UP-0001", "SH-UP-0002")
TIMEOUT = PATIENCE_S


def kiosk_with_0_1_0(root: Path) -> Releases:
    releases = Releases(root)
    (releases.release_dir("0.1.0") / "venv").mkdir(parents=True)
    releases.mark_installed("0.1.0", b"{}")
    releases.first_install("0.1.0")
    return releases


@pytest.fixture
def release_dir(tmp_path: Path, keys_dir: Path) -> Path:  # noqa: F811
    """A 0.2.0 release signed with `kiosk-admin release make`: the kiosk's wheel and a
    dependency."""
    folder = tmp_path / "release-0.2.0"
    make_wheel(folder, "shanghai_selfservice_kiosk", "0.2.0", requires=("probedep",))
    make_wheel(folder, "probedep", "1.0")
    status, out = kiosk_admin("release", "make", str(folder), "--dir", str(keys_dir))
    assert status == 0, out
    assert "release 0.2.0" in out and "2 wheel(s)" in out
    return folder


@pytest.mark.long(15)  # two real venvs installed
def test_a_release_rolls_out_kept_on_one_kiosk_and_rolled_back_on_the_other(
        central_url: str, keys: Any, keys_dir: Path, release_dir: Path,  # noqa: F811
        tmp_path: Path, http: requests.Session) -> None:
    """GIVEN two kiosks of one group running 0.1.0, trusting the admin's key
    WHEN the admin pushes 0.2.0 to the group in one wave, each agent installs and switches,
    the first kiosk comes up healthy and the second's payment terminal never answers
    THEN the first keeps 0.2.0, the second runs 0.1.0 again, both report, the rollout
    halts naming the second kiosk's reason, and the fleet shows each kiosk's state"""
    public = load_key(keys_dir / KEY_FILE).public_key()
    agents = {}
    for kiosk_id in KIOSKS:
        client = ReleaseClient(central_url, timeout_s=TIMEOUT, kiosk_id=kiosk_id,
                               token=keys.credential(kiosk_id, GROUP), clock=SystemClock())
        releases = kiosk_with_0_1_0(tmp_path / kiosk_id)
        agents[kiosk_id] = UpdateAgent(releases, client, {key_id(public): public},
                                       running_version="0.1.0",
                                       now=lambda: SystemClock().now())
    status, out = kiosk_admin("release", "push", str(release_dir), "--target",
                              f"group:{GROUP}", "--central", central_url)
    assert status == 0, out

    health = {KIOSKS[0]: [], KIOSKS[1]: ["payment terminal offline"]}
    for kiosk_id, agent in agents.items():
        assert agent.round().state == "installed"
        assert agent.switch_if_ready()
        releases = agent.releases
        releases.guard()  # the new version's first start
        problems = health[kiosk_id]
        TrialWatch(releases, "0.2.0", problems.copy, deadline_s=0.2,
                   on_rolled_back=lambda _r: None, poll_s=0.05).run()
        # Back on whichever version runs now, the next round reports the outcome.
        agent.running_version = releases.current_version() or "?"
        agent.round()

    assert [agents[k].releases.current_version() for k in KIOSKS] == ["0.2.0", "0.1.0"]
    status, out = kiosk_admin("release", "status", "--central", central_url)
    assert status == 1, out  # halted
    assert "halted" in out and "payment terminal offline" in out
    assert f"{KIOSKS[0]}" in out and "kept" in out and "rolled_back" in out

    for kiosk_id in KIOSKS:
        beat = {"app_version": agents[kiosk_id].releases.current_version(),
                "config_version": "local-0", "outbox_depth": 0, "disk_free_bytes": 1,
                "update_state": agents[kiosk_id].releases.read_state().state}
        assert http.post(f"{central_url}/v1/heartbeats", json=beat,
                         headers={"X-Kiosk-Id": kiosk_id}, timeout=TIMEOUT).status_code == 200
    status, out = kiosk_admin("fleet", "--central", central_url)
    assert status == 0, out
    assert "0.2.0" in out and "0.1.0 (rolled_back)" in out


def test_central_takes_only_the_signed_bytes_and_serves_only_released_kiosks(
        central_url: str, release_dir: Path, http: requests.Session) -> None:
    """GIVEN the signed 0.2.0 manifest stored at central
    WHEN the admin uploads a wheel whose bytes differ from the signed ones, asks for a
    rollout before every file is there, and a kiosk outside any rollout asks for a file
    THEN the upload is refused (422), the rollout too (409), and the kiosk gets 204 for
    its release and 404 for the file"""
    manifest = (release_dir / "release.json").read_text()
    stored = http.post(f"{central_url}/v1/admin/releases", data=manifest,
                       headers={"Content-Type": "application/json"}, timeout=TIMEOUT)
    assert stored.status_code == 201, stored.text
    name = stored.json()["files"][0]["name"]
    wrong = (release_dir / name).read_bytes()[:-1] + b"x"
    assert http.put(f"{central_url}/v1/admin/releases/0.2.0/files/{name}", data=wrong,
                    timeout=TIMEOUT).status_code == 422
    assert http.post(f"{central_url}/v1/admin/releases/0.2.0/rollouts",
                     json={"target": "all"}, timeout=TIMEOUT).status_code == 409
    assert http.get(f"{central_url}/v1/release", timeout=TIMEOUT).status_code == 204
    assert http.get(f"{central_url}/v1/release/0.2.0/files/{name}",
                    timeout=TIMEOUT).status_code == 404

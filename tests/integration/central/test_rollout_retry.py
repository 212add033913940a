"""An admin's retry of a halted rollout reaches the kiosks that failed it, end to end over
HTTP: real central (SQLite and PostgreSQL), kiosk-admin, and each kiosk's real agent
(the config agent with its printer simulator behind the health check; the update agent
installing a real venv). A kiosk that failed a version refuses that same offer again, but
takes the retry (a new attempt) once the cause is gone, and a new rollout of that version
(its next attempt of it); a kiosk that applied it does not apply it again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from central.admin_config import KEY_FILE, load_key
from central.server import CentralServer
from hardware.sim.printer import Fault
from kiosk.domain.clock import SystemClock
from kiosk.sync.release_client import ReleaseClient
from kiosk.sync.wire_config import key_id
from kiosk.update.agent import TrialWatch, UpdateAgent
from kiosk.update.switch import UpdateRecord
from test_central_config_admin import (
    keys_dir,  # noqa: F401 (a fixture: the admin signing key)
    run_admin as kiosk_admin,
)
from test_fleet_rollout import SimulatedKiosk, _kiosk
from test_release_rollout import kiosk_with_0_1_0, release_dir  # noqa: F401 (a fixture)
from tests.patience import PATIENCE_S

GROUP = "jingan"


@pytest.fixture
def pair(tmp_path: Path, central: CentralServer,
         keys_dir: Path) -> Iterator[list[SimulatedKiosk]]:  # noqa: F811
    """Two kiosks of one group, each with its own printer and payment simulators."""
    signing = load_key(keys_dir / KEY_FILE)
    kiosks: list[SimulatedKiosk] = []
    try:
        for n in (1, 2):
            kiosks.append(_kiosk(tmp_path, central, signing, f"SH-JA-{n:04d}", GROUP))
        yield kiosks
    finally:
        for kiosk in kiosks:
            kiosk.close()


def admin(*argv: str, central: CentralServer) -> tuple[int, str]:
    answer: tuple[int, str] = kiosk_admin(*argv, "--central", central.url)
    return answer


def config_rollout(central: CentralServer) -> dict[str, Any]:
    _status, out = admin("rollout", "status", "--json", central=central)
    state: dict[str, Any] = json.loads(out)
    return state


def kiosk_row(state: dict[str, Any], kiosk_id: str) -> dict[str, Any]:
    return next(k for k in state["kiosks"] if k["kiosk_id"] == kiosk_id)


def test_a_retried_config_rollout_is_applied_by_the_kiosk_that_failed_it(
        tmp_path: Path, central: CentralServer, keys_dir: Path,  # noqa: F811
        pair: list[SimulatedKiosk]) -> None:
    """GIVEN two kiosks of a group and version 1 pushed to both in one wave, the first
    kiosk's printer out of paper: its health check fails, it rolls back and reports, and
    the rollout halts (1 of 2 failed, above 20%); the second applied it
    WHEN the kiosks poll again, then the admin retries with kiosk-admin, the paper is
    refilled, and both poll again
    THEN before the retry the failed kiosk does not take version 1 again; after it, it
    applies version 1 and reports it applied (attempt 2) and the rollout completes; the
    second kiosk never applies it twice"""
    failing, good = pair
    push = tmp_path / "push.toml"
    push.write_text('[kiosk]\nhotline = "962200"\n', encoding="utf-8")
    status, out = admin("config", "push", str(push), "--target", f"group:{GROUP}",
                        "--failure-threshold", "0.2", "--dir", str(keys_dir), central=central)
    assert status == 0, out
    failing.printer.set_fault(Fault.PAPER_OUT)
    for kiosk in pair:
        kiosk.poll_and_apply()
    state = config_rollout(central)
    assert state["state"] == "halted", state
    assert (failing.version, good.version) == (None, 1)
    assert kiosk_row(state, failing.kiosk_id)["status"] == "failed"

    failing.printer.set_fault(Fault.PAPER_OUT, False)
    failing.poll_and_apply()  # the cause is gone, but nobody asked it to try again
    assert failing.version is None
    assert config_rollout(central)["state"] == "halted"

    status, out = admin("rollout", "retry", "config", str(state["id"]), central=central)
    assert status == 0, out
    for kiosk in pair:
        kiosk.poll_and_apply()

    assert [kiosk.version for kiosk in pair] == [1, 1]
    assert failing.running[-1].kiosk.hotline == "962200"
    assert len(good.running) == 1  # applied once, not again on the retry
    state = config_rollout(central)
    assert state["state"] == "completed", state["reason"]
    assert kiosk_row(state, failing.kiosk_id)["status"] == "applied"
    status, out = admin("rollout", "show", "config", str(state["id"]), "--json",
                        central=central)
    rows = {k["kiosk_id"]: k for wave in json.loads(out)["by_wave"] for k in wave["kiosks"]}
    assert (rows[failing.kiosk_id]["attempt"], rows[good.kiosk_id]["attempt"]) == (2, 1)


@pytest.mark.long(15)  # a real venv installed
def test_a_retried_software_rollout_is_installed_and_kept_by_the_kiosk_that_rolled_back(
        central_url: str, keys: Any, keys_dir: Path, release_dir: Path,  # noqa: F811
        tmp_path: Path, http: requests.Session) -> None:
    """GIVEN a kiosk running 0.1.0 whose update agent installs 0.2.0, pushed to it with
    kiosk-admin, and switches to it while its payment terminal does not answer: the trial
    rolls back to 0.1.0, the kiosk reports it and the rollout halts
    WHEN the agent runs another round, then the admin retries, the terminal answers
    again, and the agent runs its rounds
    THEN before the retry it leaves 0.2.0 alone; after it, it installs and switches to
    0.2.0 again, keeps it and reports it kept, and the rollout completes"""
    kiosk_id = "SH-JA-0101"
    public = load_key(keys_dir / KEY_FILE).public_key()
    client = ReleaseClient(central_url, timeout_s=PATIENCE_S, kiosk_id=kiosk_id,
                           token=keys.credential(kiosk_id, GROUP), clock=SystemClock())
    releases = kiosk_with_0_1_0(tmp_path / kiosk_id)
    agent = UpdateAgent(releases, client, {key_id(public): public}, running_version="0.1.0",
                        now=lambda: SystemClock().now())
    status, out = kiosk_admin("release", "push", str(release_dir), "--target",
                              f"kiosk:{kiosk_id}", "--central", central_url)
    assert status == 0, out

    def switch_and_start(problems: list[str]) -> None:
        assert agent.round().state == "installed"
        assert agent.switch_if_ready()
        releases.guard()  # the new version's first start
        TrialWatch(releases, "0.2.0", problems.copy, deadline_s=0.2,
                   on_rolled_back=lambda _r: None, poll_s=0.05).run()
        agent.running_version = releases.current_version() or "?"
        agent.round()  # reports the outcome

    switch_and_start(["payment terminal offline"])
    latest = http.get(f"{central_url}/v1/admin/release-rollouts/latest", timeout=PATIENCE_S)
    assert latest.json()["state"] == "halted", latest.text
    assert releases.current_version() == "0.1.0"
    assert agent.round().state == "rolled_back"  # the same offer: left alone

    status, out = kiosk_admin("rollout", "retry", "software", str(latest.json()["id"]),
                              "--central", central_url)
    assert status == 0, out
    switch_and_start([])

    assert releases.current_version() == "0.2.0"
    record = releases.read_state()
    assert (record.state, record.attempt, record.reported) == ("kept", 2, True)
    rollout = http.get(f"{central_url}/v1/admin/release-rollouts/latest", timeout=PATIENCE_S)
    assert rollout.json()["state"] == "completed", rollout.text
    assert rollout.json()["kiosks"][0]["status"] == "kept"


@pytest.mark.long(10)  # a real venv installed
def test_a_new_rollout_of_a_version_a_kiosk_rolled_back_is_installed_again(
        central_url: str, keys: Any, keys_dir: Path, release_dir: Path,  # noqa: F811
        tmp_path: Path, http: requests.Session) -> None:
    """GIVEN a kiosk running 0.1.0 that rolled 0.2.0 back in rollout A (its update state
    says so, and its agent reports it: A halts) and leaves that offer alone
    WHEN the admin pushes 0.2.0 again with kiosk-admin (a new rollout B) and the agent
    runs its rounds with a healthy terminal
    THEN B offers it as the kiosk's second attempt of 0.2.0: the agent installs and
    switches to it, keeps it and reports it kept, and B completes (A stays halted)"""
    kiosk_id = "SH-JA-0102"
    public = load_key(keys_dir / KEY_FILE).public_key()
    client = ReleaseClient(central_url, timeout_s=PATIENCE_S, kiosk_id=kiosk_id,
                           token=keys.credential(kiosk_id, GROUP), clock=SystemClock())
    releases = kiosk_with_0_1_0(tmp_path / kiosk_id)
    agent = UpdateAgent(releases, client, {key_id(public): public}, running_version="0.1.0",
                        now=lambda: SystemClock().now())

    def push() -> int:
        status, out = kiosk_admin("release", "push", str(release_dir), "--target",
                                  f"kiosk:{kiosk_id}", "--central", central_url)
        assert status == 0, out
        answer = http.get(f"{central_url}/v1/admin/release-rollouts/latest",
                          timeout=PATIENCE_S)
        rollout_id: int = answer.json()["id"]
        return rollout_id

    first = push()
    releases.write_state(UpdateRecord(state="rolled_back", version="0.2.0", previous="0.1.0",
                                      reason="payment terminal offline", reported=False,
                                      attempt=1))
    assert agent.round().state == "rolled_back"  # reported, and the offer left alone
    second = push()
    assert agent.round().state == "installed"
    assert agent.switch_if_ready()
    releases.guard()
    TrialWatch(releases, "0.2.0", list, deadline_s=0.2, on_rolled_back=lambda _r: None,
               poll_s=0.05).run()
    agent.running_version = releases.current_version() or "?"
    agent.round()  # reports it kept

    record = releases.read_state()
    assert (releases.current_version(), record.state, record.attempt, record.reported) == (
        "0.2.0", "kept", 2, True)
    states = {rollout_id: http.get(f"{central_url}/v1/admin/release-rollouts/{rollout_id}",
                                   timeout=PATIENCE_S).json()
              for rollout_id in (first, second)}
    assert (states[first]["state"], states[second]["state"]) == ("halted", "completed")
    assert states[second]["kiosks"][0]["status"] == "kept"

"""A version on trial keeps itself once healthy, or switches back in time and says why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.update.agent import TrialWatch
from kiosk.update.switch import Releases


def fake_install(releases: Releases, version: str) -> None:
    (releases.release_dir(version) / "venv").mkdir(parents=True)
    releases.mark_installed(version, json.dumps({"version": version}).encode())


@pytest.fixture
def on_trial(tmp_path: Path) -> Releases:
    """0.1.0 ran, 0.2.0 is on trial (switched and started), 0.0.9 is an old leftover."""
    releases = Releases(tmp_path / "kiosk")
    for version in ("0.0.9", "0.1.0", "0.2.0"):
        fake_install(releases, version)
    releases.first_install("0.1.0")
    releases.switch_to("0.2.0")
    releases.guard()
    return releases


def test_a_trial_that_becomes_healthy_is_kept(on_trial: Releases) -> None:
    """GIVEN 0.2.0 on trial whose UI comes up on the third look
    WHEN the trial watch runs
    THEN it keeps 0.2.0, removes every release but 0.2.0 and 0.1.0, ends nothing, and
    wakes the agent to report it"""
    answers = [["UI not up", "central unreachable"], ["UI not up"], []]
    ended: list[str] = []
    woken: list[bool] = []
    watch = TrialWatch(on_trial, "0.2.0", lambda: answers.pop(0), deadline_s=10,
                       on_rolled_back=ended.append, on_kept=lambda: woken.append(True),
                       poll_s=0.01)
    assert watch.start()
    watch.join(5)
    record = on_trial.read_state()
    assert (record.state, on_trial.current_version(), ended) == ("kept", "0.2.0", [])
    assert on_trial.installed_versions() == ["0.1.0", "0.2.0"]
    assert woken == [True]


def test_a_trial_still_unhealthy_at_its_deadline_is_rolled_back(on_trial: Releases) -> None:
    """GIVEN 0.2.0 on trial whose payment terminal never answers
    WHEN the trial watch reaches its deadline
    THEN current names 0.1.0 again, the state is rolled_back with the problem as reason
    (to be reported), and the process is told to end"""
    ended: list[str] = []
    watch = TrialWatch(on_trial, "0.2.0", lambda: ["payment terminal offline"],
                       deadline_s=0.1, on_rolled_back=ended.append, poll_s=0.01)
    record = watch.run()
    assert (record.state, on_trial.current_version()) == ("rolled_back", "0.1.0")
    assert record.reason == "0.2.0 not healthy within 0.1 s: payment terminal offline"
    assert not record.reported
    assert ended == [record.reason]


def test_a_version_not_on_trial_is_not_watched(on_trial: Releases) -> None:
    """GIVEN 0.2.0 on trial
    WHEN 0.1.0 (a process of the other version) starts its trial watch
    THEN there is nothing to watch and nothing changes"""
    watch = TrialWatch(on_trial, "0.1.0", list, deadline_s=1,
                       on_rolled_back=lambda _r: None)
    assert not watch.start()
    assert on_trial.read_state().state == "trial"


def test_a_probe_that_raises_counts_as_unhealthy(on_trial: Releases) -> None:
    """GIVEN 0.2.0 on trial whose health probe raises every time
    WHEN the deadline passes
    THEN it is rolled back, the reason naming the failed probe"""
    def broken() -> list[str]:
        raise ConnectionError("refused")
    watch = TrialWatch(on_trial, "0.2.0", broken, deadline_s=0.05,
                       on_rolled_back=lambda _r: None, poll_s=0.01)
    assert "health probe failed: ConnectionError" in watch.run().reason

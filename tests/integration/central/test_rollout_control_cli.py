"""`kiosk-admin rollout list|show|pause|resume|cancel|retry` against a real central over
HTTP (SQLite and PostgreSQL), with kiosks speaking through their own clients: each verb
prints what it did, refusals say why with exit 1, and a mistyped window or deadline is
refused before anything is sent (exit 2). `rollout status` keeps working beside them."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from central.server import CentralServer
from conftest import CentralKeys
from rollout_fleet import RolloutFleet, rollout_fleet
from test_central_config_admin import (
    keys_dir,  # noqa: F401 (a fixture: the admin signing key)
    run_admin,
)


@pytest.fixture
def fleet(central: CentralServer, http: requests.Session,
          keys: CentralKeys) -> Iterator[RolloutFleet]:
    with rollout_fleet(central.url, keys, http) as made:
        yield made


def admin(fleet: RolloutFleet, *argv: str) -> tuple[int, str, str]:
    """kiosk-admin's exit status, its output and its error output."""
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        status, out = run_admin(*argv, "--central", fleet.url)
    return status, out, errors.getvalue()


def test_the_verbs_print_what_they_did(fleet: RolloutFleet) -> None:
    """GIVEN config version 1 to two kiosks; the first fetched it and failed it
    WHEN the admin runs rollout pause, resume, retry, show and cancel on it
    THEN each prints the rollout, what was done, by whom and the state now; retry names
    the kiosk offered it again; show lists the waves, each kiosk's outcome and the
    changes; the detail at central agrees."""
    a, _b = fleet.enroll("SH-V-0001", "SH-V-0002")
    rollout = fleet.push_config(1, failure_threshold=0.5).json()
    assert fleet.config_of(a) == 200
    fleet.report_config(a, 1, "failed", "health check: printer offline")
    number = str(rollout["id"])

    status, out, _ = admin(fleet, "rollout", "pause", "config", number)
    assert status == 0, out
    assert out.splitlines()[0] == f"config rollout {number}: paused by tests (was running)"
    status, out, _ = admin(fleet, "rollout", "resume", "config", number)
    assert out.splitlines()[0] == f"config rollout {number}: resumed by tests (was paused)"
    status, out, _ = admin(fleet, "rollout", "retry", "config", number)
    assert status == 0, out
    assert out.splitlines()[0] == f"config rollout {number}: retried by tests (was running)"
    assert out.splitlines()[1] == f"  offered again to 1 kiosk(s): {a}"

    status, out, _ = admin(fleet, "rollout", "show", "config", number)
    assert status == 0, out
    assert f"config rollout {number}: version 1 to group:lobby (v1)" in out
    assert "state: running, wave 1 of 1" in out
    assert "deadline: 1d per wave" in out and "window: any time" in out
    assert any(line.split()[:3] == [a, "1", "pending"] for line in out.splitlines())
    assert any("retry" in line and "tests" in line for line in out.splitlines())

    status, out, _ = admin(fleet, "rollout", "cancel", "config", number)
    assert out.splitlines()[0] == f"config rollout {number}: cancelled by tests (was running)"
    assert fleet.detail("config", rollout["id"])["state"] == "cancelled"


def test_list_prints_both_kinds_newest_first(fleet: RolloutFleet) -> None:
    """GIVEN a config rollout and a software rollout to one kiosk
    WHEN the admin runs rollout list, then with --kind software and --json
    THEN the table names each rollout's kind, id, version, state, wave and counts, the
    newest first; --kind software lists only it; --json is central's answer."""
    fleet.enroll("SH-V-0101")
    config = fleet.push_config(1).json()
    software = fleet.push_release("0.2.0").json()
    status, out, _ = admin(fleet, "rollout", "list")
    assert status == 0, out
    lines = out.splitlines()
    assert lines[0].split() == ["kind", "id", "version", "state", "wave", "pending",
                                "applied", "failed", "timed-out", "target"]
    rows = [line.split() for line in lines[1:3]]
    assert {tuple(row[:5]) for row in rows} == {
        ("config", str(config["id"]), "1", "running", "1/1"),
        ("software", str(software["id"]), "0.2.0", "running", "1/1")}
    assert all(row[5:9] == ["1", "0", "0", "0"] for row in rows)
    assert lines[-1] == "2 rollout(s)"
    status, out, _ = admin(fleet, "rollout", "list", "--kind", "software")
    assert [line.split()[0] for line in out.splitlines()[1:-1]] == ["software"]
    status, raw, _ = admin(fleet, "rollout", "list", "--json")
    assert {r["kind"] for r in json.loads(raw)["rollouts"]} == {"config", "software"}


def test_refusals_say_why_and_exit_1(fleet: RolloutFleet) -> None:
    """GIVEN a cancelled config rollout
    WHEN the admin resumes it, or pauses a rollout that does not exist
    THEN kiosk-admin exits 1 and says what central refused and why."""
    fleet.enroll("SH-V-0201")
    number = str(fleet.push_config(1).json()["id"])
    assert admin(fleet, "rollout", "cancel", "config", number)[0] == 0
    status, out, err = admin(fleet, "rollout", "resume", "config", number)
    assert (status, out) == (1, "")
    assert f"config rollout {number} is cancelled: a cancelled rollout is final" in err
    status, _out, err = admin(fleet, "rollout", "pause", "software", "4242")
    assert status == 1
    assert "E_NOT_FOUND no software rollout 4242" in err


def test_a_push_with_a_window_and_deadline_and_a_mistyped_window(
        fleet: RolloutFleet, tmp_path: Path, keys_dir: Path) -> None:  # noqa: F811
    """GIVEN a settings file and the admin's key
    WHEN the admin pushes it with --window "2:00-5:00" --wave-deadline 6h, then with a
    window of 25:00-05:00 and a deadline of "soon"
    THEN the first rollout carries the window and a 6 h deadline; the others exit 2 saying
    what is expected, and nothing more is pushed."""
    fleet.enroll("SH-V-0301")
    settings = tmp_path / "settings.toml"
    settings.write_text('[kiosk]\nhotline = "962288"\n', encoding="utf-8")
    push = ("config", "push", str(settings), "--target", "all", "--dir", str(keys_dir))
    status, out, _ = admin(fleet, *push, "--window", "2:00-5:00", "--wave-deadline", "6h")
    assert status == 0, out
    listed = fleet.listed()
    assert (listed[0]["window"], listed[0]["wave_deadline_s"]) == (
        "02:00-05:00 Asia/Shanghai", 6 * 3600)
    status, _out, err = admin(fleet, *push, "--window", "25:00-05:00")
    assert status == 2 and "HH:MM-HH:MM" in err
    status, _out, err = admin(fleet, *push, "--wave-deadline", "soon")
    assert status == 2 and "--wave-deadline" in err
    assert len(fleet.listed()) == 1

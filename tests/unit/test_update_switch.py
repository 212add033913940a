"""Releases on disk: the switch, keep, roll back and the guard, and what a power cut at
each step of them leaves (real files and links in a temporary folder)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.update.switch import MAX_TRIAL_STARTS, Releases, SwitchError, UpdateRecord, adopt


class PowerCut(Exception):
    pass


def install(releases: Releases, version: str, *, complete: bool = True) -> None:
    folder = releases.release_dir(version) / "venv" / "bin"
    folder.mkdir(parents=True)
    (folder / "kiosk").write_text(f"#!/bin/sh\necho {version}\n")
    if complete:
        releases.mark_installed(version, json.dumps({"version": version}).encode())


@pytest.fixture
def releases(tmp_path: Path) -> Releases:
    releases = Releases(tmp_path / "kiosk")
    install(releases, "0.1.0")
    install(releases, "0.2.0")
    releases.first_install("0.1.0")
    return releases


def starts_what(releases: Releases) -> str:
    """What the service would start: the release the current link resolves to."""
    target = releases.current_link.resolve()
    assert (target / "installed.json").is_file(), f"{target} is not fully installed"
    return target.name


def test_a_switch_puts_the_new_version_on_trial(releases: Releases) -> None:
    """GIVEN 0.1.0 current and 0.2.0 installed beside it
    WHEN the kiosk switches to 0.2.0 and the guard runs before the next start
    THEN current names 0.2.0, previous 0.1.0, and the state is a trial with one start"""
    releases.switch_to("0.2.0")
    record = releases.guard()
    assert (starts_what(releases), releases.previous_version()) == ("0.2.0", "0.1.0")
    assert (record.state, record.version, record.previous, record.starts) == \
        ("trial", "0.2.0", "0.1.0", 1)


def test_a_healthy_trial_is_kept(releases: Releases) -> None:
    """GIVEN 0.2.0 on trial
    WHEN it reports healthy and the service starts again later
    THEN it stays current, the state is kept (not yet reported), the guard changes nothing"""
    releases.switch_to("0.2.0")
    releases.guard()
    releases.keep()
    record = releases.guard()
    assert starts_what(releases) == "0.2.0"
    assert (record.state, record.reported) == ("kept", False)


def test_an_unhealthy_trial_is_rolled_back_with_its_reason(releases: Releases) -> None:
    """GIVEN 0.2.0 on trial
    WHEN it rolls back because the card terminal did not answer
    THEN current names 0.1.0 again and the state says why, to be reported"""
    releases.switch_to("0.2.0")
    releases.guard()
    releases.roll_back("payment terminal not ready within 60 s")
    record = releases.guard()
    assert starts_what(releases) == "0.1.0"
    assert (record.state, record.reason, record.reported) == \
        ("rolled_back", "payment terminal not ready within 60 s", False)


def test_a_trial_that_never_reports_is_rolled_back_by_the_guard(releases: Releases) -> None:
    """GIVEN 0.2.0 on trial that crashes at every start without reporting
    WHEN the guard runs before each start
    THEN it starts 0.2.0 MAX_TRIAL_STARTS times, then 0.1.0 with the reason"""
    releases.switch_to("0.2.0")
    started = []
    for _ in range(MAX_TRIAL_STARTS + 1):
        releases.guard()
        started.append(starts_what(releases))
    assert started == ["0.2.0"] * MAX_TRIAL_STARTS + ["0.1.0"]
    record = releases.read_state()
    assert record.state == "rolled_back"
    assert f"in {MAX_TRIAL_STARTS} starts" in record.reason


def test_only_a_fully_installed_release_can_be_switched_to(releases: Releases) -> None:
    """GIVEN a release whose install stopped before its marker was written
    WHEN the kiosk tries to switch to it
    THEN the switch is refused and nothing changes"""
    install(releases, "0.3.0", complete=False)
    with pytest.raises(SwitchError):
        releases.switch_to("0.3.0")
    assert starts_what(releases) == "0.1.0"
    assert releases.read_state().state == "kept"


def test_a_second_switch_during_a_trial_is_refused(releases: Releases) -> None:
    """GIVEN 0.2.0 on trial
    WHEN the kiosk tries to switch again
    THEN it is refused: a trial ends by keep or roll back"""
    releases.switch_to("0.2.0")
    with pytest.raises(SwitchError):
        releases.switch_to("0.1.0")


def test_prune_keeps_current_and_previous(releases: Releases) -> None:
    """GIVEN 0.3.0 kept after 0.2.0, 0.1.0 still on disk, and an unfinished 0.4.0
    WHEN the releases are pruned
    THEN only 0.3.0 and 0.2.0 remain"""
    releases.switch_to("0.2.0")
    releases.keep()
    install(releases, "0.3.0")
    install(releases, "0.4.0", complete=False)
    releases.switch_to("0.3.0")
    releases.keep()
    assert releases.prune() == ["0.1.0", "0.4.0"]
    assert sorted(p.name for p in releases.releases.iterdir()) == ["0.2.0", "0.3.0"]


# --- power cuts ------------------------------------------------------------------------------

STEPS: dict[str, Callable[[Releases], object]] = {
    "switch": lambda r: r.switch_to("0.2.0"),
    "keep": lambda r: (r.switch_to("0.2.0"), r.guard(), r.keep()),
    "roll back": lambda r: (r.switch_to("0.2.0"), r.guard(), r.roll_back("unhealthy")),
    "guard gives up": lambda r: (r.write_state(UpdateRecord(
        state="trial", version="0.2.0", previous="0.1.0", starts=MAX_TRIAL_STARTS)),
        r.guard()),
}


def disk_writes(monkeypatch: pytest.MonkeyPatch, cut_after: int) -> list[str]:
    """Every rename and link creation goes through here; the one after ``cut_after``
    never happens (the power went): what is on disk is what the earlier ones left."""
    done: list[str] = []
    real_replace, real_symlink = os.replace, os.symlink

    def counted(name: str, real: Callable[..., None]) -> Callable[..., None]:
        def step(*args: object, **kwargs: object) -> None:
            if len(done) >= cut_after:
                raise PowerCut(name)
            real(*args, **kwargs)
            done.append(f"{name} {args[-1]}")
        return step

    monkeypatch.setattr(os, "replace", counted("replace", real_replace))
    monkeypatch.setattr(os, "symlink", counted("symlink", real_symlink))
    return done


@pytest.mark.parametrize("step", list(STEPS))
def test_a_power_cut_at_any_write_leaves_a_version_that_starts(
        step: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN 0.1.0 current and 0.2.0 installed
    WHEN the power goes after each possible number of disk writes of a switch, keep,
    roll back or the guard's give-up, and the machine starts again (the guard runs first)
    THEN current is always a fully installed release, and what it names agrees with the
    state: the version on trial or kept, the previous one once rolled back"""
    cut_points = 0
    while True:
        root = tmp_path / f"{step.replace(' ', '-')}-{cut_points}"
        releases = Releases(root)
        install(releases, "0.1.0")
        install(releases, "0.2.0")
        releases.first_install("0.1.0")
        done = disk_writes(monkeypatch, cut_points)
        try:
            STEPS[step](releases)
            finished = True
        except PowerCut:
            finished = False
        monkeypatch.undo()
        record = Releases(root).guard()
        expected = record.previous if record.state == "rolled_back" else record.version
        assert starts_what(releases) == expected, (step, done, record)
        if finished:
            break
        cut_points += 1
    assert cut_points >= 2  # the step wrote at least the state and one link


def test_a_first_release_installed_by_hand_is_adopted(tmp_path: Path) -> None:
    """GIVEN a software root with a venv put into releases/1.0.1 by hand and no links
    WHEN it is adopted, then adopted again
    THEN 1.0.1 is current and kept; the second adoption is refused (there is a current)"""
    root = tmp_path / "kiosk"
    (root / "releases/1.0.1/venv/bin").mkdir(parents=True)
    (root / "releases/1.0.1/venv/bin/kiosk").write_text("#!/bin/sh\n")
    assert adopt(root, "1.0.1").state == "kept"
    assert Releases(root).current_version() == "1.0.1"
    with pytest.raises(SwitchError):
        adopt(root, "1.0.1")

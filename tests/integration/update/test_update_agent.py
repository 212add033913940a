"""The update agent over a release source: fetch, verify, install beside, switch between
sessions, report. The source serves files from a folder (central over HTTP is
tests/integration/central's); the installs are real venvs."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.sync.wire_config import key_id
from kiosk.update.agent import UpdateAgent
from kiosk.update.switch import Releases
from kiosk.update.wire import SignedRelease
from tests.release_wheels import make_wheel, signed_release

KEY = Ed25519PrivateKey.generate()
TRUSTED = {key_id(KEY.public_key()): KEY.public_key()}


class FolderSource:
    """ReleaseSource over a folder: what central would serve, and the reports it got."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.offered: SignedRelease | None = None
        self.reports: list[tuple[str, str, str]] = []
        self.attempt: int | None = None

    def offered_release(self) -> tuple[bytes, int | None] | None:
        return (self.offered.model_dump_json().encode(), self.attempt) if self.offered \
            else None

    def download_release_file(self, version: str, name: str, dest: Path) -> None:
        shutil.copyfile(self.folder / name, dest)

    def report_release(self, version: str, outcome: str, reason: str,
                       attempt: int | None = None) -> None:
        self.reports.append((version, outcome, reason))


@pytest.fixture
def kiosk(tmp_path: Path) -> Releases:
    """A kiosk whose software root has 0.1.0 installed and current."""
    releases = Releases(tmp_path / "kiosk")
    (releases.release_dir("0.1.0") / "venv").mkdir(parents=True)
    releases.mark_installed("0.1.0", json.dumps({"version": "0.1.0"}).encode())
    releases.first_install("0.1.0")
    return releases


def agent_for(releases: Releases, source: FolderSource) -> UpdateAgent:
    return UpdateAgent(releases, source, TRUSTED, running_version="0.1.0",
                       now=lambda: datetime.now(UTC))


def test_an_offered_release_is_installed_then_switched_to_between_sessions(
        kiosk: Releases, tmp_path: Path) -> None:
    """GIVEN central offering a signed 0.2.0 to a kiosk running 0.1.0
    WHEN the agent runs a round, then the UI reports a moment between sessions
    THEN 0.2.0 is installed beside (state installed, current still 0.1.0), and the switch
    puts it on trial as current with 0.1.0 as previous"""
    source = FolderSource(tmp_path / "central")
    source.offered = signed_release(
        "0.2.0", [make_wheel(source.folder, "probeapp", "0.2.0", script="probeapp")], KEY)
    agent = agent_for(kiosk, source)

    record = agent.round()
    assert (record.state, record.version, kiosk.current_version()) == \
        ("installed", "0.2.0", "0.1.0")
    assert set(agent.timings) == {"download", "verify", "install"}
    assert agent.switch_if_ready()
    assert (kiosk.read_state().state, kiosk.current_version(), kiosk.previous_version()) == \
        ("trial", "0.2.0", "0.1.0")
    assert not (kiosk.root / "downloads" / "0.2.0").exists()


def test_a_file_tampered_on_central_is_refused_and_reported_once(
        kiosk: Releases, tmp_path: Path) -> None:
    """GIVEN central serving a wheel that differs from the one the manifest signs
    WHEN the agent runs two rounds
    THEN nothing is installed, the kiosk cannot switch, and central hears once that
    0.2.0 was rejected as tampered"""
    source = FolderSource(tmp_path / "central")
    wheel = make_wheel(source.folder, "probeapp", "0.2.0")
    source.offered = signed_release("0.2.0", [wheel], KEY)
    make_wheel(source.folder, "probeapp", "0.2.0", code="print('evil')\n")
    agent = agent_for(kiosk, source)

    agent.round()
    agent.round()

    assert not kiosk.is_installed("0.2.0")
    assert not agent.switch_if_ready()
    assert [(v, o) for v, o, _ in source.reports] == [("0.2.0", "rejected")]
    assert source.reports[0][2].startswith("tampered")


def test_an_older_or_expired_release_is_refused(kiosk: Releases, tmp_path: Path) -> None:
    """GIVEN central offering a signed 0.0.5 (older than the running 0.1.0), then an
    expired 0.3.0
    WHEN the agent runs a round for each
    THEN both are reported rejected with their reasons and nothing is installed"""
    source = FolderSource(tmp_path / "central")
    agent = agent_for(kiosk, source)
    source.offered = signed_release("0.0.5", [make_wheel(source.folder, "p", "0.0.5")], KEY)
    agent.round()
    source.offered = signed_release("0.3.0", [make_wheel(source.folder, "p", "0.3.0")], KEY,
                                    now=datetime.now(UTC) - timedelta(days=31))
    agent.round()
    assert [(v, o, r.split(":")[0]) for v, o, r in source.reports] == [
        ("0.0.5", "rejected", "older_version"), ("0.3.0", "rejected", "expired")]
    assert kiosk.installed_versions() == ["0.1.0"]


def test_the_running_release_offered_again_changes_nothing(kiosk: Releases,
                                                            tmp_path: Path) -> None:
    """GIVEN central still offering 0.1.0, the version the kiosk runs
    WHEN the agent runs a round
    THEN nothing is reported or changed"""
    source = FolderSource(tmp_path / "central")
    source.offered = signed_release("0.1.0", [make_wheel(source.folder, "p", "0.1.0")], KEY)
    before = kiosk.read_state()
    assert agent_for(kiosk, source).round() == before
    assert source.reports == []

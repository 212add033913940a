"""The releases on disk, which one starts, and the update's state: every step survives a
power cut.

    ROOT/releases/<version>/venv/      a release's own venv (complete once installed.json is)
    ROOT/releases/<version>/installed.json
    ROOT/current  -> releases/<version>  what the service starts (ExecStart: current/venv)
    ROOT/previous -> releases/<version>  what a rollback goes back to
    ROOT/update-state.json              the update's state (UpdateRecord)

The state file is the intent and the links follow it: each change writes the state
first (a new file, fsync'd, renamed over the old), then makes the links say what it
says (a new link renamed over the old: a link is always one release or the other).
``guard`` runs before each start: it finishes whatever link change a power cut
interrupted, counts the starts of a version on trial, and switches back once a trial
has used its starts without reporting healthy (it crashed, hung, or the power went).
Both links only ever name fully installed releases, so whatever was cut, what starts
is a version that was installed completely.

Standard library only, and importing nothing of the kiosk: the guard must run from a
Python that is no release's (`python3 -m kiosk.update.switch guard ROOT`, or this file
as a script), so that a broken release cannot break the switch back.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

STATE_FILE = "update-state.json"
INSTALLED_MARKER = "installed.json"
MAX_TRIAL_STARTS = 3
"""Starts of a new version before the guard gives up on it: the first, and two more
(systemd's Restart=always after a crash or the watchdog; a power cut during the trial)."""


@dataclass(frozen=True)
class UpdateRecord:
    """What update-state.json says. state is kiosk.update.wire.UpdateState."""

    state: str = "idle"
    version: str | None = None
    """The release this state is about (the new one)."""
    previous: str | None = None
    """The version that ran before the switch: where a rollback goes."""
    reason: str = ""
    starts: int = 0
    """Starts of ``version`` on trial, counted by the guard."""
    reported: bool = True
    """Whether central has heard of this state's outcome (kept, rolled back, ...)."""
    attempt: int | None = None
    """Which offer of ``version`` central named (X-Rollout-Attempt; None: it did not
    say): a release that failed here is taken again only for a later attempt (a retry,
    or a new rollout of it: central counts a kiosk's attempts of a version across
    rollouts)."""
    changed_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())


class SwitchError(Exception):
    """A switch that cannot be made (the release is not fully installed)."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes) -> None:
    """The old content or the new, never a mix, even across a power cut."""
    temporary = path.with_name(f".{path.name}.new")
    with temporary.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
    _fsync_dir(path.parent)


class Releases:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.releases = root / "releases"
        self.current_link = root / "current"
        self.previous_link = root / "previous"
        self.state_path = root / STATE_FILE

    # --- reading ---------------------------------------------------------------------------

    def release_dir(self, version: str) -> Path:
        return self.releases / version

    def is_installed(self, version: str) -> bool:
        return (self.release_dir(version) / INSTALLED_MARKER).is_file()

    def installed_versions(self) -> list[str]:
        if not self.releases.is_dir():
            return []
        return sorted(p.name for p in self.releases.iterdir() if self.is_installed(p.name))

    def _link_version(self, link: Path) -> str | None:
        try:
            return Path(os.readlink(link)).name
        except (FileNotFoundError, OSError):
            return None

    def current_version(self) -> str | None:
        return self._link_version(self.current_link)

    def previous_version(self) -> str | None:
        return self._link_version(self.previous_link)

    def read_state(self) -> UpdateRecord:
        try:
            data: dict[str, Any] = json.loads(self.state_path.read_bytes())
        except FileNotFoundError:
            return UpdateRecord()
        known = UpdateRecord.__dataclass_fields__
        return UpdateRecord(**{k: v for k, v in data.items() if k in known})

    # --- writing ---------------------------------------------------------------------------

    def write_state(self, record: UpdateRecord) -> UpdateRecord:
        record = replace(record, changed_at=datetime.now(UTC).isoformat())
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomically(self.state_path, json.dumps(asdict(record), indent=1).encode())
        return record

    def mark_installed(self, version: str, manifest_json: bytes) -> None:
        """The last step of an install: the release may be switched to from now on."""
        folder = self.release_dir(version)
        for path in sorted(folder.rglob("*"), reverse=True):  # files first, then folders
            if path.is_file() and not path.is_symlink():
                with path.open("rb") as stream:
                    os.fsync(stream.fileno())
        write_atomically(folder / INSTALLED_MARKER, manifest_json)

    def _point(self, link: Path, version: str) -> None:
        if not self.is_installed(version):
            raise SwitchError(f"release {version} is not fully installed")
        temporary = link.with_name(f".{link.name}.new")
        temporary.unlink(missing_ok=True)
        os.symlink(Path("releases") / version, temporary)
        os.replace(temporary, link)
        _fsync_dir(self.root)

    def first_install(self, version: str) -> None:
        """A machine's first release: current names it, nothing to go back to."""
        self._point(self.current_link, version)
        self.write_state(UpdateRecord(state="kept", version=version))

    def switch_to(self, version: str) -> UpdateRecord:
        """Put ``version`` on trial: the next start runs it. Call it between sessions,
        then end the process (the service manager starts ``current`` again)."""
        running = self.current_version()
        if self.read_state().state == "trial":
            raise SwitchError("a trial is open: keep or roll back first")
        if not self.is_installed(version):
            raise SwitchError(f"release {version} is not fully installed")
        if running is None or not self.is_installed(running):
            raise SwitchError("no current release to come back to")
        before = self.read_state()
        record = self.write_state(UpdateRecord(
            state="trial", version=version, previous=running, reported=True,
            attempt=before.attempt if before.version == version else None))
        self._follow(record)
        return record

    def keep(self) -> UpdateRecord:
        """The version on trial reported healthy: it stays (previous stays for later)."""
        record = self.read_state()
        if record.state != "trial":
            return record
        return self.write_state(replace(record, state="kept", reason="", reported=False))

    def roll_back(self, reason: str) -> UpdateRecord:
        """Back to the previous version: the state says so first, then the link."""
        record = self.read_state()
        if record.state != "trial" or record.previous is None:
            return record
        record = self.write_state(replace(record, state="rolled_back", reason=reason,
                                          reported=False))
        self._follow(record)
        return record

    def note(self, state: str, version: str | None, reason: str = "", *,
             attempt: int | None = None) -> UpdateRecord:
        """A state that moves no link (downloading, installed, rejected, failed); never
        over an open trial, whose outcome only keep, roll_back and guard decide."""
        current = self.read_state()
        if current.state == "trial":
            return current
        return self.write_state(UpdateRecord(
            state=state, version=version, previous=self.current_version(), reason=reason,
            reported=state not in ("rejected", "failed"), attempt=attempt))

    def mark_reported(self) -> UpdateRecord:
        return self.write_state(replace(self.read_state(), reported=True))

    def _follow(self, record: UpdateRecord) -> None:
        """Make the links say what the state says (idempotent: the guard calls it again
        after a power cut)."""
        if record.state == "trial" and record.version and record.previous:
            if self.previous_version() != record.previous:
                self._point(self.previous_link, record.previous)
            if self.current_version() != record.version:
                self._point(self.current_link, record.version)
        elif (record.state == "rolled_back" and record.previous
              and self.current_version() != record.previous):
            self._point(self.current_link, record.previous)

    # --- before each start -----------------------------------------------------------------

    def guard(self) -> UpdateRecord:
        """Run before each start of the service: finish an interrupted switch, count a
        trial's starts, and switch back once they are used up."""
        record = self.read_state()
        self._follow(record)
        if record.state != "trial":
            return record
        if record.starts >= MAX_TRIAL_STARTS:
            return self.roll_back(f"{record.version} did not report healthy in "
                                  f"{record.starts} starts (it crashed, hung or lost power)")
        return self.write_state(replace(record, starts=record.starts + 1))

    def prune(self) -> list[str]:
        """Delete every release but current and previous (and any unfinished install
        that is neither); returns the versions removed."""
        keep = {self.current_version(), self.previous_version()}
        removed = []
        if self.releases.is_dir():
            for folder in self.releases.iterdir():
                if folder.name not in keep:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed.append(folder.name)
        return sorted(removed)


def adopt(root: Path, version: str) -> UpdateRecord:
    """A machine's first release, installed by hand into releases/<version>/venv: mark it
    installed and make it current (docs/deployment.md)."""
    releases = Releases(root)
    if releases.current_version() is not None:
        raise SwitchError(f"{root} already has a current release")
    if not (releases.release_dir(version) / "venv" / "bin" / "kiosk").is_file():
        raise SwitchError(f"no {releases.release_dir(version)}/venv/bin/kiosk")
    releases.mark_installed(version, json.dumps({"adopted": version}).encode())
    releases.first_install(version)
    return releases.read_state()


def main(argv: list[str]) -> int:
    """`kiosk-update-guard guard ROOT` (ExecStartPre of the kiosk's unit), or
    `kiosk-update-guard adopt ROOT VERSION` (a machine's first release)."""
    if len(argv) == 3 and argv[0] == "adopt":
        try:
            record = adopt(Path(argv[1]), argv[2])
        except SwitchError as exc:
            print(f"kiosk update: {exc}", file=sys.stderr)
            return 2
        print(f"kiosk update: {record.version} is current", file=sys.stderr)
        return 0
    if len(argv) != 2 or argv[0] != "guard":
        print("usage: kiosk-update-guard guard ROOT | adopt ROOT VERSION", file=sys.stderr)
        return 2
    releases = Releases(Path(argv[1]))
    record = releases.guard()
    print(f"kiosk update guard: {record.state} {record.version or ''}".rstrip(),
          f"current={releases.current_version()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The kiosk's update agent: asks central which release is meant for it, verifies,
downloads and installs it beside, switches between sessions, and on the new version's
first start keeps it once healthy or switches back, reporting each outcome.

Rounds run on a background thread (bootstrap wraps ``round`` in the sync workers'
periodic thread); the switch happens only when the UI says no session is open
(``switch_if_ready`` from the between-sessions hook), then the process ends and the
service manager starts ``current``: the new version. Central only ever says which
release and serves its files; the decision to install is the kiosk's, on the manifest's
signature (kiosk.update.wire).
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.update.install import InstallFailed, install_beside
from kiosk.update.switch import Releases, SwitchError, UpdateRecord
from kiosk.update.wire import (
    ReleaseRejected,
    parse_signed_release,
    verify_file,
    verify_release,
    version_key,
)

log = logging.getLogger(__name__)

REPORTED_OUTCOMES = ("kept", "rolled_back", "rejected", "failed")


class ReleaseSource(Protocol):
    """Central as the agent needs it (the sync client implements it over HTTP)."""

    def offered_release(self) -> tuple[bytes, int | None] | None:
        """The signed manifest (JSON) of the newest release central released to this
        kiosk and which attempt of it central offers (None: it did not say), or None."""

    def download_release_file(self, version: str, name: str, dest: Path) -> None:
        """Write the release's file ``name`` to ``dest`` (verified by the caller)."""

    def report_release(self, version: str, outcome: str, reason: str,
                       attempt: int | None = None) -> None:
        """What the kiosk did with a release: kept, rolled_back, rejected or failed, and
        for which attempt (sent only when central named one)."""


class UpdateAgent:
    def __init__(self, releases: Releases, source: ReleaseSource,
                 trusted: Mapping[str, Ed25519PublicKey], running_version: str,
                 now: Callable[[], datetime]) -> None:
        self.releases = releases
        self.source = source
        self.trusted = trusted
        self.running_version = running_version
        self.now = now
        self._lock = threading.Lock()  # one round at a time, never beside a switch
        self.timings: dict[str, float] = {}
        """Seconds of the last release's download, verify and install (bench/update.py)."""

    # --- background rounds -----------------------------------------------------------------

    def round(self) -> UpdateRecord:
        """Report an outcome central has not heard, then fetch, verify and install the
        offered release if it is new. Never raises: a failed round is logged and retried."""
        with self._lock:
            try:
                self._report_pending()
                return self._fetch_and_install()
            except Exception:
                log.exception("update: round failed")
                return self.releases.read_state()

    def _report_pending(self) -> None:
        record = self.releases.read_state()
        if not record.reported and record.state in REPORTED_OUTCOMES and record.version:
            self.source.report_release(record.version, record.state, record.reason,
                                       record.attempt)
            self.releases.mark_reported()

    def _fetch_and_install(self) -> UpdateRecord:
        record = self.releases.read_state()
        if record.state == "trial":
            return record  # the trial watch decides
        offer = self.source.offered_release()
        if offer is None:
            return record
        raw, attempt = offer
        try:
            signed = parse_signed_release(raw)
        except ReleaseRejected as exc:
            return self._refused(None, exc, attempt)
        version = signed.manifest.version
        if version_key(version) == version_key(self.running_version):
            return record  # what runs: nothing to do
        if record.version == version and (record.state == "installed" or (
                record.state in ("rejected", "failed", "rolled_back")
                and (attempt or 1) <= (record.attempt or 1))):
            return record  # decided already: only a new attempt (an admin's retry, or a
            # new rollout of this version: central counts attempts per version) or a new
            # release is taken
        try:
            manifest = verify_release(signed, self.trusted,
                                      running_version=self.running_version, now=self.now())
        except ReleaseRejected as exc:
            return self._refused(version, exc, attempt)
        self.releases.note("downloading", version, attempt=attempt)
        downloads = self.releases.root / "downloads" / version
        try:
            started = time.monotonic()
            downloads.mkdir(parents=True, exist_ok=True)
            for entry in manifest.files:
                self.source.download_release_file(version, entry.name, downloads / entry.name)
            downloaded = time.monotonic()
            for entry in manifest.files:
                verify_file(downloads / entry.name, entry)
            verified = time.monotonic()
            installed = install_beside(self.releases, signed, downloads)
            self.timings = {"download": downloaded - started, "verify": verified - downloaded,
                            "install": installed.seconds}
        except ReleaseRejected as exc:
            return self._refused(version, exc, attempt)
        except InstallFailed as exc:
            log.error("update: %s did not install: %s", version, exc)
            return self._outcome("failed", version, str(exc), attempt)
        finally:
            shutil.rmtree(downloads, ignore_errors=True)
        log.info("update: %s installed beside %s, switching between sessions", version,
                 self.running_version)
        return self.releases.note("installed", version, attempt=attempt)

    def _refused(self, version: str | None, exc: ReleaseRejected,
                 attempt: int | None = None) -> UpdateRecord:
        log.warning("update: release %s refused: %s", version or "(unreadable)", exc)
        if version is None:
            return self.releases.read_state()  # nothing to name in a report
        return self._outcome("rejected", version, str(exc), attempt)

    def _outcome(self, state: str, version: str, reason: str,
                 attempt: int | None) -> UpdateRecord:
        record = self.releases.note(state, version, reason[:500], attempt=attempt)
        try:
            self._report_pending()
        except Exception:  # reported by a later round
            log.warning("update: report of %s %s not delivered yet", version, state,
                        exc_info=True)
        return record

    # --- between sessions ------------------------------------------------------------------

    def ready_to_switch(self) -> bool:
        record = self.releases.read_state()
        return record.state == "installed" and record.version is not None \
            and self.releases.is_installed(record.version)

    def switch_if_ready(self) -> bool:
        """Between sessions only: put the installed release on trial. True: end the
        process now, the service manager starts the new version."""
        if not self._lock.acquire(blocking=False):
            return False  # a round is running: the next moment between sessions will do
        try:
            record = self.releases.read_state()
            if not self.ready_to_switch() or record.version is None:
                return False
            self.releases.switch_to(record.version)
            log.info("update: switched to %s on trial; ending to start it", record.version)
            return True
        except SwitchError as exc:
            log.error("update: switch refused: %s", exc)
            return False
        finally:
            self._lock.release()


HealthProbe = Callable[[], list[str]]
"""What is not yet healthy (devices, central, UI): an empty list is healthy."""


class TrialWatch:
    """On a version's start on trial: poll its health until the deadline, then keep it
    or switch back (and ``on_rolled_back`` ends the process, to start the previous)."""

    def __init__(self, releases: Releases, running_version: str, probe: HealthProbe,
                 deadline_s: float, on_rolled_back: Callable[[str], None], *,
                 on_kept: Callable[[], None] = lambda: None, poll_s: float = 1.0) -> None:
        self.releases = releases
        self.running_version = running_version
        self.probe = probe
        self.deadline_s = deadline_s
        self.on_rolled_back = on_rolled_back
        self.on_kept = on_kept
        """Called once kept: the agent's next round reports it now, not a poll later."""
        self.poll_s = poll_s
        self.outcome: UpdateRecord | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def on_trial(self) -> bool:
        record = self.releases.read_state()
        return record.state == "trial" and record.version == self.running_version

    def start(self) -> bool:
        """Start watching if this process is a version on trial; False otherwise."""
        if not self.on_trial():
            return False
        self._thread = threading.Thread(target=self.run, name="update-trial", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> UpdateRecord:
        deadline = time.monotonic() + self.deadline_s
        problems = ["not asked yet"]
        while not self._stop.is_set():
            try:
                problems = self.probe()
            except Exception as exc:  # a probe that fails is a problem, not a crash
                log.warning("update: health probe failed", exc_info=True)
                problems = [f"health probe failed: {type(exc).__name__}"]
            if not problems:
                self.outcome = self.releases.keep()
                removed = self.releases.prune()
                log.info("update: %s is healthy and kept (removed %s)", self.running_version,
                         ", ".join(removed) or "nothing")
                self.on_kept()
                return self.outcome
            if time.monotonic() >= deadline:
                break
            self._stop.wait(self.poll_s)
        if self._stop.is_set():
            return self.releases.read_state()  # the process is ending: the guard counts it
        reason = (f"{self.running_version} not healthy within {self.deadline_s:g} s: "
                  + "; ".join(problems))[:500]
        log.error("update: %s", reason)
        self.outcome = self.releases.roll_back(reason)
        self.on_rolled_back(reason)
        return self.outcome

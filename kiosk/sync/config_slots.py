"""Where the kiosk keeps pushed configuration on disk, crash-safe.

Files under ``data_dir/config``:

- ``current.json``: the applied SignedBundle (the "pushed" layer of load_config);
- ``previous.json``: the last good one before it (what a rollback restores);
- ``pending.json``: verified, waiting for the end of a user session;
- ``state.json``: {"applying", "previous_version", "failed", "failed_attempts",
  "staged_attempt", "unreported", "etag", "unreadable_etag", "rejected_digest"}.

The folder is 0700 and every file 0600 (mkstemp's mode, kept by the rename). Every
write goes to a temporary file in the same folder, is flushed and fsynced, then
renamed over the target with os.replace, and the folder is fsynced: after a power cut at
any moment each file is either the old one or the new one, never half of either.
The signed files are kept as signed (not just their settings) so that what runs can
always be re-verified and reported by version.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kiosk.private_files import private_dir
from kiosk.sync.wire_config import BundleRejected, SignedBundle, parse_signed

log = logging.getLogger(__name__)

Slot = Literal["current", "previous", "pending"]
UNREPORTED_MAX = 100  # a kiosk cut off for months keeps the newest reports, not all


@dataclass
class SlotState:
    """state.json. ``failed`` maps a version (as text: JSON keys) to why it failed, and
    ``failed_attempts`` to the rollout attempt that failed (absent: 1, as a state.json
    of before attempts says nothing)."""

    applying: int | None = None
    """Version being applied; set before the first file moves, cleared when done. Found
    set at start-up, it means the power went during an apply: roll back."""
    previous_version: int | None = None
    """Version that ran before the apply in progress (None: no pushed config)."""
    failed: dict[str, str] = field(default_factory=dict)
    failed_attempts: dict[str, int] = field(default_factory=dict)
    staged_attempt: int | None = None
    """The attempt central named for the bundle in pending (or being applied): the one
    a failure of it is recorded for and its reports name. None: central did not say."""
    unreported: list[dict[str, Any]] = field(default_factory=list)
    """ConfigReportIn dicts not yet acknowledged by central, oldest first."""
    etag: str | None = None
    """ETag of the last download accepted (staged, or the running bundle served again):
    sent back as If-None-Match so the same bundle is not fetched and judged again. Never
    the ETag of a refused download: a forged copy of version N must not hide the genuine
    N behind a 304."""
    unreadable_etag: str | None = None
    """ETag of the last download that did not parse: it is fetched again (it may have
    been garbled in transit) but reported once."""
    rejected_digest: str | None = None
    """SHA-256 of the last refused download and its reason: fetched again at each poll,
    reported once."""

    def failed_before(self, version: int, attempt: int | None) -> bool:
        """Whether this offer of ``version`` (its attempt; None counts as 1) failed
        here: a retry (a later attempt) is taken again, the same offer is not."""
        key = str(version)
        return key in self.failed and (attempt or 1) <= self.failed_attempts.get(key, 1)

    def to_json(self) -> dict[str, Any]:
        return {"applying": self.applying, "previous_version": self.previous_version,
                "failed": dict(self.failed), "failed_attempts": dict(self.failed_attempts),
                "staged_attempt": self.staged_attempt, "unreported": list(self.unreported),
                "etag": self.etag, "unreadable_etag": self.unreadable_etag,
                "rejected_digest": self.rejected_digest}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SlotState:
        return cls(applying=data.get("applying"), previous_version=data.get("previous_version"),
                   failed={str(k): str(v) for k, v in dict(data.get("failed") or {}).items()},
                   failed_attempts={str(k): v for k, v in
                                    dict(data.get("failed_attempts") or {}).items()
                                    if isinstance(v, int)},
                   staged_attempt=(data.get("staged_attempt")
                                   if isinstance(data.get("staged_attempt"), int) else None),
                   unreported=list(data.get("unreported") or []), etag=data.get("etag"),
                   unreadable_etag=data.get("unreadable_etag"),
                   rejected_digest=data.get("rejected_digest"))


class ConfigSlots:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> ConfigSlots:
        return cls(Path(data_dir) / "config")

    # --- signed bundles -----------------------------------------------------------------

    def path(self, slot: Slot) -> Path:
        return self.folder / f"{slot}.json"

    def read(self, slot: Slot) -> SignedBundle | None:
        """The bundle in ``slot``, or None when the slot is empty. A file that does not
        parse (it cannot be half-written, but a disk can rot) counts as empty, loudly."""
        try:
            raw = self.path(slot).read_bytes()
        except FileNotFoundError:
            return None
        try:
            return parse_signed(raw)
        except BundleRejected:
            log.error("config slot %s is unreadable; treating it as empty", slot)
            return None

    def write(self, slot: Slot, signed: SignedBundle) -> None:
        self._write_atomic(self.path(slot), signed.model_dump_json().encode("utf-8"))

    def copy(self, source: Slot, target: Slot) -> None:
        """Write ``target`` with ``source``'s bytes (atomically); empty source empties it."""
        try:
            raw = self.path(source).read_bytes()
        except FileNotFoundError:
            self.clear(target)
            return
        self._write_atomic(self.path(target), raw)

    def move(self, source: Slot, target: Slot) -> None:
        """Rename ``source`` over ``target`` (one atomic rename)."""
        private_dir(self.folder)
        os.replace(self.path(source), self.path(target))
        self._sync_folder()

    def clear(self, slot: Slot) -> None:
        try:
            self.path(slot).unlink()
        except FileNotFoundError:
            return
        self._sync_folder()

    # --- what the kiosk runs ------------------------------------------------------------

    def current_layer(self) -> dict[str, dict[str, Any]] | None:
        """The pushed settings for load_config(..., pushed=...), or None."""
        current = self.read("current")
        return current.bundle.settings if current is not None else None

    def current_version(self) -> int | None:
        current = self.read("current")
        return current.bundle.version if current is not None else None

    # --- state --------------------------------------------------------------------------

    def load_state(self) -> SlotState:
        try:
            data = json.loads(self.path_state().read_bytes())
        except FileNotFoundError:
            return SlotState()
        except ValueError:
            log.error("config state file is unreadable; starting from an empty state")
            return SlotState()
        return SlotState.from_json(data) if isinstance(data, dict) else SlotState()

    def save_state(self, state: SlotState) -> None:
        state.unreported = state.unreported[-UNREPORTED_MAX:]
        self._write_atomic(self.path_state(),
                           json.dumps(state.to_json(), sort_keys=True, indent=1).encode())

    def path_state(self) -> Path:
        return self.folder / "state.json"

    # --- plumbing -----------------------------------------------------------------------

    def _write_atomic(self, target: Path, data: bytes) -> None:
        private_dir(self.folder)
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                         dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(data)
                temp.flush()
                os.fsync(temp.fileno())
            os.replace(temp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
        self._sync_folder()

    def _sync_folder(self) -> None:
        """Make the rename itself durable (POSIX: fsync the directory)."""
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def leftover_temp_files(self) -> list[Path]:
        """Temporary files a crash left behind (harmless; removed by sweep())."""
        return sorted(self.folder.glob(".*.tmp")) if self.folder.exists() else []

    def sweep(self) -> None:
        """At start: remove what a crash left, and make the folder 0700 if an older
        version left it open."""
        if self.folder.exists():
            private_dir(self.folder)
        for temp in self.leftover_temp_files():
            temp.unlink(missing_ok=True)

"""ConfigSlots: the pushed config's files on disk, each write atomic."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.sync.config_slots import UNREPORTED_MAX, ConfigSlots, SlotState
from kiosk.sync.wire_config import ConfigBundle, SignedBundle, sign_bundle

KEY = Ed25519PrivateKey.generate()


def signed(version: int, hotline: str = "12345") -> SignedBundle:
    bundle = ConfigBundle(version=version, issued_at=datetime(2024, 6, 1, tzinfo=UTC),
                          settings={"kiosk": {"hotline": hotline}})
    return sign_bundle(bundle, KEY)


@pytest.fixture
def slots(tmp_path: Path) -> ConfigSlots:
    return ConfigSlots.in_data_dir(tmp_path)


def test_empty_slots_mean_no_pushed_layer(slots: ConfigSlots) -> None:
    """GIVEN a kiosk that never received a bundle
    WHEN the pushed layer and version are asked
    THEN both are None and the state is empty"""
    assert slots.current_layer() is None
    assert slots.current_version() is None
    assert slots.load_state() == SlotState()


def test_written_bundle_is_the_current_layer(slots: ConfigSlots) -> None:
    """GIVEN a bundle written to the current slot
    WHEN it is read back
    THEN its settings are the pushed layer, its version the current version, and no
    temporary file is left in the folder"""
    slots.write("current", signed(3, "96000"))
    assert slots.current_layer() == {"kiosk": {"hotline": "96000"}}
    assert slots.current_version() == 3
    assert slots.read("current") == signed(3, "96000")  # Ed25519 signatures are deterministic
    assert slots.leftover_temp_files() == []
    assert sorted(p.name for p in slots.folder.iterdir()) == ["current.json"]


def test_copy_and_move_between_slots(slots: ConfigSlots) -> None:
    """GIVEN a current and a pending bundle
    WHEN current is copied to previous and pending moved over current
    THEN previous holds the old one, current the new one, pending is empty"""
    slots.write("current", signed(1))
    slots.write("pending", signed(2))
    slots.copy("current", "previous")
    slots.move("pending", "current")
    assert slots.current_version() == 2
    previous = slots.read("previous")
    assert previous is not None and previous.bundle.version == 1
    assert slots.read("pending") is None


def test_copying_an_empty_slot_empties_the_target(slots: ConfigSlots) -> None:
    """GIVEN no current bundle and a stale previous one
    WHEN current is copied to previous
    THEN previous is empty too (previous means: what ran before)"""
    slots.write("previous", signed(1))
    slots.copy("current", "previous")
    assert slots.read("previous") is None


def test_state_round_trips(slots: ConfigSlots) -> None:
    """GIVEN a state with an apply in progress, a failure and a kept report
    WHEN it is saved and loaded
    THEN every field comes back"""
    state = SlotState(applying=4, previous_version=3, failed={"2": "health check: x"},
                      unreported=[{"id": "a", "report": {"version": 2, "outcome": "failed",
                                                         "reason": "x"}}],
                      etag='"v4"', unreadable_etag='"v5"', rejected_digest="ab" * 32)
    slots.save_state(state)
    assert slots.load_state() == state


def test_kept_reports_are_bounded(slots: ConfigSlots) -> None:
    """GIVEN more kept reports than the bound
    WHEN the state is saved
    THEN only the newest ones are kept"""
    entries = [{"id": str(i), "report": {}} for i in range(UNREPORTED_MAX + 5)]
    slots.save_state(SlotState(unreported=entries))
    kept = slots.load_state().unreported
    assert len(kept) == UNREPORTED_MAX and kept[-1]["id"] == str(UNREPORTED_MAX + 4)


def test_a_crash_mid_write_leaves_the_old_file(slots: ConfigSlots) -> None:
    """GIVEN a current bundle, and a write that dies before its rename (a half-written
    temporary file, as a power cut leaves it)
    WHEN the slot is read, and the folder swept
    THEN the old bundle is intact and the temporary file is gone"""
    slots.write("current", signed(1))
    half = slots.folder / ".current.json.abc.tmp"
    half.write_bytes(signed(2).model_dump_json().encode()[:40])
    assert slots.current_version() == 1
    assert slots.leftover_temp_files() == [half]
    slots.sweep()
    assert slots.leftover_temp_files() == []
    assert slots.current_version() == 1


def test_a_failing_write_removes_its_temporary_file(slots: ConfigSlots,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a disk that refuses the rename
    WHEN a bundle is written
    THEN the error surfaces, the old file stays and no temporary file is left"""
    slots.write("current", signed(1))

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        slots.write("current", signed(2))
    monkeypatch.undo()
    assert slots.current_version() == 1
    assert slots.leftover_temp_files() == []


def test_rotten_files_count_as_empty(slots: ConfigSlots) -> None:
    """GIVEN a current slot and state file with garbage in them
    WHEN they are read
    THEN the slot is empty and the state is fresh (never a crash at start-up)"""
    slots.folder.mkdir(parents=True)
    slots.path("current").write_bytes(b"\x00garbage")
    slots.path_state().write_bytes(b"{not json")
    assert slots.read("current") is None
    assert slots.load_state() == SlotState()


def test_trusted_keys_must_be_ed25519_public_keys() -> None:
    """GIVEN a site layer whose sync.config_keys holds a real key and then a short one
    WHEN the config is built
    THEN it stops with the key named, and the real key alone is accepted"""
    from kiosk.config import build_config
    from kiosk.errors import ConfigError
    from kiosk.sync.wire_config import public_key_text

    good = public_key_text(KEY.public_key())
    assert build_config([("site", {"sync": {"config_keys": [good]}})]).sync.config_keys == (good,)
    with pytest.raises(ConfigError, match=r"sync\.config_keys.*32 bytes"):
        build_config([("site", {"sync": {"config_keys": [good, "c2hvcnQ="]}})])


def test_start_makes_a_folder_an_older_version_left_open_private(tmp_path: Path) -> None:
    """GIVEN the config folder 0755 (as older versions made it) with a state file
    WHEN the agent's start-up sweep runs
    THEN the folder is 0700 (every file in it is mkstemp's 0600 already)."""
    import stat

    slots = ConfigSlots(tmp_path / "config")
    slots.save_state(SlotState())
    os.chmod(slots.folder, 0o755)
    slots.sweep()
    assert stat.S_IMODE(os.stat(slots.folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(slots.path_state()).st_mode) == 0o600

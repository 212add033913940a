"""`kiosk diag` against the simulators and central, as a technician runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hardware.sim.printer import Fault
from kiosk.cli import main as kiosk_main
from kiosk.devtools.loopback import System, running_system


def diag(system: System, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = kiosk_main(["diag", "--json", "--config", str(system.write_site_file()), *args])
    return code, json.loads(capsys.readouterr().out)


def test_everything_ok(system: System, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN healthy simulators and central
    WHEN `kiosk diag --json` runs
    THEN it exits 0, every device is ok with its connection and status time, the store
    passes its integrity check, central is reachable with a small clock skew."""
    code, report = diag(system, capsys)
    assert code == 0, report["problems"]
    assert report["ok"] and report["problems"] == []
    for name in ("printer", "payment", "reader"):
        device = report["devices"][name]
        assert device["health"] == "ok" and device["query_ms"] >= 0 and device["connection"]
    assert report["devices"]["printer"]["model"] == "TM-T88V"
    assert report["store"]["integrity"] == "ok" and report["store"]["outbox_depth"] == 0
    assert report["central"]["reachable"] and abs(report["central"]["clock_skew_s"]) < 5
    assert report["kiosk"]["config_version"].startswith("local-")
    assert report["disk"]["free_mb"] > 0


def test_paper_out_is_reported_and_exits_non_zero(system: System,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN the printer simulator out of paper
    WHEN `kiosk diag --json` runs
    THEN the printer is a fault with reason paper_out, it is listed as a problem, and the
    exit status is non-zero."""
    system.printer.set_fault(Fault.PAPER_OUT)
    code, report = diag(system, capsys)
    assert code == 1
    printer = report["devices"]["printer"]
    assert printer["health"] == "fault" and printer["reason"] == "paper_out"
    assert printer["paper_out"] is True
    assert any(p.startswith("printer: fault (paper_out)") for p in report["problems"])


def test_silent_printer_is_unknown_never_ok(system: System,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a printer that does not answer status queries
    WHEN diag runs
    THEN the printer is unknown (not ok), within the status timeout, and needs a technician."""
    system.printer.set_fault(Fault.SILENT)
    code, report = diag(system, capsys)
    assert code == 1
    printer = report["devices"]["printer"]
    assert printer["health"] == "unknown" and printer["reason"] == "no_reply"
    assert printer["query_ms"] < 2000


def test_central_away_is_a_problem(system: System, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN central stopped
    WHEN diag runs
    THEN central is unreachable, listed as a problem, exit non-zero."""
    system.central.stop()
    code, report = diag(system, capsys)
    assert code == 1 and not report["central"]["reachable"]
    assert "central: unreachable" in report["problems"]


def test_test_print_comes_out(system: System, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a healthy printer
    WHEN `kiosk diag --test-print` runs
    THEN a test slip with every script and a QR is printed and reported as printed."""
    code, report = diag(system, capsys, "--test-print")
    assert code == 0
    assert report["test_print"]["outcome"] == "printed"
    job = system.printer.wait_for_jobs(1, timeout=5)[-1]
    assert "TEST PRINT" in job.text and "Русский" in job.text and "中文" in job.text
    assert job.qr_payloads and report["test_print"]["reference"] in job.qr_payloads[0]


def test_unplugged_reader_is_reported(system: System, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN the document reader unplugged
    WHEN diag runs
    THEN the reader is not ok, listed as a problem, exit non-zero."""
    system.reader.set_fault("unplugged")
    code, report = diag(system, capsys)
    assert code == 1 and report["devices"]["reader"]["health"] != "ok"
    assert any(p.startswith("reader:") for p in report["problems"])


def test_diag_asks_the_running_kiosk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a running kiosk (it holds the serial devices)
    WHEN `kiosk diag --json` runs with the same configuration
    THEN the report comes from the running kiosk, not from a second connection to its
    devices, and says so; --local still opens the devices from the command."""
    with running_system(tmp_path, background=True) as system:
        code, report = diag(system, capsys)
        assert code == 0 and report["source"].startswith("running kiosk, pid"), report["problems"]
        system.printer.set_fault(Fault.PAPER_OUT)
        code, report = diag(system, capsys)
        assert code == 1 and report["devices"]["printer"]["reason"] == "paper_out"
        code, report = diag(system, capsys, "--local")
        assert "source" not in report
    assert not (tmp_path / "kiosk" / "diag.sock").exists()  # withdrawn on shutdown


def test_pushed_config_running_and_rolled_back_is_shown(
        system: System, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a kiosk running pushed config version 2 whose version 3 was rolled back
    WHEN `kiosk diag --json` runs
    THEN the config version is 2, and a warning names version 3 and why it was rolled
    back (a technician sees it without reading logs)."""
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kiosk.sync.config_slots import ConfigSlots
    from kiosk.sync.wire_config import ConfigBundle, sign_bundle

    slots = ConfigSlots.in_data_dir(Path(system.config.kiosk.data_dir))
    bundle = ConfigBundle(version=2, issued_at=datetime.now(UTC),
                          settings={"kiosk": {"hotline": "962288"}})
    slots.write("current", sign_bundle(bundle, Ed25519PrivateKey.generate()))
    state = slots.load_state()
    state.failed["3"] = "health check: printer fault (paper_out)"
    slots.save_state(state)
    try:
        _code, report = diag(system, capsys)
        assert report["kiosk"]["config_version"] == "2"
        assert report["pushed_config"]["last_failed"]["version"] == 3
        assert any("version 3 was rolled back" in w and "paper_out" in w
                   for w in report["warnings"])
    finally:
        slots.clear("current")
        slots.save_state(type(state)())


def test_records_central_refused_are_listed_as_parked(
        system: System, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a registration central refuses (its payload misses every field), delivered
    by the forwarder and parked
    WHEN `kiosk diag` runs, with --json and as text
    THEN the store reports one parked record with its reference, kind, central's reason
    and the fields it named, a warning says so (the exit stays 0), and the text lists it."""
    runtime = system.runtime
    submission = runtime.store.submissions.submit(
        "stay_registration", runtime.config.kiosk.id, "en", {}, runtime.clock.now())
    assert runtime.forwarder.drain_once().rejected == 1
    code, report = diag(system, capsys)
    assert code == 0, report["problems"]
    store = report["store"]
    assert (store["outbox_depth"], store["outbox_parked"]) == (0, 1)
    [parked] = store["parked_records"]
    assert (parked["reference"], parked["kind"], parked["reason"]) == (
        submission.provisional_ref, "stay_registration", "E_REQUEST_REJECTED")
    assert "fields=" in parked["detail"] and "surname" in parked["detail"]
    assert "outbox: 1 record(s) refused by central, parked" in report["warnings"]
    assert kiosk_main(["diag", "--config", str(system.write_site_file())]) == 0
    text = capsys.readouterr().out
    assert "parked   1 record(s) refused by central" in text
    assert f"{submission.provisional_ref}  stay_registration  E_REQUEST_REJECTED" in text


def test_diag_by_another_user_says_whose_folder_it_is(
        system: System, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a kiosk whose data folder (0700) this user may not enter (os.access says so:
    the test runs as root, who may enter anything)
    WHEN `kiosk diag` runs
    THEN it exits 2 saying to run it as the kiosk's user, and opens nothing."""
    import os

    data_dir = str(system.config.kiosk.data_dir)
    real_access = os.access

    def access(path: object, mode: int) -> bool:
        return False if str(path) == data_dir else real_access(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr("kiosk.cli.os.access", access)
    code = kiosk_main(["diag", "--config", str(system.write_site_file())])
    assert code == 2
    assert "run this as the kiosk's user" in capsys.readouterr().err

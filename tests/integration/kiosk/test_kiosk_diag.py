"""`kiosk diag` against the simulators and central, as a technician runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hardware.sim.printer import Fault
from kiosk.cli import main as kiosk_main
from kiosk.devtools.loopback import System, running_system
from tests.patience import PATIENCE_S


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
    job = system.printer.wait_for_jobs(1, timeout=PATIENCE_S)[-1]
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


def test_unplugged_keypad_is_reported(system: System,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a kiosk with a tactile keypad, first plugged in, then unplugged
    WHEN diag runs each time
    THEN the keypad is ok with its connection, then not ok (disconnected), listed as a
    problem, exit non-zero"""
    code, report = diag(system, capsys)
    assert code == 0 and report["devices"]["keypad"]["health"] == "ok"
    system.keypad.set_fault("unplugged")
    code, report = diag(system, capsys)
    keypad = report["devices"]["keypad"]
    assert code == 1 and (keypad["health"], keypad["reason"]) == ("unknown", "disconnected")
    assert any(p.startswith("keypad:") for p in report["problems"])


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


def test_the_report_names_the_configuration_files_it_read(
        system: System, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN the kiosk's site file passed with --config
    WHEN `kiosk diag` runs, with --json and as text
    THEN the report lists the packaged defaults and the site file, each with where its
    name came from."""
    from kiosk.paths import default_config

    defaults = default_config()
    site = system.write_site_file()
    _code, report = diag(system, capsys)
    assert report["config_files"] == [
        {"path": str(defaults), "role": "packaged defaults"},
        {"path": str(site), "role": "site file (--config)"}]
    kiosk_main(["diag", "--config", str(site)])
    text = capsys.readouterr().out
    assert f"  config   {defaults}  (packaged defaults)\n" in text
    assert f"           {site}  (site file (--config))\n" in text


def _no_store(tmp_path: Path, capsys: pytest.CaptureFixture[str],
              monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.setattr("kiosk.cli.SITE_CONFIG", tmp_path / "etc" / "site.toml")
    before = sorted(tmp_path.rglob("*"))
    assert kiosk_main(["diag", *args]) == 2
    assert sorted(tmp_path.rglob("*")) == before  # no store, no data folder made
    return capsys.readouterr().err


def test_without_a_site_file_diag_refuses_to_invent_a_store(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN no --config, no $KIOSK_CONFIG and no /etc/kiosk/site.toml, in an empty folder
    WHEN `kiosk diag` runs
    THEN it exits 2 saying there is no store, that no site file was loaded and what to
    do, names the packaged defaults it read, and creates nothing."""
    err = _no_store(tmp_path, capsys, monkeypatch)
    assert f"no store at {tmp_path / 'var' / 'kiosk' / 'kiosk.sqlite3'}" in err
    assert "no site file was loaded" in err and "Nothing was created." in err
    assert "(packaged defaults)" in err


def test_a_site_file_without_the_data_folder_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a site file that sets the printer but not kiosk.data_dir
    WHEN `kiosk diag --config FILE` runs
    THEN it exits 2: no site file sets kiosk.data_dir, the file is listed, nothing made."""
    site = tmp_path / "site.toml"
    site.write_text('[printer]\nurl = "tcp://127.0.0.1:9"\n', encoding="utf-8")
    err = _no_store(tmp_path, capsys, monkeypatch, "--config", str(site))
    assert "no site file sets kiosk.data_dir" in err
    assert f"  {site}  (site file (--config))" in err


def test_a_data_folder_without_a_store_is_not_filled(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a site file (from $KIOSK_CONFIG) whose kiosk.data_dir holds no store
    WHEN `kiosk diag` runs
    THEN it exits 2 naming the file that set the folder; no folder, no store is made."""
    site = tmp_path / "site.toml"
    site.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "lib" / "kiosk"}"\n', encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(site))
    monkeypatch.chdir(tmp_path)
    assert kiosk_main(["diag", "--json"]) == 2
    err = capsys.readouterr().err
    assert f"kiosk.data_dir is set in {site}" in err and "(site file ($KIOSK_CONFIG))" in err
    assert not (tmp_path / "lib").exists()


def test_every_time_in_the_report_carries_the_kiosks_offset(
        system: System, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a printer that ran out of paper (a last error with its time) and a record
    central refused (parked, with its time)
    WHEN `kiosk diag --json` runs
    THEN every time in the report (status checks, last errors, parked records) is ISO
    8601 at +08:00, as the log lines and the slips write them, never UTC."""
    from datetime import datetime

    runtime = system.runtime
    runtime.store.submissions.submit("stay_registration", runtime.config.kiosk.id, "en", {},
                                     runtime.clock.now())
    assert runtime.forwarder.drain_once().rejected == 1
    system.printer.set_fault(Fault.PAPER_OUT)
    _code, report = diag(system, capsys)
    times: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and len(node) >= 19 and node[4] == "-" and node[10] == "T":
            times.append(node)

    walk(report)
    assert report["devices"]["printer"]["last_error_at"] in times
    assert report["store"]["parked_records"][0]["parked_at"] in times
    for text in times:
        assert text.endswith("+08:00"), text
        assert datetime.fromisoformat(text).utcoffset() is not None

"""The printer simulator's control line (hardware.sim.control JSON lines over real TCP):
faults switched while the kiosk's adapter talks to the simulator."""

from __future__ import annotations

from hardware.base import Health, PrintOutcome
from hardware.document import Document
from hardware.printer import EscposPrinter
from hardware.sim.control import send
from hardware.sim.printer import Fault, PrinterSimulator

JOB_WAIT_S = 5.0


def test_faults_set_clear_and_jobs_over_the_control_line(
        simulator: PrinterSimulator, tcp_printer: EscposPrinter,
        long_receipt: Document) -> None:
    """GIVEN a running simulator with its control line WHEN a technician lists faults,
    sets cover_open, clears, prints and asks for jobs THEN each answer says so and the
    adapter sees each change without being restarted."""
    address = simulator.start_control()
    assert address.startswith("127.0.0.1:") and not address.endswith(":0")
    listed = send(address, {"cmd": "faults"})
    assert listed["ok"] and listed["active"] == {}
    assert set(listed["faults"]) == {fault.value for fault in Fault} and "baud" in listed["faults"]

    assert send(address, {"cmd": "set", "fault": "cover_open"}) == {
        "ok": True, "active": {"cover_open": True}}
    assert tcp_printer.status().reason == "cover_open"
    assert send(address, {"cmd": "set", "fault": "baud", "value": 115200})["active"] == {
        "cover_open": True, "baud": 115200}
    assert send(address, {"cmd": "clear"})["ok"]
    assert simulator.faults.active() == {}
    assert tcp_printer.status().health is Health.OK

    assert send(address, {"cmd": "jobs"}) == {"ok": True, "count": 0, "last": None,
                                              "last_complete": None}
    assert tcp_printer.print_document("c-1", long_receipt).outcome is PrintOutcome.PRINTED
    [job] = simulator.wait_for_jobs(1, JOB_WAIT_S)
    assert send(address, {"cmd": "jobs"}) == {"ok": True, "count": 1,
                                              "last": str(job.text_path),
                                              "last_complete": True}


def test_bad_requests_are_answered_not_fatal(simulator: PrinterSimulator) -> None:
    """GIVEN the control line WHEN asked an unknown command, an unknown fault, a baud
    that is no number, or a set without a fault THEN ok false with a reason each time,
    and the line still answers afterwards."""
    address = simulator.start_control()
    unknown = send(address, {"cmd": "explode"})
    assert unknown["ok"] is False and "explode" in unknown["error"]
    assert send(address, {"cmd": "set", "fault": "on_fire"})["ok"] is False
    assert send(address, {"cmd": "set", "fault": "baud", "value": "fast"})["ok"] is False
    assert send(address, {"cmd": "set", "fault": "baud", "value": 0})["ok"] is False
    assert send(address, {"cmd": "set"})["ok"] is False
    assert simulator.faults.active() == {}
    assert send(address, {"cmd": "faults"})["ok"] is True

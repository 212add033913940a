"""The health check run after a pushed config is applied, against the real printer and
payment simulators and a real HTTP server for central's /v1/health."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hardware.sim.payment import PaymentSimulator
from hardware.sim.printer import Fault, PrinterSimulator
from kiosk.bootstrap_agents import config_health_check
from kiosk.config import Config, load_config
from kiosk_config_world import FakeCentral, Kiosk, MakeAgent, Sign

TIMEOUT_S = 0.5


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[PrinterSimulator]:
    with PrinterSimulator(tmp_path / "jobs") as sim:
        yield sim


@pytest.fixture
def payment() -> Iterator[PaymentSimulator]:
    sim = PaymentSimulator(step_delay_s=0.01, ack_timeout_s=0.2)
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def devices(printer: PrinterSimulator, payment: PaymentSimulator) -> dict[str, Any]:
    """The pushed-layer settings that point a kiosk at the running simulators."""
    return {"printer": {"url": printer.start_tcp(), "status_timeout_s": 0.3,
                        "connect_timeout_s": 1.0},
            "payment": {"url": payment.start_pty(), "ack_timeout_s": 0.2}}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def config_for(fake: FakeCentral, devices: dict[str, Any], **sections: dict[str, Any]
               ) -> Config:
    layer: dict[str, Any] = {"central": {"url": fake.url, "timeout_s": 1.0}, **devices}
    for name, values in sections.items():
        layer[name] = {**layer.get(name, {}), **values}
    return load_config(overrides=layer)


def test_healthy_devices_and_central_pass(central: FakeCentral,
                                          devices: dict[str, Any]) -> None:
    """GIVEN a config whose printer, payment terminal and central all answer
    WHEN the health check runs
    THEN it finds no problem"""
    assert config_health_check(timeout_s=TIMEOUT_S)(config_for(central, devices)) == []


def test_each_problem_is_named(central: FakeCentral, devices: dict[str, Any],
                               printer: PrinterSimulator) -> None:
    """GIVEN a printer with its cover open, a payment port that does not exist and
    central at an address where nothing listens
    WHEN the health check runs
    THEN it names the printer, the terminal and central"""
    printer.set_fault(Fault.COVER_OPEN)
    config = config_for(central, devices, payment={"url": "/dev/does-not-exist"},
                        central={"url": f"http://127.0.0.1:{closed_port()}"})
    problems = config_health_check(timeout_s=TIMEOUT_S)(config)
    assert problems[0].startswith("printer fault")
    assert problems[1] == "payment terminal unknown (disconnected)"
    assert problems[2:] == ["central unreachable"]


def test_push_to_a_dead_printer_rolls_back_through_the_real_check(
        make_agent: MakeAgent, central: FakeCentral, kiosk: Kiosk, sign: Sign,
        devices: dict[str, Any]) -> None:
    """GIVEN a kiosk applied version 1 pointing at the simulators
    WHEN version 2 moves the printer to an address where nothing listens
    THEN the real health check fails it, version 1 is back and central hears why"""
    agent = make_agent(health_check=config_health_check(timeout_s=TIMEOUT_S))
    central.serve(sign(1, devices))
    agent.poll_once()
    first = agent.apply_pending()
    assert first is not None and first.applied, first
    moved = {**devices, "printer": {**devices["printer"],
                                    "url": f"tcp://127.0.0.1:{closed_port()}"}}
    central.serve(sign(2, moved))
    agent.poll_once()
    second = agent.apply_pending()
    assert second is not None and not second.applied
    assert agent.current_version() == 1
    version, outcome, reason = central.outcomes()[-1]
    assert (version, outcome) == (2, "failed")
    assert reason.startswith("health check: printer ")
    assert [c.printer.url for c in kiosk.applied] == [devices["printer"]["url"]]

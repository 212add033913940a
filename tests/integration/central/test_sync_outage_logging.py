"""While central is away, each of the kiosk's periodic workers (config poll, heartbeat,
outbox forwarder, device watch) logs the outage once when it begins (WARNING) and once
when it ends (INFO, how long): the whole loopback system against a central stopped and
started again on 127.0.0.1."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from central_payloads import stay_payload
from kiosk import bootstrap_agents
from kiosk.devtools.loopback import System, running_system

ROUNDS = 4


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    with running_system(tmp_path) as running:
        yield running


def _kiosk_records(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records
            if r.name.split(".")[0] in ("kiosk", "hardware") and r.levelno >= level]


def test_each_worker_logs_an_outage_once_and_its_end_once(
        system: System, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN the loopback kiosk with a registration waiting in its outbox, and central
    stopped
    WHEN the config agent polls, the heartbeat beats, the forwarder drains and the
    device watch polls, 4 rounds each; then central comes back and each does one more
    THEN the outage left one WARNING per worker (config poll, heartbeat, outbox
    delivery, "central is gone"), nothing from the HTTP client itself; its end one INFO
    per worker saying how long it lasted; and the heartbeat's last error is still a
    warning, never one of those recoveries."""
    runtime = system.runtime
    assert runtime.heartbeat is not None and runtime.services.watch is not None
    agent = bootstrap_agents.build_config_agent(system.config, session_idle=lambda: True,
                                         on_applied=lambda _config: None, running=runtime)
    runtime.store.submissions.submit(
        "stay_registration", system.config.kiosk.id, "de",
        stay_payload(kiosk_id=system.config.kiosk.id), runtime.clock.now())
    watch = runtime.services.watch

    def one_round_each() -> None:
        agent.poll_once()
        runtime.heartbeat.beat_once()  # type: ignore[union-attr]  # checked above
        runtime.forwarder.drain_once()
        watch.poll_once()

    caplog.set_level(logging.DEBUG)
    system.central.stop()
    try:
        for _ in range(ROUNDS):
            one_round_each()
        warnings = [r.getMessage() for r in _kiosk_records(caplog, logging.WARNING)]
        assert len(warnings) == 4, warnings
        for what in ("config poll failing: E_CENTRAL_UNAVAILABLE",
                     "heartbeat failing: E_CENTRAL_UNAVAILABLE",
                     "outbox delivery failing: E_CENTRAL_UNAVAILABLE", "central is gone"):
            assert [w for w in warnings if w.startswith(what)], (what, warnings)
        assert not [r for r in _kiosk_records(caplog, logging.INFO)
                    if r.name == "kiosk.sync.client"]

        caplog.clear()
        system.restart_central()
        one_round_each()
        ends = [r.getMessage() for r in _kiosk_records(caplog, logging.INFO)
                if " again after " in r.getMessage() or "is back" in r.getMessage()]
        assert sorted(m.split(" after ")[0] for m in ends) == sorted([
            "config poll works again", "heartbeat works again", "outbox delivery works again",
            "central is back"]), ends
        assert all(r.levelno == logging.INFO for r in _kiosk_records(caplog, logging.INFO)
                   if r.getMessage() in ends)
        newest = runtime.recent_errors.newest() if runtime.recent_errors else None
        assert newest is not None and newest.startswith("WARNING "), newest
    finally:
        agent.stop()
        agent.client.close()

"""A staged config rollout across a group of simulated kiosks, end to end: the admin signs
and pushes with kiosk-admin, real central (SQLite and PostgreSQL) releases waves, each
kiosk's real config agent polls over HTTP, verifies, applies between sessions, runs the
real health check against its own printer and payment-terminal simulators, rolls back on
failure and reports; the rollout advances, completes, or halts with the reason."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.admin_config import KEY_FILE, load_key
from central.server import CentralServer
from hardware.sim.payment import PaymentSimulator
from hardware.sim.printer import Fault, PrinterSimulator
from kiosk.bootstrap_agents import config_health_check
from kiosk.config import Config
from kiosk.devtools.loopback import LOOPBACK_CENTRAL_TIMEOUT_S
from kiosk.domain.clock import SystemClock
from kiosk.sync.client import CentralClient
from kiosk.sync.config_agent import ConfigAgent, site_loader, trusted_keys
from kiosk.sync.config_slots import ConfigSlots
from kiosk.sync.enrollment import enroll
from kiosk.sync.wire_config import public_key_text
from test_central_config_admin import (
    keys_dir,  # noqa: F401 (a fixture: the admin signing key)
    run_admin as kiosk_admin,
)
from tests.patience import PATIENCE_S

GROUP = "hongqiao"
OTHER_GROUP = "pudong"


def enroll_kiosk(central_url: str, kiosk_id: str, group: str, data_dir: Path) -> str:
    """The real enrollment: kiosk-admin makes a one-time token, the kiosk spends it."""
    status, out = kiosk_admin("enroll", kiosk_id, "--group", group, "--central", central_url)
    assert status == 0, out
    return enroll(central_url, kiosk_id, out.strip().splitlines()[0], data_dir).credential


@dataclass
class SimulatedKiosk:
    """One kiosk without a screen: its own data folder, simulators and config agent."""

    kiosk_id: str
    printer: PrinterSimulator
    payment: PaymentSimulator
    agent: ConfigAgent
    client: CentralClient
    in_session: bool = False
    running: list[Config] = field(default_factory=list)

    def poll_and_apply(self) -> None:
        self.agent.poll_once()
        self.agent.apply_pending()

    @property
    def version(self) -> int | None:
        return self.agent.current_version()

    def close(self) -> None:
        self.client.close()
        self.payment.stop()
        self.printer.stop()


def _kiosk(tmp_path: Path, central: CentralServer, signing: Ed25519PrivateKey,
           kiosk_id: str, group: str, *, via: str | None = None) -> SimulatedKiosk:
    """``via``: the URL the kiosk's agent reaches central at (a proxy), default central's."""
    home = tmp_path / kiosk_id
    printer = PrinterSimulator(home / "jobs")
    payment = PaymentSimulator(step_delay_s=0.01, ack_timeout_s=0.2)
    site = home / "site.toml"
    site.parent.mkdir(parents=True, exist_ok=True)
    site.write_text(
        f'[kiosk]\nid = "{kiosk_id}"\ndata_dir = "{home / "data"}"\n'
        f'[central]\nurl = "{central.url}"\ntimeout_s = 2.0\n'
        f'[printer]\nurl = "{printer.start_tcp()}"\nstatus_timeout_s = 0.3\n'
        f'connect_timeout_s = 1.0\n'
        f'[payment]\nurl = "{payment.start_pty()}"\nack_timeout_s = 0.2\n'
        f'[reader]\nurl = ""\n'
        f'[sync]\nconfig_keys = ["{public_key_text(signing.public_key())}"]\n',
        encoding="utf-8")
    credential = enroll_kiosk(central.url, kiosk_id, group, home / "data")
    load = site_loader(site)
    config = load(None)
    client = CentralClient(via or central.url, timeout_s=LOOPBACK_CENTRAL_TIMEOUT_S,
                           kiosk_id=kiosk_id, token=credential, clock=SystemClock(), get_retries=0)
    kiosk = SimulatedKiosk(kiosk_id, printer, payment, agent=None, client=client)  # type: ignore[arg-type]
    kiosk.agent = ConfigAgent(ConfigSlots.in_data_dir(config.kiosk.data_dir), client,
                              trusted_keys(config.sync.config_keys), load,
                              config_health_check(timeout_s=1.0),
                              session_idle=lambda: not kiosk.in_session,
                              on_applied=kiosk.running.append, clock=SystemClock())
    return kiosk


@pytest.fixture
def fleet(tmp_path: Path, central: CentralServer,
          keys_dir: Path) -> Iterator[dict[str, SimulatedKiosk]]:
    signing = load_key(keys_dir / KEY_FILE)
    kiosks: dict[str, SimulatedKiosk] = {}
    try:
        for n in range(1, 7):
            kiosk_id = f"SH-HQ-{n:04d}"
            kiosks[kiosk_id] = _kiosk(tmp_path, central, signing, kiosk_id, GROUP)
        for n in range(1, 3):
            kiosk_id = f"SH-PD-{n:04d}"
            kiosks[kiosk_id] = _kiosk(tmp_path, central, signing, kiosk_id, OTHER_GROUP)
        yield kiosks
    finally:
        for kiosk in kiosks.values():
            kiosk.close()


def rollout(central: CentralServer) -> dict:  # type: ignore[type-arg]
    _status, out = kiosk_admin("rollout", "status", "--json", "--central", central.url)
    return json.loads(out)  # type: ignore[no-any-return]


def push(tmp_path: Path, central: CentralServer, keys: Path, toml: str, *extra: str) -> None:
    file = tmp_path / "push.toml"
    file.write_text(toml, encoding="utf-8")
    status, out = kiosk_admin("config", "push", str(file), "--target", f"group:{GROUP}",
                              "--wave", "34", "--failure-threshold", "0.2",
                              "--dir", str(keys), *extra, "--central", central.url)
    assert status == 0, out


def wave_members(state: dict, wave: int) -> list[str]:  # type: ignore[type-arg]
    return [k["kiosk_id"] for k in state["kiosks"] if k["wave"] == wave]


def test_a_group_push_goes_out_in_waves_and_a_failing_wave_halts_with_rollback(
        tmp_path: Path, central: CentralServer, keys_dir: Path,
        fleet: dict[str, SimulatedKiosk]) -> None:
    """GIVEN six enrolled kiosks in group hongqiao and two in pudong, each with its own
    printer and payment-terminal simulators
    WHEN the admin pushes version 1 to the group in waves of 34%, the kiosks poll, apply
    and report, and then pushes version 2 while two printers of its first wave are out
    of paper
    THEN version 1 reaches wave 1 (3 kiosks) only, then wave 2 after wave 1 reported
    applied, and the rollout completes; pudong never sees it; version 2 fails the health
    check on the two kiosks, which roll back to version 1 and report why, the rollout
    halts naming them (2 of 3 failed, above its 40% threshold), and wave 2 never receives
    version 2."""
    push(tmp_path, central, keys_dir,
         '[kiosk]\nhotline = "962288"\n', "--note", "new hotline")
    state = rollout(central)
    assert (state["state"], state["waves"], state["current_wave"]) == ("running", 2, 1)
    first, second = wave_members(state, 1), wave_members(state, 2)
    assert len(first) == 3 and len(second) == 3

    # Wave 2 and the other group ask first: nothing is released to them yet.
    others = [k for k in fleet if k not in first]
    for kiosk_id in others:
        fleet[kiosk_id].poll_and_apply()
    assert all(fleet[k].version is None for k in others)
    for kiosk_id in first:
        fleet[kiosk_id].poll_and_apply()
    assert all(fleet[k].version == 1 for k in first)
    assert all(fleet[k].running[-1].kiosk.hotline == "962288" for k in first)
    state = rollout(central)
    assert (state["state"], state["current_wave"]) == ("running", 2)

    for kiosk in fleet.values():  # wave 1 reported applied: wave 2 is released
        kiosk.poll_and_apply()
    assert {k for k, kiosk in fleet.items() if kiosk.version == 1} == set(first + second)
    state = rollout(central)
    assert state["state"] == "completed", state["reason"]
    assert all(fleet[k].version is None for k in ("SH-PD-0001", "SH-PD-0002"))

    # Version 2: two printers of its first wave run out of paper before it arrives.
    push(tmp_path, central, keys_dir,
         '[printer]\nstatus_timeout_s = 0.4\n[kiosk]\nhotline = "962299"\n',
         "--failure-threshold", "0.4")
    state = rollout(central)
    first = wave_members(state, 1)
    broken = first[:2]
    for kiosk_id in broken:
        fleet[kiosk_id].printer.set_fault(Fault.PAPER_OUT)
    for kiosk in fleet.values():
        kiosk.poll_and_apply()

    state = rollout(central)
    assert state["state"] == "halted"
    assert "wave 1" in state["reason"] and "2 of 3" in state["reason"]
    for kiosk_id in broken:
        assert kiosk_id in state["reason"]
        assert fleet[kiosk_id].version == 1  # rolled back to the last good bundle
        layer = fleet[kiosk_id].agent.slots.current_layer()
        assert layer == {"kiosk": {"hotline": "962288"}}
        entry = next(k for k in state["kiosks"] if k["kiosk_id"] == kiosk_id)
        assert entry["status"] == "failed" and "printer" in entry["reason"]
    assert fleet[first[2]].version == 2
    for kiosk_id in wave_members(state, 2):
        fleet[kiosk_id].poll_and_apply()
        assert fleet[kiosk_id].version == 1
    status, out = kiosk_admin("rollout", "status", "--central", central.url)
    assert status == 1 and "halted" in out and broken[0] in out


def test_a_pushed_config_waits_for_the_user_session_to_end(
        tmp_path: Path, central: CentralServer, keys_dir: Path,
        fleet: dict[str, SimulatedKiosk]) -> None:
    """GIVEN a group push in one wave and a kiosk where someone is mid-session
    WHEN every kiosk polls and tries to apply
    THEN that kiosk holds the bundle pending and keeps its config until the session ends,
    then applies it; the rollout completes only after it reported."""
    push(tmp_path, central, keys_dir, '[ui]\nidle_timeout_s = 90\n',
         "--wave", "100")
    busy = fleet["SH-HQ-0003"]
    busy.in_session = True
    for kiosk in fleet.values():
        kiosk.poll_and_apply()
    assert busy.version is None and busy.agent.pending() == 1
    assert rollout(central)["state"] == "running"
    busy.in_session = False
    busy.agent.apply_pending()
    assert busy.version == 1 and busy.running[-1].ui.idle_timeout_s == 90
    assert rollout(central)["state"] == "completed"


class TamperingProxy:
    """Between the kiosk and central: forwards every request, and while ``tamper`` is set
    changes a setting in the bundle GET /v1/config answers, keeping its signature, its
    version and central's ETag (what an attacker or a broken middlebox can do)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.tamper = False
        self.if_none_match: list[str | None] = []
        self.statuses: list[int] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() in ("authorization", "if-none-match", "content-type",
                                            "x-kiosk-id")}
                if self.path == "/v1/config":
                    proxy.if_none_match.append(self.headers.get("If-None-Match"))
                answer = requests.request(self.command, proxy.upstream + self.path,
                                          headers=headers, data=body or None, timeout=PATIENCE_S)
                content = answer.content
                if self.path == "/v1/config":
                    proxy.statuses.append(answer.status_code)
                    if proxy.tamper and answer.status_code == 200:
                        signed = json.loads(content)
                        signed["bundle"]["settings"]["kiosk"]["hotline"] = "666"
                        content = json.dumps(signed).encode()
                self.send_response(answer.status_code)
                for name in ("Content-Type", "ETag", "Cache-Control"):
                    if name in answer.headers:
                        self.send_header(name, answer.headers[name])
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = _forward  # noqa: N815 (http.server's naming)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def tampering(central: CentralServer) -> Iterator[TamperingProxy]:
    proxy = TamperingProxy(central.url)
    try:
        yield proxy
    finally:
        proxy.close()


def test_a_tampered_copy_of_a_version_does_not_keep_the_genuine_one_away(
        tmp_path: Path, central: CentralServer, keys_dir: Path,
        tampering: TamperingProxy) -> None:
    """GIVEN a kiosk on version 1 that reaches real central through a proxy, and the admin
    pushing version 2
    WHEN the proxy alters version 2's settings on the way (same version, same ETag, the
    signature no longer matches), the kiosk polls, then the proxy lets it through
    THEN the tampered copy is refused (bad_signature) and reported; the next poll does not
    name version 2's ETag, so central sends the genuine version 2 (200, not 304), which
    the kiosk applies and reports applied."""
    signing = load_key(keys_dir / KEY_FILE)
    kiosk = _kiosk(tmp_path, central, signing, "SH-HQ-0001", GROUP, via=tampering.url)
    try:
        push(tmp_path, central, keys_dir, '[kiosk]\nhotline = "962288"\n', "--wave", "100")
        kiosk.poll_and_apply()
        assert kiosk.version == 1

        push(tmp_path, central, keys_dir, '[kiosk]\nhotline = "962299"\n', "--wave", "100")
        tampering.tamper = True
        result = kiosk.agent.poll_once()
        assert result.outcome == "rejected" and result.reason.startswith("bad_signature")
        entry = rollout(central)["kiosks"][0]
        assert (entry["status"], entry["reason"][:13]) == ("rejected", "bad_signature")

        tampering.tamper = False
        assert kiosk.agent.poll_once().outcome == "staged"
        assert tampering.if_none_match[-1] == '"v1"' and tampering.statuses[-1] == 200
        kiosk.agent.apply_pending()
        assert kiosk.version == 2 and kiosk.running[-1].kiosk.hotline == "962299"
        state = rollout(central)
        assert state["version"] == 2 and state["kiosks"][0]["status"] == "applied"
    finally:
        kiosk.close()

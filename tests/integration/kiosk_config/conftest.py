"""Fixtures for the config agent tests (their helpers live in kiosk_config_world.py:
a conftest cannot be imported by the tests)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.devtools.loopback import LOOPBACK_CENTRAL_TIMEOUT_S
from kiosk.domain.clock import SystemClock
from kiosk.sync.client import CentralClient
from kiosk.sync.config_agent import ConfigAgent, HealthCheck, StepHook, site_loader, trusted_keys
from kiosk.sync.config_slots import ConfigSlots
from kiosk.sync.wire_config import ConfigBundle, SignedBundle, public_key_text, sign_bundle
from kiosk_config_world import KIOSK_ID, FakeCentral, Kiosk, MakeAgent, Sign
from tests.patience import PATIENCE_S


@pytest.fixture
def central() -> Iterator[FakeCentral]:
    fake = FakeCentral()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="session")
def admin_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def sign(admin_key: Ed25519PrivateKey) -> Sign:
    def make(version: int, settings: dict[str, dict[str, Any]] | None = None, *,
             key: Ed25519PrivateKey | None = None) -> SignedBundle:
        bundle = ConfigBundle(version=version, issued_at=datetime.now(UTC),
                              settings=settings if settings is not None else
                              {"kiosk": {"hotline": f"9600{version}"}})
        return sign_bundle(bundle, key or admin_key)
    return make


@pytest.fixture
def site_file(tmp_path: Path, central: FakeCentral, admin_key: Ed25519PrivateKey) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(
        f'[kiosk]\nid = "{KIOSK_ID}"\ndata_dir = "{tmp_path / "kiosk"}"\n'
        f'[central]\nurl = "{central.url}"\ntimeout_s = 2.0\n'
        f'[sync]\nconfig_keys = ["{public_key_text(admin_key.public_key())}"]\n'
        f'config_poll_interval_s = 0.05\n', encoding="utf-8")
    return path


@pytest.fixture
def kiosk() -> Kiosk:
    return Kiosk()


@pytest.fixture
def make_agent(tmp_path: Path, site_file: Path, kiosk: Kiosk,
               central: FakeCentral) -> Iterator[MakeAgent]:
    """Builds agents over the same data folder (a second one is the kiosk restarted)."""
    made: list[tuple[ConfigAgent, CentralClient]] = []
    load = site_loader(site_file)
    config = load(None)

    def build(*, health_check: HealthCheck | None = None,
              step_hook: StepHook | None = None) -> ConfigAgent:
        client = CentralClient(central.url, timeout_s=LOOPBACK_CENTRAL_TIMEOUT_S, kiosk_id=KIOSK_ID,
                               clock=SystemClock(), get_retries=0)
        agent = ConfigAgent(ConfigSlots.in_data_dir(config.kiosk.data_dir), client,
                            trusted_keys(config.sync.config_keys), load,
                            health_check or kiosk.health_check,
                            lambda: not kiosk.in_session, kiosk.applied.append, SystemClock(),
                            interval_s=config.sync.config_poll_interval_s, step_hook=step_hook)
        made.append((agent, client))
        return agent

    yield build
    for agent, client in made:
        assert agent.stop(timeout=PATIENCE_S)
        client.close()

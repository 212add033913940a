"""Fixtures of the QR payment simulator's tests: the simulator in-process on a free
port of 127.0.0.1 with its control line, a merchant built from the central-payments.toml
it wrote, and a notify URL that records what the providers send."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.sim.qrpay import QrPaySimulator
from hardware.sim.qrpay.keys import load_or_create
from qrpay_helpers import NOTIFY_ATTEMPTS, NOTIFY_BACKOFF_S, NotifySink
from qrpay_merchant import Merchant, merchant_from


@pytest.fixture(scope="session")
def qrpay_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One keys directory per worker: RSA keys take a moment to make."""
    folder = tmp_path_factory.mktemp("qrpay-keys")
    load_or_create(folder)
    return folder


@pytest.fixture
def simulator(qrpay_keys: Path) -> Iterator[QrPaySimulator]:
    with QrPaySimulator(qrpay_keys, notify_backoff_s=NOTIFY_BACKOFF_S,
                        notify_attempts=NOTIFY_ATTEMPTS) as sim:
        sim.start()
        yield sim


@pytest.fixture
def control(simulator: QrPaySimulator) -> str:
    return simulator.start_control()


@pytest.fixture
def merchant(simulator: QrPaySimulator) -> Merchant:
    assert simulator.settings_file is not None
    return merchant_from(simulator.settings_file)


@pytest.fixture
def sink() -> Iterator[NotifySink]:
    receiver = NotifySink()
    yield receiver
    receiver.close()

"""`kiosk-central serve --payments FILE --public-url URL` as a real process, with the
file the providers' simulator writes (`kiosk sim qrpay --keys DIR`)."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from hardware.sim.qrpay import Provider, QrPaySimulator
from kiosk.domain.qr import QrMode, QrOrderRequest, QrProvider, QrState
from qr_helpers import ctx, kiosk_client, new_reference
from test_central_cli import REPO, wait_for
from tests.patience import PATIENCE_S


@pytest.fixture
def simulator(tmp_path):
    with QrPaySimulator(tmp_path / "keys") as sim:
        sim.start()
        yield sim


def serve(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "central.cli", "serve", *args],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_serve_takes_the_providers_and_names_its_public_url(tmp_path, simulator, keys,
                                                            central_db):
    """GIVEN the simulator's central-payments.toml
    WHEN central serves with --payments and --public-url, and a kiosk shows a code
    THEN central offers the three providers and the provider was told to notify
    central at the public URL."""
    ready = tmp_path / "central.json"
    process = serve("--db", central_db, "--port", "0", "--ready-file", str(ready),
                    "--payments", str(simulator.settings_file),
                    "--public-url", "https://central.example.test:8443",
                    "--log-level", "warning")
    try:
        url = str(wait_for(ready, timeout=PATIENCE_S)["url"])
        kiosk = kiosk_client(url, keys.credential("SH-CN-0001"))
        assert kiosk.providers(ctx()) == frozenset(QrProvider)
        order = kiosk.create(ctx(), QrOrderRequest(
            order_id=new_reference(), provider=QrProvider.WECHAT, mode=QrMode.SHOW,
            amount=Decimal("9.90"), subject="water"))
        assert order.state is QrState.WAITING
        [held] = [o for o in simulator.bank.ledger.all() if o.provider is Provider.WECHAT]
        assert held.notify_url == "https://central.example.test:8443/v1/qrpay/notify/wechat"
    finally:
        process.terminate()
        process.communicate(timeout=10)


@pytest.mark.parametrize(("content", "said"), [
    ("[alipay]\napp_id = '1'\n", "[alipay] needs gateway"),
    ("[paypal]\nx = 1\n", "unknown section [paypal]"),
    (("[unionpay]\nbase_url='u'\nmer_id='m'\ncert_id='c'\nmerchant_private_key='nope.pem'\n"
     "unionpay_public_key='nope.pem'\n"), "a key file cannot be read"),
    ("not toml at all [", "not TOML"),
])
def test_serve_refuses_a_payments_file_it_cannot_use(tmp_path: Path, content: str,
                                                     said: str):
    """GIVEN a payments file with a missing key, an unknown section, a key file that is
    not there, or no TOML at all
    WHEN central is started with it
    THEN it stops at once, naming the file and what is wrong (never a key's content)."""
    path = tmp_path / "payments.toml"
    path.write_text(content, encoding="utf-8")
    process = serve("--db", f"sqlite:///{tmp_path / 'c.db'}", "--port", "0",
                    "--payments", str(path))
    _, err = process.communicate(timeout=30)
    assert process.returncode != 0
    assert str(path) in err.decode() and said in err.decode()

"""`kiosk sim qrpay` as a real process, its keys directory and central's settings file."""

from __future__ import annotations

import json
import signal
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from hardware.sim.qrpay import QrPaySimulator
from hardware.sim.qrpay.keys import KEY_STEMS
from kiosk.cli import main as kiosk_main
from qrpay_helpers import person
from qrpay_merchant import merchant_from
from tests.ready_files import wait_for_ready_file

pytestmark = pytest.mark.timeout(30)

REPO = Path(__file__).resolve().parents[3]


def test_the_command_makes_keys_serves_and_stops_on_sigterm(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN `kiosk sim qrpay --keys DIR --listen 127.0.0.1:0 --control 127.0.0.1:0
    --ready-file F --fault slow=0.1` started as a process on an empty DIR
    WHEN F is read, a merchant built from DIR/central-payments.toml creates an Alipay
    order, `kiosk sim control ADDRESS pay` pays it, and SIGTERM follows
    THEN every key was made, the private ones 0600; the settings name the real port
    and relative key files; the order is paid; the process exits 0 and F is gone."""
    keys, ready = tmp_path / "keys", tmp_path / "run" / "qrpay.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "sim", "qrpay", "--keys", str(keys),
         "--listen", "127.0.0.1:0", "--control", "127.0.0.1:0", "--ready-file", str(ready),
         "--fault", "slow=0.1"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = wait_for_ready_file(ready, process)
        assert info["pid"] == process.pid
        url, control = str(info["url"]), str(info["control"])
        port = url.rsplit(":", 1)[1]
        assert url.startswith("http://127.0.0.1:") and port != "0"
        assert Path(str(info["settings"])) == keys / "central-payments.toml"

        for merchant_stem, provider_stem in KEY_STEMS.values():
            for stem in (merchant_stem, provider_stem):
                private = keys / f"{stem}-private.pem"
                assert stat.S_IMODE(private.stat().st_mode) == 0o600
                assert (keys / f"{stem}-public.pem").exists()
        assert stat.S_IMODE((keys / "wechat-apiv3.key").stat().st_mode) == 0o600
        assert len((keys / "wechat-apiv3.key").read_text().strip()) == 32

        text = (keys / "central-payments.toml").read_text()
        assert text.startswith("# Written by `kiosk sim qrpay --keys DIR`")
        settings = tomllib.loads(text)
        assert settings["alipay"]["gateway"] == f"{url}/gateway.do"
        assert settings["wechat"]["base_url"] == settings["unionpay"]["base_url"] == url
        assert len(settings["wechat"]["merchant_serial_no"]) == 40
        assert settings["unionpay"]["cert_id"].isdigit()

        assert person(control, "faults")["active"] == {"slow": 0.1}
        merchant = merchant_from(keys / "central-payments.toml")
        merchant.alipay.call("alipay.trade.precreate", {
            "out_trade_no": "CLI-1", "total_amount": "9.99", "subject": "water"})
        assert kiosk_main(["sim", "control", control, "pay"]) == 0
        assert json.loads(capsys.readouterr().out)["order"]["state"] == "PAID"
        assert merchant.alipay.call("alipay.trade.query", {"out_trade_no": "CLI-1"})[
            "trade_status"] == "TRADE_SUCCESS"

        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
        assert process.returncode == 0, err
        assert f"qrpay simulator on {url}" in out
        assert not ready.exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=5)


def test_a_second_start_keeps_the_keys_and_rewrites_the_port(qrpay_keys: Path) -> None:
    """GIVEN a keys directory a simulator already used
    WHEN another simulator starts on it (another port)
    THEN the key files are unchanged, and central-payments.toml names the new port with
    the same merchant serial number and certId."""
    before = {path.name: path.read_bytes() for path in qrpay_keys.glob("*.pem")}
    with QrPaySimulator(qrpay_keys) as first:
        first.start()
        serial = tomllib.loads((qrpay_keys / "central-payments.toml").read_text())
    with QrPaySimulator(qrpay_keys) as second:
        url = second.start()
        again = tomllib.loads((qrpay_keys / "central-payments.toml").read_text())
    assert {path.name: path.read_bytes() for path in qrpay_keys.glob("*.pem")} == before
    assert again["wechat"]["base_url"] == url
    assert again["wechat"]["merchant_serial_no"] == serial["wechat"]["merchant_serial_no"]
    assert again["unionpay"]["cert_id"] == serial["unionpay"]["cert_id"]


def test_an_unknown_fault_is_a_usage_error(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN `kiosk sim qrpay --fault on_fire`
    WHEN main runs
    THEN it exits 2 naming the known faults, before making any key."""
    from hardware.sim.qrpay import main

    with pytest.raises(SystemExit) as caught:
        main(["--keys", str(tmp_path / "keys"), "--fault", "on_fire"])
    assert caught.value.code == 2
    assert "unknown fault 'on_fire'" in capsys.readouterr().err
    assert not (tmp_path / "keys").exists()


def test_the_person_commands_answer_in_the_control_vocabulary(control: str) -> None:
    """GIVEN the control line
    WHEN codes are asked for each provider, an unknown provider, a pay with nothing
    shown, a confirm of an unknown order and an unknown command
    THEN the codes have each app's shape; the mistakes answer ok=false with a reason,
    the unknown command naming the commands."""
    shapes = {"alipay": 18, "wechat": 18, "unionpay": 19}
    for provider, length in shapes.items():
        code = person(control, "code", provider=provider)["code"]
        assert len(code) == length and code.isdigit()
    assert person(control, "code", provider="paypal") == {
        "ok": False, "error": "provider is one of: alipay, wechat, unionpay"}
    assert person(control, "pay") == {"ok": False,
                                      "error": "no shown code is waiting to be paid"}
    assert person(control, "confirm", order="nope") == {"ok": False,
                                                        "error": "refused: not_found"}
    unknown = person(control, "dance")
    assert unknown["ok"] is False and "code, scan, pay, confirm, orders, notifications" in \
        unknown["error"]

"""`kiosk demo --headless`, as a user runs it: a separate process tree on loopback."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.slow


def demo_command(out: Path, data: Path, lang: str) -> list[str]:
    return [sys.executable, "-m", "kiosk.cli", "demo", "--headless", "--out", str(out),
            "--data", str(data), "--lang", lang]


def child_pids(data: Path) -> list[int]:
    return [json.loads(p.read_text())["pid"] for p in (data / "run").glob("*.ready.json")]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie not yet reaped by init counts as gone.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


@pytest.mark.long(26)
def test_headless_demo_pays_a_bill_and_writes_screens_and_receipt(tmp_path: Path) -> None:
    """GIVEN a fresh data folder
    WHEN `kiosk demo --headless --lang zh-Hans` runs
    THEN it exits 0, writes a PNG of every walkthrough screen and the printed receipt as
    text and PNG showing biller, account, amount, masked card, auth code and reference,
    central recorded the payment, and no child process is left running."""
    out, data = tmp_path / "out", tmp_path / "data"
    done = subprocess.run(demo_command(out, data, "zh-Hans"), capture_output=True, text=True,
                          timeout=180, env={**os.environ, "DISPLAY": ""})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    summary = json.loads((out / "summary.json").read_text())
    assert summary["receipt_printed"] and summary["central_recorded"]
    screens = sorted(out.glob("[0-9][0-9]-*.png"))
    assert [p.name for p in screens] == summary["screens"] and len(screens) == 8
    for screen in screens:
        with Image.open(screen) as image:
            assert image.size == (1080, 1920)
            assert len(image.convert("L").getcolors(65536) or []) > 20  # not a blank frame

    receipt = (out / "receipt.txt").read_text(encoding="utf-8")
    for expected in ("上海城投水务", "3100012345", "¥128.96", "622848******1234",
                     summary["reference"], "授权码"):
        assert expected in receipt
    with Image.open(out / "receipt.png") as image:
        assert image.size[0] == 576
    assert str(out / "receipt.png") in done.stdout

    assert all(not alive(pid) for pid in child_pids(data))


@pytest.mark.long(30)
def test_headless_demo_pays_bills_with_qr_payment_apps(tmp_path: Path) -> None:
    """GIVEN a fresh data folder
    WHEN `kiosk demo --headless --scenario bill-qr --lang en` runs (the QR providers'
    simulator as a child process, its scripted person paying each code shown)
    THEN it exits 0 having paid the water bill with Alipay by a code shown and the gas
    bill with WeChat Pay by the app's payment code held to the reader; each receipt, as
    text and PNG, names the app, the provider's transaction id and the order id;
    central's database holds both payments with their method and transaction id, not
    flagged; and no child process is left running."""
    out, data = tmp_path / "out", tmp_path / "data"
    done = subprocess.run([*demo_command(out, data, "en"), "--scenario", "bill-qr"],
                          capture_output=True, text=True, timeout=180,
                          env={**os.environ, "DISPLAY": ""})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    scenario = json.loads((out / "summary.json").read_text())["scenarios"]["bill-qr"]
    assert scenario["error"] == ""
    assert {"07-method.png", "08-qr-mode.png", "09-qr-code.png", "11-qr-scan.png"} <= set(
        scenario["screens"])
    assert scenario["slips"] == ["slip-1.txt", "slip-1.png", "slip-2.txt", "slip-2.png"]
    with sqlite3.connect(data / "central" / "central.sqlite3") as central:
        recorded = central.execute("SELECT reference, method, provider_txn_id, needs_review "
                                   "FROM payments ORDER BY id").fetchall()
    assert [(method, flagged) for _, method, _, flagged in recorded] == [
        ("alipay", 0), ("wechat", 0)]
    apps = ("支付宝 Alipay", "微信支付 WeChat Pay")
    for index, ((reference, _, txn_id, _), app) in enumerate(zip(recorded, apps, strict=True),
                                                              start=1):
        receipt = (out / "bill-qr" / f"slip-{index}.txt").read_text(encoding="utf-8")
        assert app in receipt and txn_id in receipt and reference in receipt
        assert "订单号 Order ID" in receipt
        with Image.open(out / "bill-qr" / f"slip-{index}.png") as image:
            assert image.size[0] == 576
    assert all(not alive(pid) for pid in child_pids(data))


@pytest.mark.timeout(600)  # five services by touch: about 1 minute here
@pytest.mark.long(55)
def test_every_scenario_walks_its_flow_and_prints_its_slip(tmp_path: Path) -> None:
    """GIVEN a fresh data folder
    WHEN `kiosk demo --headless --scenario all --lang fr` runs
    THEN it exits 0 and, for each of the five services, writes every screen it walked
    (real pixels, none blank) and the slip it printed, as text and PNG, with the
    service's Chinese title on it; summary.json lists them with no error."""
    out, data = tmp_path / "out", tmp_path / "data"
    command = [*demo_command(out, data, "fr"), "--scenario", "all"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "DISPLAY": ""})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    summary = json.loads((out / "summary.json").read_text())
    titles = {"bill": "公用事业缴费凭证", "tax": "个人所得税纳税记录",
              "stay": "境外人员临时住宿登记凭证", "arbitration": "劳动人事争议仲裁",
              "points": "居住证积分自测结果"}
    assert list(summary["scenarios"]) == list(titles)
    for name, title in titles.items():
        scenario = summary["scenarios"][name]
        assert scenario["error"] == "", (name, scenario["error"])
        folder = out / name
        screens = [folder / screen for screen in scenario["screens"]]
        assert len(screens) >= 8 and all(p.exists() for p in screens), name
        with Image.open(screens[-1]) as image:
            assert len(image.convert("L").getcolors(65536) or []) > 20, name
        assert scenario["slips"] == ["slip-1.txt", "slip-1.png"], name
        assert title in (folder / "slip-1.txt").read_text(encoding="utf-8"), name
    assert all(not alive(pid) for pid in child_pids(data))


def test_demo_stopped_with_sigterm_leaves_no_children(tmp_path: Path) -> None:
    """GIVEN a running demo whose simulators and central have started
    WHEN it receives SIGTERM
    THEN it exits and takes its whole process tree with it."""
    out, data = tmp_path / "out", tmp_path / "data"
    demo = subprocess.Popen(demo_command(out, data, "en"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "DISPLAY": ""})
    try:
        deadline = time.monotonic() + 60
        # Central, the printer, the payment terminal and the document reader.
        while len(child_pids(data)) < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
        pids = child_pids(data)
        assert len(pids) == 4 and all(alive(pid) for pid in pids)
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in pids)
    finally:
        if demo.poll() is None:
            demo.kill()

"""`kiosk-central serve` with alert settings: a real central process on the real clock,
its scheduler every 50 ms, a webhook receiver on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from alerting import healthy
from tests.patience import PATIENCE_S
from webhook_receiver import WebhookReceiver

REPO = Path(__file__).resolve().parents[3]


def wait_for_url(ready: Path, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + PATIENCE_S
    while not ready.exists():
        assert process.poll() is None, process.communicate(timeout=5)
        assert time.monotonic() < deadline, "central did not start"
        time.sleep(0.05)
    return str(json.loads(ready.read_text(encoding="utf-8"))["url"])


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    hook = WebhookReceiver()
    try:
        yield hook
    finally:
        hook.close()


def test_serve_delivers_alerts_to_the_configured_webhook(tmp_path: Path, central_db: str,
                                                         keys, receiver: WebhookReceiver
                                                         ) -> None:
    """GIVEN `kiosk-central serve --alert-webhook-url U --alert-webhook-secret-file F
    --scheduler-interval-s 0.05 --alert outbox_depth=10`
    WHEN a kiosk reports 12 records waiting
    THEN the receiver gets alert.raised outbox_growing, signed with F's secret."""
    secret = tmp_path / "webhook-secret"
    secret.write_text("s3cret-from-a-file\n", encoding="utf-8")
    ready = tmp_path / "central.json"
    keys.credential("SH-CLI-1")  # migrates the database before central starts
    process = subprocess.Popen(
        [sys.executable, "-m", "central.cli", "serve", "--db", central_db, "--port", "0",
         "--ready-file", str(ready), "--log-level", "warning",
         "--alert-webhook-url", receiver.url, "--alert-webhook-secret-file", str(secret),
         "--scheduler-interval-s", "0.05", "--alert", "outbox_depth=10"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        url = wait_for_url(ready, process)
        answer = requests.post(f"{url}/v1/heartbeats", json=healthy(outbox_depth=12),
                               headers=keys.kiosk_headers("SH-CLI-1"), timeout=PATIENCE_S)
        assert answer.status_code == 200, answer.text
        [got] = receiver.wait_for(1)
        assert got.json["event"] == "alert.raised"
        assert got.json["alert"]["kind"] == "outbox_growing"
        assert got.signed_with("s3cret-from-a-file")
        os.kill(process.pid, signal.SIGTERM)
        assert process.wait(timeout=PATIENCE_S) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=PATIENCE_S)


@pytest.mark.parametrize(("arguments", "complaint"), [
    (["--alert", "offline_minutes=0"], "offline_minutes must be positive"),
    (["--alert", "loudness=11"], "unknown alert setting"),
    (["--alert-webhook-url", "http://127.0.0.1:9/hook"], "needs --alert-webhook-secret-file"),
    (["--scheduler-interval-s", "0"], "must be positive"),
])
def test_serve_refuses_bad_alert_settings(tmp_path: Path, arguments: list[str],
                                          complaint: str) -> None:
    """GIVEN a bad alert threshold, a webhook without a secret, or a zero interval
    WHEN `kiosk-central serve` starts
    THEN it exits at once saying what is wrong, before it listens."""
    done = subprocess.run(
        [sys.executable, "-m", "central.cli", "serve", "--db",
         f"sqlite:///{tmp_path / 'central.db'}", "--port", "0", *arguments],
        cwd=REPO, capture_output=True, text=True, timeout=PATIENCE_S)
    assert done.returncode != 0
    assert complaint in done.stderr

"""Central's heartbeat latency with a simulated fleet: central runs as its own process
(`kiosk-central serve`, so the load generator does not share its interpreter), 1,000
kiosks each send a few heartbeats through a pool of client threads as fast as central
answers, and the fleet view is read at the end. Prints p50/p95/p99 latency and beats/s;
never passes or fails.

    .venv/bin/python bench/heartbeat_latency.py [--kiosks 1000] [--beats 5]
        [--concurrency 32] [--db sqlite:///PATH | postgresql+psycopg://...]

Without --db a fresh SQLite file in a temporary folder is used.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from central.db import make_engine
from central.enrollment import EnrollmentService

START_TIMEOUT_S = 30.0
HTTP_TIMEOUT_S = 30.0
REPO = Path(__file__).resolve().parent.parent


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def start_central(db_url: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    ready = workdir / "central.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    process = subprocess.Popen(
        [sys.executable, "-m", "central.cli", "serve", "--db", db_url, "--port", "0",
         "--ready-file", str(ready), "--log-level", "warning",
         "--admin-token-file", str(workdir / "admin-token")], env=env)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit("central did not start")
        time.sleep(0.05)
    url: str = json.loads(ready.read_text(encoding="utf-8"))["url"]
    return process, url


def beat_body(kiosk: int, beat: int) -> dict[str, Any]:
    return {
        "app_version": "0.1.0", "config_version": "local-bench0000000",
        "devices": {"printer": {"state": "ok"}, "payment": {"state": "ok"},
                    "reader": {"state": "fault" if kiosk % 97 == 0 else "ok",
                               "reason": "disconnected" if kiosk % 97 == 0 else None}},
        "outbox_depth": (kiosk * 7 + beat) % 13, "last_error": None,
        "disk_free_bytes": 20 * 2**30 - kiosk * 2**20,
    }


class Fleet:
    """Client threads, each with its own keep-alive session (a pooled connection)."""

    def __init__(self, url: str, credentials: dict[int, str], admin_token: str = "") -> None:
        self.url = url
        self.credentials = credentials
        self.admin_token = admin_token
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=1))
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def send(self, kiosk: int, beat: int) -> tuple[float, int]:
        started = time.perf_counter()
        answer = self.session().post(f"{self.url}/v1/heartbeats", json=beat_body(kiosk, beat),
                                     headers={"Authorization":
                                              f"Bearer {self.credentials[kiosk]}"},
                                     timeout=HTTP_TIMEOUT_S)
        return (time.perf_counter() - started) * 1000, answer.status_code

    def close(self) -> None:
        for session in self._sessions:
            session.close()


def enroll_fleet(db_url: str, kiosks: int) -> dict[int, str]:
    """A credential for every bench kiosk, put straight into central's database."""
    engine = make_engine(db_url)
    try:
        enrollment = EnrollmentService(engine)
        return {k: enrollment.issue_credential(f"SH-BENCH-{k:05d}") for k in range(kiosks)}
    finally:
        engine.dispose()


def run(url: str, kiosks: int, beats: int, concurrency: int, credentials: dict[int, str],
        admin_token: str) -> None:
    fleet = Fleet(url, credentials, admin_token)
    timings: list[float] = []
    failures = 0
    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            # Warm-up: every kiosk's first beat (the inserts), timed separately.
            started = time.perf_counter()
            first = list(pool.map(lambda k: fleet.send(k, 0), range(kiosks)))
            first_s = time.perf_counter() - started
            started = time.perf_counter()
            rest = list(pool.map(lambda n: fleet.send(n % kiosks, 1 + n // kiosks),
                                 range(kiosks * (beats - 1))))
            rest_s = time.perf_counter() - started
        for ms, status in first + rest:
            timings.append(ms)
            failures += status != 200
        report("first beats (insert)", [ms for ms, _ in first], first_s)
        if rest:
            report("later beats (update)", [ms for ms, _ in rest], rest_s)
        report("all beats", timings, first_s + rest_s)
        print(f"  failed beats: {failures}")
        fleet_view(fleet, kiosks)
    finally:
        fleet.close()


def report(label: str, timings: list[float], seconds: float) -> None:
    print(f"{label:22} n={len(timings):5}  p50 {percentile(timings, 0.50):6.1f} ms  "
          f"p95 {percentile(timings, 0.95):6.1f} ms  p99 {percentile(timings, 0.99):6.1f} ms  "
          f"max {max(timings):6.1f} ms  {len(timings) / seconds:7.0f} beats/s")


def fleet_view(fleet: Fleet, kiosks: int) -> None:
    session = fleet.session()
    timings: list[float] = []
    body: dict[str, Any] = {}
    for _ in range(5):
        started = time.perf_counter()
        answer = session.get(f"{fleet.url}/v1/admin/fleet", timeout=HTTP_TIMEOUT_S,
                             headers={"Authorization": f"Bearer {fleet.admin_token}"})
        timings.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
        body = answer.json()
    print(f"GET /v1/admin/fleet    {len(body['kiosks'])} kiosks ({body['online']} online): "
          f"median {statistics.median(timings):.0f} ms over 5 reads")
    if len(body["kiosks"]) < kiosks:
        print(f"  WARNING: expected {kiosks} kiosks in the fleet")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=1000)
    parser.add_argument("--beats", type=int, default=5, help="heartbeats per kiosk")
    parser.add_argument("--concurrency", type=int, default=32, help="client threads")
    parser.add_argument("--db", help="central's SQLAlchemy URL (default: a fresh SQLite file)")
    args = parser.parse_args(argv)
    if args.kiosks < 1 or args.beats < 1 or args.concurrency < 1:
        parser.error("--kiosks, --beats and --concurrency must be at least 1")
    with tempfile.TemporaryDirectory(prefix="hb-bench-") as tmp:
        db_url = args.db or f"sqlite:///{Path(tmp) / 'central.sqlite3'}"
        backend = db_url.split(":", 1)[0]
        process, url = start_central(db_url, Path(tmp))
        print(f"central {url} on {backend}; {args.kiosks} kiosks x {args.beats} beats, "
              f"{args.concurrency} client threads, {os.cpu_count()} CPU(s)")
        try:
            run(url, args.kiosks, args.beats, args.concurrency,
                enroll_fleet(db_url, args.kiosks),
                (Path(tmp) / "admin-token").read_text(encoding="utf-8").strip())
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

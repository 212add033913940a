"""Heartbeats of a large fleet at its real rate, one central replica against two on one
PostgreSQL database (issue 14): figures printed, never judged pass or fail.

``--kiosks`` simulated kiosks (default 10,000) each beat once a minute, so the fleet
sends kiosks/60 beats a second (about 167/s). The load is open-loop: every beat has its
moment, evenly spread, and is sent then whether or not earlier ones were answered (a
fleet does not wait for central). Central runs as its own processes (`kiosk-central
serve`, its scheduler on: alert rounds over the whole fleet every 30 s on the lease
holder), on a throwaway PostgreSQL server as central's tests start one (durability off:
fsync and synchronous commit, so the figures are central's and the database's CPU, not a
disk's). With two replicas kiosk k beats to replica k % 2, as a round-robin reverse
proxy would spread them. Every kiosk beats once first (the inserts, not timed), then
``--seconds`` of beats are timed.

Printed per configuration: beats sent and answered, the achieved rate, latency
p50/p95/p99/max from send to answer, and how late the client sent them (the load
generator shares the machine's cores with central and PostgreSQL: a late client means
the machine, not central, was the limit).

    PYTHONPATH=. .venv/bin/python bench/heartbeats.py [--kiosks 10000] [--seconds 60]
        [--replicas 1 2] [--workers 64]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import insert

from central.credentials import hash_secret
from central.db import make_engine, migrate
from central.models_fleet import KioskCredentialRow

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60.0
HTTP_TIMEOUT_S = 30.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def secret_of(kiosk: int) -> str:
    return f"bench-credential-{kiosk:05d}-0123456789abcdef"


def kiosk_id(kiosk: int) -> str:
    return f"SH-BENCH-{kiosk:05d}"


def enroll(db_url: str, kiosks: int) -> None:
    """Migrate, and enroll every bench kiosk with one bulk insert (fast, unlike one
    enrollment at a time)."""
    engine = make_engine(db_url)
    try:
        migrate(engine)
        now = datetime.now(UTC)
        with engine.begin() as connection:
            connection.execute(insert(KioskCredentialRow), [
                {"kiosk_id": kiosk_id(k), "credential_hash": hash_secret(secret_of(k)),
                 "group_name": f"site-{k % 50:02d}", "enrolled_at": now, "issued_at": now}
                for k in range(kiosks)])
    finally:
        engine.dispose()


def start_central(db_url: str, workdir: Path, name: str) -> tuple[subprocess.Popen[bytes], str]:
    ready = workdir / f"{name}.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    process = subprocess.Popen(
        [sys.executable, "-m", "central.cli", "serve", "--db", db_url, "--port", "0",
         "--ready-file", str(ready), "--log-level", "warning"], env=env)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"central {name} did not start")
        time.sleep(0.05)
    return process, str(json.loads(ready.read_text(encoding="utf-8"))["url"])


def beat_body(kiosk: int, beat: int) -> dict[str, Any]:
    faulty = kiosk % 97 == 0
    return {
        "app_version": "0.1.0", "config_version": "local-bench0000000",
        "devices": {"printer": {"state": "ok"}, "payment": {"state": "ok"},
                    "reader": {"state": "fault" if faulty else "ok",
                               "reason": "disconnected" if faulty else None}},
        "outbox_depth": (kiosk * 7 + beat) % 13, "last_error": None,
        "disk_free_bytes": 20 * 2**30 - kiosk * 2**20,
    }


class Client:
    """Worker threads, each with its own keep-alive session per replica."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = urls
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.mount("http://", HTTPAdapter(pool_connections=len(self.urls),
                                                 pool_maxsize=1))
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def send(self, kiosk: int, beat: int, due: float) -> tuple[float, float, str]:
        """(latency ms, lateness ms, "200" or what went wrong)."""
        started = time.perf_counter()
        try:
            answer = self._session().post(
                f"{self.urls[kiosk % len(self.urls)]}/v1/heartbeats",
                json=beat_body(kiosk, beat), timeout=HTTP_TIMEOUT_S,
                headers={"Authorization": f"Bearer {secret_of(kiosk)}"})
            outcome = str(answer.status_code)
        except requests.RequestException as exc:
            outcome = type(exc).__name__
        return (time.perf_counter() - started) * 1000, (started - due) * 1000, outcome


    def close(self) -> None:
        for session in self._sessions:
            session.close()


def failures(results: list[tuple[float, float, str]]) -> str:
    """How many failed, and how: "0", or "3 (ReadTimeout 2, 500 1)"."""
    failed = Counter(outcome for _, _, outcome in results if outcome != "200")
    if not failed:
        return "0"
    return f"{sum(failed.values())} (" + ", ".join(f"{k} {n}" for k, n in
                                                 failed.most_common()) + ")"


def measure(urls: list[str], kiosks: int, seconds: float, workers: int) -> None:
    client = Client(urls)
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            started = time.perf_counter()
            first = list(pool.map(lambda k: client.send(k, 0, time.perf_counter()),
                                  range(kiosks)))
            print(f"  first beats (inserts, as fast as answered): {kiosks} in "
                  f"{time.perf_counter() - started:.1f} s, {failures(first)} failed")
            spacing = 60.0 / kiosks  # each kiosk once a minute
            total = int(seconds / spacing)
            futures = []
            origin = time.perf_counter() + 0.5
            for n in range(total):
                due = origin + n * spacing
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                futures.append(pool.submit(client.send, n % kiosks, 1 + n // kiosks, due))
            results = [f.result() for f in futures]
            elapsed = time.perf_counter() - origin
    finally:
        client.close()
    answered = [ms for ms, _, outcome in results if outcome == "200"]
    late = [lateness for _, lateness, _ in results]
    print(f"  timed: {total} beats over {elapsed:.1f} s, target {kiosks / 60:.0f}/s, "
          f"achieved {len(answered) / elapsed:.0f}/s answered, "
          f"{failures(results)} failed")
    if answered:
        print(f"  latency  p50 {percentile(answered, 0.5):6.1f} ms  "
              f"p95 {percentile(answered, 0.95):6.1f} ms  "
              f"p99 {percentile(answered, 0.99):6.1f} ms  max {max(answered):6.1f} ms")
    print(f"  client lateness p50 {percentile(late, 0.5):6.1f} ms  "
          f"p99 {percentile(late, 0.99):6.1f} ms")


def throwaway_postgres() -> Any:
    """A throwaway PostgreSQL server as central's tests start one, or SystemExit."""
    sys.path.insert(0, str(REPO / "tests" / "integration" / "central"))
    from central_pg_server import PostgresUnavailable, ThrowawayPostgres

    try:
        server = ThrowawayPostgres()
        server.start()
    except (PostgresUnavailable, RuntimeError) as exc:
        raise SystemExit(f"PostgreSQL unavailable: {exc}") from None
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60.0, help="timed, per configuration")
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--workers", type=int, default=64, help="client threads")
    args = parser.parse_args(argv)
    if args.kiosks < 1 or args.seconds <= 0 or min(args.replicas) < 1:
        parser.error("--kiosks, --seconds and --replicas must be positive")
    print(f"{args.kiosks} kiosks, one beat a minute each ({args.kiosks / 60:.0f}/s), "
          f"{args.seconds:.0f} s timed per configuration, {args.workers} client threads, "
          f"{os.cpu_count()} CPU(s) shared by client, centrals and PostgreSQL")
    postgres = throwaway_postgres()
    try:
        for replicas in args.replicas:
            db_url = postgres.url_for(postgres.create_database())
            enroll(db_url, args.kiosks)
            print(f"{replicas} replica(s) on PostgreSQL")
            with tempfile.TemporaryDirectory(prefix="hb-bench-") as tmp:
                started = [start_central(db_url, Path(tmp), f"central-{n}")
                           for n in range(replicas)]
                try:
                    measure([url for _, url in started], args.kiosks, args.seconds,
                            args.workers)
                finally:
                    for process, _ in started:
                        process.terminate()
                    for process, _ in started:
                        try:
                            process.wait(10)
                        except subprocess.TimeoutExpired:
                            process.kill()
    finally:
        postgres.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

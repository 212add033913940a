"""What `kiosk diag` reports: each device's connection and state with the time its
status query took, the local store, and central. A plain dict, printable as JSON."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from kiosk import __version__

if TYPE_CHECKING:
    from kiosk.bootstrap import Runtime


def _device(status: Any) -> dict[str, Any]:
    data = {k: v for k, v in asdict(status).items() if v is not None and v != ""}
    data["health"] = status.health.value
    if "checked_at" in data:
        data["checked_at"] = status.checked_at.isoformat()
    return data


def collect(runtime: Runtime) -> dict[str, Any]:
    deps = runtime.services.bill_payment
    printer = deps.printer.status()
    terminal = deps.terminal.status()
    started = time.monotonic()
    central_ok = runtime.central.health()
    central_ms = (time.monotonic() - started) * 1000
    integrity = runtime.store.integrity_check()
    report: dict[str, Any] = {
        "kiosk": {"id": runtime.config.kiosk.id, "version": __version__},
        "devices": {"printer": _device(printer), "payment": _device(terminal)},
        "store": {"integrity": integrity, "outbox_depth": runtime.store.outbox.depth(),
                  "unfinished_payments": len(deps.journal.unfinished())},
        "central": {"url": runtime.config.central.url, "reachable": central_ok,
                    "query_ms": round(central_ms, 1)},
    }
    report["ok"] = printer.ok and terminal.ok and central_ok and integrity == "ok"
    return report


def render_text(report: dict[str, Any]) -> str:
    lines = [f"kiosk {report['kiosk']['id']} (version {report['kiosk']['version']})"]
    for name, dev in report["devices"].items():
        reason = f" ({dev['reason']})" if dev.get("reason") else ""
        ms = f", status in {dev['query_ms']:.0f} ms" if dev.get("query_ms") is not None else ""
        lines.append(f"  {name:<8} {dev['health'].upper():<8}{reason} {dev.get('connection', '')}"
                     f"{ms}" + (f"  {dev['detail']}" if dev.get("detail") else ""))
    store = report["store"]
    lines.append(f"  store    integrity {store['integrity']}, outbox {store['outbox_depth']} "
                 f"queued, {store['unfinished_payments']} unfinished payment(s)")
    central = report["central"]
    lines.append(f"  central  {'reachable' if central['reachable'] else 'UNREACHABLE'} "
                 f"{central['url']} ({central['query_ms']:.0f} ms)")
    lines.append("OK" if report["ok"] else "PROBLEMS FOUND")
    return "\n".join(lines)

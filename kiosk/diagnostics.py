"""What `kiosk diag` reports, for a technician at 3 a.m.: each device's connection,
profile, state, last error and how long its status query took; the local store; central
(reachable, version, clock skew); disk space; app and config version. Any problem that
needs a technician is listed under "problems" and makes the command exit non-zero.
The same dict feeds the technician screen."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from dataclasses import asdict
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hardware.base import REASON_BUSY, DeviceStatus, Health, PrintOutcome
from kiosk import __version__
from kiosk.domain.clock import machine_timestamp
from kiosk.services.device_faults import WHAT_TO_DO, advice_for
from kiosk.services.ports import ParkedRecord, Speech
from kiosk.services.printing import print_slip
from kiosk.services.slips import test_slip
from kiosk.sync.config_slots import ConfigSlots

if TYPE_CHECKING:
    from kiosk.bootstrap import Runtime

MAX_CLOCK_SKEW_S = 60.0  # slips and the wire carry kiosk time: more than this needs fixing


def config_version(runtime: Runtime) -> str:
    """The pushed bundle's version when one runs (what rollouts and the fleet table show),
    else the effective configuration's fingerprint. Read from the data folder, so `kiosk
    diag` run beside the kiosk says the same as the kiosk itself."""
    version = ConfigSlots.in_data_dir(Path(runtime.config.kiosk.data_dir)).current_version()
    if version is not None:
        return str(version)
    canonical = json.dumps(runtime.config.model_dump(mode="json"), sort_keys=True)
    return "local-" + hashlib.sha256(canonical.encode()).hexdigest()[:12]


def pushed_config_report(runtime: Runtime) -> dict[str, Any]:
    """The pushed configuration for technicians: running, waiting, the last that failed."""
    slots = ConfigSlots.in_data_dir(Path(runtime.config.kiosk.data_dir))
    state = slots.load_state()
    pending = slots.read("pending")
    report: dict[str, Any] = {"running": slots.current_version(),
                              "pending": pending.bundle.version if pending else None,
                              "unreported": len(state.unreported)}
    if state.failed:
        version = max(state.failed, key=int)
        report["last_failed"] = {"version": int(version), "reason": state.failed[version]}
    return report


def _parked(record: ParkedRecord, zone: tzinfo) -> dict[str, Any]:
    return {"reference": record.reference, "kind": record.kind, "reason": record.reason,
            "detail": record.detail,
            "parked_at": machine_timestamp(record.parked_at.astimezone(zone))}


def _device(name: str, status: DeviceStatus, zone: tzinfo) -> dict[str, Any]:
    """The status as JSON, with what its fault means and what to do; its times (drivers
    keep them in UTC) in the kiosk's zone, as the logs, the screens and the slips write
    them."""
    data = {k: v for k, v in asdict(status).items() if v is not None and v != ""}
    data["health"] = status.health.value
    for key, value in list(data.items()):
        if isinstance(value, datetime):
            data[key] = machine_timestamp(value.astimezone(zone))
    advice = advice_for(name, status.reason)
    if advice is not None:  # in English: `kiosk diag` is read in a shell and in tickets
        data["meaning"], data["advice"] = advice.meaning, advice.action
    return data


def _devices(runtime: Runtime) -> dict[str, DeviceStatus]:
    deps = runtime.services.bill_payment
    statuses = {"printer": deps.printer.status(), "payment": deps.terminal.status()}
    if runtime.reader is not None:
        statuses["reader"] = runtime.reader.status()
    if runtime.keypad is not None:
        statuses["keypad"] = runtime.keypad.status()
    if runtime.scanner is not None:
        statuses["scanner"] = runtime.scanner.status()
    return statuses


def speech_report(speech: Speech | None) -> tuple[dict[str, Any], list[str]]:
    """The audio mode's engine and voice per language, and a problem for each thing
    missing: without it a blind person at this kiosk hears nothing."""
    if speech is None:
        return {"engine": None}, []
    report = speech.voices()
    data: dict[str, Any] = {"engine": report.engine, "engine_found": report.engine_found,
                            "voices": report.voices}
    problems: list[str] = []
    if not report.engine_found:
        problems.append(f"speech: {report.engine} not found, the audio mode is silent: "
                        f"{report.advice}")
    else:
        missing = [lang for lang, voice in report.voices.items() if voice is None]
        if missing:
            problems.append(f"speech: no voice for {', '.join(missing)}: {report.advice}")
    if problems:
        data["advice"] = report.advice
    return data, problems


def collect(runtime: Runtime, *, test_print: bool = False) -> dict[str, Any]:
    problems: list[str] = []
    warnings: list[str] = []
    devices = _devices(runtime)
    for name, status in devices.items():
        if status.reason == REASON_BUSY:
            # In the middle of a sale (or of the device watch's own check): its health
            # is not known now, but nothing is wrong with it. Asked again, it answers.
            warnings.append(f"{name}: {status.reason} (not checked)")
        elif status.health is not Health.OK:
            problems.append(f"{name}: {status.health.value} ({status.reason or 'no reason given'})")
        elif status.reason:
            warnings.append(f"{name}: {status.reason}")

    started = time.monotonic()
    answer = runtime.central.health_report()
    central: dict[str, Any] = {"url": runtime.config.central.url, "reachable": answer is not None,
                               "query_ms": round((time.monotonic() - started) * 1000, 1)}
    if answer is None:
        problems.append("central: unreachable")
    else:
        central["version"] = answer.version
        if answer.time is not None:
            skew = (runtime.clock.now() - answer.time).total_seconds() - central["query_ms"] / 2000
            central["clock_skew_s"] = round(skew, 2)
            if abs(skew) > MAX_CLOCK_SKEW_S:
                problems.append(f"clock: {skew:+.0f} s from central")

    store = runtime.store
    integrity = store.integrity_check()
    if integrity != "ok":
        problems.append(f"store: integrity check says {integrity}")
    unfinished = runtime.services.bill_payment.journal.unfinished()
    parked = store.outbox.parked_count()
    store_report = {"path": str(Path(runtime.config.kiosk.data_dir).resolve()),
                    "integrity": integrity, "outbox_depth": store.outbox.depth(),
                    "unfinished_payments": len(unfinished), "outbox_parked": parked,
                    "parked_records": [_parked(record, runtime.clock.zone)
                                       for record in store.outbox.parked()]}
    if parked:
        # Not a problem that keeps the kiosk from working, but staff must act on each
        # (a payment central did not record, a filing it refused).
        warnings.append(f"outbox: {parked} record(s) refused by central, parked")

    data_dir = Path(runtime.config.kiosk.data_dir)
    usage = shutil.disk_usage(data_dir if data_dir.exists() else Path.cwd())
    disk = {"free_mb": round(usage.free / 2**20, 1),
            "free_percent": round(100 * usage.free / usage.total, 1)}
    if disk["free_mb"] < runtime.config.maintenance.min_free_disk_mb:
        problems.append(f"disk: only {disk['free_mb']:.0f} MB free")

    speech, speech_problems = speech_report(runtime.speech)
    problems.extend(speech_problems)

    pushed = pushed_config_report(runtime)
    if pushed.get("last_failed") and (pushed["running"] or 0) < pushed["last_failed"]["version"]:
        failed = pushed["last_failed"]
        warnings.append(f"config: version {failed['version']} was rolled back "
                        f"({failed['reason']})")
    report: dict[str, Any] = {
        "kiosk": {"id": runtime.config.kiosk.id, "version": __version__,
                  "config_version": config_version(runtime)},
        "pushed_config": pushed,
        "devices": {name: _device(name, status, runtime.clock.zone)
                    for name, status in devices.items()},
        "store": store_report,
        "central": central,
        "disk": disk,
        "speech": speech,
    }
    if test_print:
        report["test_print"] = _test_print(runtime)
        if report["test_print"]["outcome"] != PrintOutcome.PRINTED.value:
            problems.append(f"printer: test print {report['test_print']['outcome']} "
                            f"({report['test_print']['reason']})")
    report["warnings"] = warnings
    report["problems"] = problems
    report["ok"] = not problems
    return report


def _test_print(runtime: Runtime) -> dict[str, Any]:
    deps = runtime.services.bill_payment
    now = runtime.clock.now()
    reference = f"TEST-{now:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:4]}"
    document = test_slip(deps.slip_header, runtime.config.printer.profile, now, reference)
    result = print_slip(deps.printer, deps.print_jobs, reference, document, now)
    return {"reference": reference, "job_id": result.job_id, "outcome": result.outcome.value,
            "reason": result.reason, "bytes": result.bytes_sent}


def render_text(report: dict[str, Any]) -> str:
    kiosk = report["kiosk"]
    lines = [f"kiosk {kiosk['id']}  app {kiosk['version']}  config {kiosk['config_version']}"
             + (f"  (from the {report['source']})" if report.get("source") else "")]
    for number, loaded in enumerate(report.get("config_files", [])):
        lines.append(f"  {'config' if number == 0 else '':<8} {loaded['path']}  "
                     f"({loaded['role']})")
    pushed = report.get("pushed_config") or {}
    if pushed.get("pending"):
        lines.append(f"  config version {pushed['pending']} waits for the end of a session")
    for name, dev in report["devices"].items():
        reason = f" ({dev['reason']})" if dev.get("reason") else ""
        ms = f"  status in {dev['query_ms']:.0f} ms" if dev.get("query_ms") is not None else ""
        model = f"  [{dev['model']}]" if dev.get("model") else ""
        lines.append(f"  {name:<8} {dev['health'].upper():<8}{reason}  {dev.get('connection', '')}"
                     f"{model}{ms}")
        if dev.get("advice"):
            lines.append(f"           {dev['meaning']}. {WHAT_TO_DO.format(action=dev['advice'])}")
        for extra in ("detail", "last_error"):
            if dev.get(extra):
                lines.append(f"           {extra.replace('_', ' ')}: {dev[extra]}")
    store = report["store"]
    lines.append(f"  store    integrity {store['integrity']}, outbox {store['outbox_depth']} "
                 f"queued, {store['unfinished_payments']} unfinished payment(s)  {store['path']}")
    if store.get("outbox_parked"):
        lines.append(f"  parked   {store['outbox_parked']} record(s) refused by central"
                     + (" (newest first):" if store.get("parked_records") else ""))
        for record in store.get("parked_records", []):
            detail = f"  {record['detail']}" if record.get("detail") else ""
            lines.append(f"           {record['reference'] or '-'}  {record['kind']}  "
                         f"{record['reason']}{detail}  {record['parked_at']}")
    central = report["central"]
    if central["reachable"]:
        skew = central.get("clock_skew_s")
        lines.append(f"  central  reachable {central['url']} ({central['query_ms']:.0f} ms), "
                     f"version {central.get('version')}"
                     + (f", clock skew {skew:+.1f} s" if skew is not None else ""))
    else:
        lines.append(f"  central  UNREACHABLE {central['url']} ({central['query_ms']:.0f} ms)")
    speech = report.get("speech") or {}
    if speech.get("engine"):
        voices = speech.get("voices") or {}
        said = ", ".join(f"{lang} {voice or 'MISSING'}" for lang, voice in voices.items())
        lines.append(f"  speech   {speech['engine']}" + (f": {said}" if speech["engine_found"]
                                                          else "  NOT FOUND"))
    disk = report["disk"]
    lines.append(f"  disk     {disk['free_mb']:.0f} MB free ({disk['free_percent']:.0f}%)")
    if "test_print" in report:
        tp = report["test_print"]
        lines.append(f"  test print {tp['reference']}: {tp['outcome']}"
                     + (f" ({tp['reason']})" if tp["reason"] else ""))
    for warning in report["warnings"]:
        lines.append(f"warning: {warning}")
    for problem in report["problems"]:
        lines.append(f"PROBLEM: {problem}")
    lines.append("OK" if report["ok"]
                 else f"{len(report['problems'])} problem(s) need a technician")
    return "\n".join(lines)

"""`kiosk-admin audit`: the audit trail (docs/operations.md#the-audit-trail).

    kiosk-admin audit list [--actor A] [--action X|X*] [--kiosk K] [--outcome O]
                           [--since T] [--until T] [--limit N] [--before SEQ] [--json]
    kiosk-admin audit verify [--file EXPORT.jsonl]
    kiosk-admin audit export [--format jsonl|csv] [--out FILE] [filters as list]

``verify`` asks central to check the whole chain (or checks an unfiltered JSON lines
export, with no central) and exits 3 naming the first broken event; 0 prints the
events checked and the head's hash, worth keeping: a later verify must find it again.
"""

from __future__ import annotations

import argparse
import codecs
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import requests

from central.audit_chain import Verification, event_from_json, verify_chain
from central.terminal import dumps, printable
from central.timeutil import SHANGHAI

COMMANDS = ("audit",)
BROKEN_STATUS = 3
EXPORT_TIMEOUT_S = 60.0

Call = Callable[..., Any]
"""admin.call: (method, url, **requests kwargs) -> JSON body; raises on refusal."""


class ExportFailed(Exception):
    pass


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    audit = commands.add_parser("audit", help="the audit trail: list, verify, export")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--actor", help="an admin token's label or a kiosk id")
    filters.add_argument("--action", help="e.g. config.push, or a prefix: technician.*")
    filters.add_argument("--kiosk", help="events concerning this kiosk")
    filters.add_argument("--outcome", choices=["ok", "refused", "failed"])
    filters.add_argument("--since", type=_instant, help="from this time (ISO 8601; "
                                                       "without an offset: Shanghai time)")
    filters.add_argument("--until", type=_instant, help="before this time")
    listing = audit_commands.add_parser("list", parents=[common, filters],
                                        help="events, newest first")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--before", type=int, help="events older than this seq (paging)")
    listing.add_argument("--json", action="store_true", help="print central's JSON")
    verify = audit_commands.add_parser(
        "verify", parents=[common],
        help="check the hash chain; exit 3 naming the first broken event")
    verify.add_argument("--file", type=Path,
                        help="check this JSON lines export instead of asking central")
    export = audit_commands.add_parser("export", parents=[common, filters],
                                       help="every matching event, oldest first")
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    export.add_argument("--out", type=Path, help="write here (default: standard output)")


def run(args: argparse.Namespace, base: str, out: TextIO, call: Call,
        headers: Callable[[], dict[str, str]]) -> int:
    """``headers`` gives the admin token's header (asked only when central is)."""
    if args.audit_command == "verify":
        if args.file is not None:
            return report(verify_file(args.file), out)
        body = call("GET", f"{base}/v1/admin/audit/verify", headers=headers())
        return report(Verification(ok=body["ok"], events=body["events"],
                                   head_seq=body["head_seq"], head_hash=body["head_hash"],
                                   broken=None), out, body.get("broken"))
    params = _params(args)
    if args.audit_command == "export":
        try:
            export(f"{base}/v1/admin/audit/export", {**params, "format": args.format},
                   headers(), args.out, out)
        except ExportFailed as exc:
            print(f"kiosk-admin: {exc}", file=sys.stderr)
            return 1
        return 0
    params.update({"limit": args.limit} | ({"before": args.before} if args.before else {}))
    body = call("GET", f"{base}/v1/admin/audit/events", params=params, headers=headers())
    if args.json:
        print(dumps(body), file=out)
    else:
        print_events(body["events"], out)
        if body.get("next_before"):
            print(f"older: --before {body['next_before']}", file=out)
    return 0


def report(result: Verification, out: TextIO, broken: dict[str, Any] | None = None) -> int:
    if result.ok:
        print(f"audit chain ok: {result.events} event(s); head {result.head_seq} "
              f"{result.head_hash}", file=out)
        return 0
    named = broken or ({"seq": result.broken.seq, "event_id": result.broken.event_id,
                        "reason": result.broken.reason} if result.broken else {})
    print(printable(f"audit chain BROKEN at event {named.get('seq')} "
                    f"({named.get('event_id') or 'missing'}): {named.get('reason')}"),
          file=out)
    print(printable(f"audit chain BROKEN at event {named.get('seq')}"), file=sys.stderr)
    return BROKEN_STATUS


def verify_file(path: Path) -> Verification:
    """An unfiltered JSON lines export, checked from its first event."""
    with path.open(encoding="utf-8") as lines:
        return verify_chain(event_from_json(json.loads(line)) for line in lines
                            if line.strip())


def export(url: str, params: dict[str, Any], headers: dict[str, str], to: Path | None,
           out: TextIO) -> None:
    try:
        with requests.get(url, params=params, headers=headers, stream=True,
                          timeout=EXPORT_TIMEOUT_S) as response:
            if response.status_code >= 400:
                raise ExportFailed(f"central refused the export: HTTP {response.status_code}")
            if to is None:  # a character may be split between two chunks
                decoder = codecs.getincrementaldecoder("utf-8")()
                for chunk in response.iter_content(chunk_size=65536):
                    out.write(decoder.decode(chunk))
                out.write(decoder.decode(b"", final=True))
                return
            with to.open("wb") as file:
                for chunk in response.iter_content(chunk_size=65536):
                    file.write(chunk)
    except requests.RequestException as exc:
        raise ExportFailed(f"central unreachable: {type(exc).__name__}") from exc


def print_events(events: list[dict[str, Any]], out: TextIO) -> None:
    print(f"{'seq':>6}  {'when':19}  {'outcome':7}  {'actor':20}  {'action':26}  target",
          file=out)
    for e in events:
        when = f"{datetime.fromisoformat(e['occurred_at']).astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}"
        actor = f"{e['actor_kind'][0]}:{e['actor']}"
        details = " ".join(f"{k}={v}" for k, v in sorted(e["details"].items()))
        print(printable(f"{e['seq']:>6}  {when:19}  {e['outcome']:7}  {actor:20}  "
                        f"{e['action']:26}  {e['target'] or '-'}  {details}".rstrip()),
              file=out)
    print(f"{len(events)} event(s)", file=out)


def _params(args: argparse.Namespace) -> dict[str, Any]:
    named = {"actor": args.actor, "action": args.action, "kiosk_id": args.kiosk,
             "outcome": args.outcome,
             "since": args.since.isoformat() if args.since else None,
             "until": args.until.isoformat() if args.until else None}
    return {name: value for name, value in named.items() if value is not None}


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=SHANGHAI)

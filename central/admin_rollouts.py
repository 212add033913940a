"""`kiosk-admin rollout`: config and software rollouts under control.

    kiosk-admin rollout list [--kind config|software] [--limit N] [--json]
    kiosk-admin rollout show config|software ID [--json]
    kiosk-admin rollout pause|resume|cancel|retry config|software ID
    kiosk-admin rollout status [ID] [--json]      (a config rollout: central/admin_config.py)

Rollouts are numbered per kind, so a verb names both (``rollout pause software 3``).
pause: no new kiosk is given the rollout; resume; cancel (final); retry: the failed and
timed-out kiosks are offered it again. Exit status: 0 done, 1 central refused or
unreachable (show: or the rollout halted), 2 usage.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TextIO

from central.admin_config import Call, rollout_status
from central.rollout_waves import deadline_text
from central.terminal import dumps, printable
from central.timeutil import SHANGHAI

COMMANDS = ("rollout",)
KINDS = ("config", "software")
VERBS = {"pause": "paused", "resume": "resumed", "cancel": "cancelled", "retry": "retried"}


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    rollout = commands.add_parser("rollout", help="config and software rollouts")
    sub = rollout.add_subparsers(dest="rollout_command", required=True)
    listing = sub.add_parser("list", parents=[common],
                             help="rollouts of both kinds, newest first")
    listing.add_argument("--kind", choices=KINDS, default=None)
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true", help="print central's JSON as is")
    show = sub.add_parser("show", parents=[common],
                          help="a rollout's waves, kiosks and changes (exit 1: halted)")
    show.add_argument("kind", choices=KINDS)
    show.add_argument("rollout_id", type=int)
    show.add_argument("--json", action="store_true", help="print central's JSON as is")
    for verb in VERBS:
        acting = sub.add_parser(verb, parents=[common], help=_VERB_HELP[verb])
        acting.add_argument("kind", choices=KINDS)
        acting.add_argument("rollout_id", type=int)
    status = sub.add_parser("status", parents=[common],
                            help="a config rollout's state and kiosks (exit 1: halted)")
    status.add_argument("rollout_id", nargs="?", type=int, help="default: the latest")
    status.add_argument("--json", action="store_true", help="print central's JSON as is")


_VERB_HELP = {
    "pause": "give no new kiosk the rollout (kiosks that have it keep it)",
    "resume": "run a paused rollout again",
    "cancel": "end it for good: kiosks not yet given it never get it",
    "retry": "offer it again to the failed and timed-out kiosks",
}


def run(args: argparse.Namespace, base: str, out: TextIO, call: Call,
        headers: dict[str, str]) -> int:
    def send(method: str, url: str, **kwargs: Any) -> Any:
        kwargs["headers"] = {**kwargs.get("headers", {}), **headers}
        return call(method, url, **kwargs)

    command = args.rollout_command
    if command == "status":
        return rollout_status(args, base, out, send)
    if command == "list":
        params: dict[str, Any] = {"limit": args.limit}
        if args.kind:
            params["kind"] = args.kind
        listed = send("GET", f"{base}/v1/admin/rollouts/all", params=params)
        if args.json:
            print(dumps(listed), file=out)
        else:
            print_list(listed["rollouts"], out)
        return 0
    where = f"{base}/v1/admin/rollouts/{args.kind}/{args.rollout_id}"
    if command == "show":
        detail = send("GET", where)
        if args.json:
            print(dumps(detail), file=out)
        else:
            print_detail(detail, out)
        return 1 if detail["state"] == "halted" else 0
    before = send("GET", where)["state"]
    detail = send("POST", f"{where}/{command}")
    # The verb's own change (central may add its own after it: the next wave).
    change = next(c for c in reversed(detail["changes"]) if c["action"] == command)
    print(printable(f"{args.kind} rollout {detail['id']}: {VERBS[command]} by "
                    f"{change['by']} (was {before})"), file=out)
    if change["detail"]:
        print(printable(f"  {change['detail']}"), file=out)
    print(f"  now {detail['state']}, wave {detail['current_wave']} of {detail['waves']}",
          file=out)
    return 0


def print_list(rollouts: list[dict[str, Any]], out: TextIO) -> None:
    header = ("kind", "id", "version", "state", "wave", "pending", "applied", "failed",
              "timed-out", "target")
    rows = [(r["kind"], str(r["id"]), printable(r["version"]), r["state"],
             f"{r['current_wave']}/{r['waves']}", str(r["counts"]["pending"]),
             str(r["counts"]["applied"]), str(r["counts"]["failed"]),
             str(r["counts"]["timed_out"]), printable(r["target"])) for r in rollouts]
    _table(header, rows, out)
    print(f"{len(rows)} rollout(s)", file=out)


def print_detail(detail: dict[str, Any], out: TextIO) -> None:
    note = f" ({printable(detail['note'])})" if detail["note"] else ""
    print(f"{detail['kind']} rollout {detail['id']}: version {printable(detail['version'])} "
          f"to {printable(detail['target'])}{note}", file=out)
    print(f"state: {detail['state']}, wave {detail['current_wave']} of {detail['waves']} "
          f"({detail['wave_percent']}% each)", file=out)
    print(f"thresholds: next wave at >= {detail['success_threshold']:.0%} done, halt at > "
          f"{detail['failure_threshold']:.0%} failed", file=out)
    print(f"deadline: {deadline_text(detail['wave_deadline_s'])} per wave "
          f"({_spent(detail['deadline_spent_s'])} used); window: "
          f"{detail['window'] or 'any time'}", file=out)
    if detail["reason"]:
        print(f"reason: {printable(detail['reason'])}", file=out)
    rows = [(printable(k["kiosk_id"]), str(wave["wave"]), k["outcome"], k["status"],
             _when(k["given_at"]), printable(k["reason"] or "-"))
            for wave in detail["by_wave"] for k in wave["kiosks"]]
    _table(("kiosk", "wave", "outcome", "status", "given", "reason"), rows, out)
    print("changes:", file=out)
    for change in detail["changes"]:
        print(printable(f"  {_when(change['at'])}  {change['by']:12} {change['action']:9} -> "
                        f"{change['state']:9} {change['detail']}").rstrip(), file=out)


def _spent(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m"


def _when(instant: str | None) -> str:
    return "-" if instant is None else \
        f"{datetime.fromisoformat(instant).astimezone(SHANGHAI):%m-%d %H:%M}"


def _table(header: tuple[str, ...], rows: Sequence[Sequence[str]], out: TextIO) -> None:
    """Left-aligned columns; the last one as long as it is."""
    widths = [max([len(header[i])] + [len(row[i]) for row in rows])
              for i in range(len(header) - 1)]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row[:-1]))
              + "  " + row[-1], file=out)

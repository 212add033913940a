"""`kiosk-admin` commands for alerts and the kiosk maintenance mark:

    kiosk-admin alerts [--all | --cleared] [--kiosk ID] [--limit N] [--json]
    kiosk-admin kiosk maintenance on|off KIOSK_ID [--note TEXT]
    kiosk-admin kiosk maintenance list [--json]

A kiosk in maintenance raises no alert and its open ones are cleared, from central's
next scheduler round on (docs/operations.md#alerts).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO
from urllib.parse import quote

from central.terminal import dumps, printable
from central.timeutil import SHANGHAI

Call = Callable[..., Any]
"""admin.call: (method, url, **requests kwargs) -> JSON body; raises on refusal."""


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """``alerts``, and ``maintenance`` under the ``kiosk`` command (central/admin_trust.py
    makes it: register this module after that one)."""
    alerts = commands.add_parser("alerts", parents=[common],
                                 help="alerts: open ones (default), cleared or all")
    which = alerts.add_mutually_exclusive_group()
    which.add_argument("--all", dest="state", action="store_const", const="all",
                       default="open", help="open and cleared")
    which.add_argument("--cleared", dest="state", action="store_const", const="cleared")
    alerts.add_argument("--kiosk", help="only this kiosk's")
    alerts.add_argument("--limit", type=int, default=100)
    alerts.add_argument("--json", action="store_true", help="print central's JSON as is")

    kiosk_commands = _subcommands(commands.choices["kiosk"])
    maintenance = kiosk_commands.add_parser(
        "maintenance", help="mark a kiosk in maintenance (its alerts silenced) or not")
    what = maintenance.add_subparsers(dest="maintenance_command", required=True)
    for state in ("on", "off"):
        switch = what.add_parser(state, parents=[common],
                                 help="silence its alerts" if state == "on"
                                 else "alert on it again")
        switch.add_argument("kiosk_id")
        if state == "on":
            switch.add_argument("--note", default="", help="why, for the other admins")
    listing = what.add_parser("list", parents=[common], help="the kiosks in maintenance")
    listing.add_argument("--json", action="store_true", help="print central's JSON as is")


def _subcommands(parser: argparse.ArgumentParser) -> Any:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise LookupError(f"{parser.prog} has no sub-commands")


def handles(args: argparse.Namespace) -> bool:
    return bool(args.command == "alerts" or (args.command == "kiosk"
                                             and args.kiosk_command == "maintenance"))


def run(args: argparse.Namespace, base: str, out: TextIO, call: Call,
        headers: dict[str, str]) -> int:
    if args.command == "alerts":
        params: dict[str, Any] = {"state": args.state, "limit": args.limit}
        if args.kiosk:
            params["kiosk_id"] = args.kiosk
        body = call("GET", f"{base}/v1/admin/alerts", params=params, headers=headers)
        if args.json:
            print(dumps(body), file=out)
        else:
            print_alerts(body["alerts"], out)
    elif args.maintenance_command == "list":
        body = call("GET", f"{base}/v1/admin/maintenance", headers=headers)
        if args.json:
            print(dumps(body), file=out)
        else:
            for kiosk in body["kiosks"]:
                print(printable(f"{kiosk['kiosk_id']}: in maintenance since "
                                f"{_time(kiosk['since'])} {kiosk['note']}".rstrip()), file=out)
            print(f"{len(body['kiosks'])} kiosk(s) in maintenance", file=out)
    else:
        on = args.maintenance_command == "on"
        body = call("POST", f"{base}/v1/admin/kiosks/{quote(args.kiosk_id, safe='')}"
                    "/maintenance", headers=headers,
                    json={"maintenance": on, "note": getattr(args, "note", "")})
        kiosk_id = printable(body["kiosk_id"])
        if body["maintenance"]:
            print(f"{kiosk_id}: in maintenance since {_time(body['since'])}: its alerts are "
                  "silenced", file=out)
        else:
            print(f"{kiosk_id}: maintenance off: it is alerted on again", file=out)
    return 0


def _time(value: str | None) -> str:
    if value is None:
        return "-"
    return f"{datetime.fromisoformat(value).astimezone(SHANGHAI):%Y-%m-%d %H:%M}"


def print_alerts(alerts: list[dict[str, Any]], out: TextIO) -> None:
    rows = [(a["state"], _time(a["raised_at"]), _time(a["cleared_at"]),
             printable(a["kind"]), printable(a["kiosk_id"] or "-"),
             printable(a["subject"] or "-"), printable(a["detail"][:80]))
            for a in alerts]
    header = ("state", "raised", "cleared", "kind", "kiosk", "subject", "detail")
    widths = [max([len(header[i])] + [len(row[i]) for row in rows]) for i in range(6)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:6]))
              + "  " + row[6], file=out)
    print(f"{len(alerts)} alert(s)", file=out)

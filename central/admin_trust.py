"""`kiosk-admin` commands for who may speak to central: admin tokens and kiosks.

    kiosk-admin token list [--json]
    kiosk-admin token revoke ID
    kiosk-admin kiosk revoke KIOSK_ID

A revoked admin token or kiosk is refused from the next request on. A token list never
shows a secret (central has only hashes); ``*`` marks the token the command ran with.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO
from urllib.parse import quote

from central.terminal import dumps, printable
from central.timeutil import SHANGHAI

COMMANDS = ("token", "kiosk")

Call = Callable[..., Any]
"""admin.call: (method, url, **requests kwargs) -> JSON body; raises on refusal."""


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    token = commands.add_parser("token", help="admin tokens: list them, revoke one")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    listing = token_commands.add_parser("list", parents=[common],
                                        help="every admin token: id, label, created, revoked")
    listing.add_argument("--json", action="store_true", help="print central's JSON")
    revoke = token_commands.add_parser("revoke", parents=[common],
                                       help="refuse an admin token from now on")
    revoke.add_argument("token_id", type=int, help="the id `kiosk-admin token list` shows")

    kiosk = commands.add_parser("kiosk", help="kiosk commands")
    kiosk_commands = kiosk.add_subparsers(dest="kiosk_command", required=True)
    revoke_kiosk = kiosk_commands.add_parser(
        "revoke", parents=[common],
        help="a stolen or decommissioned kiosk: refuse its credentials now and spend its "
             "outstanding enrollment tokens")
    revoke_kiosk.add_argument("kiosk_id")


def run(args: argparse.Namespace, base: str, out: TextIO, call: Call,
        headers: dict[str, str]) -> int:
    if args.command == "token" and args.token_command == "list":
        body = call("GET", f"{base}/v1/admin/tokens", headers=headers)
        if args.json:
            print(dumps(body), file=out)
        else:
            print_tokens(body["tokens"], out)
    elif args.command == "token":
        body = call("POST", f"{base}/v1/admin/tokens/{args.token_id}/revoke", headers=headers)
        print(f"admin token {body['id']} ({printable(body['label'])}) revoked at "
              f"{_time(body['revoked_at'])}; it is refused from now on", file=out)
    else:
        body = call("POST", f"{base}/v1/admin/kiosks/{quote(args.kiosk_id, safe='')}/revoke",
                    headers=headers)
        kiosk_id = printable(body["kiosk_id"])
        what = "its credential is refused from now on" if body["credential_revoked"] \
            else "it had not enrolled"
        print(f"kiosk {kiosk_id} revoked at {_time(body['revoked_at'])}: {what}; "
              f"{body['tokens_spent']} outstanding enrollment token(s) spent", file=out)
        print(f"to bring it back: kiosk-admin enroll {kiosk_id}, then kiosk enroll --token "
              "on the kiosk", file=out)
    return 0


def _time(value: str | None) -> str:
    if value is None:
        return "-"
    return f"{datetime.fromisoformat(value).astimezone(SHANGHAI):%Y-%m-%d %H:%M}"


def print_tokens(tokens: list[dict[str, Any]], out: TextIO) -> None:
    rows = [(("*" if t["current"] else " ") + str(t["id"]), printable(t["label"]),
             _time(t["created_at"]), _time(t["revoked_at"])) for t in tokens]
    header = (" id", "label", "created", "revoked")
    widths = [max([len(header[i])] + [len(row[i]) for row in rows]) for i in range(4)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip(),
              file=out)
    active = sum(1 for t in tokens if t["revoked_at"] is None)
    print(f"{len(tokens)} admin token(s), {active} not revoked (* the one used now)", file=out)

"""`kiosk-admin`: operator commands against a running central (admin auth comes later).

    kiosk-admin payments [--json] [--review] --central URL
    kiosk-admin biller maintenance BILLER on|off --central URL

``--central`` defaults to $KIOSK_CENTRAL_URL or http://127.0.0.1:8700.
Exit status: 0 done, 1 central refused or unreachable, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, TextIO

import requests

from central.masking import mask_account

DEFAULT_CENTRAL = "http://127.0.0.1:8700"
TIMEOUT_S = 10.0


class AdminError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--central", default=os.environ.get("KIOSK_CENTRAL_URL", DEFAULT_CENTRAL),
                        help="central's base URL")
    parser = argparse.ArgumentParser(prog="kiosk-admin", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    payments = commands.add_parser("payments", parents=[common], help="list recorded payments")
    payments.add_argument("--json", action="store_true", help="print central's JSON as is")
    payments.add_argument("--review", action="store_true", help="only those needing review")
    payments.add_argument("--limit", type=int, default=100)

    biller = commands.add_parser("biller", help="biller commands")
    biller_commands = biller.add_subparsers(dest="biller_command", required=True)
    maintenance = biller_commands.add_parser("maintenance", parents=[common],
                                             help="switch a biller's maintenance mode")
    maintenance.add_argument("biller_id")
    maintenance.add_argument("state", choices=["on", "off"])
    return parser


def call(method: str, url: str, **kwargs: Any) -> Any:
    try:
        response = requests.request(method, url, timeout=TIMEOUT_S, **kwargs)
    except requests.RequestException as exc:
        raise AdminError(f"central unreachable: {type(exc).__name__}") from exc
    try:
        body = response.json()
    except ValueError:
        raise AdminError(f"central answered HTTP {response.status_code} without JSON") from None
    if response.status_code >= 400:
        code = body.get("code", "?") if isinstance(body, dict) else "?"
        message = body.get("message", "") if isinstance(body, dict) else ""
        raise AdminError(f"central refused: {code} {message}".rstrip())
    return body


def print_payments(payments: list[dict[str, Any]], out: TextIO) -> None:
    header = f"{'recorded at':25} {'central ref':20} {'kiosk':12} {'biller':10} " \
             f"{'account':14} {'amount':>10}  review"
    print(header, file=out)
    for p in payments:
        review = ",".join(p["review_reasons"]) if p["needs_review"] else "-"
        print(f"{p['recorded_at'][:25]:25} {p['central_ref']:20} {p['kiosk_id']:12} "
              f"{p['biller_id']:10} {mask_account(p['account_no']):14} {p['amount']:>10}  "
              f"{review}", file=out)
    print(f"{len(payments)} payment(s)", file=out)


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    base = args.central.rstrip("/")
    try:
        if args.command == "payments":
            params: dict[str, Any] = {"limit": args.limit}
            if args.review:
                params["needs_review"] = "true"
            body = call("GET", f"{base}/v1/admin/payments", params=params)
            if args.json:
                print(json.dumps(body, ensure_ascii=False, indent=2), file=out)
            else:
                print_payments(body["payments"], out)
        else:
            body = call("POST", f"{base}/v1/admin/billers/{args.biller_id}/maintenance",
                        json={"maintenance": args.state == "on"})
            print(f"{body['id']}: maintenance {'on' if body['maintenance'] else 'off'}", file=out)
    except AdminError as exc:
        print(f"kiosk-admin: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

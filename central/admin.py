"""`kiosk-admin`: operator commands against a running central, with an admin token.

    kiosk-admin payments [--json] [--review] --central URL
    kiosk-admin payments --reconcile DAY [--provider P] --central URL
    kiosk-admin fleet [--json] --central URL
    kiosk-admin biller maintenance BILLER on|off --central URL
    kiosk-admin keys init|show, config push FILE --target T, rollout status [ID]
        (signed configuration: see central/admin_config.py)
    kiosk-admin rollout list|show|pause|resume|cancel|retry [config|software ID]
        (rollouts under control: see central/admin_rollouts.py)
    kiosk-admin enroll KIOSK_ID [--group G] [--ttl-hours 24] --central URL
    kiosk-admin token list|revoke ID, kiosk revoke KIOSK_ID
        (who may speak to central: see central/admin_trust.py)
    kiosk-admin alerts [--all] [--kiosk ID], kiosk maintenance on|off|list
        (alerts and the maintenance mark: see central/admin_alerts.py)
    kiosk-admin release make DIR, release push DIR --target T [--wave P], release status
        (releases of the kiosk software: see central/admin_release.py)
    kiosk-admin audit list|verify|export (the audit trail: see central/admin_audit.py)

``--central`` defaults to $KIOSK_CENTRAL_URL or http://127.0.0.1:8700. The admin token
comes from --token, else $KIOSK_ADMIN_TOKEN, else --token-file (kiosk-central
admin-token makes one; so does kiosk-central serve --admin-token-file).
Exit status: 0 done, 1 central refused or unreachable, 2 usage, 3 the audit chain is
broken (audit verify).

Whatever a kiosk sent (ids, versions, error lines, references) is printed through
central.terminal, as text and as --json: no escape sequence reaches the terminal.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

import requests

from central import (
    __version__,
    admin_alerts,
    admin_audit,
    admin_config,
    admin_qr,
    admin_release,
    admin_rollouts,
    admin_trust,
)
from central.masking import mask_account
from central.terminal import dumps, printable
from central.timeutil import SHANGHAI
from kiosk.stdout_pipe import quiet_when_stdout_closes

DEFAULT_CENTRAL = "http://127.0.0.1:8700"
TOKEN_ENV = "KIOSK_ADMIN_TOKEN"
TIMEOUT_S = 10.0


class AdminError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--central", default=os.environ.get("KIOSK_CENTRAL_URL", DEFAULT_CENTRAL),
                        help="central's base URL")
    common.add_argument("--token", help=f"admin token (default ${TOKEN_ENV})")
    common.add_argument("--token-file", type=Path, help="read the admin token from this file")
    parser = argparse.ArgumentParser(prog="kiosk-admin", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    payments = commands.add_parser("payments", parents=[common], help="list recorded payments")
    payments.add_argument("--json", action="store_true", help="print central's JSON as is")
    payments.add_argument("--review", action="store_true", help="only those needing review")
    payments.add_argument("--limit", type=int, default=100)
    payments.add_argument("--reconcile", type=date.fromisoformat, metavar="YYYY-MM-DD",
                          help="compare the QR providers' statements of that day with "
                               "central's orders; the differences are kept for --review")
    payments.add_argument("--provider", choices=["alipay", "wechat", "unionpay"],
                          help="with --reconcile: only this provider")

    fleet = commands.add_parser("fleet", parents=[common],
                                help="list the kiosks: online or offline, versions, devices")
    fleet.add_argument("--json", action="store_true", help="print central's JSON as is")

    biller = commands.add_parser("biller", help="biller commands")
    biller_commands = biller.add_subparsers(dest="biller_command", required=True)
    maintenance = biller_commands.add_parser("maintenance", parents=[common],
                                             help="switch a biller's maintenance mode")
    maintenance.add_argument("biller_id")
    maintenance.add_argument("state", choices=["on", "off"])
    admin_config.add_commands(commands, common)
    admin_release.add_commands(commands, common)
    admin_trust.add_commands(commands, common)
    admin_audit.add_commands(commands, common)
    admin_alerts.add_commands(commands, common)  # after admin_trust: kiosk maintenance
    admin_rollouts.add_commands(commands, common)

    enroll = commands.add_parser("enroll", parents=[common],
                                 help="make a one-time enrollment token for a kiosk")
    enroll.add_argument("kiosk_id")
    enroll.add_argument("--group", help="the kiosk's group (rollout target group:G)")
    enroll.add_argument("--ttl-hours", type=float, default=24.0,
                        help="how long the token is valid (default 24)")
    return parser


def admin_token(args: argparse.Namespace) -> str:
    """--token, else $KIOSK_ADMIN_TOKEN, else --token-file."""
    if args.token:
        return str(args.token)
    from_env = os.environ.get(TOKEN_ENV, "").strip()
    if from_env:
        return from_env
    if args.token_file is not None:
        try:
            return str(args.token_file.read_text(encoding="utf-8").strip())
        except OSError as exc:
            raise AdminError(f"cannot read the token file: {exc.strerror}") from None
    raise AdminError(f"no admin token: give --token, ${TOKEN_ENV} or --token-file "
                     "(kiosk-central admin-token --db URL makes one)")


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
        raise AdminError(printable(f"central refused: {code} {message}".rstrip()))
    return body


def print_payments(payments: list[dict[str, Any]], out: TextIO) -> None:
    header = (f"{'recorded at':25} {'central ref':20} {'kiosk':12} {'biller':10} "
              f"{'account':14} {'amount':>10}  review")
    print(header, file=out)
    for p in payments:
        review = ",".join(p["review_reasons"]) if p["needs_review"] else "-"
        print(printable(
            f"{p['recorded_at'][:25]:25} {p['central_ref']:20} {p['kiosk_id']:12} "
            f"{p['biller_id']:10} {mask_account(p['account_no']):14} {p['amount']:>10}  "
            f"{review}"), file=out)
    print(f"{len(payments)} payment(s)", file=out)


def _size(free_bytes: int) -> str:
    """Free disk in the largest unit that keeps it readable (1024-based: 734M, 5.0G)."""
    if free_bytes >= 2**30:
        return f"{free_bytes / 2**30:.1f}G"
    return f"{free_bytes // 2**20}M"


def _device(kiosk: dict[str, Any], name: str) -> str:
    state = kiosk["devices"].get(name)
    if state is None:
        return "-"
    return printable(state["state"]) + (f":{printable(state['reason'])}"
                                        if state.get("reason") else "")


def _since(kiosk: dict[str, Any], checked_at: str) -> str:
    """online, out of service since when (a technician switched it off), offline since
    when, or why central refuses the kiosk's credential."""
    if kiosk.get("revoked_at"):
        return "revoked"
    expires = kiosk.get("credential_expires_at")
    if expires and datetime.fromisoformat(expires) <= datetime.fromisoformat(checked_at):
        return "credential expired"
    switched_off = kiosk.get("out_of_service_since")
    out_of_service = ("out of service" + (f" since {_local(switched_off):%m-%d %H:%M}"
                                          if switched_off else "")
                      if kiosk.get("out_of_service") else "")
    if kiosk["online"]:
        return out_of_service or "online"
    offline = f"offline since {_local(kiosk['offline_since']):%m-%d %H:%M}"
    return f"{offline}, {out_of_service}" if out_of_service else offline


def _local(instant: str) -> datetime:
    return datetime.fromisoformat(instant).astimezone(SHANGHAI)


def _disk(kiosk: dict[str, Any]) -> str:
    """Free disk, marked when the kiosk says it is below its threshold."""
    return _size(kiosk["disk_free_bytes"]) + (" LOW" if kiosk.get("low_disk") else "")


def _outbox(kiosk: dict[str, Any]) -> str:
    """Records waiting, and those central refused that the kiosk keeps aside for staff."""
    parked = kiosk.get("outbox_parked") or 0
    return f"{kiosk['outbox_depth']} +{parked} parked" if parked else str(kiosk["outbox_depth"])


def _update(kiosk: dict[str, Any]) -> str:
    """The app column: the version, and the update's state when it is not at rest."""
    state = kiosk.get("update_state")
    return f" ({state})" if state and state not in ("idle", "kept") else ""


def print_fleet(fleet: dict[str, Any], out: TextIO) -> None:
    rows = [(printable(k["kiosk_id"]), printable(k["group"] or "-"),
             _since(k, fleet["checked_at"]),
             printable(k["app_version"] + _update(k)), printable(k["config_version"]),
             _device(k, "printer"), _device(k, "payment"), _device(k, "reader"),
             _outbox(k), _disk(k),
             printable((k["last_error"] or "-")[:60]))
            for k in fleet["kiosks"]]
    header = ("kiosk", "group", "state", "app", "config", "printer", "payment", "reader",
              "outbox", "disk free", "last error")
    widths = [max([len(header[i])] + [len(row[i]) for row in rows]) for i in range(10)]
    right = {8, 9}  # numbers line up on the right
    for row in [header, *rows]:
        cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
                 for i, cell in enumerate(row[:10])]
        print("  ".join(cells) + "  " + row[10], file=out)
    for k in fleet["kiosks"]:
        if k.get("config_overridden"):
            print(f"{printable(k['kiosk_id'])}: config {printable(k['config_version'])}: its "
                  f"site file overrides {printable(', '.join(k['config_overridden']))} "
                  "(pushed, no effect there)", file=out)
    switched_off = fleet.get("out_of_service") or 0
    print(f"{len(rows)} kiosk(s): {fleet['online']} online, {fleet['offline']} offline"
          + (f", {switched_off} out of service" if switched_off else ""), file=out)


@quiet_when_stdout_closes
def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    base = getattr(args, "central", DEFAULT_CENTRAL).rstrip("/")  # keys: no central
    try:
        if args.command in admin_config.COMMANDS:
            # Keys are made and shown locally; everything else asks central as an admin.
            headers = None if args.command == "keys" else {
                "Authorization": f"Bearer {admin_token(args)}"}
            return admin_config.run(args, base, out, sys.stderr, call, headers)
        if args.command in admin_release.COMMANDS:
            # make signs locally; push and status ask central as an admin.
            release_auth = {} if args.release_command == "make" else {
                "Authorization": f"Bearer {admin_token(args)}"}
            return admin_release.run(args, base, out, sys.stderr, call, release_auth)
        if args.command in admin_audit.COMMANDS:  # verify --file asks no central
            return admin_audit.run(args, base, out, call, lambda: {
                "Authorization": f"Bearer {admin_token(args)}"})
        auth = {"Authorization": f"Bearer {admin_token(args)}"}
        if admin_alerts.handles(args):
            return admin_alerts.run(args, base, out, call, auth)
        if args.command in admin_rollouts.COMMANDS:
            return admin_rollouts.run(args, base, out, call, auth)
        if args.command in admin_trust.COMMANDS:
            return admin_trust.run(args, base, out, call, auth)
        if args.command == "payments" and args.reconcile is not None:
            body = call("POST", f"{base}/v1/admin/qr-reconciliations", headers=auth,
                        json={"day": args.reconcile.isoformat(), "provider": args.provider})
            if args.json:
                print(dumps(body), file=out)
            else:
                admin_qr.print_reconciliation(body, out)
        elif args.command == "payments":
            params: dict[str, Any] = {"limit": args.limit}
            if args.review:
                params["needs_review"] = "true"
            body = call("GET", f"{base}/v1/admin/payments", params=params, headers=auth)
            qr = call("GET", f"{base}/v1/admin/qr-review", params={"limit": args.limit},
                      headers=auth) if args.review else None
            if args.json:
                if qr is not None:
                    body = {**body, "qr_orders": qr["orders"],
                            "qr_differences": qr["differences"]}
                print(dumps(body), file=out)
            else:
                print_payments(body["payments"], out)
                if qr is not None:
                    admin_qr.print_qr_review(qr, out)
        elif args.command == "fleet":
            body = call("GET", f"{base}/v1/admin/fleet", headers=auth)
            if args.json:
                print(dumps(body), file=out)
            else:
                print_fleet(body, out)
        elif args.command == "enroll":
            body = call("POST", f"{base}/v1/admin/enrollments", headers=auth,
                        params={"ttl_hours": args.ttl_hours},
                        json={"kiosk_id": args.kiosk_id, "group": args.group})
            print(body["token"], file=out)
            print(f"one-time token for {body['kiosk_id']} (group {body['group'] or '-'}), "
                  f"valid until {body['expires_at']}; on the kiosk: kiosk enroll --token ...",
                  file=sys.stderr)
        else:
            body = call("POST", f"{base}/v1/admin/billers/{args.biller_id}/maintenance",
                        json={"maintenance": args.state == "on"}, headers=auth)
            print(f"{body['id']}: maintenance {'on' if body['maintenance'] else 'off'}", file=out)
    except AdminError as exc:
        print(f"kiosk-admin: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

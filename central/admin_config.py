"""`kiosk-admin` commands for signed configuration: the signing key, pushes, rollouts.

    kiosk-admin keys init [--dir DIR]
    kiosk-admin keys show [--dir DIR]
    kiosk-admin config push FILE --target all|group:G|kiosk:ID [--wave PERCENT]
        [--success-threshold F] [--failure-threshold F] [--version N] [--note TEXT]
        [--wave-deadline 1d] [--window 'HH:MM-HH:MM [ZONE]']
    kiosk-admin rollout status [ID] [--json]   (registered by central/admin_rollouts.py)

The private key never leaves this machine: kiosk-admin signs, central only stores the
signed bundle, kiosks verify it against the public keys in their site files.
``--dir`` defaults to $KIOSK_ADMIN_KEYS or ~/.config/kiosk-admin.
Exit status: 0 done, 1 central refused or unreachable (rollout status: or halted),
2 usage (a key or a FILE that cannot be used: not TOML, a key a push may not carry, or
a key or value the kiosks' settings schema refuses; nothing is signed or sent).
"""

from __future__ import annotations

import argparse
import os
import tomllib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from pydantic import ValidationError

from central.admin_push_options import add_push_options, push_fields
from central.terminal import dumps, printable
from central.timeutil import SHANGHAI

# The one import of kiosk.config in central, allowed by the import contract: this is the
# admin's signing tool, not the service, and a push must pass the schema kiosks judge it by.
from kiosk.config import load_config
from kiosk.errors import ConfigError
from kiosk.sync.wire_config import (
    FORBIDDEN_PUSHED_KEYS,
    ConfigBundle,
    ConfigPushIn,
    key_id,
    public_key_text,
    sign_bundle,
)

COMMANDS = ("keys", "config")
KEY_FILE = "config-signing-key.pem"

Call = Callable[..., Any]
"""admin.call: (method, url, **requests kwargs) -> JSON body; raises on refusal."""


class UsageProblem(Exception):
    """Something the admin must fix locally; exit 2, nothing sent."""


def default_keys_dir() -> Path:
    configured = os.environ.get("KIOSK_ADMIN_KEYS")
    return Path(configured) if configured else Path.home() / ".config" / "kiosk-admin"


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add keys and config to kiosk-admin's subparsers; ``common`` carries
    --central (and whatever else every command talking to central takes)."""
    keys_dir = argparse.ArgumentParser(add_help=False)
    keys_dir.add_argument("--dir", type=Path, default=None,
                          help="where the signing key lives ($KIOSK_ADMIN_KEYS or "
                               "~/.config/kiosk-admin)")

    keys = commands.add_parser("keys", help="the Ed25519 key that signs config pushes")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    keys_commands.add_parser("init", parents=[keys_dir],
                             help="make the signing key (never overwrites one)")
    keys_commands.add_parser("show", parents=[keys_dir],
                             help="print the public key for kiosks' site files")

    config = commands.add_parser("config", help="signed configuration")
    config_commands = config.add_subparsers(dest="config_command", required=True)
    push = config_commands.add_parser("push", parents=[common, keys_dir],
                                      help="sign a settings file and start its rollout")
    push.add_argument("file", type=Path, help="TOML shaped like a site file: [section] key=")
    push.add_argument("--target", required=True, help="all, group:G or kiosk:ID")
    push.add_argument("--wave", type=int, default=100, metavar="PERCENT",
                      help="share of the target in each wave (default 100: one wave)")
    push.add_argument("--success-threshold", type=float, default=0.9,
                      help="share of a wave that must apply before the next starts")
    push.add_argument("--failure-threshold", type=float, default=0.2,
                      help="share of a wave that may fail before the rollout halts")
    push.add_argument("--version", type=int, default=None,
                      help="bundle version (default: 1 + the highest central has)")
    push.add_argument("--note", default="", help="what changed, for rollout status")
    add_push_options(push)


def run(args: argparse.Namespace, base: str, out: TextIO, err: TextIO, call: Call,
        headers: dict[str, str] | None = None) -> int:
    """Run a keys/config command; central's refusals propagate from ``call``."""
    def send(method: str, url: str, **kwargs: Any) -> Any:
        if headers:  # only when given: admin.call may add its own credentials
            kwargs["headers"] = {**kwargs.get("headers", {}), **headers}
        return call(method, url, **kwargs)

    try:
        if args.command == "keys":
            return _keys(args, out)
        return _push(args, base, out, send)
    except UsageProblem as exc:
        print(f"kiosk-admin: {exc}", file=err)
        return 2


# --- keys ------------------------------------------------------------------------------------

def _key_path(args: argparse.Namespace) -> Path:
    return (args.dir or default_keys_dir()) / KEY_FILE


def _keys(args: argparse.Namespace, out: TextIO) -> int:
    path = _key_path(args)
    key = init_key(path) if args.keys_command == "init" else load_key(path)
    if args.keys_command == "init":
        print(f"signing key written to {path} (keep it secret)", file=out)
    print_public_key(key, out)
    return 0


def init_key(path: Path) -> Ed25519PrivateKey:
    """A new Ed25519 key as PEM PKCS8 in a file only its owner can read; refuses to
    replace an existing key (kiosks trust it: losing it means re-provisioning them)."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        # O_EXCL: never overwrite; mode 0600 from creation, so it is never readable to others.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageProblem(f"{path} exists; not overwriting a signing key") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())
    return key


def load_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise UsageProblem(f"no signing key at {path}: run `kiosk-admin keys init`") from None
    except (ValueError, TypeError) as exc:
        raise UsageProblem(f"{path} is not a readable private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageProblem(f"{path} is not an Ed25519 key")
    return key


def print_public_key(key: Ed25519PrivateKey, out: TextIO) -> None:
    public = key.public_key()
    print(f"public key: {public_key_text(public)}", file=out)
    print(f"key id:     {key_id(public)}", file=out)
    print(f'kiosk site file: [sync] config_keys = ["{public_key_text(public)}"]', file=out)


# --- config push -----------------------------------------------------------------------------

def read_settings(path: Path) -> dict[str, dict[str, Any]]:
    """A site-file-shaped TOML file: every top-level entry a table of settings, none of
    them a setting a push may not carry."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageProblem(f"cannot read {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageProblem(f"{path} is not valid TOML: {exc}") from None
    if not data:
        raise UsageProblem(f"{path} has no settings")
    for section, values in data.items():
        if not isinstance(values, dict):
            raise UsageProblem(f"{path}: '{section}' is not a [section] of settings "
                               "(expected the shape of a site file)")
        for name in values:
            if (section, name) in FORBIDDEN_PUSHED_KEYS:
                raise UsageProblem(f"{path}: {section}.{name} cannot be pushed "
                                   "(kiosks refuse it)")
    return data


def check_schema(path: Path, settings: dict[str, dict[str, Any]]) -> None:
    """The settings over the packaged defaults, judged by the kiosk's own schema
    (kiosk.config, the code kiosks run): a typo or a bad value is refused here, naming the
    key and the reason, instead of being signed, shipped and refused by every kiosk of the
    rollout. (What a kiosk's site file adds can still make it fail there.)"""
    try:
        load_config(pushed=settings)
    except ConfigError as exc:
        raise UsageProblem(f"{path}: {exc.key}: {exc.reason} (kiosks would refuse it; "
                           "nothing signed or pushed)") from None


def _push(args: argparse.Namespace, base: str, out: TextIO, call: Call) -> int:
    settings = read_settings(args.file)
    check_schema(args.file, settings)
    key = load_key(_key_path(args))
    try:
        rollout_fields = push_fields(args)
    except ValueError as exc:
        raise UsageProblem(str(exc)) from None
    version = args.version
    if version is None:
        version = int(call("GET", f"{base}/v1/admin/config/version")["version"]) + 1
    try:
        bundle = ConfigBundle(version=version, issued_at=datetime.now(SHANGHAI),
                              settings=settings, note=args.note)
        push = ConfigPushIn(signed=sign_bundle(bundle, key), target=args.target,
                            wave_percent=args.wave, success_threshold=args.success_threshold,
                            failure_threshold=args.failure_threshold, **rollout_fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        raise UsageProblem(f"cannot push: {problems}") from None
    rollout = call("POST", f"{base}/v1/admin/config/pushes",
                   json=push.model_dump(mode="json"))
    first = [k["kiosk_id"] for k in rollout["kiosks"] if k["wave"] == 1]
    print(f"rollout {rollout['id']}: version {rollout['version']} to {rollout['target']}, "
          f"{len(rollout['kiosks'])} kiosk(s) in {rollout['waves']} wave(s) of "
          f"{rollout['wave_percent']}%", file=out)
    print(f"wave 1: {', '.join(first)}", file=out)
    return 0


# --- rollout status --------------------------------------------------------------------------

def rollout_status(args: argparse.Namespace, base: str, out: TextIO, call: Call) -> int:
    """`kiosk-admin rollout status [ID]`: a config rollout, the latest by default."""
    if args.rollout_id is not None:
        rollout = call("GET", f"{base}/v1/admin/rollouts/{args.rollout_id}")
    else:
        latest = call("GET", f"{base}/v1/admin/rollouts", params={"limit": 1})["rollouts"]
        if not latest:
            print("no rollouts yet", file=out)
            return 0
        rollout = latest[0]
    if args.json:
        print(dumps(rollout), file=out)
    else:
        print_rollout(rollout, out)
    return 1 if rollout["state"] == "halted" else 0


def print_rollout(rollout: dict[str, Any], out: TextIO) -> None:
    """The rollout as a table; kiosks' reasons (and the halt reason quoting them) are
    what kiosks sent, printed through central.terminal."""
    print(f"rollout {rollout['id']}: version {rollout['version']} to {rollout['target']}"
          + (f" ({printable(rollout['note'])})" if rollout["note"] else ""), file=out)
    print(f"state: {rollout['state']}, wave {rollout['current_wave']} of {rollout['waves']} "
          f"({rollout['wave_percent']}% each)", file=out)
    print(f"thresholds: next wave at >= {rollout['success_threshold']:.0%} applied, "
          f"halt at > {rollout['failure_threshold']:.0%} failed", file=out)
    if rollout["reason"]:
        print(f"reason: {printable(rollout['reason'])}", file=out)
    rows = [(printable(k["kiosk_id"]), str(k["wave"]), k["status"], printable(_reason(k)))
            for k in rollout["kiosks"]]
    header = ("kiosk", "wave", "status", "reason")
    widths = [max([len(header[i])] + [len(row[i]) for row in rows]) for i in range(3)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3]))
              + "  " + row[3], file=out)


def _reason(kiosk: dict[str, Any]) -> str:
    """The kiosk's reason, and the pushed keys its site file overrides (no effect there)."""
    overridden = kiosk.get("overridden") or []
    parts = [kiosk["reason"]] if kiosk["reason"] else []
    if overridden:
        parts.append("overridden by its site file (no effect): " + ", ".join(overridden))
    return "; ".join(parts) or "-"

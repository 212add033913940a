"""`kiosk-admin release`: sign a release of the kiosk software and roll it out.

    kiosk-admin release make DIR [--version V] [--expires-days 90] [--note TEXT]
        [--platform linux_x86_64] [--python cp311] [--dir KEYS]
    kiosk-admin release push DIR --target all|group:G|kiosk:ID [--wave PERCENT]
        [--success-threshold F] [--failure-threshold F] [--wave-deadline 1d]
        [--window 'HH:MM-HH:MM [ZONE]']
    kiosk-admin release status [ROLLOUT_ID] [--json]

``make`` signs a manifest of every wheel in DIR (the kiosk's own and each dependency it
installs: the kiosk installs from nothing else) with the config signing key and writes
it to DIR/release.json. ``push`` stores that manifest at central, uploads each wheel,
and starts the rollout in the same waves as a config push. The platform and Python
default to this machine's: make a release on a machine like the kiosks.
Exit status: 0 done, 1 central refused or unreachable (status: or the rollout halted),
2 usage (no wheels, no key, no release.json).
"""

from __future__ import annotations

import argparse
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from central.admin_config import KEY_FILE, Call, UsageProblem, default_keys_dir, load_key
from central.admin_push_options import add_push_options, push_fields
from central.terminal import dumps, printable
from central.timeutil import SHANGHAI
from kiosk.update.wire import (
    ReleaseFile,
    ReleaseManifest,
    ReleaseRolloutIn,
    SignedRelease,
    file_digest,
    sign_release,
    this_platform,
    this_python,
)

COMMANDS = ("release",)
MANIFEST_FILE = "release.json"
KIOSK_WHEEL = re.compile(r"^shanghai_selfservice_kiosk-([0-9][0-9.]*)-")


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    release = commands.add_parser("release", help="releases of the kiosk software")
    sub = release.add_subparsers(dest="release_command", required=True)
    make = sub.add_parser("make", help="sign a manifest of the wheels in DIR")
    make.add_argument("folder", type=Path, metavar="DIR")
    make.add_argument("--version", default=None,
                      help="default: the kiosk wheel's version")
    make.add_argument("--expires-days", type=float, default=90.0,
                      help="kiosks refuse the release after this (default 90)")
    make.add_argument("--note", default="", help="what changed, for rollout status")
    make.add_argument("--platform", default=None, help=f"default {this_platform()}")
    make.add_argument("--python", default=None, help=f"default {this_python()}")
    make.add_argument("--dir", type=Path, default=None,
                      help="where the signing key lives ($KIOSK_ADMIN_KEYS or "
                           "~/.config/kiosk-admin)")
    push = sub.add_parser("push", parents=[common],
                          help="upload DIR's signed release and start its rollout")
    push.add_argument("folder", type=Path, metavar="DIR")
    push.add_argument("--target", required=True, help="all, group:G or kiosk:ID")
    push.add_argument("--wave", type=int, default=100, metavar="PERCENT",
                      help="share of the target in each wave (default 100: one wave)")
    push.add_argument("--success-threshold", type=float, default=0.9)
    push.add_argument("--failure-threshold", type=float, default=0.2)
    add_push_options(push)
    status = sub.add_parser("status", parents=[common],
                            help="a release rollout's state and kiosks (exit 1: halted)")
    status.add_argument("rollout_id", nargs="?", type=int, help="default: the latest")
    status.add_argument("--json", action="store_true", help="print central's JSON as is")


def run(args: argparse.Namespace, base: str, out: TextIO, err: TextIO, call: Call,
        headers: dict[str, str]) -> int:
    def send(method: str, url: str, **kwargs: Any) -> Any:
        kwargs["headers"] = {**kwargs.get("headers", {}), **headers}
        return call(method, url, **kwargs)

    try:
        if args.release_command == "make":
            return _make(args, out)
        if args.release_command == "push":
            return _push(args, base, out, send)
        return _status(args, base, out, send)
    except UsageProblem as exc:
        print(f"kiosk-admin: {exc}", file=err)
        return 2


def make_release(folder: Path, key_path: Path, *, version: str | None = None,
                 expires_days: float = 90.0, note: str = "", platform: str | None = None,
                 python: str | None = None) -> SignedRelease:
    """Sign a manifest of every wheel in ``folder`` and write it to folder/release.json."""
    wheels = sorted(folder.glob("*.whl"))
    if not wheels:
        raise UsageProblem(f"{folder} holds no wheels")
    if version is None:
        found = [m.group(1) for w in wheels if (m := KIOSK_WHEEL.match(w.name))]
        if len(found) != 1:
            raise UsageProblem(f"{folder} holds {len(found)} kiosk wheels; give --version")
        version = found[0]
    files = []
    for wheel in wheels:
        sha256, size = file_digest(wheel)
        files.append(ReleaseFile(name=wheel.name, sha256=sha256, size=size))
    now = datetime.now(SHANGHAI)
    try:
        manifest = ReleaseManifest(
            version=version, platform=platform or this_platform(),
            python=python or this_python(), created_at=now,
            expires_at=now + timedelta(days=expires_days), files=files, note=note)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        raise UsageProblem(f"cannot make the release: {problems}") from None
    signed = sign_release(manifest, load_key(key_path))
    (folder / MANIFEST_FILE).write_text(signed.model_dump_json(indent=1) + "\n")
    return signed


def _make(args: argparse.Namespace, out: TextIO) -> int:
    signed = make_release(args.folder, (args.dir or default_keys_dir()) / KEY_FILE,
                          version=args.version, expires_days=args.expires_days,
                          note=args.note, platform=args.platform, python=args.python)
    m = signed.manifest
    print(f"release {m.version} for {m.platform} {m.python}: {len(m.files)} wheel(s), "
          f"{sum(f.size for f in m.files) / 2**20:.1f} MB, expires "
          f"{m.expires_at:%Y-%m-%d}; signed with key {signed.key_id} into "
          f"{args.folder / MANIFEST_FILE}", file=out)
    return 0


def _push(args: argparse.Namespace, base: str, out: TextIO, call: Call) -> int:
    path = args.folder / MANIFEST_FILE
    try:
        signed = SignedRelease.model_validate_json(path.read_bytes())
        rollout = ReleaseRolloutIn(target=args.target, wave_percent=args.wave,
                                   success_threshold=args.success_threshold,
                                   failure_threshold=args.failure_threshold,
                                   **push_fields(args))
    except ValidationError as exc:
        raise UsageProblem(f"cannot push: {exc.error_count()} problem(s) "
                           f"({exc.errors()[0]['msg']})") from None
    except ValueError as exc:  # a window or deadline mistyped
        raise UsageProblem(str(exc)) from None
    except OSError:
        raise UsageProblem(f"no {path}: `kiosk-admin release make` first") from None
    version = signed.manifest.version
    stored = call("GET", f"{base}/v1/admin/releases/{version}") \
        if _exists(call, base, version) else call(
            "POST", f"{base}/v1/admin/releases", data=signed.model_dump_json(),
            headers={"Content-Type": "application/json"})
    for entry in stored["files"]:
        if not entry["uploaded"]:
            call("PUT", f"{base}/v1/admin/releases/{version}/files/{entry['name']}",
                 data=(args.folder / entry["name"]).read_bytes(),
                 headers={"Content-Type": "application/octet-stream"})
    started = call("POST", f"{base}/v1/admin/releases/{version}/rollouts",
                   json=rollout.model_dump(mode="json"))
    first = [k["kiosk_id"] for k in started["kiosks"] if k["wave"] == 1]
    print(f"release rollout {started['id']}: {version} to {started['target']}, "
          f"{started['waves']} wave(s); wave 1: {printable(', '.join(first))}", file=out)
    return 0


def _exists(call: Call, base: str, version: str) -> bool:
    try:
        call("GET", f"{base}/v1/admin/releases/{version}")
    except Exception as exc:  # admin.AdminError: E_NOT_FOUND is the one expected here
        if "E_NOT_FOUND" in str(exc):
            return False
        raise
    return True


def _status(args: argparse.Namespace, base: str, out: TextIO, call: Call) -> int:
    which = args.rollout_id if args.rollout_id is not None else "latest"
    rollout = call("GET", f"{base}/v1/admin/release-rollouts/{which}")
    if args.json:
        print(dumps(rollout), file=out)
    else:
        print(printable(f"release rollout {rollout['id']}: {rollout['version']} to "
                        f"{rollout['target']}: {rollout['state']}, wave "
                        f"{rollout['current_wave']} of {rollout['waves']}"
                        + (f": {rollout['reason']}" if rollout["reason"] else "")), file=out)
        for k in rollout["kiosks"]:
            print(printable(f"  {k['kiosk_id']:16} wave {k['wave']}  {k['status']:11} "
                            f"{k['reason']}").rstrip(), file=out)
    return 1 if rollout["state"] == "halted" else 0

"""The `kiosk install` command line: options, the root check, the report, the next steps."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path, PurePosixPath

from kiosk.install.apply import Target, apply
from kiosk.install.layout import Options, next_steps, plan


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=Path("/"), metavar="DIR",
                        help="lay the files out under DIR instead of / (a staging root, like "
                             "DESTDIR): no users are made and nothing is chowned")
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would be done and change nothing")
    parser.add_argument("--venv", type=PurePosixPath, default=PurePosixPath(sys.prefix),
                        metavar="DIR",
                        help="the virtual environment the kiosk's wheel is installed in "
                             "(the units run DIR/bin/kiosk; default: this one, %(default)s)")
    parser.add_argument("--with-central", action="store_true",
                        help="also install the reference central service "
                             "(kiosk-central.service, its user and state folder)")
    parser.add_argument("--software-root", type=PurePosixPath, default=None, metavar="DIR",
                        help="take signed software updates: releases live under DIR "
                             "(e.g. /opt/kiosk) and the unit runs DIR/current/venv/bin/kiosk "
                             "after the update guard (docs/operations.md#software-updates)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    options = Options(venv=args.venv, with_central=args.with_central,
                      software_root=args.software_root)
    target = Target(root=args.root.resolve(), dry_run=args.dry_run)
    if options.software_root is not None and not options.software_root.is_absolute():
        print("kiosk install: --software-root must be an absolute path", file=sys.stderr)
        return 2
    if not options.venv.is_absolute():
        print(f"kiosk install: --venv must be an absolute path, not {options.venv}",
              file=sys.stderr)
        return 2
    if target.real and not target.dry_run and os.geteuid() != 0:
        print("kiosk install: installing on / needs root (sudo); --root DIR lays the files "
              "out elsewhere, --dry-run shows what would be done", file=sys.stderr)
        return 2
    where = "" if target.real else f" under {target.root}"
    print(f"kiosk install{where}{' (dry run: nothing is changed)' if target.dry_run else ''}:")
    apply(plan(options), target, lambda line: print(f"  {line}"))
    print("next:")
    for number, line in enumerate(next_steps(options), start=1):
        print(f"  {number}. {line}")
    return 0

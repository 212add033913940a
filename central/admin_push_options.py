"""The rollout options `kiosk-admin config push` and `release push` share: the wave
deadline and the maintenance window, checked on the admin's machine before anything is
signed or sent (central checks them again)."""

from __future__ import annotations

import argparse
import re
from typing import Any

from central.rollout_window import parse_window

_DURATION = re.compile(r"^([0-9]+)(s|min|m|h|d)$")
_UNIT_S = {"s": 1, "min": 60, "m": 60, "h": 3600, "d": 86400}


def add_push_options(push: argparse.ArgumentParser) -> None:
    push.add_argument("--wave-deadline", default=None, metavar="DURATION",
                      help="how long a wave's kiosks get to report before they count as "
                           "timed out: 90min, 6h, 2d (default 1d; counted inside the "
                           "window only)")
    push.add_argument("--window", default=None, metavar="'HH:MM-HH:MM[ ZONE]'",
                      help="daily maintenance window: kiosks are given the rollout only "
                           "inside it (zone default Asia/Shanghai)")


def push_fields(args: argparse.Namespace) -> dict[str, Any]:
    """wave_deadline_s and window for the push body; ValueError saying what is expected."""
    fields: dict[str, Any] = {}
    if args.wave_deadline is not None:
        match = _DURATION.match(args.wave_deadline.strip())
        if match is None:
            raise ValueError(f"--wave-deadline {args.wave_deadline!r}: expected a number and "
                             "s, min, h or d (e.g. 6h)")
        fields["wave_deadline_s"] = int(match[1]) * _UNIT_S[match[2]]
    if args.window is not None:
        fields["window"] = parse_window(args.window).text
    return fields

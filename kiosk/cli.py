"""The `kiosk` command (being written)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    raise SystemExit("kiosk: not yet implemented")

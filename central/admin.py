"""`kiosk-admin` (being written)."""


def main(argv: list[str] | None = None) -> int:
    raise SystemExit("kiosk-admin: not yet implemented")

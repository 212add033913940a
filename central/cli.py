"""`kiosk-central` (being written)."""


def main(argv: list[str] | None = None) -> int:
    raise SystemExit("kiosk-central: not yet implemented")

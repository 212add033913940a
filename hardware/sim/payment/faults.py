"""The payment simulator's faults: names, what each does, and their values.

Listed again in docs/hardware/payment-terminal.md (section 8); the control line's
``faults`` command returns this table.
"""

from __future__ import annotations

FAULTS: dict[str, str] = {
    "no_answer": "ACKs the SALE, shows the prompts and approves it, but the result never "
                 "comes back (the money is taken; a STAT still reports it)",
    "no_status": "ACKs every STAT but never answers it (a terminal of the previous "
                 "protocol version)",
    "no_reversal": "ACKs every RVSL but never answers it and reverses nothing (the "
                   "terminal cannot reach the bank)",
    "garbage": "sends noise bytes before every frame",
    "corrupt": "spoils the LRC of the first transmission of every frame (forces a NAK "
               "and a retransmission)",
    "silent": "reads but never answers: no ACK, no reply (a hung terminal)",
    "wrong_reference": "answers a sale with a result for another reference",
    "disconnect": "the line goes away during the next sale, while the PIN is entered: "
                  "the pty is closed and nothing is charged (fires once; start_pty() or "
                  "the control line's replug gives a new pty)",
    "baud": "paces what the terminal sends to N baud, e.g. `set baud 1200`",
}
BAUD_RANGE = (50, 115200)


def checked_fault(name: str, value: int | bool) -> int | bool:
    """``value`` if it suits fault ``name`` (True for a switch, a speed for baud; False
    always means "off"); raises ValueError otherwise."""
    if name not in FAULTS:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}")
    if value is False:
        return value
    if name == "baud":
        low, high = BAUD_RANGE
        if isinstance(value, bool) or not low <= value <= high:
            raise ValueError(f"baud needs a speed from {low} to {high}")
    elif value is not True:
        raise ValueError(f"fault {name!r} takes no value")
    return value


def parse_fault(text: str) -> tuple[str, int | bool]:
    """``NAME`` or ``NAME=VALUE`` as the command line takes it: ``baud=1200``."""
    name, sep, raw = text.partition("=")
    if not sep:
        return name, checked_fault(name, True)
    if not raw.isdigit():
        raise ValueError(f"{text!r}: the value must be a number")
    return name, checked_fault(name, int(raw))

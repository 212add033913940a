"""The device fault table (kiosk.services.device_faults): every state has its words."""

from __future__ import annotations

import re
from pathlib import Path

import hardware.base as base
from kiosk.services.device_faults import (
    ACTIONS,
    FALLBACK_ACTION,
    MEANINGS,
    UNEXPECTED,
    FaultAdvice,
    advice_for,
)

ROOT = Path(__file__).resolve().parents[2]
REASONS = {value for name, value in vars(base).items() if name.startswith("REASON_")}


def test_every_reason_code_has_a_meaning_and_every_action_a_known_reason() -> None:
    """GIVEN the reason codes hardware.base declares
    WHEN the table is read
    THEN each code has a meaning, and each action is for a declared code and device."""
    assert set(MEANINGS) == REASONS
    for device, reason in ACTIONS:
        assert device in ("printer", "payment", "reader", "scanner") and reason in REASONS


def test_advice_for_a_state() -> None:
    """GIVEN a device state
    WHEN its advice is asked
    THEN OK (no reason) has none, a known state its own, and a state the table does not
    name for that device still gets a meaning and the general action."""
    assert advice_for("printer", None) is None
    assert advice_for("printer", "paper_out") == FaultAdvice(
        "Out of paper", "Load a new paper roll (80 mm) and close the cover.")
    assert advice_for("reader", "paper_out") == FaultAdvice("Out of paper", FALLBACK_ACTION)
    assert advice_for("printer", "melted") == FaultAdvice(UNEXPECTED, FALLBACK_ACTION)


def _documented_rows() -> dict[tuple[str, str], tuple[str, str]]:
    """(device, reason) -> (means, what to do) from docs/operations.md's table."""
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    section = text.split("\n### Device faults and what to do\n", 1)[1].split("\n## ", 1)[0]
    devices = {"printer": "printer", "payment terminal": "payment", "document reader": "reader",
               "payment-code scanner": "scanner"}
    rows: dict[tuple[str, str], tuple[str, str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] in devices:
            reason = re.findall(r"`([a-z_]+)`", cells[1])[0]
            rows[(devices[cells[0]], reason)] = (cells[2], cells[3])
    return rows


def test_the_operations_guide_lists_every_fault_with_the_same_words() -> None:
    """GIVEN the table of device faults in docs/operations.md
    WHEN it is compared with kiosk.services.device_faults
    THEN it has one row for each device state, with the same meaning and the same advice
    as `kiosk diag` and the technician screen show."""
    assert _documented_rows() == {key: (MEANINGS[key[1]], action)
                                  for key, action in ACTIONS.items()}

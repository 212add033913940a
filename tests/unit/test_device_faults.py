"""The device fault table (kiosk.services.device_faults): every state has its words."""

from __future__ import annotations

import hardware.base as base
from kiosk.services.device_faults import (
    ACTIONS,
    FALLBACK_ACTION,
    MEANINGS,
    UNEXPECTED,
    FaultAdvice,
    advice_for,
)

REASONS = {value for name, value in vars(base).items() if name.startswith("REASON_")}


def test_every_reason_code_has_a_meaning_and_every_action_a_known_reason() -> None:
    """GIVEN the reason codes hardware.base declares
    WHEN the table is read
    THEN each code has a meaning, and each action is for a declared code and device."""
    assert set(MEANINGS) == REASONS
    for device, reason in ACTIONS:
        assert device in ("printer", "payment", "reader") and reason in REASONS


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

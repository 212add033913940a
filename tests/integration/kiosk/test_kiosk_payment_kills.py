"""A short kill trial (bench/payment_kills.py runs 200): kiosk processes SIGKILLed at
random moments of real card payments, then the journal, the terminal simulator's ledger
and central compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.devtools.payment_kills import run_kills

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.mark.long(30)
def test_random_kills_lose_no_payment_and_charge_none_twice(tmp_path: Path) -> None:
    """GIVEN a kiosk paying part of a bill again and again through the real flow
    WHEN 8 of its processes are SIGKILLed at random moments, each next one recovering at
    start-up, and a last one recovers and stops
    THEN no payment is left open, every paid one was charged once and is at central
    once, every unpaid one was charged nothing, and every charge is a paid payment."""
    report = run_kills(tmp_path, 8, seed=10)
    assert report.violations == []
    assert report.kills == 8 and sum(report.states.values()) > 0
    assert report.charged_fen == report.central_fen

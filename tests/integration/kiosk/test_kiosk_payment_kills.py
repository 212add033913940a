"""Short kill trials (bench/payment_kills.py runs 200): kiosk processes SIGKILLed at
random moments of real card payments, then the journal, the terminal simulator's ledger
and central compared; and the same on the QR path, against the providers' simulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.devtools.payment_kills import run_kills
from kiosk.devtools.qr_payment_kills import run_qr_kills

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


@pytest.mark.long(25)
def test_random_kills_on_the_qr_path_keep_the_books(tmp_path: Path) -> None:
    """GIVEN a kiosk paying parts of a bill by QR again and again through the real flow,
    central and the providers' simulator: Alipay, WeChat Pay or UnionPay QR at random, a
    code shown (the people pay it in time, late or never) or the person's code scanned
    WHEN 6 of its processes are SIGKILLed at random moments, each next one recovering at
    start-up, and a last one recovers and stops
    THEN no payment or order is left open, every order at a provider is central's, money
    held is a payment paid once in the journal and at central, late payments were given
    back, the providers hold (paid minus refunded) what central recorded by QR, and
    central's reconciliation of the providers' statements finds no difference."""
    report = run_qr_kills(tmp_path, 6, seed=13)
    assert report.violations == []
    assert report.kills == 6 and sum(report.states.values()) > 0
    assert report.held_fen == report.central_fen > 0
    assert report.statement_lines > 0


@pytest.mark.long(40)
def test_random_kills_on_the_qr_path_under_provider_faults_keep_the_books(
        tmp_path: Path) -> None:
    """GIVEN the QR kill trial, with the providers misbehaving during about half of the
    kiosk's processes (an answer lost, a slow answer, a notification lost or sent twice,
    a payment landing after the close, a balance too low, an expired code)
    WHEN 6 of its processes are SIGKILLed at random moments, and a last one recovers
    THEN the same books hold: nothing open, nothing paid twice, late payments given
    back, the providers hold what central recorded, and the statements reconcile."""
    report = run_qr_kills(tmp_path, 6, seed=5, faults=True)
    assert report.violations == []
    assert sum(report.faults.values()) >= 2, report.faults
    assert report.kills == 6 and sum(report.states.values()) > 0
    assert report.held_fen == report.central_fen > 0

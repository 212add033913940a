"""Test cards of the payment simulator: valid numbers, every decline code, stable codes."""

from __future__ import annotations

from stdnum import luhn

from hardware.sim.payment.cards import (
    DECLINING_CARDS,
    MERCHANT_ID,
    TERMINAL_ID,
    TEST_CARDS,
    UNIONPAY_APPROVED,
    VISA_APPROVED,
    auth_code_for,
    card_brand,
    issuer_answer,
    luhn_valid,
    rrn_for,
)


def test_test_cards_are_luhn_valid_and_16_to_19_digits() -> None:
    """GIVEN the documented test cards
    WHEN python-stdnum checks them
    THEN each passes Luhn, has 16-19 digits, and our own Luhn agrees."""
    for card in TEST_CARDS:
        assert luhn.is_valid(card.pan), card.meaning
        assert 16 <= len(card.pan) <= 19
        assert luhn_valid(card.pan)
    assert not luhn_valid("6228480000031235")


def test_test_cards_cover_approvals_and_every_decline_code() -> None:
    """GIVEN the test cards
    WHEN their outcomes are listed
    THEN a UnionPay 62 card (the default) and a Visa approve, and 51, 05, 14, 54, 55, 91
    each have a card."""
    assert UNIONPAY_APPROVED.pan.startswith("62") and UNIONPAY_APPROVED.response_code == "00"
    assert VISA_APPROVED.brand == card_brand(VISA_APPROVED.pan) == "Visa"
    assert sorted(c.response_code for c in DECLINING_CARDS) == \
        ["05", "14", "51", "54", "55", "91"]


def test_issuer_answers_unknown_cards_by_luhn_and_a_wrong_pin_with_55() -> None:
    """GIVEN an unlisted valid card, an unlisted invalid one, and the default with a bad PIN
    WHEN the simulated issuer answers
    THEN 00, 14 and 55."""
    assert issuer_answer("5555555555554444", pin_ok=True) == "00"
    assert issuer_answer("5555555555554445", pin_ok=True) == "14"
    assert issuer_answer(UNIONPAY_APPROVED.pan, pin_ok=False) == "55"


def test_codes_are_deterministic_per_reference() -> None:
    """GIVEN two references
    WHEN auth codes and RRNs are derived twice
    THEN they have 6 and 12 digits, repeat for the same reference and differ between them;
    the terminal and merchant ids have 8 and 15 characters."""
    assert auth_code_for("K1") == auth_code_for("K1") != auth_code_for("K2")
    assert rrn_for("K1") == rrn_for("K1") != rrn_for("K2")
    assert len(auth_code_for("K1")) == 6 and auth_code_for("K1").isdigit()
    assert len(rrn_for("K1")) == 12 and rrn_for("K1").isdigit()
    assert (len(TERMINAL_ID), len(MERCHANT_ID)) == (8, 15)

"""What the kiosk says about QR payments (E_QR_DECLINED with its failure, E_QR_EXPIRED,
E_QR_UNAVAILABLE, E_QR_ORDER_UNKNOWN, a refund due) and why a way to pay is greyed, in
every language, from the real catalogs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.domain.languages import LANGUAGES
from kiosk.errors import ErrorCode, KioskError
from kiosk.i18n import Catalogs
from kiosk.ui import i18n
from kiosk.ui.messages import describe, method_unavailable_reason


@pytest.fixture
def catalogs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Catalogs]:
    """The real catalogs installed for the UI's messages (the UI tests' App keeps its own)."""
    translator = Catalogs()
    monkeypatch.setattr(i18n._Current, "translator", translator)
    monkeypatch.setattr(i18n._Current, "lang", "en")
    yield translator


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("error", [
    KioskError(ErrorCode.QR_DECLINED, failure="insufficient_balance"),
    KioskError(ErrorCode.QR_DECLINED, failure="code_invalid"),
    KioskError(ErrorCode.QR_DECLINED, failure="code_used"),
    KioskError(ErrorCode.QR_DECLINED, failure="declined"),
    KioskError(ErrorCode.QR_EXPIRED),
    KioskError(ErrorCode.QR_EXPIRED, refunded="true"),
    KioskError(ErrorCode.QR_UNAVAILABLE, reason="central_offline"),
    KioskError(ErrorCode.QR_UNAVAILABLE, reason="central_unreachable", refund_due="true",
               reference="SH-CN-0001-261207-000004"),
    KioskError(ErrorCode.QR_ORDER_UNKNOWN),
], ids=lambda e: f"{e.code.value}-{'-'.join(e.detail.values())}")
def test_every_qr_error_is_said_in_every_language(catalogs: Catalogs, lang: str,
                                                  error: KioskError) -> None:
    """GIVEN a QR payment's failure
    WHEN the kiosk describes it in each of the 8 languages
    THEN title and text are translated (not the English, except in English), every
    placeholder is filled (a refund due names the reference), and the code is shown for
    staff, a refusal with its failure."""
    i18n.set_language(lang)
    message = describe(error)
    assert "{" not in message.text and message.title
    assert message.code.startswith(error.code.value)
    if error.code is ErrorCode.QR_DECLINED:
        assert message.code == f"E_QR_DECLINED ({error.detail['failure']})"
    if "reference" in error.detail:
        assert error.detail["reference"] in message.text
    i18n.set_language("en")
    in_english = describe(error)
    if lang != "en":
        assert message.text != in_english.text and message.title != in_english.title


def test_the_reasons_differ_by_failure_and_a_refund_due_is_said_as_such(
        catalogs: Catalogs) -> None:
    """GIVEN an insufficient balance, a used code, a refund due and a late payment refunded
    WHEN described in English
    THEN each says its own reason: not enough money, already used (refresh the code),
    money returned if taken (with the reference), the payment being returned."""
    i18n.set_language("en")
    balance = describe(KioskError(ErrorCode.QR_DECLINED, failure="insufficient_balance"))
    assert balance.text.startswith("There is not enough money")
    assert "Nothing was charged" in balance.text
    used = describe(KioskError(ErrorCode.QR_DECLINED, failure="code_used"))
    assert "already used" in used.text
    due = describe(KioskError(ErrorCode.QR_UNAVAILABLE, refund_due="true", reference="R-1"))
    assert due.title == "Payment not confirmed" and "it will be returned" in due.text
    assert "R-1" in due.text
    refunded = describe(KioskError(ErrorCode.QR_EXPIRED, refunded="true"))
    assert refunded.title == "Payment returned"


def test_a_greyed_way_to_pay_says_why(catalogs: Catalogs) -> None:
    """GIVEN the card terminal disconnected, a QR app not set up, central offline
    WHEN the choice screen asks why each is greyed
    THEN not connected, not set up at this kiosk, and needs the network."""
    card = KioskError(ErrorCode.DEVICE_UNAVAILABLE, device="payment", reason="disconnected")
    assert method_unavailable_reason(card) == "The card terminal is not connected."
    assert method_unavailable_reason(
        KioskError(ErrorCode.QR_UNAVAILABLE, reason="not_set_up")) == "Not set up at this kiosk."
    assert method_unavailable_reason(
        KioskError(ErrorCode.QR_UNAVAILABLE, reason="central_offline")).startswith(
        "Needs the network")

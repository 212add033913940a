"""No dead ends at night: the catalogs never send a person to staff or a counter (the
kiosk is unattended), the hotline is named where a message offers it, and a service
knows when leaving would lose something the person gave (Cancel asks then)."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from kiosk.domain.languages import LANGUAGES
from kiosk.errors import ErrorCode, KioskError
from kiosk.i18n import Catalogs, po_path
from kiosk.ui import i18n
from kiosk.ui.messages import describe, set_hotline
from tests.unit.test_points_flow import World

# Words that send the person to someone or somewhere with staff, in each language. Whole
# words, so "personal details" or "外国人工作许可" (work permit) are not caught.
STAFF_WORDING = {
    "en": r"\bstaff\b|\bcounters?\b|service desk|\bdesk\b|\battendants?\b",
    "zh-Hans": r"工作人员|柜台|服务台|服务厅|人工服务|前台",
    "ja": r"係員|スタッフ|窓口|カウンター|職員",
    "ko": r"직원|창구|카운터|데스크",
    "fr": r"\bpersonnel\b|guichets?|comptoirs?|\baccueil\b",
    "de": r"\bPersonal\b|Schalter|Mitarbeiter|Theke|Servicestelle",
    "es": r"\bel personal\b|ventanillas?|mostrador",
    "ru": r"сотрудник|персонал|окн\w* обслуживания|касс[аеуы]\b|стойк",
}


def test_the_wording_list_covers_every_language() -> None:
    """GIVEN the kiosk's languages
    WHEN the staff wording list is read
    THEN it has a pattern for each of them."""
    assert set(STAFF_WORDING) == set(LANGUAGES)


@pytest.mark.parametrize("lang", sorted(STAFF_WORDING))
def test_no_message_sends_the_person_to_staff_or_a_counter(lang: str) -> None:
    """GIVEN the catalog of ``lang``
    WHEN every translation (and, in English, every msgid) is searched
    THEN none speaks of staff, a counter or a service desk: at night nobody is there."""
    with po_path(lang).open("rb") as fh:
        catalog = read_po(fh)
    found = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        texts = [str(text) for text in strings if text]
        if lang == "en":  # the English msgids are the code's own sentences
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            texts += [str(text) for text in ids]
        found += [text for text in texts if re.search(STAFF_WORDING[lang], text, re.IGNORECASE)]
    assert found == []


def test_the_staff_wording_check_catches_a_counter() -> None:
    """GIVEN the wording of each language
    WHEN a sentence of the old messages is matched
    THEN it is caught (the check can fail)."""
    old = {"en": "Please pay at a counter.", "zh-Hans": "请到柜台缴费。",
           "ja": "窓口でお支払いください。", "ko": "창구에서 납부하십시오.",
           "fr": "Veuillez payer à un guichet.", "de": "Bitte bezahlen Sie an einem Schalter.",
           "es": "Pague en una ventanilla.", "ru": "Пожалуйста, оплатите в кассе."}
    assert all(re.search(STAFF_WORDING[lang], text, re.IGNORECASE) for lang, text in old.items())


@pytest.mark.parametrize("code", [ErrorCode.CENTRAL_UNAVAILABLE, ErrorCode.DEVICE_UNAVAILABLE,
                                  ErrorCode.PRINT_FAILED_AFTER_PAYMENT,
                                  ErrorCode.IDENTITY_MISMATCH, ErrorCode.PRE2019_COUNTER])
def test_a_message_that_offers_the_hotline_names_the_configured_number(
        code: ErrorCode, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the kiosk's hotline set to 021-5555-0100 and the UI in German
    WHEN a message that once sent the person to a counter is described, on any screen
    THEN it names that number, in German."""
    monkeypatch.setattr(i18n._Current, "translator", Catalogs())
    monkeypatch.setattr(i18n._Current, "lang", "de")
    set_hotline("021-5555-0100")
    try:
        text = describe(KioskError(code)).text
    finally:
        set_hotline("")
    assert "021-5555-0100" in text and text != describe(KioskError(code)).text


def test_points_has_answers_once_the_first_is_given() -> None:
    """GIVEN the points notice
    WHEN the person continues to the first question, then answers it
    THEN nothing is to lose on the notice and on the empty first question; after the
    first answer, leaving would lose it; after the session's wipe, nothing again."""
    flow = World().flow()
    assert not flow.has_answers
    flow.begin()
    assert not flow.has_answers
    flow.answer(40)
    assert flow.has_answers
    flow.wipe()
    assert not flow.has_answers

"""Every screen a resident can reach has a spoken description in all 8 languages (the
audio mode, docs/accessibility.md): its place, its texts and its buttons."""

from __future__ import annotations

import pytest

from kiosk.domain.languages import LANGUAGES
from kiosk.i18n import Catalogs
from kiosk.services.contract import View
from kiosk.ui import spoken
from kiosk.ui.screen_names import SCREEN_TYPES, TECHNICIAN_SCREENS, VIEW_SCREENS

CATALOGS = Catalogs()
RESIDENT_SCREENS = sorted(set(SCREEN_TYPES) - set(TECHNICIAN_SCREENS))


def test_every_flow_step_and_every_resident_screen_has_a_place() -> None:
    """GIVEN every kind of flow step of every service (View) and every screen by name
    WHEN the audio mode looks up where the person is
    THEN each screen a resident sees has a place, and no place names a screen that is gone"""
    assert {VIEW_SCREENS[view] for view in View} <= spoken.SCREEN_PLACES.keys()
    assert sorted(spoken.SCREEN_PLACES) == RESIDENT_SCREENS


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_screen_is_described_in_each_language(lang: str) -> None:
    """GIVEN one of the 8 languages
    WHEN each resident screen is described with its header title and a button
    THEN the description starts with the place in that language (not English, but for en)
    and lists the button in that language's list form"""
    def gettext(message: str) -> str:
        return CATALOGS.gettext(lang, message)

    for screen in RESIDENT_SCREENS:
        place = gettext(spoken.SCREEN_PLACES[screen])
        assert place.strip()
        if lang != "en":
            assert place != spoken.SCREEN_PLACES[screen], (screen, lang)
        said = spoken.describe(screen, ["Title"], ["A", "B"], lang, gettext)
        assert said.startswith(gettext(spoken.WHERE).format(place=place)), (screen, lang)
        assert "Title" in said and gettext(spoken.BUTTONS).split("{")[0] in said


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ("You are at: Check the bill before paying. Amount 1234.50 Chinese yuan "
           "Reference B P, 2 0 2 6, 0 0 4 2 Buttons: Back and Pay.")),
    ("zh-Hans", ("当前位置：付款前核对账单。 Amount 1234.50 人民币 Reference B P, 2 0 2 6, 0 0 4 2 "
                "按钮：Back和Pay。")),
    ("ru", ("Вы здесь: Проверка счёта перед оплатой. Amount 1234,50 китайского юаня "
           "Reference B P, 2 0 2 6, 0 0 4 2 Кнопки: Back и Pay.")),
])
def test_a_description_reads_amounts_and_references_for_a_voice(lang: str,
                                                                 expected: str) -> None:
    """GIVEN the review screen's texts with an amount and a reference, a text twice
    WHEN it is described
    THEN the amount is a number with the yuan named, the reference is spelled, the
    repeated text is said once, and the buttons are a list in the person's language"""
    from decimal import Decimal

    from kiosk.domain.money import format_money

    amount = f"Amount {format_money(Decimal('1234.50'), lang)}"
    said = spoken.describe("review", [amount, "Reference BP-2026-0042", amount],
                           ["Back", "Pay"], lang, lambda m: CATALOGS.gettext(lang, m))
    assert said == expected

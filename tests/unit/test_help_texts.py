"""Help on every screen (docs/ui-guide.md#help): every step of every service has a help
in all 8 languages, the papers' numbers have their own with a picture."""

from __future__ import annotations

from importlib.resources import files

import pytest
from babel.messages.pofile import read_po

from kiosk.domain.languages import LANGUAGES
from kiosk.i18n import po_path
from kiosk.services.contract import View
from kiosk.services.help import LEAVING, PICTURES
from kiosk.services.help_topics import SERVICES, service_questions, topics

# The questions whose answer is a number or date on a paper: each has its own help.
OWN_HELP = {
    "accommodation": {"entry_status_type", "entry_status_number", "entry_status_valid_until",
                      "number_of_entries", "date_of_entry"},
    "arbitration": {"uscc", "agency_uscc", "work_permit_no"},
    "tax_record": {"code"},
    "bill_payment": {"account", "barcode"},
}
WITH_PICTURE = {"entry_status_type", "entry_status_number", "entry_status_valid_until",
                "number_of_entries", "date_of_entry", "uscc", "agency_uscc",
                "work_permit_no", "account", "barcode", "document"}


def _translations() -> dict[str, dict[str, str]]:
    catalogs = {}
    for lang in LANGUAGES:
        with po_path(lang).open("rb") as fh:
            catalog = read_po(fh, locale=lang.replace("-", "_"))
        catalogs[lang] = {str(m.id): str(m.string) for m in catalog if m.id and m.string}
    return catalogs


@pytest.mark.parametrize("service", SERVICES)
def test_every_screen_and_question_has_help_in_all_8_languages(service: str) -> None:
    """GIVEN every kind of screen and every question the service may show
    WHEN their help is looked up
    THEN each has one whose every paragraph is translated in all 8 catalogs, ending with
    how to go back and leave, and its picture is a packaged PNG."""
    catalogs = _translations()
    helps = topics(service)
    assert {view.value for view in View} - {"question"} <= set(helps) | {"account"}
    for question in service_questions(service):
        assert (question.key if question.help else "question") in helps
    for step, help_ in helps.items():
        assert help_.paragraphs[-1] == LEAVING, step
        for paragraph in help_.paragraphs:
            missing = [lang for lang in LANGUAGES if paragraph not in catalogs[lang]]
            assert missing == [], f"{service}/{step}: {paragraph[:40]!r} not in {missing}"
        if help_.picture:
            assert help_.picture in PICTURES
            picture = files("kiosk.data") / "help" / f"{help_.picture}.png"
            assert picture.is_file(), picture


@pytest.mark.parametrize("service", sorted(OWN_HELP))
def test_numbers_from_papers_have_their_own_help_and_picture(service: str) -> None:
    """GIVEN the questions asking for a number or date from a passport, contract, permit,
    bill or text message
    WHEN their help is looked up
    THEN each has its own words (not the help every question shares) and, where a paper
    holds the answer, a picture of where."""
    helps = topics(service)
    generic = helps["question"].paragraphs
    for step in OWN_HELP[service]:
        assert helps[step].paragraphs != generic, step
        assert bool(helps[step].picture) == (step in WITH_PICTURE), step


def test_the_help_export_for_central_is_current() -> None:
    """GIVEN the services' help texts and the 8 catalogs
    WHEN they are exported as central's help pages would be
    THEN the packaged kiosk/domain/help_pages.json holds exactly that (run
    `python -m kiosk.devtools.help_pages` after changing a help text)."""
    from kiosk.devtools.help_pages import render

    packaged = (files("kiosk.domain") / "help_pages.json").read_text(encoding="utf-8")
    assert packaged == render()

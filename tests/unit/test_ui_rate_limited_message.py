"""What the kiosk says when central answers E_RATE_LIMITED: how long to wait, in the
person's language, rounded up (issue 10, item 11)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.domain.clock import format_wait
from kiosk.domain.languages import LANGUAGES
from kiosk.errors import ErrorCode, KioskError
from kiosk.i18n import Catalogs
from kiosk.ui import i18n
from kiosk.ui.messages import describe


@pytest.fixture
def catalogs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Catalogs]:
    """The real catalogs installed for the UI's messages, and afterwards whatever was
    installed before (the UI tests' App, running in this process, keeps its own)."""
    translator = Catalogs()
    monkeypatch.setattr(i18n._Current, "translator", translator)
    monkeypatch.setattr(i18n._Current, "lang", "en")
    yield translator


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_a_new_code_too_soon_names_the_wait_in_every_language(catalogs, lang):
    """GIVEN central refusing a new one-time code for 45 s
    WHEN the kiosk describes it in each of the 8 languages
    THEN the text is translated (not English, except in English), names 45 seconds in
    that language and leaves no {placeholder}; the code is shown for staff."""
    i18n.set_language(lang)
    error = KioskError(ErrorCode.RATE_LIMITED, retry_after_s="45", limit="one_time_code")
    message = describe(error)
    assert format_wait(45, lang) in message.text
    assert "{" not in message.text and message.code == "E_RATE_LIMITED"
    if lang != "en":
        assert "A code was sent" not in message.text
    else:
        assert message.text == ("A code was sent to this phone a short time ago. "
                                "You can ask for a new one in 45 seconds.")


def test_other_limits_say_try_again_later(catalogs):
    """GIVEN a rate limit that is not about codes (too many failed sign-ins), 150 s
    WHEN described in German
    THEN the generic text with the wait rounded up to whole minutes (3 Minuten)."""
    i18n.set_language("de")
    message = describe(KioskError(ErrorCode.RATE_LIMITED, retry_after_s="150",
                                  limit="auth_failures"))
    assert message.title == "Bitte warten Sie einen Moment"
    assert "3 Minuten" in message.text

"""The audio mode on the real UI: switched on from the language screen, every screen of
the bill payment said in the person's language (the words sent to the speech port, and
real audio from espeak-ng), off when the session ends (docs/accessibility.md)."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.devtools.loopback import System
from kiosk.speech.recording import RecordingSpeech
from kiosk.ui.driver import Driver
from kiosk.ui.walkthrough import type_account
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.ui

# What each screen's utterance starts with, and what the review must say, per language.
SAID = {
    "en": {"home": "You are at: List of services.",
           "biller": "You are at: Choose who sent the bill.",
           "account": "You are at: Enter the account number.",
           "review": "You are at: Check the bill before paying.",
           "amount": "128.96 Chinese yuan", "buttons": "Buttons:"},
    "zh-Hans": {"home": "当前位置：服务列表。", "biller": "当前位置：选择账单的收费单位。",
                "account": "当前位置：输入户号。", "review": "当前位置：付款前核对账单。",
                "amount": "128.96 人民币", "buttons": "按钮："},
    "ru": {"home": "Вы здесь: Список услуг.",
           "biller": "Вы здесь: Выбор организации, выставившей счёт.",
           "account": "Вы здесь: Ввод номера лицевого счёта.",
           "review": "Вы здесь: Проверка счёта перед оплатой.",
           "amount": "128,96 китайского юаня", "buttons": "Кнопки:"},
}
ACCOUNT = "3100012345"
ACCOUNT_SPOKEN = "3 1 0 0 0 1 2 3 4 5"


@pytest.fixture
def speech(driver: Driver, tmp_path: Path) -> Iterator[RecordingSpeech]:
    """The App's voice, recording and writing WAVs, for this test only."""
    app = driver.app
    kept = app.speech
    recorder = RecordingSpeech(tmp_path / "wav")
    app.speech = recorder
    yield recorder
    app.end_session()
    app.speech = kept


def said_on(driver: Driver, speech: RecordingSpeech, start: str) -> str:
    """The utterance that starts with ``start``, once the screen has been said."""
    def found() -> str | None:
        return next((text for text in speech.texts() if text.startswith(start)), None)

    driver.wait_until(lambda: found() is not None, PATIENCE_S, f"the kiosk to say {start!r}")
    text = found()
    assert text is not None
    return text


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "ru"])
def test_audio_mode_says_each_screen_of_a_bill_payment(driver: Driver, system: System,
                                                       speech: RecordingSpeech,
                                                       lang: str) -> None:
    """GIVEN the kiosk's language screen, and a person who switches audio guidance on
    WHEN they choose their language and go by touch to the review of their water bill
    THEN each screen is said in their language: where they are, what it shows (the
    amount as a number with the yuan named, the account number digit by digit) and its
    buttons; real audio comes out; the idle wait is longer; the session's end stops it"""
    system.restart_central(fresh_data=True)  # the water bill due, whatever paid it before
    app = driver.app
    driver.tap(app.screen("attract").ids.start)
    driver.wait_for_screen("language")
    assert not app.audio and speech.texts() == []
    driver.tap(app.screen("language").ids.audio)
    first = said_on(driver, speech, "Audio guidance is on.")
    assert "You are at: Choose your language." in first
    assert "Buttons:" in first and "Audio guidance" in first and "Back" in first
    assert speech.spoken[-1].lang == "en"  # nobody chose a language yet

    driver.tap(app.screen("language").button_for(lang))
    driver.wait_for_screen("home")
    said = SAID[lang]
    assert said["buttons"] in said_on(driver, speech, said["home"])
    assert app.idle_timeout_s == 3 * app.settings.idle_timeout_s

    driver.tap(app.screen("home").tiles["bill_payment"])
    driver.wait_for_screen("biller")
    said_on(driver, speech, said["biller"])
    driver.tap(app.screen("biller").tiles["sh-water"])
    driver.wait_for_screen("account")
    said_on(driver, speech, said["account"])
    type_account(driver, ACCOUNT)
    driver.tap(driver.find("account", "submit"))
    driver.wait_for_screen("review")
    review = said_on(driver, speech, said["review"])
    assert said["amount"] in review and ACCOUNT_SPOKEN in review
    assert ", ," not in review  # an icon-only button is no empty caption
    # From the first screen said after the choice on, all in the person's language (the
    # language screen itself may be said in English before the touch reached it).
    chosen = next(i for i, u in enumerate(speech.spoken) if u.text.startswith(said["home"]))
    assert all(u.lang == lang for u in speech.spoken[chosen:])

    speech.engine.wait()
    wav = speech.engine.last_wav
    assert wav is not None and wav.read_bytes()[:4] == b"RIFF"
    with wave.open(str(wav)) as audio:
        assert audio.getnframes() / audio.getframerate() > 1.0

    stops = speech.stops
    app.end_session()
    driver.wait_for_screen("attract")
    assert not app.audio and speech.stops > stops

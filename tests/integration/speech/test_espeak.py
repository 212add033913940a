"""The espeak-ng speech adapter, for real: the engine writes WAVs that are read back."""

from __future__ import annotations

import logging
import time
import wave
from pathlib import Path

import pytest

from kiosk.domain.languages import LANGUAGES
from kiosk.speech.espeak import VOICES, EspeakSpeech
from kiosk.speech.recording import RecordingSpeech

# One short sentence a language, in its own script.
SAMPLES = {
    "en": "Choose your language", "zh-Hans": "请选择语言", "ja": "げんごをえらんでください",
    "ko": "언어를 선택하세요", "ru": "Выберите язык", "de": "Wählen Sie Ihre Sprache",
    "fr": "Choisissez votre langue", "es": "Elija su idioma",
}


def wav_seconds(path: Path) -> float:
    assert path.read_bytes()[:4] == b"RIFF" and path.read_bytes()[8:12] == b"WAVE"
    with wave.open(str(path)) as audio:
        return audio.getnframes() / audio.getframerate()


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_each_language_is_spoken_into_a_wav(tmp_path: Path, lang: str) -> None:
    """GIVEN the espeak-ng adapter writing WAVs
    WHEN it says a sentence in one of the kiosk's 8 languages
    THEN a RIFF/WAVE file with some audio in it comes out, in that language's voice"""
    speech = EspeakSpeech(wav_dir=tmp_path)
    speech.speak(SAMPLES[lang], lang)
    speech.wait()
    assert speech.last_wav is not None
    assert speech.last_wav.name.endswith(f"-{lang}.wav")
    assert wav_seconds(speech.last_wav) > 0.3


def test_every_language_has_a_voice_here() -> None:
    """GIVEN espeak-ng installed (setup.sh installs it)
    WHEN the adapter lists its voices
    THEN the engine is found and each of the 8 languages has its voice"""
    report = EspeakSpeech().voices()
    assert report.engine_found and report.engine.startswith("eSpeak NG")
    assert report.voices == {lang: VOICES[lang] for lang in LANGUAGES}


def test_a_missing_engine_and_voice_are_reported_not_silent(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN an engine command that is not installed, and a voice espeak-ng lacks
    WHEN they are asked for their voices and to speak
    THEN the report says what is missing and what to do, the log says so once, and
    nothing is written"""
    gone = EspeakSpeech(command="espeak-ng-not-installed", wav_dir=tmp_path)
    report = gone.voices()
    assert not report.engine_found and set(report.voices.values()) == {None}
    assert "apt-get install espeak-ng" in report.advice
    no_voice = EspeakSpeech(wav_dir=tmp_path, voices={**VOICES, "ja": "xx-no-such-voice"})
    assert no_voice.voices().voices["ja"] is None
    with caplog.at_level(logging.ERROR, logger="kiosk.speech.espeak"):
        gone.speak("hello", "en")
        gone.speak("hello", "en")
    assert len([r for r in caplog.records if "no espeak-ng-not-installed" in r.message]) == 1
    assert not list(tmp_path.iterdir())


def test_a_new_utterance_cuts_the_one_going_on(tmp_path: Path) -> None:
    """GIVEN a long utterance being said to the audio device's stand-in (a WAV)
    WHEN the next one is asked for at once
    THEN the first child process is killed, not waited for, and the second is said whole"""
    speech = EspeakSpeech(wav_dir=tmp_path)
    speech.speak("one two three four five six seven eight nine ten " * 40, "en", rate=80)
    first = speech._current
    assert first is not None
    started = time.monotonic()
    speech.speak("Next screen", "en")
    assert first.wait(2) != 0  # killed
    speech.wait()
    assert time.monotonic() - started < 2
    assert speech.last_wav is not None and wav_seconds(speech.last_wav) > 0.3


def test_the_recording_adapter_keeps_the_words_and_makes_real_audio(tmp_path: Path) -> None:
    """GIVEN the recording adapter the UI tests use
    WHEN it is asked to say a sentence
    THEN it keeps the text and language, and espeak-ng wrote the sentence as audio"""
    speech = RecordingSpeech(tmp_path)
    speech.speak("Выберите язык", "ru", rate=200, volume=80)
    speech.engine.wait()
    assert speech.texts() == ["Выберите язык"]
    assert speech.spoken[0].lang == "ru" and speech.spoken[0].rate == 200
    assert speech.engine.last_wav is not None and wav_seconds(speech.engine.last_wav) > 0.3

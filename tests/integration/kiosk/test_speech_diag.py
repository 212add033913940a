"""`kiosk diag` reports the audio mode's speech engine and voices, and what is missing."""

from __future__ import annotations

from kiosk.devtools.loopback import System
from kiosk.diagnostics import collect, render_text
from kiosk.speech.espeak import VOICES, EspeakSpeech


def test_diag_lists_the_voice_of_each_language(system: System) -> None:
    """GIVEN the loopback kiosk with espeak-ng installed
    WHEN `kiosk diag` collects its report
    THEN it names the engine and each language's voice, and finds nothing wrong with them"""
    report = collect(system.runtime)
    assert report["speech"]["engine_found"] is True
    assert report["speech"]["voices"]["zh-Hans"] == "cmn"
    assert not [p for p in report["problems"] if p.startswith("speech")]
    assert "speech   eSpeak NG" in render_text(report)


def test_diag_names_a_missing_engine_and_a_missing_voice_with_what_to_do(
        system: System) -> None:
    """GIVEN a kiosk whose espeak-ng is not installed, then one that lacks a voice
    WHEN `kiosk diag` collects its report
    THEN each is a problem (diag exits non-zero) that says what to install"""
    system.runtime.speech = EspeakSpeech(command="espeak-ng-not-installed")
    report = collect(system.runtime)
    assert report["ok"] is False
    [problem] = [p for p in report["problems"] if p.startswith("speech")]
    assert "not found" in problem and "apt-get install espeak-ng" in problem
    assert "NOT FOUND" in render_text(report)

    system.runtime.speech = EspeakSpeech(voices={**VOICES, "ko": "xx-no-voice"})
    report = collect(system.runtime)
    assert "speech: no voice for ko: install" in " ".join(report["problems"])
    assert "ko MISSING" in render_text(report)

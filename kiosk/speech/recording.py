"""A speech adapter that keeps what it was asked to say and says it for real into WAV
files (espeak-ng): the UI tests assert the words sent to the port, and that audio came
out, with nothing mocked."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.services.ports import DEFAULT_SPEECH_RATE, DEFAULT_SPEECH_VOLUME, VoiceReport
from kiosk.speech.espeak import EspeakSpeech


@dataclass(frozen=True)
class Utterance:
    text: str
    lang: str
    rate: int
    volume: int


class RecordingSpeech:
    """kiosk.services.ports.Speech: records each utterance, then synthesises it to WAV."""

    def __init__(self, wav_dir: Path) -> None:
        self.engine = EspeakSpeech(wav_dir=wav_dir)
        self.spoken: list[Utterance] = []
        self.stops = 0

    def speak(self, text: str, lang: str, rate: int = DEFAULT_SPEECH_RATE,
              volume: int = DEFAULT_SPEECH_VOLUME) -> None:
        self.spoken.append(Utterance(text, lang, rate, volume))
        self.engine.speak(text, lang, rate, volume)

    def stop(self) -> None:
        self.stops += 1
        self.engine.stop()

    def voices(self) -> VoiceReport:
        return self.engine.voices()

    def texts(self) -> list[str]:
        return [utterance.text for utterance in self.spoken]

    def clear(self) -> None:
        self.spoken.clear()

"""kiosk.services.ports.Speech over espeak-ng (Debian package espeak-ng), run as a child
process without a shell: to the audio device, or into a WAV file per utterance (tests and
the headless demo). The text goes in on stdin, so nothing in it is read as an option."""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path

from kiosk.services.ports import DEFAULT_SPEECH_RATE, DEFAULT_SPEECH_VOLUME, VoiceReport

log = logging.getLogger(__name__)

COMMAND = "espeak-ng"
# The espeak-ng voice of each UI language (`espeak-ng --voices` lists them; cmn is
# Mandarin, read from Chinese characters).
VOICES: Mapping[str, str] = {
    "en": "en-gb", "zh-Hans": "cmn", "ja": "ja", "ko": "ko",
    "ru": "ru", "de": "de", "fr": "fr-fr", "es": "es",
}
ADVICE = ("install the Debian package espeak-ng (apt-get install espeak-ng, or ./setup.sh): "
          "it brings the engine and the voices of all 8 languages")
RATE_RANGE = (80, 450)  # words a minute espeak-ng accepts
VOLUME_RANGE = (0, 200)
LIST_TIMEOUT_S = 10.0


class EspeakSpeech:
    """One utterance at a time; a new one cuts the one going on. ``wav_dir`` set: each
    utterance is written to ``<n>-<lang>.wav`` there instead of the audio device."""

    def __init__(self, command: str = COMMAND, wav_dir: Path | None = None,
                 voices: Mapping[str, str] = VOICES) -> None:
        self._command = command
        self.wav_dir = wav_dir
        self._voices = dict(voices)
        self._lock = threading.Lock()
        self._current: subprocess.Popen[bytes] | None = None
        self._cut: set[int] = set()  # pids this adapter killed: their exit is no failure
        self._count = 0
        self._reported: set[str] = set()  # what was logged as missing, once each
        self.last_wav: Path | None = None

    # --- the port ------------------------------------------------------------------------

    def speak(self, text: str, lang: str, rate: int = DEFAULT_SPEECH_RATE,
              volume: int = DEFAULT_SPEECH_VOLUME) -> None:
        with self._lock:
            self._cut_current()
            args = self._args(lang, rate, volume)
            if args is None or not text.strip():
                return
            process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE)
            self._current = process
        # communicate() feeds the text and reaps the child off the caller's thread (the UI's)
        threading.Thread(target=self._finish, args=(process, text), name="espeak-ng",
                         daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            self._cut_current()

    def voices(self) -> VoiceReport:
        executable = shutil.which(self._command)
        if executable is None:
            return VoiceReport(self._command, False, dict.fromkeys(self._voices), ADVICE)
        try:
            version = subprocess.run([executable, "--version"], capture_output=True, text=True,
                                     timeout=LIST_TIMEOUT_S, check=False).stdout
            listing = subprocess.run([executable, "--voices"], capture_output=True, text=True,
                                     timeout=LIST_TIMEOUT_S, check=False).stdout
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("espeak-ng did not list its voices: %s", exc)
            return VoiceReport(executable, False, dict.fromkeys(self._voices), ADVICE)
        # Each line: priority, language (the name -v takes), age/gender, name, file, ...
        known = {line.split()[1] for line in listing.splitlines()[1:] if len(line.split()) > 1}
        engine = " ".join(version.split()[:4]).rstrip(":") or executable
        return VoiceReport(engine, True, {lang: voice if voice in known else None
                                          for lang, voice in self._voices.items()}, ADVICE)

    # --- the rest ------------------------------------------------------------------------

    def wait(self, timeout: float = 10.0) -> None:
        """Until the utterance going on is said (or written) in full: tests and the demo."""
        process = self._current
        if process is not None:
            process.wait(timeout)

    def _args(self, lang: str, rate: int, volume: int) -> list[str] | None:
        executable = shutil.which(self._command)
        voice = self._voices.get(lang)
        if executable is None or voice is None:
            missing = self._command if executable is None else f"voice for {lang}"
            if missing not in self._reported:  # never silent, never a log line a second
                self._reported.add(missing)
                log.error("speech: no %s: %s (kiosk diag lists what is missing)", missing, ADVICE)
            return None
        args = [executable, "-v", voice, "-s", str(_clamp(rate, RATE_RANGE)),
                "-a", str(_clamp(volume, VOLUME_RANGE)), "-b", "1", "--stdin"]
        if self.wav_dir is not None:
            self._count += 1
            self.last_wav = self.wav_dir / f"{self._count:04d}-{lang}.wav"
            self.wav_dir.mkdir(parents=True, exist_ok=True)
            args += ["-w", str(self.last_wav)]
        return args

    def _cut_current(self) -> None:
        process, self._current = self._current, None
        if process is not None and process.poll() is None:
            self._cut.add(process.pid)
            process.kill()

    def _finish(self, process: subprocess.Popen[bytes], text: str) -> None:
        try:
            _, errors = process.communicate(text.encode())
        except (BrokenPipeError, OSError):  # cut off before it read the text
            errors = b""
            process.wait()
        if process.returncode != 0 and process.pid not in self._cut:
            last = errors.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
            # The engine's own words only: the text said may be personal, never logged.
            log.error("speech: espeak-ng exited with %s: %s", process.returncode, last[0])
        self._cut.discard(process.pid)


def _clamp(value: int, bounds: tuple[int, int]) -> int:
    return max(bounds[0], min(bounds[1], value))

"""Hangul as typed on the standard 2-set (dubeolsik) keyboard: jamo in, syllables out.

Each key gives one compatibility jamo (ㄱ, ㅏ...). The syllable being typed is kept as its
keystrokes, so that a consonant after a vowel becomes the final (하 + ㄴ = 한), a vowel
after a final takes that consonant as the next syllable's initial (한 + ㅏ = 하나), two
vowels or two finals combine where Hangul allows (ㅗ + ㅏ = ㅘ, ㄹ + ㄱ = ㄺ), and
Backspace takes back the last keystroke (한 -> 하 -> ㅎ) rather than the whole syllable.
Syllables are computed by the Unicode formula (U+AC00 + (initial*21 + vowel)*28 + final).
The packages checked (jamo, hangul-jamo, hgtk) compose and decompose finished syllables
but none keeps this typing state, which is the part that matters here.
"""

from __future__ import annotations

from kiosk.ui.input.edit import Edit

INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
FINALS = ("", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ")
COMPOUND_VOWELS = {"ㅗㅏ": "ㅘ", "ㅗㅐ": "ㅙ", "ㅗㅣ": "ㅚ", "ㅜㅓ": "ㅝ", "ㅜㅔ": "ㅞ",
                   "ㅜㅣ": "ㅟ", "ㅡㅣ": "ㅢ"}
COMPOUND_FINALS = {"ㄱㅅ": "ㄳ", "ㄴㅈ": "ㄵ", "ㄴㅎ": "ㄶ", "ㄹㄱ": "ㄺ", "ㄹㅁ": "ㄻ",
                   "ㄹㅂ": "ㄼ", "ㄹㅅ": "ㄽ", "ㄹㅌ": "ㄾ", "ㄹㅍ": "ㄿ", "ㄹㅎ": "ㅀ",
                   "ㅂㅅ": "ㅄ"}
SYLLABLE_BASE = 0xAC00


def is_jamo(key: str) -> bool:
    return len(key) == 1 and (key in INITIALS or key in VOWELS)


def _vowel(keys: list[str]) -> tuple[str, int] | None:
    """The vowel at the start of ``keys`` (one key or a compound of two), and its length."""
    if not keys or keys[0] not in VOWELS:
        return None
    if len(keys) > 1 and keys[0] + keys[1] in COMPOUND_VOWELS:
        return COMPOUND_VOWELS[keys[0] + keys[1]], 2
    return keys[0], 1


def _final(keys: list[str]) -> str | None:
    """The final consonant that ``keys`` make entirely (one key or a compound), if any."""
    joined = "".join(keys)
    if len(keys) == 1 and joined in FINALS:
        return joined
    if len(keys) == 2:
        return COMPOUND_FINALS.get(joined)
    return None


def compose(keys: list[str]) -> str | None:
    """The one block that ``keys`` make: a syllable, a lone jamo, or None when they do
    not fit in one block."""
    if not keys:
        return ""
    if keys[0] in VOWELS:  # a vowel alone (or compound): shown as the jamo
        vowel = _vowel(keys)
        return vowel[0] if vowel is not None and vowel[1] == len(keys) else None
    if len(keys) == 1:
        return keys[0]  # a consonant alone
    vowel = _vowel(keys[1:])
    if vowel is None:
        return None
    rest = keys[1 + vowel[1]:]
    final = _final(rest) if rest else ""
    if final is None:
        return None
    code = ((INITIALS.index(keys[0]) * len(VOWELS) + VOWELS.index(vowel[0])) * len(FINALS)
            + FINALS.index(final))
    return chr(SYLLABLE_BASE + code)


class HangulComposer:
    """The syllable being typed, as keystrokes. ``type`` and ``backspace`` return the
    Edit to make before the cursor; ``finish`` ends the syllable (another key, a layout
    switch, the field left)."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    @property
    def composing(self) -> bool:
        return bool(self.keys)

    def finish(self) -> None:
        self.keys = []

    def type(self, jamo: str) -> Edit:
        shown = len(compose(self.keys) or "")
        joined = compose([*self.keys, jamo])
        if joined is not None:
            self.keys.append(jamo)
            return Edit(shown, joined)
        if jamo in VOWELS and len(self.keys) >= 3 and self.keys[-1] not in VOWELS:
            # The last consonant was the final; it starts the next syllable instead.
            moved, kept = self.keys[-1], self.keys[:-1]
            self.keys = [moved, jamo]
            return Edit(shown, (compose(kept) or "") + (compose(self.keys) or ""))
        self.keys = [jamo]
        return Edit(0, jamo)

    def backspace(self) -> Edit | None:
        """Take back the last keystroke; None when nothing is being composed (the caller
        deletes a character as usual)."""
        if not self.keys:
            return None
        self.keys.pop()
        return Edit(1, compose(self.keys) or "")


_SPLIT = {joined: pair for pair, joined in (*COMPOUND_VOWELS.items(), *COMPOUND_FINALS.items())}


def keystrokes(text: str) -> str:
    """The 2-set keys that type ``text``: each syllable as its jamo, a compound vowel or
    final as its two keys; anything else as it is (tests and the walkthrough)."""
    out = []
    for char in text:
        code = ord(char) - SYLLABLE_BASE
        if not 0 <= code < len(INITIALS) * len(VOWELS) * len(FINALS):
            out.append(char)
            continue
        initial, rest = divmod(code, len(VOWELS) * len(FINALS))
        vowel, final = divmod(rest, len(FINALS))
        out.append(INITIALS[initial] + _SPLIT.get(VOWELS[vowel], VOWELS[vowel])
                   + _SPLIT.get(FINALS[final], FINALS[final]))
    return "".join(out)

"""Which bytes a line of text becomes: code page runs, GB18030 Chinese mode, or an image.

A line is split into runs. ASCII rides along with whatever run it is in (every code page
and Chinese mode print ASCII as is). Other characters go to the code page already
selected when it holds them, else to the first of the profile's code pages that does
(Latin letters -> CP1252, Cyrillic -> CP866 by default); Han characters and CJK
punctuation go to GB18030 inside FS & ... FS . when the printer has a Chinese font. A
character no run can hold (kana, Hangul, ...) makes the whole line a raster image.

We write these bytes ourselves: python-escpos's text() sends Chinese as raw GB18030
without FS & and prints kana/Hangul as '?' (docs/platform.md#python-escpos).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from hardware.printer.escpos_import import CAPABILITIES
from hardware.printer.profile import PrinterProfile

ESC = b"\x1b"
FS = b"\x1c"
SELECT_CODEPAGE = ESC + b"t"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
GB18030 = "GB18030"  # pseudo code page name of a Chinese-mode run

# Blocks whose characters a GB18030 printer font holds and that we send in Chinese mode:
# CJK radicals, CJK symbols and punctuation, CJK ideographs (+ extension A and
# compatibility), vertical/compatibility forms, full-width forms.
_CHINESE_MODE_RANGES: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x2FDF),
    (0x3000, 0x303F),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF01, 0xFF60),
    (0xFFE0, 0xFFE6),
)


def clean_text(text: str, keep_breaks: bool = False) -> str:
    """NFC-normalise (so 'e' + combining acute fits a code page) and drop control and
    format characters: user text must never smuggle printer commands. Tabs and the
    typographic spaces Babel puts in dates and money (U+00A0, U+202F, ...) become plain
    spaces, which every code page holds (else the line would go out as an image);
    the ideographic space stays for Chinese mode. Newlines stay (they split paragraphs),
    and with ``keep_breaks`` the ZERO WIDTH SPACEs that mark where a line may break, for
    the wrapping (hardware.printer.layout), which drops them."""
    text = unicodedata.normalize("NFC", text.replace("\t", " ").replace("\r", ""))
    return "".join(" " if ch != "\u3000" and unicodedata.category(ch) == "Zs" else ch
                   for ch in text
                   if ch == "\n" or (keep_breaks and ch == "\u200b")
                   or unicodedata.category(ch) not in ("Cc", "Cf"))


def char_width(ch: str) -> int:
    """Columns a character takes on paper: wide and full-width East Asian characters 2,
    combining marks 0, everything else 1."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(ch) for ch in text)


@lru_cache(maxsize=4096)
def is_chinese_mode_char(ch: str) -> bool:
    """True for Han characters and CJK punctuation/full-width forms that GB18030 printer
    fonts hold (two-byte GB18030 codes only; kana and Hangul are deliberately excluded)."""
    code = ord(ch)
    if not any(low <= code <= high for low, high in _CHINESE_MODE_RANGES):
        return False
    try:
        return len(ch.encode("gb18030")) == 2
    except UnicodeEncodeError:
        return False


def python_codec(codepage: str) -> str:
    """Python codec of a python-escpos code page name ("CP1252" -> "cp1252")."""
    info = CAPABILITIES["encodings"].get(codepage, {})
    codec = info.get("python_encode")
    if not isinstance(codec, str):
        raise ValueError(f"code page {codepage} has no Python codec")
    return codec


@lru_cache(maxsize=8192)
def _encodes(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class TextRun:
    """Consecutive characters sent under one code page; ``codepage`` None is plain
    ASCII, GB18030 is a Chinese-mode run."""

    codepage: str | None
    text: str


class CodepageTable:
    """The profile's code pages that its escpos capability profile can select
    (name -> ESC t number), in the profile's order of preference."""

    def __init__(self, profile: PrinterProfile, escpos_codepages: dict[str, str]) -> None:
        self.chinese_mode = profile.chinese_mode
        self.numbers: dict[str, int] = {}
        self.codecs: dict[str, str] = {}
        for name in profile.codepages:
            if name in escpos_codepages:
                self.numbers[name] = int(escpos_codepages[name])
                self.codecs[name] = python_codec(name)

    def choose(self, ch: str, current: str | None) -> str | None:
        """The run a non-ASCII character belongs to, or None when no run can hold it."""
        if self.chinese_mode and is_chinese_mode_char(ch):
            return GB18030
        if current in self.codecs and _encodes(ch, self.codecs[current]):
            return current
        for name, codec in self.codecs.items():
            if _encodes(ch, codec):
                return name
        return None


def split_runs(text: str, table: CodepageTable) -> list[TextRun] | None:
    """Split one printed line into runs, or None when it must be drawn as an image."""
    runs: list[TextRun] = []
    current: str | None = None
    pending: list[str] = []
    for ch in text:
        if ord(ch) < 0x80:
            pending.append(ch)
            continue
        target = table.choose(ch, current)
        if target is None:
            return None
        if target != current:
            if pending:
                runs.append(TextRun(current, "".join(pending)))
                pending = []
            current = target
        pending.append(ch)
    if pending:
        runs.append(TextRun(current, "".join(pending)))
    return runs


class RunEncoder:
    """Turns runs into bytes, remembering the selected code page so ESC t is sent only
    when it changes. Chinese mode is always closed again at the end of its run."""

    def __init__(self, table: CodepageTable) -> None:
        self.table = table
        self.selected: str | None = None  # unknown after ESC @: select before first use

    def encode(self, runs: list[TextRun]) -> bytes:
        out = bytearray()
        for run in runs:
            if run.codepage is None:
                out += run.text.encode("ascii")
            elif run.codepage == GB18030:
                out += CHINESE_ON + run.text.encode("gb18030") + CHINESE_OFF
            else:
                if self.selected != run.codepage:
                    out += SELECT_CODEPAGE + bytes((self.table.numbers[run.codepage],))
                    self.selected = run.codepage
                out += run.text.encode(self.table.codecs[run.codepage])
        return bytes(out)

"""Pinyin typed as Latin letters, Chinese characters chosen from candidates.

The letters wait in a buffer (shown above the keys, not in the field). The candidates
are the words whose whole reading is the buffer (``zhongguo`` -> 中国), then the
characters of the longest syllable the buffer starts with (``zhongguo`` -> 中, 种...),
most frequent first. Choosing a candidate types it and takes its syllables off the
buffer; what is left gives the next candidates. The table (pinyin_table.json, built by
kiosk.devtools.pinyin_table from jieba's and pypinyin's data, both MIT) is read once,
the first time the pinyin keyboard is used."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

MAX_SYLLABLE = 6  # "zhuang", "shuang"


@dataclass(frozen=True)
class Table:
    chars: dict[str, str]  # syllable -> characters, most frequent first
    words: dict[str, str]  # reading without spaces -> words, most frequent first, spaced


@cache
def table() -> Table:
    data = json.loads(resources.files(__package__).joinpath("pinyin_table.json")
                      .read_text(encoding="utf-8"))
    return Table(chars=data["chars"], words=data["words"])


@dataclass(frozen=True)
class Candidate:
    text: str
    consumes: int  # letters of the buffer it stands for


def candidates(buffer: str, source: Table | None = None) -> list[Candidate]:
    """What ``buffer`` (lower-case pinyin, ü as v) can be typed as, best first."""
    source = source or table()
    buffer = buffer.lower()
    found = [Candidate(word, len(buffer)) for word in source.words.get(buffer, "").split()]
    for length in range(min(MAX_SYLLABLE, len(buffer)), 0, -1):
        chars = source.chars.get(buffer[:length])
        if chars:
            found.extend(Candidate(char, length) for char in chars)
            break
    return found


class PinyinInput:
    """The buffer of typed letters, and the page of candidates shown."""

    def __init__(self, page_size: int = 8) -> None:
        self.buffer = ""
        self.page = 0
        self.page_size = page_size

    def type(self, letter: str) -> None:
        self.buffer += letter.lower()
        self.page = 0

    def backspace(self) -> bool:
        """Take back a letter; False when the buffer was empty (delete in the field)."""
        if not self.buffer:
            return False
        self.buffer = self.buffer[:-1]
        self.page = 0
        return True

    def clear(self) -> None:
        self.buffer = ""
        self.page = 0

    def all_candidates(self) -> list[Candidate]:
        return candidates(self.buffer) if self.buffer else []

    def shown(self) -> list[Candidate]:
        found = self.all_candidates()
        start = self.page * self.page_size
        return found[start:start + self.page_size]

    def next_page(self) -> None:
        pages = max(1, -(-len(self.all_candidates()) // self.page_size))
        self.page = (self.page + 1) % pages

    def choose(self, candidate: Candidate) -> str:
        """Type ``candidate``: what goes into the field; the rest of the buffer stays."""
        self.buffer = self.buffer[candidate.consumes:]
        self.page = 0
        return candidate.text

"""Where a line may break, by the rules of the text's language (docs/ui-guide.md,
"Line breaks"). Pure: the screens measure with their font, the slips count columns, and
both ask this module only where the breaks may go.

- Japanese breaks between phrases (BudouX's model), never inside one: 「キャンセル」 and
  「はい、本人です」 stay whole when the line has room for them.
- Chinese breaks between any two characters, as in print.
- Korean, and every script written with spaces, breaks only at spaces: a word is never
  cut (Hangul syllables are not break points).
- Kinsoku everywhere: a line never starts with closing punctuation (。、」）…) nor ends
  with opening punctuation (「（“…).

A text is cut into *units*, the pieces no break may fall inside; joined again they give
the text back, each unit carrying the spaces that follow it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache

import budoux

# A line must not start with these (closing brackets and quotes, stops and commas,
# small kana and the prolonged sound mark, which belong to the syllable before).
NO_LINE_START = frozenset(
    "、。，．,.：；:;？！?!）)」』】〕〉》〗〙〛｝}］]”’〟・…‥ー〜～%％"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ")
# A line must not end with these (opening brackets and quotes).
NO_LINE_END = frozenset("（(「『【〔〈《〖〘〚｛{［[“‘〝")
ZERO_WIDTH_SPACE = "\u200b"  # a break opportunity where no space is printed (slips)

Fits = Callable[[str], bool]


def is_kana(char: str) -> bool:
    code = ord(char)
    return 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F


def is_han(char: str) -> bool:
    code = ord(char)
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF
            or 0x20000 <= code <= 0x3FFFF)


def is_hangul(char: str) -> bool:
    code = ord(char)
    return 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def breaks_between_characters(char: str) -> bool:
    """Chinese and Japanese characters and their punctuation: written without spaces,
    so a line may break next to them (Hangul is written with spaces: it may not)."""
    code = ord(char)
    return (is_han(char) or is_kana(char) or 0x3000 <= code <= 0x303F
            or 0xFF01 <= code <= 0xFF65 or 0xFFE0 <= code <= 0xFFEE)


def language_of(text: str, hint: str | None = None) -> str:
    """The breaking rules a text follows: "ja" when it holds kana (or the hint says ja
    and it holds Han), "zh" when it holds Han, else "spaces" (Latin, Cyrillic, Korean)."""
    if any(is_kana(char) for char in text):
        return "ja"
    if any(breaks_between_characters(char) for char in text):
        return "ja" if hint == "ja" else "zh"
    return "spaces"


def has_break_rules(text: str) -> bool:
    """True when breaking only at spaces would be wrong (Chinese or Japanese inside)."""
    return any(breaks_between_characters(char) for char in text)


@cache
def _japanese_parser() -> budoux.Parser:
    return budoux.load_default_japanese_parser()


@lru_cache(maxsize=4096)
def units(text: str, hint: str | None = None) -> tuple[str, ...]:
    """The unbreakable pieces of ``text`` (one paragraph: a newline is a break the
    caller makes), each with its trailing spaces; ``"".join(units(t)) == t``."""
    lang = language_of(text, hint)
    pieces: list[str] = []
    for chunk, spaces in _chunks(text):
        parts = (_phrases(chunk) if lang == "ja" else _characters(chunk)
                 if lang == "zh" else [chunk])
        parts[-1] += spaces
        pieces.extend(parts)
    return tuple(_kinsoku(pieces))


def _chunks(text: str) -> list[tuple[str, str]]:
    """Runs of non-space characters, each with the spaces after it (leading spaces go
    with the first run)."""
    chunks: list[tuple[str, str]] = []
    word, spaces = "", ""
    for char in text:
        if char.isspace() and char != "\u3000":  # the ideographic space is a character
            spaces += char
            continue
        if spaces and word:
            chunks.append((word, spaces))
            word, spaces = "", ""
        word, spaces = spaces + word + char, ""
    if word or spaces:
        chunks.append((word, spaces))
    return chunks


def _characters(chunk: str) -> list[str]:
    """Chinese: each Chinese character apart; a run of anything else (a Latin word, a
    number) stays whole."""
    parts: list[str] = []
    for char in chunk:
        if breaks_between_characters(char) or not parts or breaks_between_characters(parts[-1][-1]):
            parts.append(char)
        else:
            parts[-1] += char
    return parts


def _phrases(chunk: str) -> list[str]:
    """Japanese: BudouX's phrases. A phrase of one letter is a split the model made
    inside a short word (「は」「い、」 of 「はい、」): it goes with the next phrase."""
    phrases = _japanese_parser().parse(chunk) or [chunk]
    merged: list[str] = []
    carry = ""
    for phrase in phrases:
        phrase = carry + phrase
        carry = ""
        if len(phrase) == 1 and phrase not in NO_LINE_START and phrase not in NO_LINE_END:
            carry = phrase
            continue
        merged.append(phrase)
    if carry:
        if merged:
            merged[-1] += carry
        else:
            merged.append(carry)
    return merged


def _kinsoku(pieces: list[str]) -> list[str]:
    """Join a piece that starts with closing punctuation to the one before it, and a
    piece that ends with opening punctuation to the one after it."""
    joined: list[str] = []
    glue_next = False
    for piece in pieces:
        if joined and (glue_next or piece.lstrip()[:1] in NO_LINE_START):
            joined[-1] += piece
        else:
            joined.append(piece)
        glue_next = joined[-1].rstrip()[-1:] in NO_LINE_END
    return joined


def break_lines(text: str, fits: Fits, hint: str | None = None) -> list[str]:
    """``text`` (one paragraph) in lines that each ``fits``, broken only between units;
    a unit longer than a line is cut between characters, still by kinsoku. Spaces at
    the end of a line are dropped."""
    lines: list[str] = []
    line = ""
    for unit in units(text, hint):
        if fits((line + unit).rstrip()):
            line += unit
            continue
        if line.strip():
            lines.append(line.rstrip())
            line = ""
        if fits(unit.rstrip()):
            line = unit
            continue
        *full, line = _cut(unit, fits)
        lines.extend(full)
    lines.append(line.rstrip())
    return lines


def _cut(unit: str, fits: Fits) -> list[str]:
    """A unit too long for a line, cut between characters: a closing mark takes the
    character before it along, an opening mark goes down with the next line."""
    lines: list[str] = []
    line = ""
    for char in unit:
        if not line or fits((line + char).rstrip()):
            line += char
            continue
        carried = ""
        if char in NO_LINE_START and len(line) > 1:
            line, carried = line[:-1], line[-1]
        while len(line) > 1 and line[-1] in NO_LINE_END:
            line, carried = line[:-1], line[-1] + carried
        lines.append(line.rstrip())
        line = carried + char
    lines.append(line)
    return lines


def mark_breaks(text: str, hint: str | None = None) -> str:
    """``text`` with a ZERO WIDTH SPACE at each break between Japanese phrases, for a
    layout that cannot ask this module itself (the printer's; it drops the marks).
    Chinese (any character) and space-separated text need no mark: unchanged."""
    paragraphs = []
    for paragraph in text.split("\n"):
        if language_of(paragraph, hint) != "ja":
            paragraphs.append(paragraph)
            continue
        pieces = units(paragraph, hint)
        paragraphs.append("".join(
            piece + (ZERO_WIDTH_SPACE if i < len(pieces) - 1 and not piece[-1].isspace() else "")
            for i, piece in enumerate(pieces)))
    return "\n".join(paragraphs)

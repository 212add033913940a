"""Line breaking by each language's rules (kiosk.domain.linebreak), from issue 15's
examples: Japanese phrases and kinsoku, Chinese between characters, Korean and French
between words only."""

from __future__ import annotations

import pytest

from kiosk.domain.linebreak import (
    NO_LINE_END,
    NO_LINE_START,
    ZERO_WIDTH_SPACE,
    break_lines,
    mark_breaks,
    units,
)


def columns(limit: int):  # a fixed-pitch line of ``limit`` characters
    return lambda line: len(line) <= limit


def assert_kinsoku(lines: list[str]) -> None:
    for line in lines[1:]:
        assert line[0] not in NO_LINE_START, lines
    for line in lines[:-1]:
        assert line[-1] not in NO_LINE_END, lines


@pytest.mark.parametrize("text", [
    "はい、本人です", "「キャンセル」を押すと入力は消えます。", "여권을 판독기에 올려 놓으십시오.",
    "Valable jusqu’à 23 h.", "请将护照放在读卡器上。", "  ", "",
])
def test_units_give_the_text_back(text: str) -> None:
    """GIVEN a text in any language
    WHEN it is cut into units
    THEN the units joined are the text, nothing lost or added"""
    assert "".join(units(text)) == text


def test_japanese_keeps_phrases_whole() -> None:
    """GIVEN the issue's Japanese examples, on lines with room for any one phrase
    WHEN they are broken into lines
    THEN キャンセル and はい、本人です are never split, and no line starts with 。or 、"""
    for width in range(7, 16):
        lines = break_lines("「キャンセル」を押すと、入力した内容は削除されます。", columns(width))
        assert any("「キャンセル」" in line for line in lines), (width, lines)
        assert_kinsoku(lines)
        lines = break_lines("はい、本人です", columns(width))
        assert "".join(lines) == "はい、本人です"
        assert all(line not in ("は", "い、", "本人で", "す") for line in lines), lines
    assert break_lines("はい、本人です", columns(5)) == ["はい、", "本人です"]


def test_japanese_full_stop_never_starts_a_line() -> None:
    """GIVEN a Japanese sentence whose 。falls just past the end of a line
    WHEN it is broken
    THEN the 。 stays on the line before with its phrase, never starting a line"""
    text = "パスポートを読み取り機に置いてください。"
    for width in range(3, len(text)):
        lines = break_lines(text, columns(width + 1))
        assert "".join(lines) == text
        assert_kinsoku(lines)


def test_a_phrase_longer_than_the_line_is_cut_by_kinsoku() -> None:
    """GIVEN a Japanese phrase longer than the line
    WHEN it is broken
    THEN it is cut between characters, and still no line starts with closing punctuation"""
    lines = break_lines("置いてください。", columns(7))
    assert lines == ["置いてくださ", "い。"]


def test_chinese_breaks_between_characters_with_kinsoku() -> None:
    """GIVEN a Chinese sentence with a full stop and quotation marks
    WHEN it is broken into narrow lines
    THEN lines are full (any two characters may part), and no line starts with 。or ”
    nor ends with “"""
    text = "请将护照放在读卡器上。按“取消”会删除您的回答。"
    for width in range(3, 12):
        lines = break_lines(text, columns(width))
        assert "".join(lines) == text
        assert_kinsoku(lines)
        assert all(len(line) >= width - 2 for line in lines[:-1]), lines


def test_korean_breaks_only_between_words() -> None:
    """GIVEN a Korean sentence
    WHEN it is broken into lines narrower than the sentence
    THEN every line is made of whole words: no word is cut"""
    text = "여권을 판독기에 올려 놓으십시오."
    words = text.split()
    for width in range(6, len(text)):
        lines = break_lines(text, columns(width))
        assert [word for line in lines for word in line.split()] == words, lines


def test_french_apostrophe_and_punctuation_stay_in_the_word() -> None:
    """GIVEN French with a typographic apostrophe and a space before the exclamation mark
    WHEN it is broken
    THEN jusqu’à is one unit and the ! never starts a line alone"""
    assert units("Valable jusqu’à 23 h !") == ("Valable ", "jusqu’à ", "23 ", "h !")
    for width in range(8, 22):
        lines = break_lines("Valable jusqu’à 23 h !", columns(width))
        assert "jusqu’à" in " ".join(lines).split()
        assert all(not line.startswith("!") for line in lines)


def test_marks_only_japanese_phrases() -> None:
    """GIVEN a Japanese paragraph, a Chinese one and a Korean one
    WHEN break marks are added for the printer
    THEN the Japanese phrases are parted by zero-width spaces; the others are unchanged"""
    marked = mark_breaks("はい、本人です\n请将护照放在读卡器上。\n여권을 올려 놓으십시오.")
    japanese, chinese, korean = marked.split("\n")
    assert japanese.split(ZERO_WIDTH_SPACE) == ["はい、", "本人です"]
    assert chinese == "请将护照放在读卡器上。"
    assert korean == "여권을 올려 놓으십시오."

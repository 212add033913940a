"""Text runs per script, display width and line wrapping of the printer renderer."""

from __future__ import annotations

import pytest

from hardware.printer.encoding import (
    GB18030,
    CodepageTable,
    RunEncoder,
    TextRun,
    clean_text,
    display_width,
    is_chinese_mode_char,
    split_runs,
)
from hardware.printer.escpos_import import Dummy
from hardware.printer.layout import pad_between, wrap
from hardware.printer.profile import PrinterProfile


def table(**overrides: object) -> CodepageTable:
    profile = PrinterProfile(raster_font=None, **overrides)  # type: ignore[arg-type]
    return CodepageTable(profile, Dummy(profile=profile.escpos_profile).profile.get_code_pages())


def test_code_page_numbers_come_from_the_escpos_profile() -> None:
    """GIVEN the TM-T88V profile WHEN the table is built THEN WPC1252 is 16, CP866 17."""
    assert table().numbers == {"CP1252": 16, "CP866": 17}


def test_ascii_is_one_run_without_code_page() -> None:
    """GIVEN plain ASCII WHEN split THEN one run with no code page."""
    assert split_runs("Total: 12.50", table()) == [TextRun(None, "Total: 12.50")]


def test_ascii_rides_along_with_the_current_run() -> None:
    """GIVEN Chinese, then ASCII, then French WHEN split THEN ASCII stays in the Chinese
    run and the accent starts a CP1252 run."""
    assert split_runs("金额 Montant é", table()) == [
        TextRun(GB18030, "金额 Montant "), TextRun("CP1252", "é")]


@pytest.mark.parametrize("text, codepage", [("Müller", "CP1252"), ("€", "CP1252"),
                                            ("Ж", "CP866"), ("№", "CP866")])
def test_each_script_gets_its_code_page(text: str, codepage: str) -> None:
    """GIVEN a Latin or Cyrillic character WHEN split THEN it lands in its code page."""
    runs = split_runs(text, table())
    assert runs is not None and runs[-1].codepage == codepage


@pytest.mark.parametrize("text", ["한국어", "カタカナ", "ひらがな", "ไทย", "😀"])
def test_characters_no_font_holds_make_the_line_raster(text: str) -> None:
    """GIVEN Hangul, kana, Thai or emoji WHEN split THEN None: draw the line as an image."""
    assert split_runs(f"A {text} B", table()) is None


def test_chinese_needs_chinese_mode() -> None:
    """GIVEN a printer without a GB18030 font WHEN Chinese is split THEN None (raster)."""
    assert split_runs("中文", table(chinese_mode=False)) is None


@pytest.mark.parametrize("char, expected", [("中", True), ("，", True), ("。", True),
                                            ("！", True), ("Ａ", True), ("あ", False),
                                            ("한", False), ("é", False), ("“", False)])
def test_chinese_mode_characters(char: str, expected: bool) -> None:
    """GIVEN a character WHEN classified THEN Han and CJK punctuation/full-width forms are
    Chinese-mode characters, kana, Hangul and Western punctuation are not."""
    assert is_chinese_mode_char(char) is expected


def test_encoder_selects_code_pages_only_on_change() -> None:
    """GIVEN runs CP1252, GB18030, CP1252 WHEN encoded THEN ESC t 16 is sent once and the
    Chinese is framed by FS & / FS ."""
    encoder = RunEncoder(table())
    first = encoder.encode([TextRun("CP1252", "é"), TextRun(GB18030, "中")])
    second = encoder.encode([TextRun("CP1252", "è")])
    assert first == b"\x1bt\x10\xe9\x1c&" + "中".encode("gb18030") + b"\x1c."
    assert second == b"\xe8"


def test_clean_text_strips_controls_and_composes() -> None:
    """GIVEN decomposed accents, controls and a zero-width space WHEN cleaned
    THEN accents are composed, tabs are spaces, newlines stay, the rest is gone."""
    assert clean_text("e\u0301\tA\x1b\u200bB\nC\r") == "é AB\nC"


def test_babel_typographic_spaces_print_as_text_not_as_an_image() -> None:
    """GIVEN a Russian date as Babel writes it (a narrow no-break space before "г.")
    WHEN cleaned and split into runs
    THEN the space is a plain space and the line fits the Cyrillic code page; the
    ideographic space of Chinese text stays."""
    date = "23 нояб. 2026\u202fг., 02:05:00"
    cleaned = clean_text(date)
    assert cleaned == "23 нояб. 2026 г., 02:05:00"
    runs = split_runs(cleaned, table())
    assert runs is not None and {run.codepage for run in runs} <= {None, "CP866"}
    assert clean_text("金额\u3000合计\u00a0") == "金额\u3000合计 "


def test_display_width_counts_wide_characters_twice() -> None:
    """GIVEN mixed text WHEN measured THEN wide characters count 2, combining marks 0."""
    assert display_width("ab中文한Ｘe\u0301") == 2 + 4 + 2 + 2 + 1


def test_wrap_breaks_at_spaces_and_never_overflows() -> None:
    """GIVEN a sentence WHEN wrapped at 20 THEN lines break at spaces within 20."""
    lines = wrap("Please keep this receipt as proof of payment", 20)
    assert lines == ["Please keep this", "receipt as proof of", "payment"]


def test_wrap_splits_words_longer_than_a_line() -> None:
    """GIVEN a reference longer than a line WHEN wrapped THEN it is hard-split."""
    assert wrap("REF-0123456789ABCDEFGHIJ", 10) == ["REF-012345", "6789ABCDEF", "GHIJ"]


def test_wrap_chinese_counts_columns_and_keeps_punctuation_off_line_starts() -> None:
    """GIVEN Chinese whose comma would start a line WHEN wrapped at 10 columns
    THEN the comma takes the previous character with it; no line exceeds 10 columns."""
    lines = wrap("请保留本凭，谢谢", 10)
    assert lines == ["请保留本", "凭，谢谢"]
    assert all(display_width(line) <= 10 for line in lines)


def test_wrap_keeps_empty_paragraphs() -> None:
    """GIVEN text with a blank line WHEN wrapped THEN the blank line stays."""
    assert wrap("a\n\nb", 10) == ["a", "", "b"]


def test_pad_between_fills_the_line_or_refuses() -> None:
    """GIVEN a label and value WHEN padded THEN they fill the columns, or None when they
    cannot fit with one space between."""
    assert pad_between("金额", "12.50", 12) == "金额   12.50"
    assert pad_between("abcdef", "123456", 12) is None


def test_wrap_never_cuts_a_korean_word() -> None:
    """GIVEN a Korean sentence (Hangul syllables print two columns wide)
    WHEN wrapped at widths narrower than the sentence
    THEN every line is made of whole words: a Korean word is never cut"""
    text = "영수증을 보관하여 주십시오 감사합니다"
    for columns in range(10, 36):
        lines = wrap(text, columns)
        assert [word for line in lines for word in line.split()] == text.split(), lines
        assert all(display_width(line) <= columns for line in lines)


def test_wrap_keeps_opening_brackets_off_line_ends() -> None:
    """GIVEN Chinese whose opening quote would end a line (4 + 1 of 5 columns)
    WHEN wrapped THEN the quote goes down with the character it opens"""
    lines = wrap("请按“取消”键", 5)
    assert lines[0] == "请按" and lines[1].startswith("“取")
    assert "".join(lines) == "请按“取消”键"


def test_wrap_breaks_marked_japanese_only_between_phrases() -> None:
    """GIVEN Japanese with its phrase breaks marked (zero-width spaces, as the kiosk
    sends slips) WHEN wrapped at any width that holds the longest phrase
    THEN the lines break only at the marks (キャンセル and はい、本人です whole), no line
    starts with 。or 、, and the marks are not printed"""
    marked = "\u200b".join(["はい、", "本人です。", "「キャンセル」を", "押すと、", "入力は",
                             "消えます。"])
    for columns in range(16, 40):
        lines = wrap(marked, columns)
        assert "\u200b" not in "".join(lines)
        assert "".join(lines) == marked.replace("\u200b", "")
        assert all(line[:1] not in "。、" for line in lines)
        joined = "|".join(lines)
        assert "「キャンセル」" in joined
        assert "はい、本人です" in joined or "はい、|本人です" in joined
        assert all(display_width(line) <= columns for line in lines)

"""Line breaking for a fixed-pitch printer where East Asian wide characters take two
columns. textwrap counts code points, so it overfills lines of Chinese; this does not.

Where a line may break (docs/ui-guide.md, "Line breaks"): at spaces; between two Chinese
or Japanese characters; never inside a word of a spaced script, Korean included (Hangul
is wide but written with spaces); never before closing punctuation nor after opening
punctuation (kinsoku). A paragraph that carries ZERO WIDTH SPACEs (the kiosk marks
Japanese phrases so: kiosk.domain.linebreak.mark_breaks) breaks only at those marks and
at spaces; the marks are never printed.
"""

from __future__ import annotations

from hardware.printer.encoding import char_width, display_width

# Characters that must not start a line (simple kinsoku): closing CJK punctuation; and
# those that must not end one: opening brackets and quotes.
_NO_LINE_START = set("、。，．：；？！）」』】〕〉》〗〙〛｝］”’・…")
_NO_LINE_END = set("（「『【〔〈《〖〘〚｛［“‘")
BREAK_MARK = "\u200b"  # ZERO WIDTH SPACE: a break opportunity, never printed


def _is_hangul(ch: str) -> bool:
    code = ord(ch)
    return 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def _tokens(paragraph: str) -> list[str]:
    """Words (runs of narrow or Hangul non-space characters; in a marked paragraph, the
    runs between marks and spaces), single wide characters and single spaces: the
    points where a line may break. An opening mark is joined to the token after it."""
    marked = BREAK_MARK in paragraph
    tokens: list[str] = []
    word: list[str] = []
    for ch in paragraph:
        if ch == BREAK_MARK:
            if word:
                tokens.append("".join(word))
                word = []
        elif ch == " " or (not marked and char_width(ch) == 2 and not _is_hangul(ch)):
            if word:
                tokens.append("".join(word))
                word = []
            tokens.append(ch)
        else:
            word.append(ch)
    if word:
        tokens.append("".join(word))
    joined: list[str] = []
    for token in tokens:
        if joined and joined[-1] in _NO_LINE_END:
            joined[-1] += token
        else:
            joined.append(token)
    return joined


def _split_to_width(token: str, columns: int) -> list[str]:
    """Hard-split a token longer than the line (a long reference, URL or word)."""
    pieces: list[str] = []
    piece = ""
    for ch in token:
        if piece and display_width(piece) + char_width(ch) > columns:
            pieces.append(piece)
            piece = ""
        piece += ch
    if piece:
        pieces.append(piece)
    return pieces


def wrap_paragraph(paragraph: str, columns: int) -> list[str]:
    lines: list[str] = []
    line = ""
    width = 0
    for token in _tokens(paragraph):
        token_width = display_width(token)
        if token == " ":
            if width == 0:
                continue  # no leading spaces on a wrapped line
            if width + 1 > columns:
                lines.append(line.rstrip())
                line, width = "", 0
                continue
            line += token
            width += 1
            continue
        if width + token_width <= columns:
            line += token
            width += token_width
            continue
        carried = ""
        if token in _NO_LINE_START and len(line.rstrip()) > 1:
            # Take the previous character down with the punctuation.
            stripped = line.rstrip()
            carried, line = stripped[-1], stripped[:-1]
        if line.strip():
            lines.append(line.rstrip())
        line, width = carried, display_width(carried)
        if width + token_width <= columns:
            line += token
            width += token_width
            continue
        for piece in _split_to_width(token, columns):  # longer than a line: hard split
            if width + display_width(piece) > columns:
                lines.append(line)
                line, width = "", 0
            line += piece
            width += display_width(piece)
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def wrap(text: str, columns: int) -> list[str]:
    """Wrap ``text`` to ``columns``; each "\\n" starts a new paragraph; an empty
    paragraph gives an empty line."""
    if columns < 2:
        raise ValueError("columns must be at least 2")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(wrap_paragraph(paragraph, columns))
    return lines


def pad_between(left: str, right: str, columns: int) -> str | None:
    """``left`` and ``right`` on one line of ``columns``, or None if they do not fit with
    at least one space between."""
    gap = columns - display_width(left) - display_width(right)
    if gap < 1:
        return None
    return left + " " * gap + right

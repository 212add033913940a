"""Line breaking for a fixed-pitch printer where East Asian wide characters take two
columns. textwrap counts code points, so it overfills lines of Chinese; this does not.
"""

from __future__ import annotations

from hardware.printer.encoding import char_width, display_width

# Characters that must not start a line (simple kinsoku): closing CJK punctuation.
_NO_LINE_START = set("、。，．：；？！）」』】〕〉》〗〙〛｝］”’・…")


def _tokens(paragraph: str) -> list[str]:
    """Words (runs of narrow non-space characters), single wide characters and single
    spaces: the points where a line may break."""
    tokens: list[str] = []
    word: list[str] = []
    for ch in paragraph:
        if ch == " " or char_width(ch) == 2:
            if word:
                tokens.append("".join(word))
                word = []
            tokens.append(ch)
        else:
            word.append(ch)
    if word:
        tokens.append("".join(word))
    return tokens


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

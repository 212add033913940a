"""Slips as data: what a receipt says, not how a printer says it.

Services build a Document; hardware.printer renders it to ESC/POS (choosing code pages,
GB18030 Chinese mode or raster images per printer profile) and the same Document can be
rendered to PNG for the screen and docs. Pure data: no I/O, JSON round-trippable (the
simulators and previews keep slips as files; the kiosk's store keeps none: a slip may
carry personal data).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Literal


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class Text:
    """A paragraph; wrapped to the paper width. ``size`` 2 is double width and height."""

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    size: Literal[1, 2] = 1
    kind: Literal["text"] = "text"


@dataclass(frozen=True)
class Row:
    """A label on the left and its value on the right; the value wraps under if long."""

    label: str
    value: str
    bold: bool = False
    kind: Literal["row"] = "row"


@dataclass(frozen=True)
class Rule:
    """A horizontal line across the paper."""

    char: str = "-"
    kind: Literal["rule"] = "rule"


@dataclass(frozen=True)
class QRCode:
    """A QR code (native printer QR where the profile has it); ``module`` is dots per module."""

    data: str
    module: int = 6
    align: Align = Align.CENTER
    kind: Literal["qr"] = "qr"


@dataclass(frozen=True)
class Feed:
    lines: int = 1
    kind: Literal["feed"] = "feed"


Block = Text | Row | Rule | QRCode | Feed

_BLOCK_TYPES: dict[str, type[Block]] = {
    "text": Text, "row": Row, "rule": Rule, "qr": QRCode, "feed": Feed,
}


@dataclass(frozen=True)
class Document:
    """A whole slip. ``language`` is the reader's UI language (the second language of a
    bilingual slip); renderers use it to pick glyph forms for CJK text drawn as images."""

    blocks: tuple[Block, ...]
    language: str = "en"
    title: str = ""  # for logs and file names; not printed

    def to_json(self) -> dict[str, Any]:
        return {"language": self.language, "title": self.title,
                "blocks": [asdict(b) for b in self.blocks]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Document:
        blocks: list[Block] = []
        for raw in data["blocks"]:
            fields = dict(raw)
            block_type = _BLOCK_TYPES[fields.pop("kind")]
            if "align" in fields:
                fields["align"] = Align(fields["align"])
            blocks.append(block_type(**fields))
        return cls(blocks=tuple(blocks), language=data.get("language", "en"),
                   title=data.get("title", ""))

    def plain_text(self) -> str:
        """The slip's words, one block per line: for logs-free assertions and previews
        (without the marks of where a line may break)."""
        lines: list[str] = []
        for block in self.blocks:
            if isinstance(block, Text):
                lines.append(block.text)
            elif isinstance(block, Row):
                lines.append(f"{block.label}: {block.value}")
            elif isinstance(block, Rule):
                lines.append(block.char * 8)
            elif isinstance(block, QRCode):
                lines.append(f"[QR {block.data}]")
        return "\n".join(lines).replace("\u200b", "")

"""The help of every step of every service in the 8 languages, as data: what central's
help page serves (the kiosk's Help panel's QR code opens it). Exported from the
services' texts and the catalogs by kiosk.devtools.help_pages into help_pages.json
beside this module. Pure: reads package data only."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any


@cache
def _pages() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (files(__package__ or "kiosk.domain") / "help_pages.json").read_text(encoding="utf-8"))
    return data


def help_paragraphs(service: str, step: str, lang: str) -> tuple[str, ...] | None:
    """The paragraphs of the help of ``step`` of ``service`` in ``lang``; None when there
    is no such step or language."""
    texts = _pages()["services"].get(service, {}).get(step, {}).get(lang)
    return tuple(texts) if texts is not None else None


def label(name: str, lang: str) -> str:
    """The page's own words ("title", "hotline") in ``lang``."""
    words: dict[str, str] = _pages()[name]
    return words.get(lang, words["en"])

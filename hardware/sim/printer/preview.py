"""Receipt previews: the picture of what the printer would print, for the screen and docs.

There is one renderer, not two: the document goes through ``render_document`` to the
exact ESC/POS bytes a job would send, and those bytes go through the printer simulator's
interpreter and paper renderer in-process (no thread, no socket, no files). A preview
therefore shows code page choices, Chinese mode, raster lines, wrapping and native QR
codes as the printer gets them. Pure: no I/O except ``save_preview``.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from PIL import Image

from hardware.document import Document
from hardware.printer.profile import PrinterProfile
from hardware.printer.render import render_document
from hardware.sim.printer.faults import FaultState
from hardware.sim.printer.interpreter import EscposInterpreter, JobRecord
from hardware.sim.printer.paper import Item, PaperRenderer

_render_lock = threading.Lock()  # one renderer's font and glyph cache, many callers


@lru_cache(maxsize=4)
def _renderer(width_dots: int, font: Path | None) -> PaperRenderer:
    """Loading the CJK font takes a moment: keep a renderer per paper width and font."""
    return PaperRenderer(width_dots, font)


def preview_items(document: Document, profile: PrinterProfile) -> list[Item]:
    """What reaches the paper, item by item (text lines, QR codes, images)."""
    jobs: list[JobRecord] = []
    interpreter = EscposInterpreter(FaultState(), jobs.append, profile.chars_per_line)
    interpreter.feed(render_document(document, profile))
    interpreter.end_of_stream()  # a slip always ends with a cut; this is only a safeguard
    return [item for job in jobs for item in job.items]


def render_preview(document: Document, profile: PrinterProfile,
                   font: Path | None = None) -> Image.Image:
    """The slip as the printer would print it: a greyscale ("L") image
    ``profile.width_dots`` wide, black ink on white paper. ``font`` overrides the
    simulator's paper font (Noto Sans Mono CJK SC of noto-cjk-sans-otc)."""
    items = preview_items(document, profile)
    with _render_lock:
        return _renderer(profile.width_dots, font).render(items)


def save_preview(document: Document, profile: PrinterProfile, path: Path | str,
                 font: Path | None = None) -> Path:
    """Write the preview to ``path`` (format from its suffix, e.g. .png; folders are
    made as needed); returns it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    render_preview(document, profile, font).save(target)
    return target


__all__ = ["preview_items", "render_preview", "save_preview"]

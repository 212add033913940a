"""Bytes on the wire of a typical bilingual receipt: rendered natively (the configured
profile: code pages, GB18030 Chinese mode, raster only where no printer font has the
characters) against all-raster, two ways: every text line an image cropped to its ink
(QR stays native), and the whole slip as one bitmap (what printing a rendered receipt
image sends, as kiosks that draw their slips do). Prints figures; never passes or fails.

    .venv/bin/python bench/printer_bytes.py [--config site.toml]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from printer_receipt import LANGUAGES, all_raster, configured_profile, typical_receipt

from hardware.printer import render_document
from hardware.sim.printer.paper import ImageItem
from hardware.sim.printer.preview import preview_items, render_preview


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, action="append", default=[],
                        help="site config file(s) layered over the packaged defaults")
    args = parser.parse_args()
    native = configured_profile(*args.config)
    raster = all_raster(native)
    print(f"profile {native.escpos_profile}, chinese_mode={native.chinese_mode}, "
          f"{native.width_dots} dots, {native.chars_per_line} columns")
    print(f"{'receipt':<12} {'native B':>9} {'images':>6} {'line-raster B':>13} "
          f"{'images':>6} {'ratio':>7} {'slip bitmap B':>14} {'ratio':>7}")
    for language in LANGUAGES:
        document = typical_receipt(language)
        native_bytes = len(render_document(document, native))
        raster_bytes = len(render_document(document, raster))
        native_images = sum(isinstance(i, ImageItem) for i in preview_items(document, native))
        raster_images = sum(isinstance(i, ImageItem) for i in preview_items(document, raster))
        width, height = render_preview(document, native).size
        bitmap_bytes = (width + 7) // 8 * height + 8  # GS v 0 header + 1 bit per dot
        print(f"{'zh-Hans+' + language:<12} {native_bytes:>9,} {native_images:>6} "
              f"{raster_bytes:>13,} {raster_images:>6} {raster_bytes / native_bytes:>6.1f}x "
              f"{bitmap_bytes:>14,} {bitmap_bytes / native_bytes:>6.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

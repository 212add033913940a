"""Receipt printer: ESC/POS adapter (python-escpos), Document -> ESC/POS renderer,
DLE EOT status decoding. See docs/hardware/printer.md."""

from hardware.printer.adapter import EscposPrinter, open_printer
from hardware.printer.profile import PrinterProfile, find_noto_cjk_font
from hardware.printer.render import render_document
from hardware.printer.status import decode_status

__all__ = ["EscposPrinter", "PrinterProfile", "decode_status", "find_noto_cjk_font",
           "open_printer", "render_document"]

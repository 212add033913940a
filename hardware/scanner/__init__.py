"""The payment-code scanner driver: a 2D scanner in its USB-COM mode, one code per line
(docs/hardware/payment-code-scanner.md)."""

from hardware.scanner.adapter import SerialCodeScanner, open_scanner
from hardware.scanner.protocol import DEFAULT_SUFFIX, Suffix, decode_line, encode_code

__all__ = ["DEFAULT_SUFFIX", "SerialCodeScanner", "Suffix", "decode_line", "encode_code",
           "open_scanner"]

"""The document reader's barcode mode as a place to read payment codes (ports.PaymentCodes),
so that the bill payment reads them the same way from the reader and from a payment-code
scanner of its own (hardware.base.PaymentCodeScanner, which is one already)."""

from __future__ import annotations

import logging

from hardware.base import DocumentFormat, DocumentReader, ReadRejected

log = logging.getLogger(__name__)

READER = "reader"


class ReaderCodes:
    """Implements ports.PaymentCodes over the document reader: a barcode read is the
    code's text; a rejected read or an identity document is no code ("")."""

    device = READER

    def __init__(self, reader: DocumentReader) -> None:
        self._reader = reader

    def read(self, timeout_s: float) -> str | None:
        read = self._reader.read(timeout_s)
        if read is None:
            return None
        if isinstance(read, ReadRejected):
            log.info("payment code: reader rejected a read (%s)", read.reason)
            return ""
        if read.format is not DocumentFormat.BARCODE:  # nothing of it is kept or logged
            log.info("payment code: an identity document (%s) instead", read.format.value)
            return ""
        return read.barcode or ""

    def discard_pending(self) -> None:
        self._reader.discard_pending()

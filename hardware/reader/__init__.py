"""Identity-document reader over a serial line (docs/hardware/document-reader.md); in its
barcode mode it also reads bills' barcodes.

framing: frames and a streaming parser (pure). records: MRZ, chip, barcode and status
records (pure). debounce: one delivery per document, by salted digest. port: pyserial.
adapter: hardware.base.DocumentReader.
"""

from hardware.reader.adapter import SerialDocumentReader, open_reader

__all__ = ["SerialDocumentReader", "open_reader"]

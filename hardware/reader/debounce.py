"""Deliver a document once while it lies on the reader, without remembering its text.

Many readers scan again while a document stays on the window, and users press it down
twice. A repeat is recognised by a keyed BLAKE2b digest of the document (the key is
random per adapter, so the digest cannot be matched against a list of MRZs made
elsewhere); the text itself is never kept. Only the last document's digest is held, and
it is forgotten once the window has passed.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable

from hardware.base import DocumentRead


def document_key(document: DocumentRead) -> bytes:
    """The bytes that identify a document: its format and MRZ, its barcode, or its chip
    fields."""
    if document.mrz is not None:
        content = document.mrz
    elif document.barcode is not None:
        content = document.barcode
    else:
        chip = document.chip or {}
        content = "\n".join(f"{key}={chip[key]}" for key in sorted(chip))
    return f"{document.format.value}\n{content}".encode()


class Debouncer:
    def __init__(self, window_s: float, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if window_s < 0:
            raise ValueError("the debounce window must be >= 0 seconds")
        self.window_s = window_s
        self._clock = clock
        self._salt = os.urandom(16)
        self._last_digest: bytes | None = None
        self._last_seen = 0.0

    def is_repeat(self, document: DocumentRead) -> bool:
        """True when the same document was seen less than the window ago. Every sighting
        restarts the window, so a document left on the reader is delivered once."""
        now = self._clock()
        digest = hashlib.blake2b(document_key(document), key=self._salt,
                                 digest_size=16).digest()
        repeat = (digest == self._last_digest and now - self._last_seen < self.window_s)
        self._last_digest = digest
        self._last_seen = now
        return repeat

    def forget(self) -> None:
        """Drop the digest (the session ended, or the window has passed)."""
        self._last_digest = None

    def expire(self) -> None:
        if self._last_digest is not None and self._clock() - self._last_seen >= self.window_s:
            self._last_digest = None

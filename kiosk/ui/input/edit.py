"""One change to the text before the cursor, as an input method makes it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    """Delete ``delete`` characters before the cursor, then insert ``insert``."""

    delete: int = 0
    insert: str = ""

    def apply(self, text: str) -> str:
        """The text as it ends up when the cursor is at its end (tests, and a check)."""
        kept = text[: len(text) - self.delete] if self.delete else text
        return kept + self.insert

"""Gettext catalogs of the 8 UI languages: assets/locale/<lang>/LC_MESSAGES/kiosk.po,
compiled with Babel into the cache when the .po is newer, loaded on first use.

Msgids are the English texts; `en` has its own catalog too, so a missing English text is
caught by the same completeness test as every other language (tests/unit/test_i18n.py).
"""

from __future__ import annotations

import gettext
import hashlib
import logging
import os
import threading
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from kiosk.paths import LOCALE_DIR, cache_dir

DOMAIN = "kiosk"
log = logging.getLogger(__name__)


def po_path(lang: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalog(po_file: Path, mo_file: Path) -> None:
    """Compile one .po to .mo (skipping fuzzy entries), atomically."""
    with po_file.open("rb") as fh:
        catalog = read_po(fh)
    mo_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = mo_file.with_suffix(f".tmp{os.getpid()}")
    with tmp.open("wb") as fh:
        write_mo(fh, catalog, use_fuzzy=False)
    tmp.replace(mo_file)


class Catalogs:
    """Implements kiosk.services.ports.Translator. Thread-safe: the UI thread and worker
    threads (building slips) translate at the same time."""

    def __init__(self, locale_dir: Path = LOCALE_DIR, compiled_dir: Path | None = None) -> None:
        self._locale_dir = locale_dir
        self._compiled_dir = compiled_dir or cache_dir() / "locale"
        self._loaded: dict[str, gettext.NullTranslations] = {}
        self._lock = threading.Lock()

    def translations(self, lang: str) -> gettext.NullTranslations:
        found = self._loaded.get(lang)
        if found is not None:
            return found
        with self._lock:
            if lang not in self._loaded:
                self._loaded[lang] = self._load(lang)
            return self._loaded[lang]

    def _load(self, lang: str) -> gettext.NullTranslations:
        po_file = po_path(lang, self._locale_dir)
        if not po_file.exists():
            log.error("no catalog for language %s at %s", lang, po_file)
            return gettext.NullTranslations()
        # Named by the catalog's content, not checked by mtime: checkouts of different
        # versions share the cache folder, and an older .po can be the newer file.
        digest = hashlib.sha256(po_file.read_bytes()).hexdigest()[:16]
        mo_file = self._compiled_dir / lang / f"{DOMAIN}-{digest}.mo"
        if not mo_file.exists():
            compile_catalog(po_file, mo_file)
        with mo_file.open("rb") as fh:
            return gettext.GNUTranslations(fh)

    def gettext(self, lang: str, message: str) -> str:
        return self.translations(lang).gettext(message)

    def ngettext(self, lang: str, singular: str, plural: str, n: int) -> str:
        return self.translations(lang).ngettext(singular, plural, n)

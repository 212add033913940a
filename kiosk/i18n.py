"""Gettext catalogs of the 8 UI languages: kiosk/data/locale/<lang>/LC_MESSAGES/kiosk.po
(package data), compiled with Babel into the cache once per catalog content, loaded on
first use.

Msgids are the English texts; `en` has its own catalog too, so a missing English text is
caught by the same completeness test as every other language (tests/unit/test_i18n.py).
"""

from __future__ import annotations

import gettext
import hashlib
import logging
import os
import threading
from importlib.resources.abc import Traversable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from kiosk.paths import cache_dir, locale_dir

DOMAIN = "kiosk"
log = logging.getLogger(__name__)


def po_path(lang: str, catalogs: Traversable | None = None) -> Traversable:
    """A language's .po in ``catalogs`` (a folder of <lang>/LC_MESSAGES/), by default the
    packaged ones."""
    return (catalogs or locale_dir()) / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalog(po_file: Traversable, mo_file: Path) -> None:
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

    def __init__(self, catalogs: Traversable | None = None,
                 compiled_dir: Path | None = None) -> None:
        self._catalogs = catalogs or locale_dir()
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
        po_file = po_path(lang, self._catalogs)
        if not po_file.is_file():
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

"""Keep the 8 gettext catalogs in step with the code.

    python -m kiosk.devtools.messages update   # add new msgids, drop obsolete ones
    python -m kiosk.devtools.messages check    # exit 1 on any missing or broken translation

Messages are marked in the code with _("..."), N_("...") or ngettext(...). Every
catalog, English included, must translate every message with the same {placeholders}.
A tool for a checkout (an editable install): it reads the packages' sources and writes
the catalogs in kiosk/data/locale, where the packages are folders of files.
"""

from __future__ import annotations

import re
import sys
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from kiosk.domain.languages import LANGUAGES
from kiosk.i18n import po_path
from kiosk.paths import locale_dir

KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
SOURCES = ("kiosk", "hardware", "central")
_PLACEHOLDER = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)[^{}]*\}")


def extract() -> Catalog:
    catalog = Catalog(project="kiosk", domain="kiosk")
    for folder in SOURCES:
        base = Path(str(files(folder)))
        for filename, lineno, message, comments, context in extract_from_dir(
                base, method_map=[("**.py", "python")], keywords=KEYWORDS,
                comment_tags=("TRANSLATORS:",), strip_comment_tags=True):
            location = (f"{folder}/{filename}", lineno)
            catalog.add(message, locations=[location], auto_comments=comments, context=context)
    return catalog


def _read(path: Traversable, lang: str) -> Catalog:
    if not path.is_file():
        return Catalog(locale=lang.replace("-", "_"), domain="kiosk")
    with path.open("rb") as fh:
        return read_po(fh, locale=lang.replace("-", "_"))


def update(catalogs: Path | None = None) -> None:
    folder = catalogs or Path(str(locale_dir()))  # the checkout's catalogs, written in place
    template = extract()
    for lang in LANGUAGES:
        path = Path(str(po_path(lang, folder)))
        catalog = _read(path, lang)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=False)


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def check(catalogs: Traversable | None = None) -> list[str]:
    """Every problem as one line: missing catalogs, messages, translations, placeholders."""
    problems: list[str] = []
    template = extract()
    wanted = {m.id for m in template if m.id}
    for lang in LANGUAGES:
        path = po_path(lang, catalogs)
        if not path.is_file():
            problems.append(f"{lang}: no catalog at {path}")
            continue
        catalog = _read(path, lang)
        have = {m.id: m for m in catalog if m.id}
        for msgid in sorted(wanted, key=str):
            message = have.get(msgid)
            label = msgid if isinstance(msgid, str) else msgid[0]
            if message is None:
                problems.append(f"{lang}: missing message {label!r}")
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            ids = msgid if isinstance(msgid, tuple) else (msgid,)
            if message.fuzzy or not all(strings):
                problems.append(f"{lang}: untranslated {label!r}")
                continue
            expected = set().union(*(placeholders(i) for i in ids))
            for text in strings:
                if placeholders(text) != expected:
                    problems.append(f"{lang}: placeholders of {label!r} differ: "
                                    f"{sorted(placeholders(text))} != {sorted(expected)}")
        for msgid in have:
            if msgid not in wanted:
                problems.append(f"{lang}: obsolete message {msgid!r} (run update)")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["update"]:
        update()
        return 0
    if args == ["check"]:
        problems = check()
        for line in problems:
            print(line)
        print(f"{len(problems)} problem(s)")
        return 1 if problems else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())

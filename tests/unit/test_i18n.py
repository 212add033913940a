"""The 8 catalogs are complete and in step with the code."""

from __future__ import annotations

import shutil
from importlib.resources import as_file
from pathlib import Path

from kiosk.devtools.messages import check, extract, placeholders
from kiosk.domain.languages import LANGUAGES
from kiosk.i18n import Catalogs
from kiosk.paths import locale_dir


def copy_of_the_catalogs(tmp_path: Path) -> Path:
    """The packaged catalogs copied into a folder of the test's own, to be changed."""
    with as_file(locale_dir()) as packaged:
        return Path(shutil.copytree(packaged, tmp_path / "locale"))


def test_every_message_is_translated_in_all_8_languages() -> None:
    """GIVEN the messages marked in the code (_, N_) and the 8 .po catalogs
    WHEN they are compared
    THEN no message is missing, untranslated, fuzzy or obsolete, and every translation
    has exactly the {placeholders} of its msgid."""
    problems = check()
    assert problems == [], "\n".join(problems[:40])


def test_the_check_catches_a_missing_translation(tmp_path: Path) -> None:
    """GIVEN a copy of the catalogs where one Korean translation was emptied
    WHEN the check runs
    THEN it reports exactly that message (the completeness test can fail)."""
    locale = copy_of_the_catalogs(tmp_path)
    po = locale / "ko" / "LC_MESSAGES" / "kiosk.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "다시 시도"', 'msgstr ""'), encoding="utf-8")
    assert check(locale) == ["ko: untranslated 'Try again'"]


def test_placeholders_are_compared_by_name() -> None:
    """GIVEN format strings
    WHEN their placeholders are read
    THEN names count, order and format specs do not."""
    assert placeholders("Pay {amount}") == {"amount"}
    assert placeholders("{b:>3} and {a}") == {"a", "b"}
    assert placeholders("no braces") == set()


def test_catalogs_translate_and_fall_back(tmp_path: Path) -> None:
    """GIVEN the compiled catalogs
    WHEN a known and an unknown message are translated
    THEN the known one is translated per language and the unknown one comes back as is."""
    catalogs = Catalogs(compiled_dir=tmp_path)
    assert catalogs.gettext("zh-Hans", "Back") == "返回"
    assert catalogs.gettext("ko", "Back") == "뒤로"
    assert catalogs.gettext("ru", "Back") == "Назад"
    assert catalogs.gettext("de", "no such message") == "no such message"
    assert len(list((tmp_path / "ko").glob("kiosk-*.mo"))) == 1
    assert not (tmp_path / "ja").exists()  # compiled on first use only


def test_a_changed_catalog_is_compiled_again_even_if_older(tmp_path: Path) -> None:
    """GIVEN a compiled catalog in the shared cache
    WHEN another checkout's .po with different content (and an older mtime) is loaded
    THEN it gets its own compiled file, not the cached one of the other content."""
    import os

    locale = copy_of_the_catalogs(tmp_path)
    cache = tmp_path / "cache"
    assert Catalogs(locale, compiled_dir=cache).gettext("en", "Back") == "Back"
    po = locale / "en" / "LC_MESSAGES" / "kiosk.po"
    po.write_text(po.read_text(encoding="utf-8").replace(
        'msgid "Back"\nmsgstr "Back"', 'msgid "Back"\nmsgstr "Go back"'), encoding="utf-8")
    os.utime(po, (1, 1))
    assert Catalogs(locale, compiled_dir=cache).gettext("en", "Back") == "Go back"


def test_extraction_finds_messages_in_services_and_ui() -> None:
    """GIVEN the source tree
    WHEN messages are extracted
    THEN slip labels (services) and screen texts (ui) are both found."""
    ids = {m.id for m in extract() if m.id}
    assert {"Biller", "Find my bill", "Choose your language"} <= ids
    assert len(LANGUAGES) == 8


def test_technician_texts_are_in_the_catalogs_and_a_missing_one_fails(tmp_path: Path) -> None:
    """GIVEN the technician screens' texts (PIN, main screen, reprint) and the
    out-of-service screen's, and a copy of the catalogs where one Russian technician
    translation was emptied
    WHEN the messages are extracted and the check runs
    THEN they are all extracted (none is exempt) and the emptied one is reported."""
    ids = {m.id for m in extract() if m.id}
    assert {"Technician mode", "Enter the technician PIN", "Reprint a receipt",
            "Receipt printer", "Wrong PIN. Tries left before a lockout: {tries}.",
            "Out of service"} <= ids
    locale = copy_of_the_catalogs(tmp_path)
    po = locale / "ru" / "LC_MESSAGES" / "kiosk.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Режим техника"', 'msgstr ""'), encoding="utf-8")
    assert check(locale) == ["ru: untranslated 'Technician mode'"]

"""The UI's gettext: `_` translates into the language the user chose. The App switches
it; every screen re-reads its texts on a language change (Screen.refresh)."""

from __future__ import annotations

from decimal import Decimal

from kiosk.domain.money import format_money
from kiosk.services.ports import Translator


class _Current:
    translator: Translator | None = None
    lang = "en"


def install(translator: Translator, lang: str) -> None:
    _Current.translator = translator
    _Current.lang = lang


def set_language(lang: str) -> None:
    _Current.lang = lang


def current_language() -> str:
    return _Current.lang


def _(message: str) -> str:
    if _Current.translator is None:
        return message
    return _Current.translator.gettext(_Current.lang, message)


def translate(message: str) -> str:
    """_() for a msgid held in a variable (marked with N_ where it is defined): the
    extractor only sees literal strings, so a call like _(texts["heading"]) would put
    the key "heading" in the catalogs."""
    return _(message)


def N_(message: str) -> str:
    """Mark for extraction; translate later with _()."""
    return message


def in_language(lang: str, message: str) -> str:
    """A message in a given language (the attract and language screens show several)."""
    if _Current.translator is None:
        return message
    return _Current.translator.gettext(lang, message)


def money(amount: Decimal | str) -> str:
    return format_money(Decimal(amount), _Current.lang)

"""The kiosk's UI languages and how each is written and formatted."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LanguageInfo:
    code: str  # our code, also the gettext catalog folder: "zh-Hans"
    locale: str  # Babel locale for money, dates and numbers: "zh_Hans_CN"
    native_name: str  # the language's name in its own script
    english_name: str


LANGUAGES: dict[str, LanguageInfo] = {
    info.code: info
    for info in (
        LanguageInfo("zh-Hans", "zh_Hans_CN", "简体中文", "Chinese (Simplified)"),
        LanguageInfo("en", "en_GB", "English", "English"),
        LanguageInfo("ja", "ja_JP", "日本語", "Japanese"),
        LanguageInfo("ko", "ko_KR", "한국어", "Korean"),
        LanguageInfo("fr", "fr_FR", "Français", "French"),
        LanguageInfo("de", "de_DE", "Deutsch", "German"),
        LanguageInfo("es", "es_ES", "Español", "Spanish"),
        LanguageInfo("ru", "ru_RU", "Русский", "Russian"),
    )
}

SLIP_BASE_LANGUAGE = "zh-Hans"  # slips are bilingual: Chinese plus the reader's language


def language(code: str) -> LanguageInfo:
    try:
        return LANGUAGES[code]
    except KeyError:
        raise ValueError(f"unsupported language {code!r}") from None

"""Nationality codes and localized country names."""

from __future__ import annotations

import pytest

from kiosk.domain.nationality import country_name, from_icao, from_numeric, is_known


@pytest.mark.parametrize("icao, iso", [("D", "DEU"), ("D<<", "DEU"), ("GBD", "GBR"),
                                       ("GBO", "GBR"), ("GBP", "GBR"), ("GBS", "GBR"),
                                       ("RKS", "XKX"), ("FRA", "FRA"), ("XXA", "XXA"),
                                       ("UNO", "UNO"), ("EUE", "EUE")])
def test_icao_codes_map_to_iso(icao: str, iso: str) -> None:
    """GIVEN ICAO state codes, ISO or not
    WHEN mapped
    THEN the ISO alpha-3 code, or the ICAO code itself when no country stands behind it."""
    assert from_icao(icao) == iso


@pytest.mark.parametrize("code", ["", "QQQ", "deu", "DE", "12"])
def test_unknown_icao_codes_are_none(code: str) -> None:
    """GIVEN codes that are no ICAO state code
    WHEN mapped
    THEN None."""
    assert from_icao(code) is None


def test_numeric_codes() -> None:
    """GIVEN ISO numeric codes
    WHEN mapped
    THEN 276 is DEU, 36 is AUS, 999 and letters are None."""
    assert (from_numeric("276"), from_numeric("36"), from_numeric("999"), from_numeric("2x6")) \
        == ("DEU", "AUS", None, None)


def test_country_names_in_all_eight_languages() -> None:
    """GIVEN Germany
    WHEN named in each UI language
    THEN each language's own name comes from pycountry's catalogs."""
    names = {lang: country_name("DEU", lang)
             for lang in ("zh-Hans", "en", "ja", "ko", "fr", "de", "es", "ru")}
    assert names == {"zh-Hans": "德国", "en": "Germany", "ja": "ドイツ", "ko": "독일",
                     "fr": "Allemagne", "de": "Deutschland", "es": "Alemania", "ru": "Германия"}


def test_special_and_unknown_names() -> None:
    """GIVEN Kosovo, a stateless code and an unknown code
    WHEN named
    THEN Kosovo comes from CLDR, XXA gives its English msgid, the unknown code itself."""
    assert country_name("XKX", "zh-Hans") == "科索沃"
    assert country_name("XXA", "de") == "Stateless person"
    assert country_name("QQQ", "fr") == "QQQ"
    assert is_known("XKX") and is_known("XXB") and not is_known("QQQ")

"""Nationality codes: ICAO 9303 state codes and ISO 3166 numeric codes to ISO 3166-1
alpha-3, and country names in the kiosk's 8 languages.

Names come from pycountry's iso3166-1 gettext catalogs (zh-Hans uses the zh_CN one).
ICAO documents may carry codes that are not ISO 3166-1 (ICAO 9303 part 3): "D" for
Germany, the British nationality categories GBD/GBN/GBO/GBP/GBS, organisations (UNO,
EUE, XPO...), stateless persons and refugees (XXA, XXB, XXC), "XXX" (unspecified).
Those with a country are mapped to it; the others have no ISO country and are kept as
they are (the X.. ones lie in ISO 3166-1's user-assigned range).
"""

from __future__ import annotations

import gettext
import re
from functools import lru_cache

import pycountry
from babel import Locale

from kiosk.domain.languages import LANGUAGES


def N_(message: str) -> str:
    return message


CHINA = "CHN"
# Kosovo has no ISO 3166-1 code; XKX (user-assigned) is what the EU, the IMF and CLDR
# ("XK") use. ICAO documents say RKS.
KOSOVO = "XKX"

# ICAO codes that stand for an ISO country under another code.
ICAO_TO_ISO: dict[str, str] = {
    "D": "DEU",
    "GBD": "GBR",  # British Overseas Territories Citizen
    "GBN": "GBR",  # British National (Overseas)
    "GBO": "GBR",  # British Overseas Citizen
    "GBP": "GBR",  # British Protected Person
    "GBS": "GBR",  # British Subject
    "RKS": KOSOVO,
}

# ICAO codes with no country behind them: kept verbatim, named here for the screen.
ICAO_SPECIAL: dict[str, str] = {
    "EUE": N_("European Union"),
    "UNO": N_("United Nations Organization"),
    "UNA": N_("Specialized agency of the United Nations"),
    "UNK": N_("Resident of Kosovo (UNMIK travel document)"),
    "XBA": N_("African Development Bank"),
    "XIM": N_("African Export-Import Bank"),
    "XCC": N_("Caribbean Community"),
    "XCE": N_("Council of Europe"),
    "XCO": N_("Common Market for Eastern and Southern Africa"),
    "XEC": N_("Economic Community of West African States"),
    "XES": N_("Organisation of Eastern Caribbean States"),
    "XMP": N_("Parliamentary Assembly of the Mediterranean"),
    "XOM": N_("Sovereign Military Order of Malta"),
    "XPO": N_("Interpol"),
    "XDC": N_("Southern African Development Community"),
    "XXA": N_("Stateless person"),
    "XXB": N_("Refugee (1951 Convention)"),
    "XXC": N_("Refugee (other)"),
    "XXX": N_("Unspecified nationality"),
    "UTO": N_("Utopia (ICAO specimen)"),  # the state of every ICAO specimen document
}

_CATALOG_LANGUAGE = {"zh-Hans": "zh_CN"}  # our code -> pycountry's catalog folder
_ICAO_SHAPE = re.compile(r"[A-Z]{1,3}")


def is_iso_alpha3(code: str) -> bool:
    return len(code) == 3 and code.isupper() and pycountry.countries.get(alpha_3=code) is not None


def from_icao(code: str) -> str | None:
    """The ISO alpha-3 code for an ICAO state code ("D<<" -> "DEU", "GBN" -> "GBR"), the
    code itself for ICAO codes without a country (XXA...), None for an unknown code."""
    stripped = code.strip().rstrip("<")
    if not _ICAO_SHAPE.fullmatch(stripped):
        return None
    if is_iso_alpha3(stripped):
        return stripped
    if stripped in ICAO_TO_ISO:
        return ICAO_TO_ISO[stripped]
    return stripped if stripped in ICAO_SPECIAL else None


def from_numeric(code: str) -> str | None:
    """The ISO alpha-3 code for an ISO 3166-1 numeric code ("276" -> "DEU"), or None."""
    if not code.isdigit() or len(code) > 3:
        return None
    country = pycountry.countries.get(numeric=code.zfill(3))
    return None if country is None else str(country.alpha_3)


def is_known(code: str) -> bool:
    """An ISO alpha-3 code, Kosovo's XKX, or an ICAO code without a country."""
    return is_iso_alpha3(code) or code == KOSOVO or code in ICAO_SPECIAL


@lru_cache(maxsize=16)
def _catalog(lang: str) -> gettext.NullTranslations:
    folder = _CATALOG_LANGUAGE.get(lang, lang)
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[folder],
                               fallback=True)


def country_name(alpha3: str, lang: str) -> str:
    """The country's ISO short name in the UI language ("DEU", "zh-Hans" -> "德国").
    ICAO codes without a country give their English name (a msgid for the UI's
    catalog); an unknown code comes back as it is."""
    code = alpha3.strip().upper()
    info = LANGUAGES.get(lang)
    if code == KOSOVO:
        locale = Locale.parse(info.locale if info else "en_GB")
        return str(locale.territories.get("XK", "Kosovo"))
    if code in ICAO_SPECIAL:
        return ICAO_SPECIAL[code]
    country = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    if country is None:
        return alpha3
    name = str(country.name)
    if info is None or lang == "en":
        return name
    return _catalog(lang).gettext(name)

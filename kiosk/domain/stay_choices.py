"""The choice lists of the accommodation registration (docs/spec/accommodation.md): each a tuple of
(code, English msgid). The codes are what central receives (see the stay_registration
record); the labels are translated by the UI.
"""

from __future__ import annotations

from enum import StrEnum

from kiosk.domain.results import Choice


def N_(message: str) -> str:
    return message


class Sex(StrEnum):
    M = "M"
    F = "F"


class DocType(StrEnum):
    PASSPORT_ORDINARY = "passport_ordinary"
    PASSPORT_DIPLOMATIC = "passport_diplomatic"
    PASSPORT_SERVICE = "passport_service"
    PR_CARD = "pr_card"
    OTHER = "other"


class EntryStatusType(StrEnum):
    C = "C"
    D = "D"
    F = "F"
    G = "G"
    J1 = "J1"
    J2 = "J2"
    L = "L"
    M = "M"
    Q1 = "Q1"
    Q2 = "Q2"
    R = "R"
    S1 = "S1"
    S2 = "S2"
    X1 = "X1"
    X2 = "X2"
    Z = "Z"
    RESIDENCE_PERMIT = "RESIDENCE_PERMIT"
    STAY_PERMIT = "STAY_PERMIT"
    VISA_FREE = "VISA_FREE"


class AccommodationType(StrEnum):
    RENTED = "rented"
    OWN = "own"
    RELATIVE_FRIEND = "relative_friend"
    EMPLOYER = "employer"


class Purpose(StrEnum):
    INVESTMENT = "investment"
    EMPLOYMENT = "employment"
    STUDY = "study"
    EXCHANGE = "exchange"
    BUSINESS = "business"
    PERFORMANCE = "performance"
    VISITING = "visiting"
    TOURING = "touring"
    REAL_ESTATE = "real_estate"
    MEDICAL = "medical"
    OTHER = "other"


class HostIdType(StrEnum):
    RESIDENT_ID = "resident_id"  # Chinese citizen ID card, GB 11643
    PR_CARD = "pr_card"
    PASSPORT = "passport"
    HK_MACAO_PERMIT = "hk_macao_permit"
    TAIWAN_PERMIT = "taiwan_permit"
    USCC = "uscc"  # the host is a company (employer accommodation)
    OTHER = "other"


SEXES: tuple[Choice, ...] = (
    Choice(Sex.M, N_("Male")),
    Choice(Sex.F, N_("Female")),
)

DOC_TYPES: tuple[Choice, ...] = (
    Choice(DocType.PASSPORT_ORDINARY, N_("Ordinary passport")),
    Choice(DocType.PASSPORT_DIPLOMATIC, N_("Diplomatic passport")),
    Choice(DocType.PASSPORT_SERVICE, N_("Service passport")),
    Choice(DocType.PR_CARD, N_("Foreign permanent resident ID card")),
    Choice(DocType.OTHER, N_("Other travel document")),
)

VISA_TYPES: tuple[Choice, ...] = (
    Choice(EntryStatusType.C, N_("C visa (crew)")),
    Choice(EntryStatusType.D, N_("D visa (permanent residence)")),
    Choice(EntryStatusType.F, N_("F visa (exchange, visit)")),
    Choice(EntryStatusType.G, N_("G visa (transit)")),
    Choice(EntryStatusType.J1, N_("J1 visa (resident journalist)")),
    Choice(EntryStatusType.J2, N_("J2 visa (short-term journalist)")),
    Choice(EntryStatusType.L, N_("L visa (tourism)")),
    Choice(EntryStatusType.M, N_("M visa (business)")),
    Choice(EntryStatusType.Q1, N_("Q1 visa (family reunion, long stay)")),
    Choice(EntryStatusType.Q2, N_("Q2 visa (family visit, short stay)")),
    Choice(EntryStatusType.R, N_("R visa (high-level talent)")),
    Choice(EntryStatusType.S1, N_("S1 visa (private affairs, long stay)")),
    Choice(EntryStatusType.S2, N_("S2 visa (private affairs, short stay)")),
    Choice(EntryStatusType.X1, N_("X1 visa (study, long stay)")),
    Choice(EntryStatusType.X2, N_("X2 visa (study, short stay)")),
    Choice(EntryStatusType.Z, N_("Z visa (work)")),
    Choice(EntryStatusType.RESIDENCE_PERMIT, N_("Residence permit")),
    Choice(EntryStatusType.STAY_PERMIT, N_("Stay permit")),
    Choice(EntryStatusType.VISA_FREE, N_("Visa-free entry")),
)

ACCOMMODATION_TYPES: tuple[Choice, ...] = (
    Choice(AccommodationType.RENTED, N_("Rented home")),
    Choice(AccommodationType.OWN, N_("My own home")),
    Choice(AccommodationType.RELATIVE_FRIEND, N_("With relatives or friends")),
    Choice(AccommodationType.EMPLOYER, N_("Provided by my employer or school")),
)

PURPOSES: tuple[Choice, ...] = (
    Choice(Purpose.INVESTMENT, N_("Investment")),
    Choice(Purpose.EMPLOYMENT, N_("Employment")),
    Choice(Purpose.STUDY, N_("Study")),
    Choice(Purpose.EXCHANGE, N_("Exchange")),
    Choice(Purpose.BUSINESS, N_("Business")),
    Choice(Purpose.PERFORMANCE, N_("Performance")),
    Choice(Purpose.VISITING, N_("Visiting relatives or friends")),
    Choice(Purpose.TOURING, N_("Tourism")),
    Choice(Purpose.REAL_ESTATE, N_("Real estate")),
    Choice(Purpose.MEDICAL, N_("Medical treatment")),
    Choice(Purpose.OTHER, N_("Other")),
)

HOST_ID_TYPES: tuple[Choice, ...] = (
    Choice(HostIdType.RESIDENT_ID, N_("Chinese resident identity card")),
    Choice(HostIdType.PR_CARD, N_("Foreign permanent resident ID card")),
    Choice(HostIdType.PASSPORT, N_("Passport")),
    Choice(HostIdType.HK_MACAO_PERMIT,
           N_("Mainland travel permit for Hong Kong and Macao residents")),
    Choice(HostIdType.TAIWAN_PERMIT, N_("Mainland travel permit for Taiwan residents")),
    Choice(HostIdType.USCC, N_("Unified social credit code (company)")),
    Choice(HostIdType.OTHER, N_("Other identity document")),
)

PORTS_OF_ENTRY: tuple[Choice, ...] = (
    Choice("PVG", N_("Shanghai Pudong International Airport")),
    Choice("SHA", N_("Shanghai Hongqiao International Airport")),
    Choice("WGQ", N_("Shanghai port (cruise and ferry terminals)")),
    Choice("PEK", N_("Beijing Capital International Airport")),
    Choice("PKX", N_("Beijing Daxing International Airport")),
    Choice("CAN", N_("Guangzhou Baiyun International Airport")),
    Choice("SZX", N_("Shenzhen Bao'an International Airport")),
    Choice("HKG-land", N_("Land border from Hong Kong (Lo Wu, Shenzhen Bay...)")),
    Choice("other", N_("Other port of entry")),
)


def codes(choices: tuple[Choice, ...]) -> frozenset[str]:
    return frozenset(choice.code for choice in choices)

"""The table of cases test_central_record_paths.py sends central the three ways: a
record of each kind for every outcome of every rule, each made for the kiosk ("world")
that sends it, so three kiosks can send the same table side by side on one central."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from central.demo_places import COMPANIES
from central_payloads import HOTEL_ROOM, arbitration_payload, new_code, stay_payload

OTHER_KIOSK = "SH-CN-0199"  # looks up the ways' accounts, owns the forged references
OTHER_ROOM = "310105-xianxia-n350-b1-1803"
OUTSIDE_ROOM = "t-320583-s-l-b-101"  # put into the address book by the test
NO_STATION_ROOM = "t-310199-s-l-b-101"  # a Shanghai room no node names a station for
MAINTENANCE_BILLER = "t-maintenance"
OTHER_USCC = COMPANIES[1].uscc
UNKNOWN_USCC = "91310000000000000X"
# account label -> (partial payments allowed, bills as (label, yuan))
ACCOUNTS = {
    "pay": (False, (("pay-1", 100), ("pay-2", 50), ("pay-3", 40))),
    "part": (True, (("part-1", 80),)),
    "expired": (False, (("exp-1", 30),)),
    "elsewhere": (False, (("else-1", 30),)),
    "own-lock": (False, (("own-1", 30),)),
    "maint": (False, (("maint-1", 20),)),
}


@dataclass
class World:
    """One way's kiosk and everything of its own: references, documents, accounts and
    bills, verification codes, lock tokens, the payloads it sent (by case)."""

    way: str
    kiosk: str
    tag: str  # makes its documents and accounts its own
    tokens: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)
    _references: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def reference(self, kiosk: str | None = None) -> str:
        return f"{kiosk or self.kiosk}-260115-{next(self._references):06d}"

    def doc(self, label: str) -> str:
        return f"{self.tag}{label.upper()}"

    def account(self, label: str) -> str:
        return f"{label}-{self.tag}"

    def bill(self, label: str) -> str:
        return f"{self.tag}-{label}"

    def code(self, label: str) -> str:
        return self.codes.setdefault(label, new_code())

    def label_of(self, value: str) -> str:
        """A document, account, bill or code of this world's, as the label that made it."""
        for label, code in self.codes.items():
            if value == code:
                return f"code:{label}"
        if value.startswith(self.tag):
            return "*" + value.removeprefix(self.tag)
        if value.endswith(f"-{self.tag}"):
            return value.removesuffix(f"-{self.tag}") + "-*"
        return value


# --- the records of the cases ------------------------------------------------------------

def payment(world: World, case: str, account: str, bills: tuple[str, ...], amount: str,
            *, biller: str = "sh-water", token: str | None = None) -> dict[str, Any]:
    return {"reference": world.reference(), "kiosk_id": world.kiosk, "session_id": "S-1",
               "lang": "en", "biller_id": biller, "account_no": world.account(account),
               "bill_ids": [world.bill(bill) for bill in bills], "amount": amount,
               "currency": "CNY", "response_code": "00", "auth_code": "A12345",
               "rrn": "123456789012", "masked_pan": "622588******1234",
               "card_brand": "UnionPay", "terminal_id": "T0000001",
               "merchant_id": "M000000000001", "paid_at": "2026-01-15T10:20:00+08:00",
               "lock_token": world.tokens.get(token) if token else None,
               "verification_code": world.code(case)}


def stay(world: World, case: str, doc: str, **changes: Any) -> dict[str, Any]:
    return stay_payload(**{"reference": world.reference(), "kiosk_id": world.kiosk,
                           "verification_code": world.code(case), "doc_number": world.doc(doc),
                           **changes})


def application(world: World, case: str, doc: str, **changes: Any) -> dict[str, Any]:
    template = arbitration_payload()
    return arbitration_payload(**{
        "reference": world.reference(), "kiosk_id": world.kiosk,
        "verification_code": world.code(case),
        "applicant": {**template["applicant"], "doc_number": world.doc(doc)}, **changes})


def party(uscc: str) -> dict[str, Any]:
    return {**arbitration_payload()["respondent"], "uscc": uscc}


def without(payload: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if key != name}


def again(case: str) -> Callable[[World], dict[str, Any]]:
    """The very record a case sent before."""
    return lambda world: world.sent[case]


def foreign_kiosk(case: str) -> Callable[[World], dict[str, Any]]:
    """A case's record made out in another kiosk's name (a reference of that kiosk)."""
    return lambda world: {**world.sent[case], "kiosk_id": OTHER_KIOSK,
                          "reference": world.reference(OTHER_KIOSK)}


def foreign_reference(case: str) -> Callable[[World], dict[str, Any]]:
    """A case's record of this kiosk carrying another kiosk's reference."""
    return lambda world: {**world.sent[case], "reference": world.reference(OTHER_KIOSK)}


@dataclass(frozen=True)
class Case:
    """A record to send and what it must get: "accepted", "duplicate", or the refusal's
    "CODE[:detail value]"; ``review``: a payment's review reasons; ``status``: a
    registration's or application's status."""

    name: str
    kind: str
    build: Callable[[World], dict[str, Any]]
    expect: str
    key: str = ""  # sent under this case's key (default: its own)
    review: str | None = None
    status: str | None = None

    @property
    def idempotency_key(self) -> str:
        return f"key-{self.key or self.name}"


PAY, STAY, CASE = "bill_payment", "stay_registration", "arbitration_application"
REUSED = "E_REQUEST_REJECTED:idempotency_key_reused"
CLASH = "E_REQUEST_REJECTED:unique_conflict"
INVALID = "E_REQUEST_REJECTED:invalid"  # the schema's: checked before any rule


@dataclass(frozen=True)
class Lookup:
    """A bill look-up before a round: by the way's kiosk (its token kept) or another."""

    account: str
    by_other_kiosk: bool = False


@dataclass(frozen=True)
class Advance:
    minutes: int


def p(name: str, build: Callable[[World], dict[str, Any]], expect: str = "accepted",
      review: str | None = None, key: str = "") -> Case:
    return Case(name, PAY, build, expect, key=key, review=review)


ROUND_ONE: list[Case] = [
    # Payments: every review reason (never a business refusal), and what refuses one.
    p("p-clean", lambda w: payment(w, "p-clean", "pay", ("pay-1",), "100.00")),
    p("p-own-lock", lambda w: payment(w, "p-own-lock", "own-lock", ("own-1",), "30.00",
                                      token="own-lock")),
    p("p-expired", lambda w: payment(w, "p-expired", "expired", ("exp-1",), "30.00",
                                     token="expired"), review="lock_expired"),
    p("p-elsewhere", lambda w: payment(w, "p-elsewhere", "elsewhere", ("else-1",), "30.00"),
      review="locked_by_another_kiosk"),
    p("p-paid", lambda w: payment(w, "p-paid", "pay", ("pay-1",), "100.00"),
      review="bill_already_paid,amount_above_due"),
    p("p-above", lambda w: payment(w, "p-above", "pay", ("pay-2",), "60.00"),
      review="amount_above_due"),
    p("p-below", lambda w: payment(w, "p-below", "pay", ("pay-3",), "10.00"),
      review="amount_below_due"),
    p("p-partial", lambda w: payment(w, "p-partial", "part", ("part-1",), "30.00")),
    p("p-bill-unknown", lambda w: payment(w, "p-bill-unknown", "pay", ("nope",), "1.00"),
      review="bill_unknown,amount_above_due"),
    p("p-account-unknown", lambda w: payment(w, "p-account-unknown", "nobody", ("x",),
                                             "1.00"), review="account_unknown"),
    p("p-biller-unknown", lambda w: payment(w, "p-biller-unknown", "pay", ("pay-1",),
                                            "1.00", biller="no-such-biller"),
      review="biller_unknown"),
    p("p-maintenance", lambda w: payment(w, "p-maintenance", "maint", ("maint-1",), "20.00",
                                         biller=MAINTENANCE_BILLER),
      review="biller_maintenance"),
    p("p-clean-again", again("p-clean"), "duplicate", key="p-clean"),
    p("p-code-clash", lambda w: payment(w, "p-clean", "part", ("part-1",), "1.00"), CLASH),
    p("p-invalid", lambda w: payment(w, "p-invalid", "part", ("part-1",), "0.00"), INVALID),
    # Registrations of stay: every refusal in its order, the late one, kept warnings.
    Case("s-ok", STAY, lambda w: stay(w, "s-ok", "s1"), "accepted", status="SUBMITTED"),
    Case("s-late", STAY, lambda w: stay(w, "s-late", "s2", warnings=["W_LATE_REGISTRATION"]),
         "accepted", status="PENDING_VERIFICATION"),
    Case("s-warned", STAY, lambda w: stay(w, "s-warned", "s3",
                                          warnings=["W_DEPARTURE_AFTER_VALIDITY"]),
         "accepted", status="SUBMITTED"),
    Case("s-overlap", STAY, lambda w: stay(w, "s-overlap", "s1", address_room_id=OTHER_ROOM),
         "E_DUPLICATE_ACTIVE_REGISTRATION"),
    Case("s-next-stay", STAY, lambda w: stay(w, "s-next-stay", "s1",
                                             address_room_id=OTHER_ROOM,
                                             arrival_at="2026-06-30T12:00:00+08:00",
                                             planned_departure="2026-07-30"),
         "accepted", status="SUBMITTED"),
    Case("s-chinese", STAY, lambda w: stay(w, "s-chinese", "s4", nationality="CHN"),
         "E_CHINESE_NATIONAL"),
    Case("s-no-room", STAY, lambda w: stay(w, "s-no-room", "s4",
                                           address_room_id="310105-nowhere"),
         "E_ADDRESS_UNRESOLVED"),
    Case("s-not-a-room", STAY, lambda w: stay(w, "s-not-a-room", "s4",
                                              address_room_id="310105-xianxia-l88-b3"),
         "E_ADDRESS_UNRESOLVED"),
    Case("s-no-station", STAY, lambda w: stay(w, "s-no-station", "s4",
                                              address_room_id=NO_STATION_ROOM),
         "E_ADDRESS_UNRESOLVED"),
    Case("s-hotel", STAY, lambda w: stay(w, "s-hotel", "s4", address_room_id=HOTEL_ROOM),
         "E_HOTEL_ADDRESS"),
    Case("s-outside", STAY, lambda w: stay(w, "s-outside", "s4",
                                           address_room_id=OUTSIDE_ROOM),
         "E_OUTSIDE_SHANGHAI"),
    Case("s-fixed", STAY, lambda w: stay(w, "s-fixed", "s5", address_room_id=HOTEL_ROOM),
         "E_HOTEL_ADDRESS"),
    Case("s-ok-again", STAY, again("s-ok"), "duplicate", key="s-ok", status="SUBMITTED"),
    Case("s-code-clash", STAY, lambda w: stay(w, "s-ok", "s6"), CLASH),
    Case("s-invalid", STAY, lambda w: without(stay(w, "s-invalid", "s6"), "surname"),
         INVALID),
    # Arbitration applications: unknown parties, a pending case, kept warnings.
    Case("a-ok", CASE, lambda w: application(w, "a-ok", "a1"), "accepted", status="PENDING"),
    Case("a-limitation", CASE, lambda w: application(w, "a-limitation", "a2",
                                                     warnings=["W_LIMITATION"]),
         "accepted", status="PENDING"),
    Case("a-jurisdiction", CASE, lambda w: application(w, "a-jurisdiction", "a3",
                                                       warnings=["W_JURISDICTION"]),
         "accepted", status="PENDING"),
    Case("a-pending", CASE, lambda w: application(w, "a-pending", "a1"),
         "E_DUPLICATE_PENDING_CASE"),
    Case("a-other-employer", CASE, lambda w: application(w, "a-other-employer", "a1",
                                                         respondent=party(OTHER_USCC)),
         "accepted", status="PENDING"),
    Case("a-no-respondent", CASE, lambda w: application(w, "a-no-respondent", "a4",
                                                        respondent=party(UNKNOWN_USCC)),
         "E_RESPONDENT_NOT_FOUND:respondent"),
    Case("a-no-co-respondent", CASE, lambda w: application(
        w, "a-no-co-respondent", "a4", co_respondent=party(UNKNOWN_USCC)),
         "E_RESPONDENT_NOT_FOUND:co_respondent"),
    Case("a-ok-again", CASE, again("a-ok"), "duplicate", key="a-ok", status="PENDING"),
    Case("a-code-clash", CASE, lambda w: application(w, "a-ok", "a5"), CLASH),
    Case("a-invalid", CASE, lambda w: application(w, "a-invalid", "a5", facts="Too short."),
         INVALID),
]

ROUND_TWO: list[Case] = [
    # Keys: replayed, refused for another record of the kind or of another kind.
    p("p-clean-later", again("p-clean"), "duplicate", key="p-clean"),
    p("p-clean-changed", lambda w: payment(w, "p-changed", "part", ("part-1",), "2.00"),
      REUSED, key="p-clean"),
    p("p-under-a-stay-key", lambda w: payment(w, "p-under", "part", ("part-1",), "2.00"),
      REUSED, key="s-ok"),
    Case("s-ok-later", STAY, again("s-ok"), "duplicate", key="s-ok", status="SUBMITTED"),
    Case("s-ok-changed", STAY, lambda w: stay(w, "s-changed", "s7"), REUSED, key="s-ok"),
    Case("s-under-a-payment-key", STAY, lambda w: stay(w, "s-under", "s7"), REUSED,
         key="p-clean"),
    Case("a-ok-later", CASE, again("a-ok"), "duplicate", key="a-ok", status="PENDING"),
    Case("a-ok-changed", CASE, lambda w: application(w, "a-changed", "a6"), REUSED,
         key="a-ok"),
    Case("a-under-a-stay-key", CASE, lambda w: application(w, "a-under", "a6"), REUSED,
         key="s-ok"),
    # A refused registration resent corrected under its key is accepted (and its
    # refusal forgotten); one resent as it was is refused again.
    Case("s-fixed-corrected", STAY, lambda w: stay(w, "s-fixed", "s5"), "accepted",
         key="s-fixed", status="SUBMITTED"),
    Case("s-hotel-again", STAY, again("s-hotel"), "E_HOTEL_ADDRESS", key="s-hotel"),
    # Whose record and reference it is.
    p("p-foreign-kiosk", foreign_kiosk("p-partial"), "E_FORBIDDEN:kiosk_not_own"),
    p("p-foreign-reference", foreign_reference("p-partial"),
      "E_FORBIDDEN:reference_not_own"),
    Case("s-foreign-kiosk", STAY, foreign_kiosk("s-warned"), "E_FORBIDDEN:kiosk_not_own"),
    Case("s-foreign-reference", STAY, foreign_reference("s-warned"),
         "E_FORBIDDEN:reference_not_own"),
    Case("a-foreign-kiosk", CASE, foreign_kiosk("a-limitation"), "E_FORBIDDEN:kiosk_not_own"),
    Case("a-foreign-reference", CASE, foreign_reference("a-limitation"),
         "E_FORBIDDEN:reference_not_own"),
]

Step = list[Case] | Lookup | Advance
SCENARIO: list[Step] = [
    Lookup("expired"), Advance(11),  # its lock expires before the payment arrives
    Lookup("elsewhere", by_other_kiosk=True), Lookup("own-lock"),
    ROUND_ONE,
    Advance(1),
    ROUND_TWO,
]


def expected(case: Case) -> tuple[str, str | None, str | None]:
    """(status, code, the one detail value) a case must be answered with."""
    if case.expect in ("accepted", "duplicate"):
        return case.expect, None, None
    code, _, value = case.expect.partition(":")
    return "rejected", code, value or None


def kept_refusals() -> dict[str, tuple[str, str]]:
    """The rejection log the table leaves: the last business refusal of each
    registration's or application's key, unless a record was accepted under it since."""
    kept: dict[str, tuple[str, str]] = {}
    for case in ROUND_ONE + ROUND_TWO:
        status, code, _ = expected(case)
        if case.kind == PAY:
            continue
        if status == "accepted":
            kept.pop(case.idempotency_key, None)
        elif code not in (None, "E_REQUEST_REJECTED", "E_FORBIDDEN"):
            kept[case.idempotency_key] = (case.kind, code)
    return kept

"""The one-question-per-screen engine the registration, arbitration, tax and points
flows are built on."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from kiosk.errors import ErrorCode
from kiosk.services.forms import Group, Kind, Option, Question, Questionnaire, parse

ACCOMMODATION = Question("accommodation", Kind.CHOICE, "Where do you stay?",
                         options=(Option("rented", "Rented"), Option("own", "Own home")))
HOST = Question("host_name", Kind.NAME, "Host's name",
                when=lambda a: a.get("accommodation") != "own")
PHONE = Question("phone", Kind.PHONE, "Your phone",
                 validate=lambda v, _a: None if len(v) == 11 else ErrorCode.PHONE_FORMAT)
NOTE = Question("note", Kind.TEXT, "Anything else?", required=False)
CLAIMS = Group("claims", (Question("type", Kind.TEXT, "Claim"),
                          Question("amount", Kind.MONEY, "Amount", required=False)),
               more="Another claim?", min_items=1, max_items=3)


def test_questions_follow_in_order_and_conditions_skip() -> None:
    """GIVEN a host question that applies only when the stay is not in one's own home
    WHEN the user answers "own"
    THEN the host question is skipped and the answers hold exactly what was asked."""
    form = Questionnaire((ACCOMMODATION, HOST, PHONE))
    assert form.current.key == "accommodation"
    assert form.answer("own")
    assert form.current.key == "phone"
    assert form.answer("13800138000") and form.done
    assert form.answers == {"accommodation": "own", "phone": "13800138000"}


def test_a_bad_answer_stays_with_its_code() -> None:
    """GIVEN a phone question with a validator
    WHEN the answer is too short, then right
    THEN the first is refused with E_PHONE_FORMAT and nothing moves; the second moves on."""
    form = Questionnaire((PHONE, NOTE))
    assert not form.answer("123")
    assert form.error is ErrorCode.PHONE_FORMAT and form.current.key == "phone"
    assert form.answer("13800138000") and form.current.key == "note"
    assert not form.answer("x" * 201) and form.error is ErrorCode.FIELD_FORMAT


def test_required_and_optional() -> None:
    """GIVEN a required and an optional question
    WHEN the user tries to skip each
    THEN the required one says E_FIELD_REQUIRED, the optional one is skipped as None."""
    form = Questionnaire((PHONE, NOTE))
    assert not form.skip() and form.error is ErrorCode.FIELD_REQUIRED
    form.answer("13800138000")
    assert form.skip() and form.done and form.answers["note"] is None


def test_back_keeps_answers_and_a_changed_answer_reroutes() -> None:
    """GIVEN answers up to the phone question via "rented" and a host name
    WHEN the user goes back twice and changes to "own"
    THEN the previous answers are shown again on the way back, and the host question
    (which no longer applies) is skipped and its old answer forgotten."""
    form = Questionnaire((ACCOMMODATION, HOST, PHONE))
    form.answer("rented")
    form.answer("LI MING")
    assert form.current.key == "phone"
    assert form.back() and form.current.key == "host_name" and form.current_value() == "LI MING"
    assert form.back() and form.current.key == "accommodation"
    assert not form.back()
    form.answer("own")
    assert form.current.key == "phone" and "host_name" not in form.answers


def test_groups_repeat_until_the_user_has_no_more() -> None:
    """GIVEN a claims group (at least one, at most three)
    WHEN the user enters two claims, the second without an amount
    THEN both are kept in order and the walk ends after "no more"."""
    form = Questionnaire((CLAIMS,))
    assert form.current.key == "type" and form.entry_number == 1
    form.answer("unpaid_wages")
    form.answer(Decimal("8000.00"))
    assert form.asking_more and form.current.kind is Kind.YESNO
    form.answer(True)
    assert form.entry_number == 2
    form.answer("annual_leave_pay")
    form.skip()
    form.answer(False)
    assert form.done
    assert form.answers["claims"] == [{"type": "unpaid_wages", "amount": Decimal("8000.00")},
                                      {"type": "annual_leave_pay", "amount": None}]


def test_group_stops_at_its_maximum() -> None:
    """GIVEN a group of at most three
    WHEN the user keeps saying "another"
    THEN the walk ends after the third."""
    form = Questionnaire((CLAIMS,))
    for n in range(3):
        form.answer(f"claim {n}")
        form.skip()
        form.answer(True)
    assert form.done and len(form.answers["claims"]) == 3


@pytest.mark.parametrize(("kind", "raw", "value"), [
    (Kind.DATE, "20261122", date(2026, 11, 22)),
    (Kind.DATE, "2026-11-22", date(2026, 11, 22)),
    (Kind.MONTH, "202601", "2026-01"),
    (Kind.TIME, "0930", time(9, 30)),
    (Kind.NUMBER, "12", 12),
    (Kind.MONEY, "128.50", Decimal("128.50")),
    (Kind.NAME, " mustermann-schmidt  erika ", "MUSTERMANN-SCHMIDT ERIKA"),
    (Kind.CODE, "ab 12 cd", "AB12CD"),
])
def test_typed_input_is_parsed(kind: Kind, raw: str, value: object) -> None:
    """GIVEN what a user typed for a kind of question
    WHEN it is parsed
    THEN it becomes the right value."""
    assert parse(kind, raw) == value


@pytest.mark.parametrize(("kind", "raw"), [
    (Kind.DATE, "20260230"), (Kind.DATE, "2026"), (Kind.MONTH, "202613"),
    (Kind.TIME, "25"), (Kind.MONEY, "1.234"), (Kind.MONEY, "abc"),
    (Kind.NAME, "MÜLLER"), (Kind.NAME, "A1"), (Kind.PHONE, "138-0013"),
])
def test_impossible_input_is_refused(kind: Kind, raw: str) -> None:
    """GIVEN input that cannot be a value of its kind
    WHEN it is parsed
    THEN ValueError is raised (the screen says so)."""
    with pytest.raises(ValueError):
        parse(kind, raw)

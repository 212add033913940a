"""Changing one answer of a finished questionnaire (the summary's Change): the walk goes
to that question, and after it only through what the change opened (or a kept answer
it made unacceptable), then the questionnaire is done again with every other answer
kept."""

from __future__ import annotations

from decimal import Decimal

from kiosk.errors import ErrorCode
from kiosk.services.forms import Group, Kind, Option, Question, Questionnaire

ACCOMMODATION = Question("accommodation", Kind.CHOICE, "Where do you stay?",
                         options=(Option("rented", "Rented"), Option("own", "Own home")))
HOST = Question("host_name", Kind.NAME, "Host's name",
                when=lambda a: a.get("accommodation") != "own")
AGE = Question("age", Kind.NUMBER, "How old are you?")
YEARS = Question("years", Kind.NUMBER, "Years insured",
                 validate=lambda v, a: None if v <= a.get("age", 100) - 16
                 else ErrorCode.FIELD_FORMAT)
PHONE = Question("phone", Kind.PHONE, "Your phone")
NOTE = Question("note", Kind.TEXT, "Anything else?", required=False)
CLAIMS = Group("claims", (Question("type", Kind.TEXT, "Claim"),
                          Question("amount", Kind.MONEY, "Amount", required=False)),
               more="Another claim?", min_items=1, max_items=3)


def finished(items: tuple[Question | Group, ...], *answers: object) -> Questionnaire:
    form = Questionnaire(items)
    for value in answers:
        assert form.answer(value), form.error
    assert form.done
    return form


def test_a_changed_answer_ends_the_walk_again_with_every_other_answer_kept() -> None:
    """GIVEN a finished questionnaire (rented, a host, a phone, a note)
    WHEN the phone is changed
    THEN the phone question shows with its answer, and after the new one the
    questionnaire is done at once, the host and the note as they were."""
    form = finished((ACCOMMODATION, HOST, PHONE, NOTE), "rented", "LI MING",
                    "13800138000", "ring twice")
    assert form.change("phone")
    assert form.changing and not form.done
    assert form.current.key == "phone" and form.current_value() == "13800138000"
    assert form.answer("13912345678")
    assert form.done and not form.changing
    assert form.answers == {"accommodation": "rented", "host_name": "LI MING",
                            "phone": "13912345678", "note": "ring twice"}


def test_a_change_that_opens_a_question_walks_it_then_ends() -> None:
    """GIVEN a finished questionnaire with "own home" (no host asked)
    WHEN the accommodation is changed to "rented"
    THEN the host question, which the change opened, is asked, and after it the
    questionnaire is done: the phone and the note are not asked again."""
    form = finished((ACCOMMODATION, HOST, PHONE, NOTE), "own", "13800138000", None)
    assert form.change("accommodation")
    assert form.answer("rented")
    assert not form.done and form.current.key == "host_name"
    assert form.answer("LI MING")
    assert form.done
    assert form.answers == {"accommodation": "rented", "host_name": "LI MING",
                            "phone": "13800138000", "note": None}


def test_a_change_that_voids_a_question_forgets_its_answer() -> None:
    """GIVEN a finished questionnaire with a rented room and its host
    WHEN the accommodation is changed to "own home"
    THEN the questionnaire is done at once and the host's answer is gone."""
    form = finished((ACCOMMODATION, HOST, PHONE), "rented", "LI MING", "13800138000")
    assert form.change("accommodation") and form.answer("own")
    assert form.done and "host_name" not in form.answers
    assert form.answers["phone"] == "13800138000"


def test_a_kept_answer_the_change_made_unacceptable_is_asked_again() -> None:
    """GIVEN age 40 and 20 years insured
    WHEN the age is changed to 30 (at most 14 years since the working age)
    THEN the years question shows with E_FIELD_FORMAT and its kept answer; a valid
    answer ends the walk."""
    form = finished((AGE, YEARS, PHONE), 40, 20, "13800138000")
    assert form.change("age") and form.answer(30)
    assert not form.done and form.current.key == "years"
    assert form.error is ErrorCode.FIELD_FORMAT and form.current_value() == 20
    assert form.answer(10) and form.done
    assert form.answers == {"age": 30, "years": 10, "phone": "13800138000"}


def test_back_from_the_changed_question_keeps_the_answer_and_ends_the_walk() -> None:
    """GIVEN the phone question reached by Change
    WHEN the user goes Back without answering
    THEN back() says there is nothing before it on this walk, and resume() ends the walk
    with the answers unchanged."""
    form = finished((ACCOMMODATION, HOST, PHONE), "rented", "LI MING", "13800138000")
    assert form.change("phone") and form.at_change
    assert not form.back()
    form.resume()
    assert form.done and not form.changing and form.answers["phone"] == "13800138000"


def test_back_after_the_change_goes_to_the_question_before() -> None:
    """GIVEN a change that opened the host question
    WHEN the user goes Back from it
    THEN the changed question shows again, with its new answer."""
    form = finished((ACCOMMODATION, HOST, PHONE), "own", "13800138000")
    assert form.change("accommodation") and form.answer("rented")
    assert form.current.key == "host_name" and not form.at_change
    assert form.back() and form.current.key == "accommodation" and form.at_change
    assert form.current_value() == "rented"


def test_a_claim_of_a_group_is_changed_in_place() -> None:
    """GIVEN two claims
    WHEN the second claim's amount is changed
    THEN its amount question shows for entry 2, and after the new amount the
    questionnaire is done with both claims, the first unchanged."""
    form = finished((CLAIMS, PHONE), "unpaid_wages", Decimal("8000.00"), True,
                    "annual_leave_pay", Decimal("500.00"), False, "13800138000")
    assert form.change("amount", entry=1)
    assert form.current.key == "amount" and form.entry_number == 2
    assert form.current_value() == Decimal("500.00")
    assert form.answer(Decimal("750.00")) and form.done
    assert form.answers["claims"] == [{"type": "unpaid_wages", "amount": Decimal("8000.00")},
                                      {"type": "annual_leave_pay", "amount": Decimal("750.00")}]
    assert form.answers["phone"] == "13800138000"


def test_a_question_not_on_the_way_cannot_be_changed() -> None:
    """GIVEN a finished questionnaire with "own home"
    WHEN the host (which does not apply) or an unknown key is asked to change
    THEN change() says no and the questionnaire stays done."""
    form = finished((ACCOMMODATION, HOST, PHONE), "own", "13800138000")
    assert not form.change("host_name")
    assert not form.change("nothing")
    assert form.done and not form.changing

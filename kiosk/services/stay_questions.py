"""The questions of the accommodation registration (docs/spec/accommodation.md#entry), in
two parts around the address: the entry (visa or permit, its number and validity, date and
port of entry) and the stay (arrival, departure, kind of home, host, purpose, phone, lease).

Question keys are the StayForm field names (the arrival is asked as a date and a time,
combined in the kiosk's zone), so an error check_stay reports for a field leads straight
back to its question. Each answer is checked as it is given by an ``AnswerCheck`` the
flow supplies (check_stay on what was asked so far), so the summary rarely finds
anything. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import datetime, time, tzinfo
from typing import Any

from kiosk.domain.results import Choice, FormCheck
from kiosk.domain.stay import (
    ACCOMMODATION_TYPES,
    HOST_ID_TYPES,
    PORTS_OF_ENTRY,
    PURPOSES,
    SEXES,
    VISA_TYPES,
    AccommodationType,
    EntryStatusType,
    StayForm,
)
from kiosk.errors import ErrorCode
from kiosk.services.forms import Answers, Kind, Option, Question, Questionnaire
from kiosk.services.help import ENTRY_STAMP, VISA


def N_(message: str) -> str:
    return message


# The host's name is taken as written, in any script (docs/spec/accommodation.md): a
# Chinese host's name is best in Chinese characters, as on their identity card.
HOST_NAME_NOTE = N_("The police read Chinese: write a Chinese host's name in Chinese "
                    "characters if you can, else in pinyin.")


# The order questions are asked in: an answer is checked against the ones before it.
ENTRY_ORDER = ("chinese_name", "sex", "doc_expiry", "entry_status_type",
               "entry_status_number", "entry_status_valid_until", "number_of_entries",
               "date_of_entry", "port_of_entry")
STAY_ORDER = ("arrival_date", "arrival_time", "planned_departure", "accommodation_type",
              "host_name", "host_id_type", "host_id_number", "host_phone", "purpose", "phone",
              "lease_contract")
ARRIVAL_QUESTIONS = ("arrival_date", "arrival_time")
MAX_HOST_NAME = 200  # characters: central's limit for any one text answer

# Help (kiosk.services.help): where each answer is in the passport.
VISA_TYPE_HELP = N_(
    "Your entry status is what allows you to be in China now: a visa or a residence permit "
    "(a sticker in your passport), or visa-free entry (no sticker, only the entry stamp). "
    "The type is the letter on the sticker, such as Z, X, S or M.")
VISA_NUMBER_HELP = N_(
    "The number is printed on the visa or residence permit sticker in your passport, at "
    "its top right. Type its letters and digits without spaces.")
VALID_UNTIL_HELP = N_(
    "A residence permit: the date after \"valid until\" on the sticker. A visa: the last "
    "day of your stay, counting the days of \"duration of each stay\" from your entry. "
    "Visa-free entry: the last day of the visa-free stay.")
ENTRIES_HELP = N_(
    "The visa sticker says how many times you may enter with it, next to \"entries\": 1, 2 "
    "or M (multiple). If it says M or multiple, touch Skip.")
ENTRY_DATE_HELP = N_(
    "Find the last entry stamp of the Chinese border in your passport: it says ENTRY "
    "(入境), the port and the date. Type that date.")

AnswerCheck = Callable[[str, Any, Answers], ErrorCode | None]
_FORM_FIELDS = frozenset(f.name for f in fields(StayForm))


def _options(choices: tuple[Choice, ...]) -> tuple[Option, ...]:
    return tuple(Option(choice.code, choice.label) for choice in choices)


def _needs_entry_number(answers: Answers) -> bool:
    return answers.get("entry_status_type") != EntryStatusType.VISA_FREE


def _has_host(answers: Answers) -> bool:
    return answers.get("accommodation_type") != AccommodationType.OWN


def _rented(answers: Answers) -> bool:
    return answers.get("accommodation_type") == AccommodationType.RENTED


def _checked(check: AnswerCheck, key: str) -> Callable[[Any, Answers], ErrorCode | None]:
    def validate(value: Any, answers: Answers) -> ErrorCode | None:
        return check(key, value, answers)
    return validate


def entry_questions(check: AnswerCheck, *, ask_chinese_name: bool, ask_sex: bool,
                    ask_doc_expiry: bool) -> tuple[Question, ...]:
    """Part one, after the document: what the document itself does not say."""
    questions: list[Question] = []
    if ask_chinese_name:  # a PR card's chip carries it; a passport does not
        questions.append(Question(
            "chinese_name", Kind.NAME, N_("Do you have a Chinese name?"),
            hint=N_("Type it in pinyin, for example LI MING. If you have none, touch Skip."),
            required=False, max_length=60, validate=_checked(check, "chinese_name")))
    if ask_sex:  # the MRZ may say "<" or "X"; the police form needs M or F
        questions.append(Question(
            "sex", Kind.CHOICE, N_("Your sex as on your visa or permit"),
            options=_options(SEXES), validate=_checked(check, "sex")))
    if ask_doc_expiry:  # a chip record without its expiry date
        questions.append(Question(
            "doc_expiry", Kind.DATE, N_("Until when is your document valid?"),
            validate=_checked(check, "doc_expiry")))
    questions += [
        Question("entry_status_type", Kind.CHOICE,
                 N_("Which visa or permit allows your stay in China?"),
                 hint=N_("Choose the one in your passport that is valid now."),
                 options=_options(VISA_TYPES), validate=_checked(check, "entry_status_type"),
                 fetch=True, help=VISA_TYPE_HELP, picture=VISA),
        Question("entry_status_number", Kind.CODE, N_("The number of your visa or permit"),
                 hint=N_("Type the letters and digits as printed on it."),
                 when=_needs_entry_number, max_length=17, fetch=True,
                 validate=_checked(check, "entry_status_number"),
                 help=VISA_NUMBER_HELP, picture=VISA),
        Question("entry_status_valid_until", Kind.DATE,
                 N_("Until when may you stay with it?"),
                 hint=N_("The last day your visa or permit allows. For visa-free entry: "
                         "the last day of the visa-free stay."),
                 validate=_checked(check, "entry_status_valid_until"), fetch=True,
                 help=VALID_UNTIL_HELP, picture=VISA),
        Question("number_of_entries", Kind.NUMBER,
                 N_("How many entries does your visa allow?"),
                 hint=N_("As printed on the visa. If it says multiple, touch Skip."),
                 required=False, when=_needs_entry_number, fetch=True,
                 validate=_checked(check, "number_of_entries"),
                 help=ENTRIES_HELP, picture=VISA),
        Question("date_of_entry", Kind.DATE, N_("On which day did you last enter China?"),
                 hint=N_("The date of the entry stamp in your passport."),
                 validate=_checked(check, "date_of_entry"), fetch=True,
                 help=ENTRY_DATE_HELP, picture=ENTRY_STAMP),
        Question("port_of_entry", Kind.CHOICE, N_("Where did you enter China?"),
                 options=_options(PORTS_OF_ENTRY), validate=_checked(check, "port_of_entry")),
    ]
    return tuple(questions)


def stay_questions(check: AnswerCheck) -> tuple[Question, ...]:
    """Part two, after the address."""
    return (
        Question("arrival_date", Kind.DATE, N_("On which day did you move in at this address?"),
                 hint=N_("The law asks you to register within 24 hours of moving in."),
                 validate=_checked(check, "arrival_date")),
        Question("arrival_time", Kind.TIME, N_("At what time did you arrive?"),
                 hint=N_("Beijing time, 24-hour clock."),
                 validate=_checked(check, "arrival_time")),
        Question("planned_departure", Kind.DATE, N_("When do you plan to leave this address?"),
                 validate=_checked(check, "planned_departure")),
        Question("accommodation_type", Kind.CHOICE, N_("Whose home is it?"),
                 options=_options(ACCOMMODATION_TYPES),
                 validate=_checked(check, "accommodation_type")),
        Question("host_name", Kind.TEXT, N_("The name of your landlord or host"),
                 hint=N_("As on their identity document. A company: its name."),
                 when=_has_host, max_length=MAX_HOST_NAME, validate=_checked(check, "host_name"),
                 any_script=True, script_note=HOST_NAME_NOTE),
        Question("host_id_type", Kind.CHOICE, N_("Your host's identity document"),
                 options=_options(HOST_ID_TYPES), when=_has_host,
                 validate=_checked(check, "host_id_type")),
        Question("host_id_number", Kind.CODE, N_("The number of your host's document"),
                 hint=N_("Letters and digits as printed on it."), when=_has_host, max_length=30,
                 validate=_checked(check, "host_id_number")),
        Question("host_phone", Kind.PHONE, N_("Your host's phone number"),
                 hint=N_("A Chinese mobile number or a Shanghai landline."), when=_has_host,
                 validate=_checked(check, "host_phone")),
        Question("purpose", Kind.CHOICE, N_("Why are you staying in China?"),
                 options=_options(PURPOSES), validate=_checked(check, "purpose")),
        Question("phone", Kind.PHONE, N_("Your phone number"),
                 hint=N_("A Chinese mobile number or a Shanghai landline, so the police can "
                         "reach you."),
                 validate=_checked(check, "phone")),
        Question("lease_contract", Kind.YESNO, N_("Do you have a written lease contract?"),
                 hint=N_("The police may ask to see it."), when=_rented,
                 validate=_checked(check, "lease_contract")),
    )


def asked_before(order: tuple[str, ...], key: str, answers: Answers) -> dict[str, Any]:
    """The answers to the questions asked before ``key`` (later ones may be kept from an
    earlier walk; they are checked again when their turn comes, or at the summary)."""
    earlier = order[:order.index(key)] if key in order else order
    return {name: answers[name] for name in earlier if name in answers}


def form_from(*parts: Mapping[str, Any], tz: tzinfo | None) -> StayForm:
    """A StayForm from the document's fields, answers and the address (later parts win).
    The arrival is its date and time in the kiosk's zone; a date alone counts as its
    first minute, so a day in the future is refused before the time is asked."""
    merged: dict[str, Any] = {}
    for part in parts:
        merged.update(part)
    values = {name: value for name, value in merged.items() if name in _FORM_FIELDS}
    day = merged.get("arrival_date")
    if day is not None:
        moment = merged.get("arrival_time") or time(0, 0)
        values["arrival_at"] = datetime.combine(day, moment, tzinfo=tz)
    return StayForm(**values)


def first_new_error(before: FormCheck, after: FormCheck) -> ErrorCode | None:
    """The first error an answer brought in (missing answers still to come do not count)."""
    known = set(before.errors)
    for error in after.errors:
        if error not in known and error[1] is not ErrorCode.FIELD_REQUIRED:
            return error[1]
    return None


def question_of(field_name: str) -> str:
    """The question that answers a StayForm field."""
    return "arrival_date" if field_name == "arrival_at" else field_name


def reopen(form: Questionnaire, key: str, error: ErrorCode) -> Questionnaire:
    """The same questionnaire, walked again with the same answers up to the question
    ``key``, which shows ``error``; Back then goes through the earlier questions as
    usual. If an earlier answer is no longer accepted, the walk stops there instead."""
    previous = dict(form.answers)
    again = Questionnaire(form.items)
    while not again.done and again.current.key != key:
        value = previous.get(again.current.key)
        accepted = again.skip() if value is None else again.answer(value)
        if not accepted:
            break
    for name, value in previous.items():  # answers further on stay for the way forward
        again.answers.setdefault(name, value)
    if again.done:  # the question no longer applies: show the last one
        again.back()
    if again.error is None:
        again.error = error
    return again

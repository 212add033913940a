"""Everything one user gave for an accommodation registration: the document's fields,
the two questionnaires around the address and the chosen room, as one StayForm.

Each answer is checked when it is given: check_stay on what was asked before it, with
and without the answer; the errors the answer brings in refuse it. Later answers kept
from an earlier walk do not count then; they are checked again when their turn comes,
and the summary checks the whole form. Personal data: dropped with the flow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.domain.stay import StayForm, check_stay
from kiosk.errors import ErrorCode
from kiosk.services.forms import Answers, Questionnaire
from kiosk.services.ports import Clock
from kiosk.services.stay_address import AddressPicker
from kiosk.services.stay_questions import (
    ARRIVAL_QUESTIONS,
    ENTRY_ORDER,
    STAY_ORDER,
    asked_before,
    entry_questions,
    first_new_error,
    form_from,
    question_of,
    reopen,
    stay_questions,
)


@dataclass
class StayAnswers:
    clock: Clock
    picker: AddressPicker
    document: dict[str, Any] = field(default_factory=dict)  # StayForm fields it gave
    entry: Questionnaire | None = None  # the visa or permit and the entry
    stay: Questionnaire | None = None  # arrival, departure, home, host, purpose, phone

    def entry_form(self) -> Questionnaire:
        """The entry questions (kept, with their answers, once started)."""
        if self.entry is None:
            self.entry = Questionnaire(entry_questions(
                self._check_entry, ask_chinese_name="chinese_name" not in self.document,
                ask_sex="sex" not in self.document,
                ask_doc_expiry="doc_expiry" not in self.document))
        return self.entry

    def stay_form(self) -> Questionnaire:
        if self.stay is None:
            self.stay = Questionnaire(stay_questions(self._check_stay))
        return self.stay

    def form(self) -> StayForm:
        """The registration as answered so far."""
        return form_from(self.document, self._entry_answers(), self._room(),
                         self.stay.answers if self.stay is not None else {},
                         tz=self.clock.now().tzinfo)

    def asked(self) -> frozenset[str]:
        """The questions answered on this walk (the summary offers Change on their rows)."""
        return frozenset(key for form in (self.entry, self.stay) if form is not None
                         for key in form.answers)

    def change(self, key: str) -> Questionnaire | None:
        """The questionnaire of question ``key``, gone to it to change its answer (the
        arrival's day asks its time again); None when no question on the way has it."""
        for form in (self.entry, self.stay):
            also = ARRIVAL_QUESTIONS[1:] if key == ARRIVAL_QUESTIONS[0] else ()
            if form is not None and key in form.answers and form.change(key, also=also):
                return form
        return None

    def reopen(self, field_name: str, code: ErrorCode) -> Questionnaire | None:
        """The questionnaire walked again to the question of ``field_name``, showing
        ``code``; None when no question answers that field (the document, the room)."""
        key = question_of(field_name)
        if self.entry is not None and key in {item.key for item in self.entry.items}:
            self.entry = reopen(self.entry, key, code)
            return self.entry
        if self.stay is not None and key in STAY_ORDER:
            self.stay = reopen(self.stay, key, code)
            return self.stay
        return None

    def _check_entry(self, key: str, value: Any, answers: Answers) -> ErrorCode | None:
        return self._check(key, value, asked_before(ENTRY_ORDER, key, answers))

    def _check_stay(self, key: str, value: Any, answers: Answers) -> ErrorCode | None:
        return self._check(key, value, {**self._entry_answers(), **self._room(),
                                        **asked_before(STAY_ORDER, key, answers)})

    def _check(self, key: str, value: Any, known: dict[str, Any]) -> ErrorCode | None:
        now = self.clock.now()
        before = check_stay(form_from(self.document, known, tz=now.tzinfo), now.date(), now)
        after = check_stay(form_from(self.document, known, {key: value}, tz=now.tzinfo),
                           now.date(), now)
        return first_new_error(before, after)

    def _entry_answers(self) -> dict[str, Any]:
        return self.entry.answers if self.entry is not None else {}

    def _room(self) -> dict[str, Any]:
        address = self.picker.address
        return {"address_room_id": address.room_id} if address is not None else {}

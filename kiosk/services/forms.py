"""Forms as one question per screen (one task per screen: docs/ui-guide.md#screen).

A Questionnaire walks an ordered list of questions, skipping those whose condition does
not hold for the answers so far, with Back always possible and every answer kept when
the user goes back or switches language. Repeated groups (claims, evidence, witnesses)
are asked item by item until the user says there are no more. Each answer is checked as
it is given (format and range) by a validator the flow supplies from kiosk.domain.
Pure: no I/O, no UI.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from kiosk.errors import ErrorCode


class Kind(StrEnum):
    CHOICE = "choice"  # one of the options, by touch
    YESNO = "yesno"
    DATE = "date"  # typed on the keypad as YYYYMMDD
    MONTH = "month"  # YYYYMM
    TIME = "time"  # HHMM
    NUMBER = "number"  # whole number
    MONEY = "money"  # CNY with up to two decimals
    PHONE = "phone"
    DIGITS = "digits"  # a code typed on the keypad (one-time code)
    NAME = "name"  # Latin capitals, space, hyphen (MRZ style)
    TEXT = "text"  # one line of text (Latin unless the question takes any script)
    LONG_TEXT = "long_text"  # several lines (facts and reasons)
    CODE = "code"  # capitals and digits (visa number, USCC)


KEYPAD_KINDS = frozenset({Kind.DATE, Kind.MONTH, Kind.TIME, Kind.NUMBER, Kind.MONEY,
                          Kind.PHONE, Kind.DIGITS})


@dataclass(frozen=True)
class Option:
    code: str
    label: str  # English msgid


Answers = Mapping[str, Any]
Validator = Callable[[Any, Answers], ErrorCode | None]


@dataclass(frozen=True)
class Question:
    key: str
    kind: Kind
    label: str  # msgid: the question, e.g. "When did you arrive at this address?"
    hint: str = ""  # msgid shown under it
    options: tuple[Option, ...] = ()
    required: bool = True
    when: Callable[[Answers], bool] | None = None
    validate: Validator | None = None
    min_length: int = 0
    max_length: int = 200
    # What a text outside min_length..max_length is: the facts say E_FACTS_LENGTH.
    length_error: ErrorCode = ErrorCode.FIELD_FORMAT
    # The answer is on a paper the person may have to go and find (a contract, a bill, a
    # page of the passport): the kiosk waits longer before it asks "still there?".
    fetch: bool = False
    # Help (docs/ui-guide.md#help): what this question needs and where to find it (a
    # msgid; "" for the help every question shares), and a picture of that place on the
    # paper (a name of kiosk/data/help/<picture>.png).
    help: str = ""
    picture: str = ""
    # A text the authority takes in any script (the facts of a case, the grounds of a
    # claim): the keyboard offers the person's own script first; other texts are typed
    # in Latin letters. ``script_note``: the msgid saying which language the authority
    # reads, shown with the question.
    any_script: bool = False
    script_note: str = ""

    def applies(self, answers: Answers) -> bool:
        return self.when is None or self.when(answers)


@dataclass(frozen=True)
class Group:
    """A repeated block of questions (one claim, one piece of evidence...). Answers are a
    list of dicts under ``key``; after each item the user is asked whether there is
    another (``more`` msgid)."""

    key: str
    questions: tuple[Question, ...]
    more: str  # msgid: "Do you want to add another claim?"
    min_items: int = 0
    max_items: int = 20
    when: Callable[[Answers], bool] | None = None

    def applies(self, answers: Answers) -> bool:
        return self.when is None or self.when(answers)


Item = Question | Group


# --- parsing typed input ---------------------------------------------------------------


def parse(kind: Kind, raw: str) -> Any:
    """Turn what was typed into a value; raises ValueError when it is not one."""
    text = raw.strip()
    if kind is Kind.DATE:
        if not re.fullmatch(r"\d{8}", text.replace("-", "")):
            raise ValueError("date")
        digits = text.replace("-", "")
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    if kind is Kind.MONTH:
        digits = text.replace("-", "")
        if not re.fullmatch(r"\d{6}", digits) or not 1 <= int(digits[4:]) <= 12:
            raise ValueError("month")
        return f"{digits[:4]}-{digits[4:]}"
    if kind is Kind.TIME:
        digits = text.replace(":", "")
        if not re.fullmatch(r"\d{4}", digits):
            raise ValueError("time")
        return time(int(digits[:2]), int(digits[2:]))
    if kind is Kind.NUMBER:
        if not re.fullmatch(r"\d{1,6}", text):
            raise ValueError("number")
        return int(text)
    if kind is Kind.MONEY:
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError("money") from None
        if not value.is_finite() or value != value.quantize(Decimal("0.01")):
            raise ValueError("money")
        return value
    if kind in (Kind.PHONE, Kind.DIGITS):
        if not re.fullmatch(r"\d+", text):
            raise ValueError(kind.value)
        return text
    if kind is Kind.NAME:
        name = re.sub(r"\s+", " ", text.upper())
        if not re.fullmatch(r"[A-Z]+(?:[ '-][A-Z]+)*", name):
            raise ValueError("name")
        return name
    if kind is Kind.CODE:
        return re.sub(r"\s+", "", text.upper())
    if kind in (Kind.TEXT, Kind.LONG_TEXT):
        return text
    raise ValueError(kind.value)


# --- the walk --------------------------------------------------------------------------


@dataclass
class _Position:
    item: int  # index into the items
    entry: int = 0  # which repetition of a group
    question: int = 0  # which question in the group; -1: the "another?" question


_MISSING = object()  # no answer kept for a question


@dataclass
class Questionnaire:
    items: tuple[Item, ...]
    answers: dict[str, Any] = field(default_factory=dict)
    _trail: list[_Position] = field(default_factory=list)  # where we have been, for Back
    _here: _Position | None = None
    error: ErrorCode | None = None
    # While one answer is changed: the length of the trail at the changed question, and
    # the questions after it that are asked again even with a kept answer.
    _change_at: int | None = None
    _again: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._here = self._first_from(_Position(0))

    # what the screen shows

    @property
    def done(self) -> bool:
        return self._here is None

    @property
    def asking_more(self) -> bool:
        """The current question is "do you want to add another ...?"."""
        return self._here is not None and self._here.question == -1

    @property
    def current(self) -> Question:
        here = self._require()
        item = self.items[here.item]
        if isinstance(item, Question):
            return item
        if here.question == -1:
            return Question(key=f"{item.key}.more", kind=Kind.YESNO, label=item.more)
        return item.questions[here.question]

    @property
    def group(self) -> Group | None:
        here = self._here
        if here is None:
            return None
        item = self.items[here.item]
        return item if isinstance(item, Group) else None

    @property
    def entry_number(self) -> int:
        """1-based number of the group entry being asked (claim 2 of ...)."""
        return (self._here.entry + 1) if self._here is not None else 0

    def current_value(self) -> Any:
        here = self._require()
        item = self.items[here.item]
        if isinstance(item, Question):
            return self.answers.get(item.key)
        if here.question == -1:
            return None
        entries = self.answers.get(item.key, [])
        if here.entry < len(entries):
            return entries[here.entry].get(item.questions[here.question].key)
        return None

    @property
    def changing(self) -> bool:
        """One answer is being changed: the walk ends at the first question that has no
        answer yet, or whose kept answer is no longer accepted (see change())."""
        return self._change_at is not None

    @property
    def at_change(self) -> bool:
        """On the question being changed (Back from here ends the change: resume())."""
        return self._change_at is not None and len(self._trail) == self._change_at

    # answering

    def answer(self, value: Any) -> bool:
        """Store the answer to the current question and move on. False (and ``error``)
        when the answer is not acceptable; nothing moves then. While changing, the walk
        then goes on by itself through every question whose kept answer still holds."""
        if not self._take(value):
            return False
        if self.changing:
            self._walk_kept()
        return True

    def change(self, key: str, entry: int | None = None, also: tuple[str, ...] = (),
               group: str | None = None) -> bool:
        """Go to the question ``key`` of a finished questionnaire (of the group entry
        ``entry``, 0-based, for a question of a repeated group; of the group ``group``
        when two groups ask a question of that key) to change its answer;
        every answer is kept. ``also``: questions after it that are asked again, their
        kept answers shown (a day and its time make one arrival). The walk is replayed
        from the start, so Back and the answer checks see the same questions as the
        first time. False (and still done) when the question is not on the way (it does
        not apply, or no such key)."""
        if not self.done:
            return False
        kept = copy.deepcopy(self.answers)
        self._change_at = None
        self._again = set(also)
        self._trail = []
        self.error = None
        self._here = self._first_from(_Position(0))
        while not self.done:
            if self._is_at(key, entry) and (group is None or (
                    self.group is not None and self.group.key == group)):
                self._change_at = len(self._trail)
                return True
            value = self._kept_value(kept)
            if value is _MISSING or not self._take(value):
                # Cannot happen for a finished walk; never leave it half-replayed.
                self._walk_kept()
                return False
        return False

    def resume(self) -> None:
        """End a change without another answer (Back on the changed question): the walk
        goes on through the kept answers; done unless a question still needs one."""
        if self.changing:
            self.error = None
            self._again.clear()
            self._walk_kept()

    def _take(self, value: Any) -> bool:
        question = self.current
        self.error = self._check(question, value)
        if self.error is not None:
            return False
        here = self._require()
        item = self.items[here.item]
        if isinstance(item, Question):
            self.answers[item.key] = value
            self._advance(_Position(here.item + 1))
            return True
        if here.question == -1:
            if value is True and here.entry + 1 < item.max_items:
                self._advance(_Position(here.item, here.entry + 1, 0))
            else:
                self._advance(_Position(here.item + 1))
            return True
        entries: list[dict[str, Any]] = self.answers.setdefault(item.key, [])
        while len(entries) <= here.entry:
            entries.append({})
        entries[here.entry][item.questions[here.question].key] = value
        self._advance(self._next_in_group(item, here))
        return True

    def skip(self) -> bool:
        """Leave an optional question unanswered."""
        if self.current.required:
            self.error = ErrorCode.FIELD_REQUIRED
            return False
        return self.answer(None)

    def back(self) -> bool:
        """To the previous question; False at the first one (the flow goes back then),
        and on the question being changed (the flow returns to its summary then)."""
        self.error = None
        if not self._trail or self.at_change:
            return False
        self._here = self._trail.pop()
        return True

    # plumbing

    def _walk_kept(self) -> None:
        """Answer with what is kept until a question has none or refuses it (shown with
        its error); the change is over when the walk is done."""
        while not self.done:
            if self.current.key in self._again:
                self._again.discard(self.current.key)
                return
            value = self._kept_value(self.answers)
            if value is _MISSING or not self._take(value):
                return
        self._change_at = None

    def _kept_value(self, answers: Mapping[str, Any]) -> Any:
        """The answer ``answers`` hold for the current question (_MISSING if none); the
        "another?" of a group is yes while more entries follow this one."""
        here = self._require()
        item = self.items[here.item]
        if isinstance(item, Question):
            return answers.get(item.key, _MISSING)
        entries = answers.get(item.key, [])
        if here.question == -1:
            return here.entry + 1 < len(entries)
        if here.entry >= len(entries):
            return _MISSING
        return entries[here.entry].get(item.questions[here.question].key, _MISSING)

    def _is_at(self, key: str, entry: int | None) -> bool:
        here = self._require()
        if self.current.key != key or here.question == -1:
            return False
        in_group = self.group is not None
        return (entry is None and not in_group) or (in_group and entry == here.entry)

    def _require(self) -> _Position:
        if self._here is None:
            raise RuntimeError("the questionnaire is complete")
        return self._here

    def _check(self, question: Question, value: Any) -> ErrorCode | None:
        if value is None or value == "":
            return ErrorCode.FIELD_REQUIRED if question.required else None
        if (isinstance(value, str)
                and question.kind in (Kind.TEXT, Kind.LONG_TEXT, Kind.NAME, Kind.CODE)
                and not question.min_length <= len(value) <= question.max_length):
            return question.length_error
        if question.kind is Kind.CHOICE and value not in {o.code for o in question.options}:
            return ErrorCode.FIELD_FORMAT
        if question.validate is not None:
            return question.validate(value, self.answers)
        return None

    def _advance(self, to: _Position) -> None:
        self._trail.append(self._require())
        self._here = self._first_from(to)

    def _next_in_group(self, group: Group, here: _Position) -> _Position:
        index = here.question + 1
        while index < len(group.questions):
            question = group.questions[index]
            entry = self.answers.get(group.key, [{}])[here.entry]
            if question.when is None or question.when({**self.answers, **entry}):
                return _Position(here.item, here.entry, index)
            index += 1
        if here.entry + 1 < group.min_items:
            return _Position(here.item, here.entry + 1, 0)
        return _Position(here.item, here.entry, -1)

    def _first_from(self, position: _Position) -> _Position | None:
        index = position.item
        while index < len(self.items):
            item = self.items[index]
            if item.applies(self.answers):
                if isinstance(item, Group) and position.item == index:
                    return position
                if isinstance(item, Group):
                    return _Position(index, 0, 0)
                return _Position(index)
            self.answers.pop(item.key, None)  # no longer applies: forget the old answer
            index += 1
        return None


def combine(day: date, moment: time, tz: Any) -> datetime:
    """A date and a time typed separately, in the kiosk's zone."""
    return datetime.combine(day, moment, tzinfo=tz)

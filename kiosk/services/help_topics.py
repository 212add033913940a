"""Every help the kiosk can show, by service and step: for the test that each is
translated in every language and for the export central's help page serves
(kiosk.devtools.help_pages). The questions are built as their flows build them, with a
context that asks every question there is. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from kiosk.services.arbitration_questions import questions as arbitration_questions
from kiosk.services.bill_barcode import barcode_question
from kiosk.services.bill_payment_screens import SCREEN_HELP as BILL_SCREEN_HELP
from kiosk.services.contract import StepHelp, View
from kiosk.services.forms import Answers, Group, Item, Question
from kiosk.services.help import VIEW_HELP, step_help
from kiosk.services.points import QUESTIONS as POINTS_QUESTIONS
from kiosk.services.stay_questions import entry_questions, stay_questions
from kiosk.services.tax_record import code_question

SERVICES = ("bill_payment", "tax_record", "accommodation", "arbitration", "points")


class _EveryQuestion:
    """An arbitration QuestionContext under which every question is asked."""

    def today(self) -> date:
        return date(2026, 1, 1)

    def holds_pr_card(self) -> bool:
        return False

    def registry_has_phone(self) -> bool:
        return False

    def registry_has_agency_phone(self) -> bool:
        return False

    def entry(self, group: str) -> dict[str, Any]:
        return {}


def _no_check(_key: str, _value: Any, _answers: Answers) -> None:
    return None


def _flat(items: tuple[Item, ...]) -> Iterator[Question]:
    for item in items:
        if isinstance(item, Group):
            yield from item.questions
        else:
            yield item


def service_questions(service: str) -> tuple[Question, ...]:
    """Every question the service may ask (those only a flow's state makes, such as the
    tax period, get the help every question shares)."""
    if service == "accommodation":
        return (*entry_questions(_no_check, ask_chinese_name=True, ask_sex=True,
                                 ask_doc_expiry=True), *stay_questions(_no_check))
    if service == "arbitration":
        return tuple(_flat(arbitration_questions(_EveryQuestion())))
    if service == "points":
        return POINTS_QUESTIONS
    if service == "tax_record":
        return (code_question(""),)
    if service == "bill_payment":
        return (barcode_question(True),)
    raise ValueError(service)


def topics(service: str) -> dict[str, StepHelp]:
    """The service's helps by step name: one per kind of screen, one per question with
    its own."""
    screen_help = BILL_SCREEN_HELP if service == "bill_payment" else None
    found = {step_help(view, None, screen_help).step: step_help(view, None, screen_help)
             for view in View}
    for question in service_questions(service):
        shown = step_help(View.QUESTION, question, screen_help)
        found[shown.step] = shown
    return found


__all__ = ["SERVICES", "VIEW_HELP", "service_questions", "topics"]

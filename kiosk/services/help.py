"""Help on every screen (docs/ui-guide.md#help): what the step on screen needs, a
picture of where to find it on a paper, in words the services own.

A question says its own help (``Question.help``, ``Question.picture``); a flow may give
a screen of its own kind a help of its own (``Flow.screen_help``: the bill's account
number); every other screen gets the help of its kind of screen below. Every help ends
with how to go back and leave. The UI adds the hotline and a QR code of the same help
on central's help page (``<central>/help/<service>/<step>?lang=xx``), served from the
export of these texts (kiosk/domain/help_pages.json, kiosk.devtools.help_pages).
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.services.contract import StepHelp, View
from kiosk.services.forms import Question


def N_(message: str) -> str:
    return message


# The pictures in kiosk/data/help (drawn by kiosk.devtools.help_pictures).
PASSPORT_PAGE = "passport_page"  # the data page, its two machine-readable lines
VISA = "visa"  # a visa or residence permit sticker: type, number, dates, entries
ENTRY_STAMP = "entry_stamp"  # the border's entry stamp: the date and the port
CONTRACT_USCC = "contract_uscc"  # a labour contract's first page: the employer's code
WORK_PERMIT = "work_permit"  # the Foreigner's Work Permit card: its number
BILL_ACCOUNT = "bill_account"  # a utility bill: its account number and barcode
PICTURES = (PASSPORT_PAGE, VISA, ENTRY_STAMP, CONTRACT_USCC, WORK_PERMIT, BILL_ACCOUNT)

LEAVING = N_("Back takes you one step back and keeps your answers. Cancel leaves this "
             "service and deletes your answers.")

DOCUMENT_HELP = N_(
    "Open your passport at the page with your photo. Lay it face down on the reader, so "
    "that the two lines of letters, digits and <<< at the bottom of the page lie on the "
    "glass. A permanent resident card: lay it flat on the reader.")
QUESTION_HELP = N_(
    "Answer the question with the keys or the buttons under it, then touch Next. If the "
    "question does not apply to you and a Skip button shows, touch Skip.")
CONFIRM_HELP = N_(
    "Check what the kiosk read or found. If it is right, touch the button at the bottom. "
    "If not, touch the button to try again.")
LIST_HELP = N_("Touch the entry that fits you. The list scrolls when it is longer than "
               "the screen.")
SUMMARY_HELP = N_(
    "Check every line. To correct an answer, touch Change on its line. When everything "
    "is right, scroll to the end and touch the button at the bottom.")
WAITING_HELP = N_(
    "The kiosk is working or waiting for you: do what the screen says and wait until it "
    "changes. Do not take away your card or document until the screen tells you to.")
END_HELP = N_(
    "Keep the slip, or note the reference on the screen: you need it if you ask about "
    "this later. Touch a button at the bottom to go on.")

VIEW_HELP: Mapping[View, StepHelp] = {
    View.DOCUMENT: StepHelp("document", (DOCUMENT_HELP,), PASSPORT_PAGE),
    View.QUESTION: StepHelp("question", (QUESTION_HELP,)),
    **{view: StepHelp(view.value, (CONFIRM_HELP,)) for view in (View.IDENTITY, View.CONFIRM)},
    **{view: StepHelp(view.value, (LIST_HELP,))
       for view in (View.CHOOSE, View.BILLER, View.METHOD, View.QR_MODE)},
    **{view: StepHelp(view.value, (SUMMARY_HELP,)) for view in (View.SUMMARY, View.REVIEW)},
    **{view: StepHelp(view.value, (WAITING_HELP,))
       for view in (View.WORKING, View.PAYING, View.QR_CODE, View.QR_SCAN, View.ACCOUNT)},
    **{view: StepHelp(view.value, (END_HELP,))
       for view in (View.DONE, View.PAID, View.FAILED, View.ADVICE)},
}


def step_help(view: View, question: Question | None = None,
              screen_help: Mapping[View, StepHelp] | None = None) -> StepHelp:
    """The help of the step on screen: the question's own, else the flow's for this kind
    of screen, else this kind of screen's; always with how to go back and leave."""
    if view is View.QUESTION and question is not None and question.help:
        found = StepHelp(question.key, (question.help,), question.picture)
    elif screen_help is not None and view in screen_help:
        found = screen_help[view]
    else:
        found = VIEW_HELP[view]
    return StepHelp(found.step, (*found.paragraphs, LEAVING), found.picture)

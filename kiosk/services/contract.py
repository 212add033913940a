"""What a self-service flow is to the UI, declared once: its state, what it shows, and
the commands the screens send it.

Every service (bill payment, tax record, accommodation, arbitration, points) is a plain
state machine built on kiosk.services.flow.Flow, and the screens (kiosk/ui) know it only
through ServiceFlow below. The UI shows the screen that ``view`` names, fills it from the
view model that kind of screen reads (frozen dataclasses: a screen can neither change a
flow through them nor keep one alive), sends the commands on its own thread, and calls
``advance()`` on a worker thread while ``busy``. A command the current step does not
take is ignored, so a screen offers what its kind offers and the flow decides.

This module is apart from flow.py so that the seam stays readable on its own and light:
it needs no hardware, no forms machinery beyond the question on screen, nothing the
flows use to do their work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from kiosk.domain.bills import BillAccount, Biller
from kiosk.errors import KioskError, WarningCode
from kiosk.services.forms import Questionnaire


def N_(message: str) -> str:
    return message


class View(StrEnum):
    """The kinds of screen a flow step needs; each has one screen in the UI."""

    DOCUMENT = "document"  # place your document on the reader (busy while reading)
    IDENTITY = "identity"  # is this you? (name, nationality, document as read)
    QUESTION = "question"  # one question of the flow's questionnaire
    CHOOSE = "choose"  # pick one of a list central gave (address levels)
    CONFIRM = "confirm"  # a record found at central: is this the right one?
    SUMMARY = "summary"  # everything, with warnings, before submitting or printing
    WORKING = "working"  # central or the printer is busy
    DONE = "done"  # the slip came out (or can be printed again)
    FAILED = "failed"  # could not go on: why, and what to do
    # The bill payment's own steps: a card is charged, so they say more than a summary.
    BILLER = "biller"  # which company's bill
    ACCOUNT = "account"  # the account number on the keypad (busy while looking it up)
    REVIEW = "review"  # the bill and the amount, before the card is charged
    METHOD = "method"  # how to pay: card, Alipay, WeChat Pay, UnionPay QR
    QR_MODE = "qr_mode"  # show me a code, or scan my app's code
    PAYING = "paying"  # the card terminal at work, its prompts mirrored
    QR_CODE = "qr_code"  # a QR code to scan with the app, its amount and time left
    QR_SCAN = "qr_scan"  # hold the app's payment code to the scanner; confirm in the app
    PAID = "paid"  # paid: the receipt prints, or staff can reprint it
    ADVICE = "advice"  # what the person can do alone, then Back or back to the start


class CardPrompt(StrEnum):
    """What the card terminal asks of the user while a sale runs (PAYING)."""

    PRESENT_CARD = "present_card"
    ENTER_PIN = "enter_pin"
    PROCESSING = "processing"
    REMOVE_CARD = "remove_card"


class QrPrompt(StrEnum):
    """Where a QR payment stands (QR_CODE, QR_SCAN)."""

    SHOW_CODE = "show_code"  # the code is on screen: scan it with the app
    HOLD_CODE = "hold_code"  # hold the app's payment code to the scanner
    PROCESSING = "processing"  # the provider is asked
    SCANNED = "scanned"  # an app scanned the code: pay in the app
    CONFIRM_IN_APP = "confirm_in_app"  # confirm (password) in the app
    CLOSING = "closing"  # the code is being withdrawn (cancel or time-out)


# --- view models: what each kind of screen reads ---------------------------------------


@dataclass(frozen=True)
class Row:
    """One label/value line of a summary (label is a msgid; value is shown as is).
    ``change``: the answer the row shows, for the flow's change() (the summary offers
    Change on the row); empty for what was read, found or computed."""

    label: str
    value: str
    emphasis: bool = False
    change: str = ""


@dataclass(frozen=True)
class Choice:
    """One entry of a list to choose from (address levels): shown as is, no msgid."""

    id: str
    title: str
    subtitle: str = ""


@dataclass(frozen=True)
class Confirmation:
    """IDENTITY and CONFIRM: what was read or found, for the user to confirm (confirm())
    or refuse (back()). Texts are msgids; the defaults are the identity document's."""

    rows: tuple[Row, ...]
    heading: str = N_("Is this you?")
    detail: str = N_("This is what the reader read from your document.")
    button: str = N_("Yes, that is me")
    back: str = N_("No, read again")
    note: str = ""  # a msgid shown as information under the rows
    error: KioskError | None = None  # why the last confirmation has to wait


@dataclass(frozen=True)
class QuestionAction:
    """A button the question on screen offers beside its answer (the one-time code's
    "Send again"); touching it sends choose(key). While ``wait_s`` > 0 it is greyed and
    says ``wait_label`` (a msgid with {seconds}); the screen reads it again each second."""

    key: str
    label: str  # msgid
    wait_s: int = 0
    wait_label: str = ""  # msgid with {seconds}


@dataclass(frozen=True)
class Advice:
    """ADVICE: what the person can do alone, at any hour, when the kiosk cannot go on this
    way (a phone number that is no longer theirs). back() returns to the step before; the
    screen also offers the way back to the start. Texts are msgids; their {placeholders}
    come from ``values`` and the kiosk's {hotline}."""

    heading: str
    paragraphs: tuple[str, ...]
    values: Mapping[str, str] = field(default_factory=dict)
    back: str = N_("Back")


@dataclass(frozen=True)
class StepHelp:
    """Help for the step on screen (docs/ui-guide.md#help): what it needs, as paragraphs
    (msgids, {hotline} filled in by the UI), a picture of where to find it on a paper (a
    name of kiosk/data/help/<picture>.png; "" for none), and the step's name in the help
    page's address (``<central>/help/<service>/<step>?lang=xx``)."""

    step: str
    paragraphs: tuple[str, ...]
    picture: str = ""


@dataclass(frozen=True)
class ChoiceList:
    """CHOOSE: one level of a list central gave; choose(id) picks an entry."""

    heading: str  # msgid
    trail: str  # what was chosen so far, shown as is
    icon: str  # the icon of every entry (an icon name)
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Summary:
    """SUMMARY: everything at a glance; confirm() does what ``button`` says."""

    heading: str  # msgid
    button: str  # msgid of the one primary action
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Outcome:
    """DONE: what came of it and the reference to keep; print_again() while the slip
    has not come out."""

    title: str  # msgid
    detail: str = ""  # msgid with {placeholders} filled from ``values``
    reference_label: str = N_("Your reference")  # msgid
    values: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountEntry:
    """ACCOUNT: the biller chosen and the number typed so far (edit_account keeps it,
    answer submits it); ``looking_up`` while central is asked."""

    biller: Biller
    account_no: str
    looking_up: bool


@dataclass(frozen=True)
class BillReview:
    """REVIEW: the bill found and the one amount the card will be charged (confirm());
    change_amount() where the biller takes part payments."""

    biller: Biller
    account: BillAccount
    amount_to_pay: Decimal
    is_part_payment: bool  # less than is due: the review shows both
    partial_allowed: bool
    choose_method: bool = False  # the way to pay (card or a QR app) is chosen next


@dataclass(frozen=True)
class CardPayment:
    """PAYING: the amount charged and the terminal's prompt (None before its first)."""

    amount: Decimal
    prompt: CardPrompt | None
    can_cancel: bool  # the terminal still waits for the card: cancel_payment() stops it


@dataclass(frozen=True)
class MethodOption:
    """One way to pay on the METHOD screen; choose(key) picks it unless ``unavailable``
    (then it is greyed, with why)."""

    key: str  # kiosk.domain.payments.PayMethod value: "card", "alipay", "wechat", "unionpay"
    label: str  # msgid: "Card", "Alipay", "WeChat Pay", "UnionPay QR"
    icon: str  # an icon name (text and icons, never the providers' logos)
    unavailable: KioskError | None = None


@dataclass(frozen=True)
class MethodChoice:
    """METHOD: the amount and the ways to pay it; ``checking`` while the kiosk finds out
    which work now (nothing can be chosen yet)."""

    amount: Decimal
    options: tuple[MethodOption, ...]
    checking: bool


@dataclass(frozen=True)
class QrModeChoice:
    """QR_MODE: choose("show") for a code to scan with the app, choose("scan") to hold
    the app's own payment code to the kiosk's scanner, unless ``scan_unavailable`` (the
    scanner is gone: that choice is greyed, with why)."""

    method: MethodOption
    amount: Decimal
    scan_unavailable: KioskError | None = None


@dataclass(frozen=True)
class QrCodePayment:
    """QR_CODE: the code to draw (``content``), the amount, which apps can scan it (msgids)
    and the seconds left before it is withdrawn; cancel_payment() withdraws it."""

    method: MethodOption
    amount: Decimal
    content: str | None  # None until central has answered (or once scanned)
    apps: tuple[str, ...]
    seconds_left: int
    prompt: QrPrompt
    can_cancel: bool


@dataclass(frozen=True)
class QrScanPayment:
    """QR_SCAN: hold the app's payment code to the scanner (``prompt`` HOLD_CODE, the
    last failure in the flow's error), then wait while the provider (and perhaps the
    person, in the app) decides. back() offers another way to pay while nothing runs."""

    method: MethodOption
    amount: Decimal
    prompt: QrPrompt
    scanner: str  # msgid: where the scanner is
    can_cancel: bool


@dataclass(frozen=True)
class Paid:
    """PAID: the payment went through; its receipt prints (``printing``) or did."""

    amount: Decimal
    reference: str
    printing: bool


# --- the flow --------------------------------------------------------------------------


Listener = Callable[["ServiceFlow"], None]


class ServiceFlow(Protocol):
    """A self-service as the screens see it. Implemented by kiosk.services.flow.Flow and
    its subclasses; the UI holds nothing else of a service."""

    # --- state -------------------------------------------------------------------------

    # Told of every change, on the thread that made it (the UI hops to its own).
    listener: Listener | None

    @property
    def service(self) -> str:
        """The service's key ("bill_payment", "tax_record", ...)."""

    @property
    def title(self) -> str:
        """The header's title (msgid)."""

    @property
    def view(self) -> View:
        """Which kind of screen the current step needs."""

    @property
    def step(self) -> StrEnum | None:
        """The flow's own step (its StrEnum): for logs, tests and scripted walks."""

    @property
    def busy(self) -> bool:
        """Slow work waits for advance() on a worker; cheap commands wait for it."""

    @property
    def error(self) -> KioskError | None:
        """What went wrong at this step (the screen says it with its code)."""

    @property
    def warnings(self) -> Sequence[WarningCode]:
        """Warnings the summary shows (each filled from question_values())."""

    @property
    def form(self) -> Questionnaire | None:
        """The questionnaire whose current question QUESTION shows."""

    @property
    def step_number(self) -> int:
        """The header's "Step n of total"."""

    @property
    def total_steps(self) -> int: ...

    @property
    def at_start(self) -> bool:
        """Back from here leaves the service."""

    @property
    def can_retry(self) -> bool:
        """The failure screen offers try_again()."""

    @property
    def sends_to_fetch(self) -> bool:
        """The screen asks for something on a paper the person may have to go and find
        (a contract, a bill, a passport page): the UI waits longer before "still there?"."""

    @property
    def has_answers(self) -> bool:
        """Leaving now would lose something the person gave (a document read, an answer,
        an account number): Cancel asks before it deletes them."""

    @property
    def interruptible(self) -> bool:
        """The user may leave or idle out now: nothing is under way that must finish (a
        payment, a submission, a print)."""

    @property
    def receipt_printed(self) -> bool | None:
        """The slip came out (None: nothing printed yet)."""

    @property
    def reference(self) -> str:
        """The reference to keep: on the slip, the receipt or the failure screen."""

    # --- what it shows (each for its view; None or empty when there is nothing) -----------

    def question_values(self) -> Mapping[str, str]:
        """Values for the {placeholders} of questions, hints and warnings."""

    def question_actions(self) -> tuple[QuestionAction, ...]:
        """QUESTION: the buttons offered beside the answer (choose(key) touches one)."""

    def advice(self) -> Advice | None: ...

    def help(self) -> StepHelp:
        """The Help button's panel for the step on screen (every step has one)."""

    def working_text(self) -> str:
        """WORKING: what the kiosk is doing (msgid; "" for a plain "one moment")."""

    def confirmation(self) -> Confirmation | None: ...

    def choice_list(self) -> ChoiceList | None: ...

    def summary(self) -> Summary | None: ...

    def outcome(self) -> Outcome | None: ...

    def billers(self) -> tuple[Biller, ...]:
        """BILLER: the billers offered; choose(biller id) picks one."""

    def account_entry(self) -> AccountEntry | None: ...

    def bill_review(self) -> BillReview | None: ...

    def card_payment(self) -> CardPayment | None: ...

    def paid(self) -> Paid | None: ...

    def method_choice(self) -> MethodChoice | None: ...

    def qr_mode_choice(self) -> QrModeChoice | None: ...

    def qr_code(self) -> QrCodePayment | None: ...

    def qr_scan(self) -> QrScanPayment | None: ...

    # --- commands from the UI thread (ignored by a step that does not take them) ---------

    def back(self) -> None:
        """The step before (at_start: the UI leaves the service instead)."""

    def confirm(self) -> None:
        """Yes to what the screen shows: the identity or company, the summary's primary
        action, the bill's amount (the card is charged)."""

    def answer(self, value: object) -> None:
        """The answer to the question on screen (or the account number typed)."""

    def skip(self) -> None:
        """Leave the question unanswered (refused with an error when it must be)."""

    def choose(self, key: str) -> None:
        """One entry of the list on screen (an address level, a biller, a way to pay, show
        or scan a code)."""

    def change(self, key: str) -> None:
        """SUMMARY: change the answer of the row whose ``change`` is ``key``: its question
        (or list) shows, and once answered the summary shows again, after only the
        questions the change opened."""

    def try_again(self) -> None:
        """From the failure screen, where can_retry."""

    def print_again(self) -> None:
        """The slip did not come out: print it again."""

    def retry_read(self) -> None:
        """Wait for the document once more after the wait ran out."""

    def edit_account(self, text: str) -> None:
        """What is typed so far in the account number (kept across a language switch)."""

    def use_barcode(self) -> None:
        """Look the bill up by its barcode instead of the account number."""

    def change_amount(self) -> None:
        """Pay another amount than all that is due."""

    def cancel_payment(self) -> None:
        """Stop the sale while the terminal waits for the card, or withdraw a QR code or
        payment that is not paid yet (taken while busy)."""

    def set_language(self, lang: str) -> None:
        """Keep everything, speak (and print) in ``lang`` from now on."""

    def wipe(self) -> None:
        """Session over: stop waiting for any device, forget everything personal."""

    # --- from the worker thread ------------------------------------------------------------

    def advance(self) -> None:
        """Do the slow work of the current step; never raises (a defect fails the flow)."""

"""One question of a flow's questionnaire (kiosk.services.forms), whatever its kind:
a list to touch, yes/no, a picker for dates, months and times (kiosk.ui.pickers), a
keypad for numbers, amounts, phones and codes, or the Latin keyboard for names and
text, or the keyboard of the person's own script for a text the authority takes in any
script, with the language it reads. The answer goes to the flow; an unacceptable answer
stays on screen with what is wrong. Under a long text the characters are counted as
they are typed, against the length the question declares. Beside the answer, the
buttons the flow offers for this question (question_actions: the one-time code's "Send
again", live after a countdown, and "This is not my number")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kivy.clock import Clock, ClockEvent
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget

from kiosk.errors import ErrorCode, KioskError
from kiosk.services.contract import QuestionAction, ServiceFlow
from kiosk.services.forms import KEYPAD_KINDS, Kind, Question, Questionnaire, parse
from kiosk.ui import picking, theme
from kiosk.ui.i18n import N_, _, current_language
from kiosk.ui.icons import icon
from kiosk.ui.keyboard import LatinKeyboard
from kiosk.ui.layouts import load_kv
from kiosk.ui.messages import describe
from kiosk.ui.pickers import PICKED_KINDS, Picker
from kiosk.ui.screens.base import FlowScreen
from kiosk.ui.script_keyboard import ScriptKeyboard
from kiosk.ui.widgets import EntryField, KButton, Keypad, KLabel

FORMAT_HINTS = {
    Kind.MONEY: N_("Type the amount in yuan, for example 8000 or 8000.50."),
    Kind.NAME: N_("Use the Latin letters A to Z, as in your passport."),
}
MAX_DIGITS = {Kind.PHONE: 13, Kind.DIGITS: 8, Kind.NUMBER: 6, Kind.MONEY: 12}


def count_text(question: Question, text: str) -> tuple[str, bool]:
    """What the counter under a long text says, and whether the text is already too long
    (too short is only said: the user is still typing). Counts what the answer will be
    (parse strips the ends)."""
    count = len(text.strip())
    words = _("{count} characters").format(count=count)
    if count < question.min_length:
        return f"{words} · " + _("At least {minimum} characters are needed.").format(
            minimum=question.min_length), False
    if count > question.max_length:
        return f"{words} · " + _("At most {maximum} characters are allowed.").format(
            maximum=question.max_length), True
    return words, False


def raw_value(value: object) -> str:
    """A stored answer back into what the input shows (the user went back)."""
    return "" if value is None else str(value)


class QuestionScreen(FlowScreen):
    back_icon = icon("arrow-left")
    cancel_icon = icon("close")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._question: Question | None = None
        self._question_id: tuple[str, int] | None = None
        # A new form for the same question (a code refused by central) rebuilds it.
        self._form: Questionnaire | None = None
        self.entry: EntryField | None = None
        self.picker: Picker | None = None  # dates, months and times
        self.text: TextInput | None = None
        self.counter: KLabel | None = None  # under a long text: its length as typed
        self.keyboard: LatinKeyboard | ScriptKeyboard | None = None
        self._keyboards: dict[str, LatinKeyboard | ScriptKeyboard] = {}
        self.choices: dict[object, KButton] = {}  # by option code, or True and False
        self.actions: dict[str, KButton] = {}  # the question's own buttons, by key
        self._ticking: ClockEvent | None = None  # re-reads a countdown each second

    def on_leave(self, *_args: object) -> None:
        # Back here later (Back from a summary) the question is built again from the
        # answer given; while it shows (a language switch) what is typed stays.
        self._question_id = None
        self._stop_ticking()

    def refresh(self) -> None:
        flow = self.flow
        form = flow.form if flow is not None else None
        if flow is None or form is None or form.done:
            return
        question = form.current
        ident = (question.key, form.entry_number)
        if ident != self._question_id or form is not self._form:  # a new question
            self._question_id = ident
            self._form = form
            self._question = question
            self._build(question, form.current_value())
        ids = self.ids
        ids.question.text = _(question.label).format(**self._placeholders(flow))
        ids.hint.text = _(question.hint).format(**self._placeholders(flow)) if question.hint else ""
        ids.script_note.text = _(question.script_note) if question.script_note else ""
        if isinstance(self.keyboard, ScriptKeyboard):
            self.keyboard.lang = self.app.lang  # a language switch: its own script first
        group = form.group
        ids.entry_label.text = (_("Item {number}").format(number=form.entry_number)
                                if group is not None and not form.asking_more else "")
        error = form.error or (flow.error.code if flow.error else None)
        if error is not None:
            message = describe(flow.error if flow.error and flow.error.code is error
                               else KioskError(error))
            hint = FORMAT_HINTS.get(question.kind) if error is ErrorCode.FIELD_FORMAT else None
            ids.notice.text = _(hint) if hint else f"{message.text}\n{message.code}"
        else:
            ids.notice.text = ""
        auto = question.kind in (Kind.CHOICE, Kind.YESNO)
        ids.next.opacity, ids.next.disabled = (0, True) if auto else (1, False)
        ids.next.text = _("Next")
        ids.skip.text = _("Skip")
        ids.skip.opacity, ids.skip.disabled = (1, False) if not question.required else (0, True)
        ids.back.text = _("Back")
        ids.cancel.text = _("Cancel")
        for code, button in self.choices.items():
            option = next((o for o in question.options if o.code == code), None)
            if option is not None:
                button.text = _(option.label)
        if question.kind is Kind.YESNO and len(self.choices) == 2:
            self.choices[True].text = _("Yes")
            self.choices[False].text = _("No")
        if self.picker is not None:
            self.picker.set_language(current_language())
        self._count()  # in the language now chosen
        self._show_actions(flow.question_actions())
        self.update_flow_header(flow)

    # --- the question's own buttons ------------------------------------------------------

    def _show_actions(self, actions: tuple[QuestionAction, ...]) -> None:
        """One button per action, greyed with its countdown while it waits; a second's
        tick re-reads them while any waits."""
        box = self.ids.actions
        if list(self.actions) != [action.key for action in actions]:
            box.clear_widgets()
            self.actions = {}
            for action in actions:
                button = KButton()
                button.action_key = action.key
                button.bind(on_release=lambda b: self._touch_action(b.action_key))
                self.actions[action.key] = button
                box.add_widget(button)
        for action in actions:
            button = self.actions[action.key]
            waiting = action.wait_s > 0
            button.text = (_(action.wait_label).format(seconds=action.wait_s)
                           if waiting and action.wait_label else _(action.label))
            button.disabled = waiting
            button.opacity = 0.5 if waiting else 1
        if any(action.wait_s > 0 for action in actions):
            if self._ticking is None:
                self._ticking = Clock.schedule_interval(self._tick, 1.0)
        else:
            self._stop_ticking()

    def _tick(self, _dt: float) -> None:
        flow = self.flow
        if flow is None or self.manager is None or self.manager.current != self.name:
            self._stop_ticking()
            return
        self._show_actions(flow.question_actions())

    def _stop_ticking(self) -> None:
        if self._ticking is not None:
            self._ticking.cancel()
            self._ticking = None

    def _touch_action(self, key: str) -> None:
        self.act(lambda flow: flow.choose(key))

    @staticmethod
    def _placeholders(flow: ServiceFlow) -> dict[str, str]:
        return dict(flow.question_values())

    # --- building the input --------------------------------------------------------------

    def _build(self, question: Question, value: object) -> None:
        box = self.ids.input
        box.clear_widgets()
        if self.keyboard is not None:
            self.keyboard.target = None
        self.entry = self.text = self.keyboard = self.counter = self.picker = None
        self.choices = {}
        kind = question.kind
        if kind is Kind.CHOICE:
            scroll = ScrollView(do_scroll_x=False)
            grid = _Column(spacing=self.app.u * 18)
            for option in question.options:
                button = KButton(text=_(option.label), primary=(option.code == value))
                button.option_code = option.code
                button.bind(on_release=lambda b: self._answer(b.option_code))
                self.choices[option.code] = button
                grid.add_widget(button)
            scroll.add_widget(grid)
            box.add_widget(scroll)
        elif kind is Kind.YESNO:
            for answer in (True, False):
                button = KButton(primary=(value is answer), height=self.app.u * 170)
                button.answer_value = answer
                button.bind(on_release=lambda b: self._answer(b.answer_value))
                self.choices[answer] = button
                box.add_widget(button)
            box.add_widget(_Spacer())
        elif kind in PICKED_KINDS:
            # Low on the screen, in reach from a wheelchair (docs/ui-guide.md#screen).
            box.add_widget(_Spacer())
            self.picker = Picker(kind, self._start_value(kind, value), current_language(),
                                 self.app.u, self.app.fs, self._accepts(question))
            box.add_widget(self.picker)
        elif kind in KEYPAD_KINDS:
            self.entry = EntryField(max_length=MAX_DIGITS.get(kind, 12))
            self.entry.raw = self.entry.value = raw_value(value)
            keypad = Keypad(decimal=(kind is Kind.MONEY), size_hint_x=0.8,
                            pos_hint={"center_x": 0.5})
            keypad.bind(on_key=lambda _k, key: self._on_keypad(kind, key))
            box.add_widget(self.entry)
            box.add_widget(keypad)
            box.add_widget(_Spacer())
        else:
            multiline = kind is Kind.LONG_TEXT
            self.text = TextInput(
                text=raw_value(value), multiline=multiline, keyboard_mode="managed",
                font_name=self.app.font_name, font_size=self.app.fs * theme.BODY,
                size_hint_y=None, height=self.app.u * (420 if multiline else 120),
                padding=[self.app.u * 20] * 4, write_tab=False)
            mode = {Kind.NAME: "name", Kind.CODE: "code"}.get(kind, "text")
            if question.any_script:
                mode = "script"
            self.keyboard = self._keyboard(mode)
            self.keyboard.target = self.text
            box.add_widget(self.text)
            if multiline:
                self.counter = KLabel(font_size=self.app.fs * theme.SMALL,
                                      color=theme.palette.TEXT_MUTED)
                box.add_widget(self.counter)
                self.text.bind(text=lambda *_args: self._count())
                self._count()
            box.add_widget(_Spacer())
            box.add_widget(self.keyboard)
            self.text.focus = True

    def _start_value(self, kind: Kind, value: object) -> Any:
        """The answer given, else today, this month or now (on the five-minute grid)."""
        if value is not None:
            return value
        now: datetime = self.app.services.bill_payment.clock.now()  # the kiosk's clock
        if kind is Kind.DATE:
            return now.date()
        if kind is Kind.MONTH:
            return f"{now:%Y-%m}"
        return picking.start_time(now.time())

    def _accepts(self, question: Question) -> Any:
        """The question's own check, on the answers so far: the picker greys a step to a
        value it refuses (a future entry date, a month out of the record's range)."""
        check = question.validate
        form = self._form
        if check is None or form is None:
            return lambda _value: True
        return lambda value: check(value, form.answers) is None

    def _count(self) -> None:
        """Keep the counter under a long text in step with what is typed."""
        if self.counter is None or self.text is None or self._question is None:
            return
        words, too_long = count_text(self._question, self.text.text)
        self.counter.text = words
        self.counter.color = theme.palette.ERROR if too_long else theme.palette.TEXT_MUTED

    def _keyboard(self, mode: str) -> LatinKeyboard | ScriptKeyboard:
        """One keyboard per mode, built once: building ~50 keys costs a second here.
        "script": the free-text keyboard, on the UI language's own layout."""
        keyboard = self._keyboards.get(mode)
        if keyboard is None:
            if mode == "script":
                # As tall as the Latin one, so the question above keeps its room: seven
                # rows at most (the kana grid, the pinyin candidates) of 70 px keys.
                keyboard = ScriptKeyboard(lang=self.app.lang, spacing=self.app.u * 10,
                                          size_hint_y=None, height=self.app.u * 560)
            else:
                keyboard = LatinKeyboard(mode=mode, spacing=self.app.u * 10, size_hint_y=None,
                                         height=self.app.u * 560)
            self._keyboards[mode] = keyboard
        if isinstance(keyboard, ScriptKeyboard):
            keyboard.lang = self.app.lang
            keyboard.reset()
        keyboard.shifted = False
        return keyboard

    def _on_keypad(self, kind: Kind, key: str) -> None:
        entry = self.entry
        if entry is None:
            return
        raw = entry.raw
        if key == "clear":
            raw = ""
        elif key == "back":
            raw = raw[:-1]
        elif key == "." and "." in raw:
            return
        elif len(raw) < entry.max_length:
            raw += key
        entry.raw = raw
        entry.value = raw
        entry.invalid = False
        self.ids.notice.text = ""

    # --- answering -----------------------------------------------------------------------

    def submit(self) -> None:
        question = self._question
        if question is None:
            return
        if self.picker is not None:
            self._answer(self.picker.value)
            return
        raw = self.entry.raw if self.entry is not None else (
            self.text.text if self.text is not None else "")
        if not raw.strip():
            if question.required:
                self.ids.notice.text = _("Please answer this question.")
                return
            self.skip()
            return
        try:
            value = parse(question.kind, raw)
        except ValueError:
            self.ids.notice.text = _(FORMAT_HINTS.get(
                question.kind, N_("This does not look right. Please check it.")))
            if self.entry is not None:
                self.entry.invalid = True
            return
        self._answer(value)

    def skip(self) -> None:
        self.act(lambda flow: flow.skip())

    def _answer(self, value: object) -> None:
        self.act(lambda flow: flow.answer(value))

    def clear_personal(self) -> None:
        self.ids.input.clear_widgets()
        for keyboard in self._keyboards.values():
            keyboard.target = None  # the text it typed into goes with the session
        self._question_id = None
        self._form = None
        self._question = None  # its check is bound to the session's answers
        self.entry = self.text = self.keyboard = self.counter = self.picker = None
        self.choices = {}
        self.ids.actions.clear_widgets()
        self.actions = {}
        self._stop_ticking()


class _Column(BoxLayout):
    """A vertical list that grows with its children (inside a ScrollView)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(orientation="vertical", size_hint_y=None, **kwargs)
        self.bind(minimum_height=self.setter("height"))


class _Spacer(Widget):
    """Takes the space left, so inputs stay at the top."""


load_kv(__name__)

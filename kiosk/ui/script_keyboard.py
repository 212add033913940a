"""The free-text keyboard: the person's own script first (kiosk.ui.input.layouts), the
others one touch away on the switch key, which names the next layout in its own script
(ABC, АБВ, 한글, かな, 拼音). Docked below the field like the Latin keyboard, for the
questions that take text in any script (Question.any_script: the facts of a case, the
grounds of a claim); names and codes keep the Latin keyboard (kiosk.ui.keyboard).

Each layout's keys are built once, the first time it is shown, and kept (building some
fifty keys is slow on the kiosk). What a key types goes through the layout's input
method: Hangul jamo are composed into syllables, ゛ ゜ 小 change the kana before the
cursor, pinyin letters wait in a buffer above the keys until a candidate is touched."""

from __future__ import annotations

from collections.abc import Iterator

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.ui.icons import icon
from kiosk.ui.input import kana
from kiosk.ui.input.edit import Edit
from kiosk.ui.input.hangul import HangulComposer, is_jamo
from kiosk.ui.input.layouts import Layout, layouts_for
from kiosk.ui.input.pinyin import Candidate, PinyinInput
from kiosk.ui.layouts import load_kv
from kiosk.ui.theme import palette
from kiosk.ui.widgets import KeypadKey

ICON_KEYS = {"back": "backspace", "shift": "keyboard-shift", "enter": "keyboard-return"}
FALLBACK = {"back": "<-", "shift": "^", "enter": "Enter"}
MARK_KEYS = {"dakuten": "゛", "handakuten": "゜", "small": "小"}
CANDIDATES_SHOWN = 6


class CandidateKey(KeypadKey):
    """A pinyin candidate above the keys (its font fits a word of up to four characters)."""

    candidate = ObjectProperty(None, allownone=True)


class PinyinBuffer(Label):
    """The pinyin letters typed and not yet turned into characters."""


class ScriptKeyboard(BoxLayout):
    """Types into ``target`` (a TextInput) in the layouts of ``lang``."""

    target = ObjectProperty(None, allownone=True)
    lang = StringProperty("en")
    shifted = BooleanProperty(False)  # one capital, or the tense consonants
    katakana = BooleanProperty(False)  # the kana keys type katakana until toggled back
    buffer = StringProperty("")  # pinyin typed and not yet chosen (shown above the keys)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(orientation="vertical", **kwargs)
        self._pages: dict[str, BoxLayout] = {}
        self._layouts: tuple[Layout, ...] = ()
        self._index = 0
        self._hangul = HangulComposer()
        self._composed_at: int | None = None  # the cursor after the last Hangul edit
        self._pinyin = PinyinInput(page_size=CANDIDATES_SHOWN)
        self._candidate_row: BoxLayout | None = None
        self.fbind("lang", self._language)
        self.fbind("target", self._finish)
        self.fbind("shifted", self._relabel)
        self.fbind("katakana", self._relabel)
        self._language()

    # --- layouts -------------------------------------------------------------------------

    @property
    def layout(self) -> Layout:
        return self._layouts[self._index]

    @property
    def layout_names(self) -> tuple[str, ...]:
        return tuple(layout.name for layout in self._layouts)

    def reset(self) -> None:
        """Back to the language's own layout, nothing pending (a new question)."""
        self._finish()
        self.shifted = self.katakana = False
        self._show(0)

    def _language(self, *_: object) -> None:
        self._layouts = layouts_for(self.lang)
        self._finish()
        self._show(0)

    def switch(self) -> None:
        """The switch key: the next layout."""
        self._finish()
        self.shifted = False
        self._show((self._index + 1) % len(self._layouts))

    def _show(self, index: int) -> None:
        self._index = index
        self.clear_widgets()
        page = self._page(self.layout)
        self.add_widget(page)
        self._relabel()
        # Lay the page out now, not at the next frame: the key under a finger that
        # touches again at once is the new layout's, where it is drawn.
        self.do_layout()
        page.do_layout()
        for row in page.children:
            row.do_layout()

    def _page(self, layout: Layout) -> BoxLayout:
        page = self._pages.get(layout.name)
        if page is None:
            page = self._build(layout)
            self._pages[layout.name] = page
        return page

    def _build(self, layout: Layout) -> BoxLayout:
        page = BoxLayout(orientation="vertical", spacing=self.spacing)
        page.layout_name = layout.name
        if layout.method == "pinyin":
            page.add_widget(self._candidates_row())
        for row in layout.rows:
            page.add_widget(self._row([(ch, ch) for ch in row]))
        marks = [(MARK_KEYS[m], m) for m in MARK_KEYS] if layout.method == "kana" else []
        page.add_widget(self._row(marks + [(p, p) for p in layout.punctuation]))
        bottom = [("switch", "switch")]
        if layout.method == "kana":
            bottom.append(("kana_toggle", "kana_toggle"))
        elif layout.has_shift:
            bottom.append(("shift", "shift"))
        bottom += [("space", " "), ("enter", "\n"), ("back", "back")]
        page.add_widget(self._row(bottom))
        return page

    def _row(self, keys: list[tuple[str, str]]) -> BoxLayout:
        row = BoxLayout(spacing=self.spacing)
        for label, value in keys:
            if value == " " and label == " ":  # a gap in the kana grid
                row.add_widget(Widget())
                continue
            key = KeypadKey(key=value, is_icon=label in ICON_KEYS and bool(icon(ICON_KEYS[label])))
            key.label_name = label
            if label in ("space", "switch", "shift", "enter", "kana_toggle"):
                key.size_hint_x = 3 if label == "space" else 1.6
            key.bind(on_release=lambda k: self.press(k.key))
            row.add_widget(key)
        return row

    def _candidates_row(self) -> BoxLayout:
        row = BoxLayout(spacing=self.spacing)
        row.add_widget(PinyinBuffer(size_hint_x=1.6))
        for _ in range(CANDIDATES_SHOWN):
            key = CandidateKey(key="candidate", size_hint_x=1.4)
            key.bind(on_release=lambda k: self.choose(k.candidate))
            row.add_widget(key)
        more = KeypadKey(key="more", text="›")
        more.label_name = "more"
        more.bind(on_release=lambda _k: self._more())
        row.add_widget(more)
        self._candidate_row = row
        return row

    # --- labels --------------------------------------------------------------------------

    def _keys(self, page: BoxLayout | None = None) -> Iterator[KeypadKey]:
        page = page if page is not None else self._page(self.layout)
        for row in page.children:
            for key in row.children:
                if isinstance(key, KeypadKey) and not isinstance(key, CandidateKey):
                    yield key

    def _relabel(self, *_: object) -> None:
        if not self._layouts:
            return
        layout = self.layout
        following = self._layouts[(self._index + 1) % len(self._layouts)]
        for key in self._keys():
            name = getattr(key, "label_name", "")
            if name in ICON_KEYS:
                key.text = icon(ICON_KEYS[name]) or FALLBACK[name]
                key.color = palette.ACCENT if name == "shift" and self.shifted else palette.TEXT
            elif name == "space":
                key.text = "␣"
            elif name == "switch":
                key.text = following.label
            elif name == "kana_toggle":
                key.text = "かな" if self.katakana else "カナ"
            elif name == "more":
                key.text = "›"
            elif key.key in MARK_KEYS:
                key.text = MARK_KEYS[key.key]
            else:
                key.text = self._typed(layout, key.key)
        self._show_candidates()

    def _typed(self, layout: Layout, base: str) -> str:
        """What the key whose unshifted character is ``base`` types now."""
        if layout.method == "plain":
            return base.upper() if self.shifted else base
        if layout.method == "hangul" and self.shifted:
            for row, shifted in zip(layout.rows, layout.shifted_rows, strict=True):
                if base in row:
                    return shifted[row.index(base)]
        if layout.method == "kana" and self.katakana:
            return kana.katakana(base)
        return base

    def _show_candidates(self) -> None:
        row = self._candidate_row
        if row is None:
            return
        keys = list(reversed(row.children))  # Kivy keeps children last first
        keys[0].text = self._pinyin.buffer
        shown = self._pinyin.shown()
        for key, candidate in zip(keys[1:-1], [*shown, *[None] * CANDIDATES_SHOWN], strict=False):
            key.candidate = candidate
            key.text = candidate.text if candidate is not None else ""
            key.disabled = candidate is None
        self.buffer = self._pinyin.buffer

    # --- what the tests and the walkthrough touch ------------------------------------------

    @property
    def switch_key(self) -> KeypadKey:
        return next(k for k in self._keys() if getattr(k, "label_name", "") == "switch")

    @property
    def shift_key(self) -> KeypadKey:
        return next(k for k in self._keys() if getattr(k, "label_name", "") == "shift")

    @property
    def candidate_keys(self) -> list[CandidateKey]:
        row = self._candidate_row
        if row is None or self.layout.method != "pinyin":
            return []
        return [k for k in reversed(row.children) if isinstance(k, CandidateKey) and k.candidate]

    def keys_for(self, char: str) -> list[KeypadKey]:
        """The touches that type ``char`` from here: the switch key until a layout has
        it, Shift if needed, then its key (tests and the walkthrough type by touch)."""
        touches: list[KeypadKey] = []
        index = self._index
        for _ in range(len(self._layouts)):
            layout = self._layouts[index]
            page = self._page(layout)
            found = self._key_on(page, layout, char)
            if found is not None:
                return touches + found
            touches.append(next(k for k in self._keys(page)
                                if getattr(k, "label_name", "") == "switch"))
            index = (index + 1) % len(self._layouts)
        raise KeyError(char)

    def _key_on(self, page: BoxLayout, layout: Layout, char: str) -> list[KeypadKey] | None:
        if layout.method == "pinyin" and char.isascii() and char.isalpha():
            return None  # its letters spell pinyin, they do not type themselves
        keys = list(self._keys(page))
        exact = next((k for k in keys if k.key == char), None)
        if exact is not None:
            return [exact]
        shift = next((k for k in keys if getattr(k, "label_name", "") == "shift"), None)
        if shift is None:
            return None
        for key in keys:
            shifted = (key.key.upper() if layout.case_shift
                       else self._shifted_jamo(layout, key.key))
            if len(key.key) == 1 and shifted == char != key.key:
                return [shift, key]
        return None

    @staticmethod
    def _shifted_jamo(layout: Layout, base: str) -> str | None:
        for row, shifted in zip(layout.rows, layout.shifted_rows, strict=False):
            if base in row:
                return shifted[row.index(base)]
        return None

    # --- typing --------------------------------------------------------------------------

    def press(self, value: str) -> None:
        target = self.target
        if target is None:
            return
        layout = self.layout
        if value == "switch":
            self.switch()
            return
        if value == "shift":
            self.shifted = not self.shifted
            return
        if value == "kana_toggle":
            self.katakana = not self.katakana
            return
        if value == "back":
            self._backspace(layout)
        elif value in MARK_KEYS:
            self._mark(value)
        elif layout.method == "pinyin" and value.isascii() and value.isalpha():
            self._pinyin.type(value)
            self._show_candidates()
        else:
            self._character(layout, value)
        if self.shifted:
            self.shifted = False  # one capital, one tense consonant, like a phone keyboard

    def _character(self, layout: Layout, value: str) -> None:
        typed = self._typed(layout, value)
        if layout.method == "hangul" and is_jamo(typed):
            if self._composed_at != self.target.cursor_index():
                self._hangul.finish()  # the cursor moved: a new syllable
            self._apply(self._hangul.type(typed))
            self._composed_at = self.target.cursor_index()
            return
        if layout.method == "pinyin" and self._pinyin.buffer:
            if value == "\n":  # Enter keeps the letters as typed
                self._apply(Edit(0, self._pinyin.buffer))
                self._pinyin.clear()
                self._show_candidates()
                return
            shown = self._pinyin.shown()
            if shown:
                self.choose(shown[0])  # space or punctuation takes the first candidate
            if value == " ":
                return
        self._finish()
        self._apply(Edit(0, typed))

    def _backspace(self, layout: Layout) -> None:
        if layout.method == "pinyin" and self._pinyin.backspace():
            self._show_candidates()
            return
        if layout.method == "hangul" and self._composed_at == self.target.cursor_index():
            edit = self._hangul.backspace()
            if edit is not None:
                self._apply(edit)
                self._composed_at = self.target.cursor_index() if self._hangul.composing else None
                return
        self._finish()
        self.target.do_backspace()

    def _mark(self, mark: str) -> None:
        target = self.target
        before = target.text[:target.cursor_index()]
        if not before:
            return
        last = before[-1]
        changed = (kana.toggle_small(last) if mark == "small"
                   else kana.with_mark(last, kana.DAKUTEN if mark == "dakuten"
                                       else kana.HANDAKUTEN))
        if changed is not None:
            self._apply(Edit(1, changed))

    def choose(self, candidate: Candidate | None) -> None:
        if candidate is None or self.target is None:
            return
        self._apply(Edit(0, self._pinyin.choose(candidate)))
        self._show_candidates()

    def _more(self) -> None:
        self._pinyin.next_page()
        self._show_candidates()

    def _apply(self, edit: Edit) -> None:
        target = self.target
        for _ in range(edit.delete):
            target.do_backspace()
        if edit.insert:
            target.insert_text(edit.insert)

    def _finish(self, *_: object) -> None:
        """End what is being composed: the Hangul syllable stays, the pinyin letters go."""
        self._hangul.finish()
        self._composed_at = None
        if self._pinyin.buffer:
            self._pinyin.clear()
            self._show_candidates()


load_kv(__name__)

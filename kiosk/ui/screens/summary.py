"""Everything at a glance before it is submitted or printed: the flow's rows (Change on
each that shows an answer), its warnings (each with what it means), and one primary
action, live once the person has seen the end of the summary
(docs/ui-guide.md#check-your-answers). A summary longer than the screen shows a cue
over its bottom edge until the end is in view; touching the cue scrolls further."""

from __future__ import annotations

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.services.contract import Row
from kiosk.ui.i18n import N_, _, translate
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.messages import describe, warning_text
from kiosk.ui.screens.base import FlowScreen
from kiosk.ui.widgets import Notice, SummaryRow

CHANGE = N_("Change")
MORE_BELOW = N_("More below: scroll down")
READ_TO_THE_END = N_("Read to the end first")
# How close to the end counts as the end (reference pixels): the last row is in view.
END_SLACK = 8
# Frames after the screen shows before a summary that fits counts as read: its rows'
# labels measure their text a frame after they are added and the list takes their
# heights a frame later; until then the list can look short enough to fit.
SETTLE_FRAMES = 5
PAGE = 0.8  # the cue scrolls this much of the visible height, so a line stays in view


class ScrollCue(ButtonBehavior, BoxLayout):
    text = StringProperty("")
    icon = StringProperty(icon("chevron-down"))
    shown = BooleanProperty(False)


class SummaryScreen(FlowScreen):
    back_icon = icon("arrow-left")
    cancel_icon = icon("close")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._summary_key: tuple[int, str] | None = None  # which summary was read
        self._read_to_the_end = False
        self._on_screen = False
        self._settled = False
        self._button_text = ""

    def on_kv_post(self, _base_widget: object) -> None:
        scroll = self.ids.scroll
        scroll.fbind("scroll_y", self._follow_scroll)
        scroll.fbind("height", self._follow_scroll)
        self.ids.content.fbind("height", self._follow_scroll)

    def on_pre_enter(self, *_: object) -> None:
        # Kivy sends no on_leave to a screen whose fade out a newer screen change cut
        # short: each showing starts afresh here (a summary shown again after that was
        # judged "on screen" while its new rows were still being laid out).
        self._on_screen = False
        self._settled = False

    def on_enter(self, *_: object) -> None:
        self._on_screen = True
        self._settle(SETTLE_FRAMES)

    def _settle(self, frames: int) -> None:
        """Laid out after ``frames`` more frames: then a summary that fits counts as read
        (a full run on a loaded machine had the fade end, and the list judged, before the
        rows had their heights: a long summary counted as read at once)."""
        if not self._on_screen:
            return
        if frames > 0:
            Clock.schedule_once(lambda _dt: self._settle(frames - 1), 0)
            return
        self._settled = True
        self._follow_scroll()

    def on_leave(self, *_: object) -> None:
        self._on_screen = False
        self._settled = False

    @property
    def read_to_the_end(self) -> bool:
        """The person has had the end of this summary in view: its action is live."""
        return self._read_to_the_end

    def refresh(self) -> None:
        flow = self.flow
        summary = flow.summary() if flow is not None else None
        if flow is None or summary is None:
            return
        key = (id(flow), summary.heading)
        if key != self._summary_key:  # another summary (or session): read it from the top
            self._summary_key = key
            self._read_to_the_end = False
            Animation.cancel_all(self.ids.scroll, "scroll_y")
            self.ids.scroll.scroll_y = 1
        self.ids.heading.text = translate(summary.heading)
        self._button_text = translate(summary.button)
        self.ids.rows.clear_widgets()
        for row in summary.rows:
            self.ids.rows.add_widget(self._row(row))
        self.ids.warnings.clear_widgets()
        values = flow.question_values()
        for code in flow.warnings:
            self.ids.warnings.add_widget(Notice(text=warning_text(code, values), kind="info"))
        if flow.error is not None:
            message = describe(flow.error)
            self.ids.notice.text = f"{message.text}\n{message.code}"
        else:
            self.ids.notice.text = ""
        self.ids.back.text = _("Back")
        self.ids.cancel.text = _("Cancel")
        self.ids.cue.text = translate(MORE_BELOW)
        self.update_flow_header(flow)
        self._follow_scroll()

    def _row(self, row: Row) -> SummaryRow:
        if not row.change:
            return SummaryRow(label=translate(row.label), value=row.value,
                              emphasis=row.emphasis)
        key = row.change
        return SummaryRow(label=translate(row.label), value=row.value, emphasis=row.emphasis,
                          change_text=translate(CHANGE), on_change=lambda: self.change(key))

    def change(self, key: str) -> None:
        """Change on a row: the flow shows that question, then this summary again."""
        self.act(lambda flow: flow.change(key))

    def confirm(self) -> None:
        """The one primary action: whatever the summary's button says."""
        if self._read_to_the_end:
            self.act(lambda flow: flow.confirm())

    def scroll_down(self) -> None:
        """The cue touched: a screen further down, gently."""
        scroll, content = self.ids.scroll, self.ids.content
        hidden = content.height - scroll.height
        if hidden <= 0:
            return
        target = max(0.0, scroll.scroll_y - PAGE * scroll.height / hidden)
        Animation.cancel_all(scroll, "scroll_y")
        Animation(scroll_y=target, duration=0.25, t="out_quad").start(scroll)

    def _follow_scroll(self, *_: object) -> None:
        """The cue while something is below the view; the action live (and saying what
        it does) once the end has been in view on screen, not before."""
        scroll, content = self.ids.scroll, self.ids.content
        below = max(content.height - scroll.height, 0.0) * max(scroll.scroll_y, 0.0)
        at_end = below <= self.app.u * END_SLACK
        # Before the list settles, only a scroll the person made reaches its end.
        if at_end and self._on_screen and (self._settled or scroll.scroll_y < 1):
            self._read_to_the_end = True
        self.ids.cue.shown = not at_end
        action = self.ids.action
        action.disabled = not self._read_to_the_end
        wanted = self._button_text if self._read_to_the_end else translate(READ_TO_THE_END)
        if action.text != wanted:
            action.text = wanted

    def clear_personal(self) -> None:
        self.ids.rows.clear_widgets()
        self.ids.warnings.clear_widgets()
        self._summary_key = None
        self._read_to_the_end = False


load_kv(__name__)

"""Choose one of a list central gave (the address book, level by level): Chinese names
with their English or pinyin, so nobody has to type or read Chinese."""

from __future__ import annotations

from kiosk.ui.i18n import _, translate
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.messages import describe
from kiosk.ui.screens.base import FlowScreen
from kiosk.ui.widgets import Tile


class ChooseScreen(FlowScreen):
    back_icon = icon("arrow-left")
    cancel_icon = icon("close")

    def refresh(self) -> None:
        flow = self.flow
        shown = flow.choice_list() if flow is not None else None
        if flow is None or shown is None:
            return
        self.ids.heading.text = translate(shown.heading)
        self.ids.trail.text = shown.trail
        self.ids.tiles.clear_widgets()
        for choice in shown.choices:
            tile = Tile(title=choice.title, subtitle=choice.subtitle, key=choice.id,
                        icon=icon(shown.icon), title_font="Kiosk-zh-Hans")
            tile.bind(on_release=self._chosen)
            self.ids.tiles.add_widget(tile)
        if flow.error is not None:
            message = describe(flow.error)
            self.ids.notice.text = f"{message.text}\n{message.code}"
        else:
            self.ids.notice.text = ""
        self.ids.back.text = _("Back")
        self.ids.cancel.text = _("Cancel")
        self.update_flow_header(flow)

    def _chosen(self, tile: Tile) -> None:
        key: str = tile.key
        self.act(lambda flow: flow.choose(key))

    def clear_personal(self) -> None:
        self.ids.tiles.clear_widgets()
        self.ids.trail.text = ""


load_kv(__name__)

"""Choose one of a list central gave (the address book, level by level): Chinese names
with their English or pinyin, so nobody has to type or read Chinese."""

from __future__ import annotations

from kiosk.ui.i18n import _, translate
from kiosk.ui.icons import icon
from kiosk.ui.messages import describe
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import Tile


class ChooseScreen(KioskScreen):
    back_icon = icon("arrow-left")
    cancel_icon = icon("close")

    def refresh(self) -> None:
        flow = self.app.flow
        if flow is None:
            return
        texts = flow.choose_texts()
        self.ids.heading.text = translate(texts["heading"])
        self.ids.trail.text = texts.get("trail", "")
        self.ids.tiles.clear_widgets()
        for choice in flow.choices():
            tile = Tile(title=choice.title, subtitle=choice.subtitle, key=choice.id,
                        icon=icon(texts.get("icon", "map-marker")),
                        title_font="Kiosk-zh-Hans")
            tile.bind(on_release=lambda t: self.app.flow_action("choose", t.key))
            self.ids.tiles.add_widget(tile)
        if flow.error is not None:
            message = describe(flow.error)
            self.ids.notice.text = f"{message.text}\n{message.code}"
        else:
            self.ids.notice.text = ""
        self.ids.back.text = _("Back")
        self.ids.cancel.text = _("Cancel")
        self.update_header(_(flow.title), (flow.step_number, flow.total_steps))

    def clear_personal(self) -> None:
        self.ids.tiles.clear_widgets()
        self.ids.trail.text = ""


load_kv(__file__)

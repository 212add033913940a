"""Home: the self-services, unavailable ones greyed with the reason."""

from __future__ import annotations

from kivy.animation import Animation

from kiosk.ui.i18n import N_, _
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.screens.attract import SERVICES
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets import Tile

TITLES = {
    "bill_payment": N_("Pay a utility bill"),
    "tax_record": N_("Tax payment record"),
    "accommodation": N_("Accommodation registration"),
    "arbitration": N_("Labour arbitration"),
    "points": N_("Points self-assessment"),
}
NOT_YET = N_("Not available at this kiosk yet")


class HomeScreen(KioskScreen):
    finish_icon = icon("close")
    shows_availability = True  # each service's tile

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.tiles: dict[str, Tile] = {}

    def on_pre_enter(self, *_: object) -> None:
        self.refresh()

    def clear_personal(self) -> None:
        """The next person finds the list at its top (a full run met it where the last
        session had scrolled it)."""
        scroll = self.ids.scroll
        Animation.cancel_all(scroll, "scroll_y")
        scroll.scroll_y = 1

    def refresh(self) -> None:
        if not self.tiles:
            for key, icon_name, _description in SERVICES:
                tile = Tile(icon=icon(icon_name), key=key)
                tile.bind(on_release=lambda t: self.app.start_service(t.key))
                self.tiles[key] = tile
                self.ids.tiles.add_widget(tile)
        available = self.app.available_services()
        for key, _icon, description in SERVICES:
            tile = self.tiles[key]
            tile.title = _(TITLES[key])
            reason = available.get(key)
            tile.disabled = reason is not None
            tile.subtitle = _(reason) if reason is not None else _(description)
        self.update_header(_("Self-service"))
        self.ids.heading.text = _("What would you like to do?")
        self.ids.finish.text = _("Finish")


load_kv(__name__)

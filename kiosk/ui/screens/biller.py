"""Bill payment, step 1: which company's bill."""

from __future__ import annotations

from kiosk.ui.i18n import N_, _
from kiosk.ui.icons import BILLER_ICONS, icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.screens.base import FlowScreen
from kiosk.ui.widgets import Tile

BILLER_TYPES = {
    "WATER": N_("Water"),
    "ELECTRICITY": N_("Electricity"),
    "GAS": N_("Gas"),
    "TELECOM": N_("Mobile phone"),
}


class BillerScreen(FlowScreen):
    back_icon = icon("arrow-left")
    cancel_icon = icon("close")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.tiles: dict[str, Tile] = {}

    def refresh(self) -> None:
        flow = self.flow
        if flow is None:
            return
        billers = flow.billers()
        if not self.tiles:
            for biller in billers:
                tile = Tile(icon=icon(BILLER_ICONS.get(biller.type, "cash")), key=biller.id)
                tile.bind(on_release=self._chosen)
                self.tiles[biller.id] = tile
                self.ids.tiles.add_widget(tile)
        for biller in billers:
            tile = self.tiles[biller.id]
            tile.title = _(BILLER_TYPES.get(biller.type, biller.type))
            tile.subtitle = f"{biller.name_zh}  ·  {biller.name_en}"
            tile.subtitle_font = "Kiosk-zh-Hans"
        self.update_flow_header(flow)
        self.ids.heading.text = _("Which bill do you want to pay?")
        self.ids.back.text = _("Back")
        self.ids.cancel.text = _("Cancel")

    def _chosen(self, tile: Tile) -> None:
        key: str = tile.key
        self.act(lambda flow: flow.choose(key))


load_kv(__name__)

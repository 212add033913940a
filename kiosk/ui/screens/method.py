"""Bill payment, step 4: how to pay, by bank card or with a QR payment app (Alipay,
WeChat Pay, UnionPay QR). Text and icons, never the providers' logos; a way that cannot
pay now is greyed with the reason."""

from __future__ import annotations

from kiosk.services.contract import MethodOption
from kiosk.ui.i18n import N_, _, money
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.messages import method_unavailable_reason
from kiosk.ui.screens.base import FlowScreen
from kiosk.ui.widgets import Tile

# What each way to pay asks of the person, under its name.
HOW = {
    "card": N_("Insert, tap or swipe a bank card on the terminal"),
    "alipay": N_("Pay in the Alipay app"),
    "wechat": N_("Pay in the WeChat app"),
    "unionpay": N_("Pay in the UnionPay app or your bank's app"),
}


class MethodScreen(FlowScreen):
    back_icon = icon("arrow-left")
    cancel_icon = icon("close")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.tiles: dict[str, Tile] = {}

    def refresh(self) -> None:
        flow = self.flow
        choice = flow.method_choice() if flow is not None else None
        if flow is None or choice is None:
            return
        for option in choice.options:
            tile = self._tile(option)
            tile.title = _(option.label)
            tile.disabled = choice.checking or option.unavailable is not None
            tile.subtitle = (_(method_unavailable_reason(option.unavailable))
                             if option.unavailable is not None else _(HOW.get(option.key, "")))
        self.ids.heading.text = _("How do you want to pay?")
        self.ids.amount.text = money(choice.amount)
        self.ids.checking.text = _("One moment…") if choice.checking else ""
        self.ids.back.text = _("Back")
        self.ids.cancel.text = _("Cancel")
        self.update_flow_header(flow)

    def _tile(self, option: MethodOption) -> Tile:
        tile = self.tiles.get(option.key)
        if tile is None:
            tile = Tile(icon=icon(option.icon), key=option.key)
            tile.bind(on_release=self._chosen)
            self.tiles[option.key] = tile
            self.ids.tiles.add_widget(tile)
        return tile

    def _chosen(self, tile: Tile) -> None:
        key: str = tile.key
        self.act(lambda flow: flow.choose(key))

    def clear_personal(self) -> None:
        self.ids.amount.text = ""


load_kv(__name__)

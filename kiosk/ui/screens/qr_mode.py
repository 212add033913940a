"""Bill payment, step 4 with a QR payment app: the kiosk shows a code for the app to
scan, or the person shows their app's payment code to the kiosk's scanner."""

from __future__ import annotations

from kiosk.ui.i18n import _, money
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.messages import scan_unavailable_reason
from kiosk.ui.screens.base import FlowScreen
from kiosk.ui.widgets import Tile


class QrModeScreen(FlowScreen):
    back_icon = icon("arrow-left")
    cancel_icon = icon("close")
    shows_availability = True  # "scan my app's code" while the scanner is gone or back

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.tiles: dict[str, Tile] = {}
        for key, name in (("show", "qrcode"), ("scan", "barcode-scan")):
            tile = Tile(icon=icon(name), key=key)
            tile.bind(on_release=self._chosen)
            self.tiles[key] = tile
            self.ids.tiles.add_widget(tile)

    def refresh(self) -> None:
        flow = self.flow
        choice = flow.qr_mode_choice() if flow is not None else None
        if flow is None or choice is None:
            return
        app_name = _(choice.method.label)
        self.ids.heading.text = _("How do you want to pay with {app}?").format(app=app_name)
        self.ids.amount.text = money(choice.amount)
        show, scan = self.tiles["show"], self.tiles["scan"]
        show.title = _("Show me a code")
        show.subtitle = _("Scan the code on this screen with your app")
        scan.title = _("Scan my app's code")
        scan.disabled = choice.scan_unavailable is not None  # greyed, with why
        scan.subtitle = (_(scan_unavailable_reason(choice.scan_unavailable))
                         if choice.scan_unavailable is not None else
                         _("Open the payment code in your app and hold it to the scanner"))
        self.ids.back.text = _("Back")
        self.ids.cancel.text = _("Cancel")
        self.update_flow_header(flow)

    def _chosen(self, tile: Tile) -> None:
        key: str = tile.key
        self.act(lambda flow: flow.choose(key))

    def clear_personal(self) -> None:
        self.ids.amount.text = ""


load_kv(__name__)

"""Out of service: shown instead of the attract loop while a technician has switched
the kiosk off. The message stands in every language at once (nobody has chosen one)
and no touch starts a session; only the technician's hidden corner still answers."""

from __future__ import annotations

from kivy.input.motionevent import MotionEvent
from kivy.uix.boxlayout import BoxLayout

from kiosk.ui import theme
from kiosk.ui.fonts import font_name
from kiosk.ui.i18n import N_, in_language
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets import KLabel

HEADING = N_("Out of service")
MESSAGE = N_("This kiosk is out of service. Please use another kiosk or call {hotline}.")


class OutOfServiceScreen(KioskScreen):
    alert_icon = icon("alert")

    def refresh(self) -> None:
        app = self.app
        default = app.services.default_language
        self.ids.heading.text = in_language(default, HEADING)
        self.ids.heading.font_name = font_name(default)
        box: BoxLayout = self.ids.messages
        box.clear_widgets()
        for lang in app.languages:
            box.add_widget(KLabel(
                text=in_language(lang, MESSAGE).format(hotline=app.settings.hotline),
                font_name=font_name(lang), halign="center",
                font_size=app.fs * (theme.BODY if lang == default else theme.SMALL)))

    def on_touch_down(self, touch: MotionEvent) -> bool:
        """Customers' touches do nothing here; the hidden corner still opens the PIN."""
        if self.collide_point(*touch.pos):
            self.app.technician_corner_tap(touch)
            return True
        return False


load_kv(__name__)

"""Technician mode: reprint a paid payment's receipt by its reference, typed on the
kiosk's own Latin keyboard (capitals, digits, hyphen), through the reprint service.
In the kiosk's language like every screen."""

from __future__ import annotations

import threading

from kiosk.services.ports import PrintReport
from kiosk.ui import keyboard  # noqa: F401 - registers LatinKeyboard for the .kv
from kiosk.ui.i18n import N_, translate
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.technician import print_notice, run_off_ui

TEXTS = {
    "title": N_("Reprint a receipt"),
    "prompt": N_("Payment reference, as on the screen or in the journal"),
    "reprint": N_("Print again"),
    "back": N_("Back"),
    "printing": N_("Printing…"),
    "outcome": N_("Reprint"),  # the noun the slip carries too: "Reprint R-1: printed"
}


class TechnicianReprintScreen(KioskScreen):
    back_icon = icon("arrow-left")
    print_icon = icon("printer")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def on_kv_post(self, _base_widget: object) -> None:
        self.ids.keyboard.target = self.ids.reference

    def on_pre_enter(self, *_: object) -> None:
        self.ids.reference.text = ""
        self.ids.notice.text = ""
        self.refresh()

    def refresh(self) -> None:
        ids = self.ids
        self.update_header(translate(TEXTS["title"]))
        ids.prompt.text = translate(TEXTS["prompt"])
        ids.reprint.text = translate(TEXTS["reprint"])
        ids.back.text = translate(TEXTS["back"])
        ids.reprint.disabled = ids.keyboard.disabled = self.busy

    def reprint(self) -> None:
        technician = self.app.technician
        reference = self.ids.reference.text.strip()
        if technician is None or self.busy or not reference:
            return
        self.ids.notice.kind, self.ids.notice.text = "info", translate(TEXTS["printing"])

        def done(report: PrintReport | None, error: str | None) -> None:
            print_notice(self.ids.notice, translate(TEXTS["outcome"]), report, error)
            if report is None:
                self.ids.notice.text += f" {reference}"
            self.refresh()

        self._thread = run_off_ui("reprint", lambda: technician.port.reprint(reference), done)
        self.refresh()

    def back(self) -> None:
        self.app.show_screen("technician")

    def clear_personal(self) -> None:
        self.ids.reference.text = ""
        self.ids.notice.text = ""


load_kv(__name__)

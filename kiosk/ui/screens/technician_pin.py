"""Technician mode, the door: a masked PIN on the numeric keypad, opened by the hidden
gesture (app.py, TECHNICIAN_CORNER). Wrong PINs count down to a lockout (PinGate).
In the kiosk's language like every screen."""

from __future__ import annotations

import threading

from kivy.clock import Clock

from kiosk.services.technician import PinCheck
from kiosk.ui.i18n import N_, translate
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.screens.base import KioskScreen

MAX_PIN_LENGTH = 12
MASK = "•"
TEXTS = {
    "title": N_("Technician mode"),
    "prompt": N_("Enter the technician PIN"),
    "placeholder": N_("PIN"),
    "unlock": N_("Unlock"),
    "back": N_("Back"),
    "checking": N_("Checking…"),
    "not_configured": N_("No technician PIN is set at this kiosk, so technician mode cannot "
                         "be opened. Set technician.pin_hash (see `kiosk technician-pin`)."),
    "wrong": N_("Wrong PIN. Tries left before a lockout: {tries}."),
    "locked": N_("Too many wrong PINs: locked for {minutes} min {seconds} s."),
}


def text_for(key: str, **values: object) -> str:
    """TEXTS[key] in the current language, its {placeholders} filled."""
    message = translate(TEXTS[key])
    return message.format(**values) if values else message


class TechnicianPinScreen(KioskScreen):
    lock_icon = icon("lock")
    back_icon = icon("arrow-left")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._pin = ""
        self._checking: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        return self._checking is not None and self._checking.is_alive()

    def on_pre_enter(self, *_: object) -> None:
        self._pin = ""
        self.ids.notice.text = ""
        self.ids.entry.invalid = False
        self.refresh()

    def refresh(self) -> None:
        ids = self.ids
        self.update_header(text_for("title"))
        ids.prompt.text = text_for("prompt")
        ids.entry.placeholder = text_for("placeholder")
        ids.entry.value = MASK * len(self._pin)
        ids.unlock.text = text_for("unlock")
        ids.back.text = text_for("back")
        technician = self.app.technician
        gate = technician.gate if technician is not None else None
        usable = gate is not None and gate.configured and not gate.locked_for()
        if gate is None or not gate.configured:
            ids.notice.text = text_for("not_configured")
        elif gate.locked_for():
            ids.notice.text = self._locked_text(gate.locked_for())
        for widget in (ids.keypad, ids.unlock):
            widget.disabled = not usable or self.busy

    @staticmethod
    def _locked_text(seconds: float) -> str:
        whole = int(seconds + 0.999)
        return text_for("locked", minutes=whole // 60, seconds=whole % 60)

    def on_key(self, key: str) -> None:
        if key == "clear":
            self._pin = ""
        elif key == "back":
            self._pin = self._pin[:-1]
        elif len(self._pin) < MAX_PIN_LENGTH:
            self._pin += key
        self.ids.entry.value = MASK * len(self._pin)
        self.ids.entry.invalid = False

    def submit(self) -> None:
        """Check off the UI thread: PBKDF2 takes a tenth of a second by design."""
        technician = self.app.technician
        if technician is None or self.busy or not self._pin:
            return
        pin, self._pin = self._pin, ""
        self.ids.entry.value = ""
        self.ids.notice.text = text_for("checking")
        self.ids.unlock.disabled = self.ids.keypad.disabled = True

        def check() -> None:
            result = technician.gate.check(pin)
            Clock.schedule_once(lambda _dt: self._checked(result))

        self._checking = threading.Thread(target=check, name="technician-pin", daemon=True)
        self._checking.start()

    def _checked(self, result: PinCheck) -> None:
        self._checking = None
        if self.app.root.current != self.name:
            return  # idled out meanwhile
        if result.ok:
            self.ids.notice.text = ""
            self.app.show_screen("technician")
            return
        if not result.configured:
            self.ids.notice.text = text_for("not_configured")
        elif result.locked_for_s:
            self.ids.notice.text = self._locked_text(result.locked_for_s)
        else:
            self.ids.notice.text = text_for("wrong", tries=result.tries_left)
        self.ids.entry.invalid = True
        self.refresh()

    def cancel(self) -> None:
        self.app.end_session()

    def clear_personal(self) -> None:
        self._pin = ""
        self.ids.entry.value = ""
        self.ids.notice.text = ""


load_kv(__name__)

"""Central or the printer is working: what the kiosk is doing, with a spinner. There is
nothing to touch; it never takes long (every call has a timeout)."""

from __future__ import annotations

from typing import Any

from kiosk.ui.i18n import N_, _
from kiosk.ui.screens.base import KioskScreen, load_kv

DEFAULT = N_("One moment, please…")


class WorkingScreen(KioskScreen):
    def on_enter(self, *_args: Any) -> None:
        self.ids.spinner.start()

    def on_leave(self, *_args: Any) -> None:
        self.ids.spinner.stop()

    def refresh(self) -> None:
        flow = self.app.flow
        if flow is None:
            return
        text = flow.working_text() if hasattr(flow, "working_text") else DEFAULT
        self.ids.message.text = _(text or DEFAULT)
        self.ids.note.text = _("Please wait. This takes a few seconds.")
        self.update_header(_(flow.title), (flow.step_number, flow.total_steps))


load_kv(__file__)

"""Central or the printer is working: what the kiosk is doing, with a spinner. There is
nothing to touch; it never takes long (every call has a timeout)."""

from __future__ import annotations

from kiosk.ui.i18n import N_, _, translate
from kiosk.ui.layouts import load_kv
from kiosk.ui.screens.base import FlowScreen

DEFAULT = N_("One moment, please…")


class WorkingScreen(FlowScreen):
    def on_enter(self, *_args: object) -> None:
        self.ids.spinner.start()

    def on_leave(self, *_args: object) -> None:
        self.ids.spinner.stop()

    def refresh(self) -> None:
        flow = self.flow
        if flow is None:
            return
        self.ids.message.text = translate(flow.working_text() or DEFAULT)
        self.ids.note.text = _("Please wait. This takes a few seconds.")
        self.update_flow_header(flow)


load_kv(__name__)

"""What the person can do alone, at any hour, when the kiosk cannot go on this way (the
one-time code goes to a phone number that is no longer theirs): the flow's Advice in the
person's language, Back to the step before, and the way back to the start (no dead end)."""

from __future__ import annotations

from kiosk.ui.i18n import _
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.screens.base import FlowScreen


class AdviceScreen(FlowScreen):
    back_icon = icon("arrow-left")
    start_icon = icon("home")
    info_icon = icon("information-outline")

    def refresh(self) -> None:
        flow = self.flow
        advice = flow.advice() if flow is not None else None
        if flow is None or advice is None:
            return
        values = {"hotline": self.app.settings.hotline, **advice.values}
        self.ids.heading.text = _(advice.heading).format(**values)
        self.ids.paragraphs.text = "\n\n".join(_(text).format(**values)
                                               for text in advice.paragraphs)
        self.ids.back.text = _(advice.back)
        self.ids.start.text = _("Back to the start")
        self.update_flow_header(flow)

    def back_to_start(self) -> None:
        """Leave the service (the person chose to): its answers go, the services show."""
        self.app.leave_service()

    def clear_personal(self) -> None:
        self.ids.heading.text = ""
        self.ids.paragraphs.text = ""


load_kv(__name__)

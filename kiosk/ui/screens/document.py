"""Place your passport or PR card on the reader: the kiosk waits (and says what was
wrong with a read it could not use), then shows what it read for confirmation."""

from __future__ import annotations

from kiosk.ui.i18n import _
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.messages import describe
from kiosk.ui.screens.base import FlowScreen


class DocumentScreen(FlowScreen):
    cancel_icon = icon("close")

    def on_leave(self, *_: object) -> None:
        self.ids.spinner.stop()

    def refresh(self) -> None:
        flow = self.flow
        if flow is None:
            return
        ids = self.ids
        ids.doc_icon.text = icon("account-card-details")
        ids.title.text = _("Place your passport or ID card on the reader")
        ids.detail.text = _("Open your passport at the photo page and lay it face down on "
                            "the glass below the screen. A PR card goes on the card symbol.")
        ids.arrow.text = icon("arrow-down-bold")
        if flow.error is not None:
            message = describe(flow.error)
            ids.notice.text = f"{message.title}. {message.text}\n{message.code}"
        else:
            ids.notice.text = ""
        if flow.busy:
            ids.spinner.start()
        else:
            ids.spinner.stop()
        waiting_over = not flow.busy
        ids.again.opacity, ids.again.disabled = (1, False) if waiting_over else (0, True)
        ids.again.text = _("Read my document")
        ids.cancel.text = _("Cancel")
        self.update_flow_header(flow)

    def read_again(self) -> None:
        self.act(lambda flow: flow.retry_read())


load_kv(__name__)

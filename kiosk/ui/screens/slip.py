"""The flow is done and its slip printed: what happened, the reference to keep, and
Print again if the printer failed (a slip that costs nothing may simply be printed
again). While the slip has not come out the reference is also shown large and as a QR
code to photograph: at night nobody can print it for the person later."""

from __future__ import annotations

from kiosk.ui.i18n import _, translate
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.messages import describe
from kiosk.ui.reference_code import ReferenceCode
from kiosk.ui.screens.base import FlowScreen


class SlipScreen(FlowScreen):
    print_icon = icon("printer")

    def refresh(self) -> None:
        flow = self.flow
        outcome = flow.outcome() if flow is not None else None
        if flow is None or outcome is None:
            return
        ids = self.ids
        ids.status_icon.text = icon("check-circle")
        ids.title.text = translate(outcome.title)
        ids.detail.text = translate(outcome.detail).format(**outcome.values)
        ids.reference_label.text = translate(outcome.reference_label)
        ids.reference.text = flow.reference
        if flow.receipt_printed:
            ids.receipt_notice.kind = "success"
            ids.receipt_notice.text = _("Please take your slip from the slot below the screen.")
        elif flow.error is not None:
            message = describe(flow.error, hotline=self.app.settings.hotline)
            ids.receipt_notice.kind = "error"
            ids.receipt_notice.text = f"{message.text}\n{message.code}"
        printed = bool(flow.receipt_printed)
        code: ReferenceCode = ids.reference_code  # the slip did not come out: a QR code
        code.keep(flow.reference, on_paper=printed)
        ids.again.opacity, ids.again.disabled = (0, True) if printed else (1, False)
        ids.again.text = _("Print again")
        ids.finish.text = _("Finish")
        self.update_flow_header(flow)

    def print_again(self) -> None:
        self.act(lambda flow: flow.print_again())

    def clear_personal(self) -> None:
        self.ids.reference.text = ""
        self.ids.detail.text = ""
        self.ids.reference_code.clear()


load_kv(__name__)

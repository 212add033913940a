"""Bill payment, step 5: paid. The receipt prints; if it cannot, the reference stays on
screen, large and as a QR code to photograph (as on the self-services' slip screen), and
the message names the hotline, which can have it reprinted
(E_PRINT_FAILED_AFTER_PAYMENT)."""

from __future__ import annotations

from kiosk.ui.i18n import _, money
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.messages import describe
from kiosk.ui.reference_code import ReferenceCode
from kiosk.ui.screens.base import FlowScreen


class DoneScreen(FlowScreen):
    again_icon = icon("refresh")

    def refresh(self) -> None:
        flow = self.flow
        paid = flow.paid() if flow is not None else None
        if flow is None or paid is None:
            return
        ids = self.ids
        printing = paid.printing
        ids.status_icon.text = icon("check-circle")
        ids.title.text = _("Payment successful")
        ids.amount.text = money(paid.amount)
        ids.reference_label.text = _("Your reference")
        ids.reference.text = paid.reference
        if printing:
            ids.spinner.start()
            ids.receipt_notice.kind = "info"
            ids.receipt_notice.text = _("Printing your receipt…")
        else:
            ids.spinner.stop()
            if flow.receipt_printed:
                ids.receipt_notice.kind = "success"
                ids.receipt_notice.text = _(
                    "Please take your receipt from the slot below the screen.")
            elif flow.error is not None:
                message = describe(flow.error)
                ids.receipt_notice.kind = "error"
                ids.receipt_notice.text = f"{message.text}\n{message.code}"
        code: ReferenceCode = ids.reference_code
        code.keep(paid.reference, on_paper=printing or bool(flow.receipt_printed))
        for button in (ids.another, ids.finish):
            button.disabled = printing
        ids.another.text = _("Pay another bill")
        ids.finish.text = _("Finish")
        self.update_flow_header(flow)

    def clear_personal(self) -> None:
        self.ids.reference.text = ""
        self.ids.amount.text = ""
        self.ids.receipt_notice.text = ""
        self.ids.reference_code.clear()


load_kv(__name__)

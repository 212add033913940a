"""Bill payment, step 4 with a QR payment app: the person holds their app's payment code
to the kiosk's scanner (the document reader's barcode mode, or a payment-code scanner of
its own: the screen says which). A refused code is
explained and another may be held there; while the provider decides, or the app asks
the person to confirm, the screen says so. Back offers showing a code instead, or
another way to pay."""

from __future__ import annotations

from kiosk.services.contract import QrPrompt
from kiosk.ui.i18n import N_, _, money
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.messages import describe
from kiosk.ui.screens.base import FlowScreen

PROMPTS = {
    QrPrompt.HOLD_CODE: (N_("Hold your payment code to the scanner"),
                         N_("In your app, open the payment code (Pay / Money) and hold the "
                            "phone's screen flat on the glass.")),
    QrPrompt.PROCESSING: (N_("Paying…"), N_("This takes a few seconds.")),
    QrPrompt.SCANNED: (N_("Paying…"), N_("This takes a few seconds.")),
    QrPrompt.CONFIRM_IN_APP: (N_("Confirm in your app"),
                              N_("Enter your password or confirm the payment in the app.")),
    QrPrompt.CLOSING: (N_("Cancelling…"), N_("If you paid just now, your payment is kept.")),
}


class QrScanScreen(FlowScreen):
    back_icon = icon("arrow-left")
    cancel_icon = icon("close")

    def on_enter(self, *_: object) -> None:
        self.ids.spinner.start()

    def on_leave(self, *_: object) -> None:
        self.ids.spinner.stop()

    def refresh(self) -> None:
        flow = self.flow
        scan = flow.qr_scan() if flow is not None else None
        if flow is None or scan is None:
            return
        waiting = scan.prompt is QrPrompt.HOLD_CODE
        title, detail = PROMPTS[scan.prompt]
        self.ids.amount.text = money(scan.amount)
        self.ids.method.text = _(scan.method.label)
        error = flow.error if waiting else None
        # A refusal takes the scanner picture's place: with both, the column overflows.
        self.ids.scan_icon.text = ("" if error is not None
                                   else icon("barcode-scan" if waiting else "cellphone"))
        self.ids.prompt.text = _(title)
        self.ids.detail.text = _(detail)
        self.ids.scanner.text = _(scan.scanner) if waiting else ""
        if error is not None:
            message = describe(error, hotline=self.app.settings.hotline)
            self.ids.notice.text = f"{message.title}. {message.text}\n{message.code}"
        else:
            self.ids.notice.text = ""
        self.ids.arrow.text = icon("arrow-down-bold") if waiting else ""
        back = self.ids.back
        back.text = _("Pay another way")
        back.disabled = not waiting
        back.opacity = 1 if waiting else 0
        cancel = self.ids.cancel
        cancel.text = _("Cancel payment")
        cancel.disabled = waiting or not scan.can_cancel
        cancel.opacity = 0 if cancel.disabled else 1
        self.update_flow_header(flow)

    def cancel(self) -> None:
        """Taken while the flow works: the order is cancelled (a payment made first is kept)."""
        flow = self.flow
        scan = flow.qr_scan() if flow is not None else None
        if flow is not None and scan is not None and scan.can_cancel:
            flow.cancel_payment()
            self.ids.cancel.disabled = True

    def clear_personal(self) -> None:
        self.ids.amount.text = ""
        self.ids.notice.text = ""


load_kv(__name__)

"""Bill payment, step 4 with a QR payment app: the code to scan. Drawn large, black on
white whatever the theme (a scanner needs the contrast), with the amount, the apps that
can scan it as text (never logos), and the seconds left before it is withdrawn. The
screen follows the payment: scanned, confirm in the app, withdrawing. Cancel withdraws
the code (the order is closed at central; a payment made first is kept)."""

from __future__ import annotations

from kivy.clock import Clock, ClockEvent

from kiosk.services.contract import QrCodePayment, QrPrompt
from kiosk.ui.i18n import N_, _, money
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.qr_image import qr_texture
from kiosk.ui.screens.base import FlowScreen

PROMPTS = {
    QrPrompt.PROCESSING: (N_("Preparing your code…"), N_("This takes a few seconds.")),
    QrPrompt.SHOW_CODE: (N_("Scan this code with your app"),
                         N_("Open the app, tap Scan, and point the phone at the code.")),
    QrPrompt.SCANNED: (N_("Code scanned"), N_("Now pay in your app.")),
    QrPrompt.CONFIRM_IN_APP: (N_("Confirm in your app"),
                              N_("Enter your password or confirm the payment in the app.")),
    QrPrompt.CLOSING: (N_("Withdrawing the code…"),
                       N_("If you paid just now, your payment is kept.")),
}


class QrCodeScreen(FlowScreen):
    cancel_icon = icon("close")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.drawn_content: str | None = None  # what the code on screen says
        self._tick: ClockEvent | None = None

    def on_enter(self, *_: object) -> None:
        self._tick = Clock.schedule_interval(lambda _dt: self._countdown(), 0.5)

    def on_leave(self, *_: object) -> None:
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None

    def refresh(self) -> None:
        flow = self.flow
        payment = flow.qr_code() if flow is not None else None
        if flow is None or payment is None:
            return
        self._draw(payment)
        title, detail = PROMPTS[payment.prompt]
        self.ids.amount.text = money(payment.amount)
        self.ids.prompt.text = _(title)
        self.ids.detail.text = _(detail)
        self.ids.apps.text = _("Scan with: {apps}").format(
            apps=", ".join(_(app) for app in payment.apps))
        cancel = self.ids.cancel
        cancel.text = _("Cancel payment")
        cancel.disabled = not payment.can_cancel
        cancel.opacity = 1 if payment.can_cancel else 0
        self._show_time(payment)
        self.update_flow_header(flow)

    def _draw(self, payment: QrCodePayment) -> None:
        showing = payment.prompt is QrPrompt.SHOW_CODE and payment.content is not None
        content = payment.content if showing else None
        if content != self.drawn_content:
            self.ids.code.texture = qr_texture(content) if content is not None else None
            self.drawn_content = content
        self.ids.code_box.opacity = 1 if content is not None else 0

    def _countdown(self) -> None:
        flow = self.flow
        payment = flow.qr_code() if flow is not None else None
        if payment is not None:
            self._show_time(payment)

    def _show_time(self, payment: QrCodePayment) -> None:
        shown = payment.prompt in (QrPrompt.SHOW_CODE, QrPrompt.SCANNED,
                                   QrPrompt.CONFIRM_IN_APP)
        minutes, seconds = divmod(payment.seconds_left, 60)
        self.ids.time_left.text = _("Time left: {time}").format(
            time=f"{minutes}:{seconds:02d}") if shown else ""

    def cancel(self) -> None:
        """Taken while the flow works (the order is followed on its worker)."""
        flow = self.flow
        payment = flow.qr_code() if flow is not None else None
        if flow is not None and payment is not None and payment.can_cancel:
            flow.cancel_payment()
            self.ids.cancel.disabled = True

    def clear_personal(self) -> None:
        self.ids.amount.text = ""
        self.ids.code.texture = None
        self.drawn_content = None


load_kv(__name__)

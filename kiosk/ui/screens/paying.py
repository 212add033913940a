"""Bill payment, step 4: the card terminal is working. Mirrors the terminal's prompts;
the user can cancel while the terminal waits for the card, not while the bank decides."""

from __future__ import annotations

from kivy.animation import Animation

from kiosk.services.contract import CardPrompt
from kiosk.ui.i18n import N_, _, money
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.screens.base import FlowScreen

PROMPTS = {
    None: (N_("Insert, tap or swipe your card"), N_("Use the card terminal below the screen.")),
    CardPrompt.PRESENT_CARD: (N_("Insert, tap or swipe your card"),
                              N_("Use the card terminal below the screen.")),
    CardPrompt.ENTER_PIN: (N_("Enter your PIN"),
                           N_("Type your PIN on the card terminal and press the green key.")),
    CardPrompt.PROCESSING: (N_("Waiting for your bank…"), N_("This takes a few seconds.")),
    CardPrompt.REMOVE_CARD: (N_("Please take your card"), N_("The payment is being completed.")),
}


class PayingScreen(FlowScreen):
    cancel_icon = icon("close")

    def on_enter(self, *_: object) -> None:
        self.ids.spinner.start()
        pulse = Animation(opacity=0.35, duration=0.6) + Animation(opacity=1, duration=0.6)
        pulse.repeat = True
        pulse.start(self.ids.card_icon)

    def on_leave(self, *_: object) -> None:
        self.ids.spinner.stop()
        Animation.cancel_all(self.ids.card_icon)
        self.ids.card_icon.opacity = 1

    def refresh(self) -> None:
        flow = self.flow
        payment = flow.card_payment() if flow is not None else None
        if flow is None or payment is None:
            return
        title, detail = PROMPTS[payment.prompt]
        self.ids.amount.text = money(payment.amount)  # what the card is charged
        self.ids.card_icon.text = icon("credit-card-scan")
        self.ids.prompt.text = _(title)
        self.ids.detail.text = _(detail)
        self.ids.arrow.text = icon("arrow-down-bold")  # the terminal is below the screen
        self.ids.footer_note.text = _("Follow the instructions on the card terminal.")
        # Cancel is offered only while the terminal waits for the card; after that the
        # bank decides and the terminal's own keys are the way out.
        cancel = self.ids.cancel
        cancel.text = _("Cancel payment")
        cancel.disabled = not payment.can_cancel
        cancel.opacity = 1 if payment.can_cancel else 0
        self.update_flow_header(flow)

    def cancel(self) -> None:
        """Taken while the flow works (the sale runs on its worker): the terminal stops."""
        flow = self.flow
        payment = flow.card_payment() if flow is not None else None
        if flow is not None and payment is not None and payment.can_cancel:
            flow.cancel_payment()
            self.ids.cancel.disabled = True

    def clear_personal(self) -> None:
        self.ids.amount.text = ""


load_kv(__name__)

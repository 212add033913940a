"""The flow is done and its slip printed: what happened, the reference to keep, and
Print again if the printer failed (a slip that costs nothing may simply be printed
again). While the slip has not come out the reference is also shown large and as a QR
code to photograph: at night nobody can print it for the person later."""

from __future__ import annotations

from kivy.properties import BooleanProperty

from kiosk.ui.i18n import _, translate
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.messages import describe
from kiosk.ui.qr_image import qr_texture
from kiosk.ui.screens.base import FlowScreen


class SlipScreen(FlowScreen):
    print_icon = icon("printer")
    # The slip did not come out: the reference large and as a QR code (kv).
    keep_on_screen = BooleanProperty(False)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.drawn_reference: str | None = None  # what the QR code on screen says

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
        self._show_code(None if printed or not flow.reference else flow.reference)
        ids.again.opacity, ids.again.disabled = (0, True) if printed else (1, False)
        ids.again.text = _("Print again")
        ids.finish.text = _("Finish")
        self.update_flow_header(flow)

    def _show_code(self, reference: str | None) -> None:
        self.keep_on_screen = reference is not None
        self.ids.code_hint.text = _("Take a photo of this code: it holds your reference.")
        if reference != self.drawn_reference:
            self.ids.code.texture = qr_texture(reference) if reference is not None else None
            self.drawn_reference = reference

    def print_again(self) -> None:
        self.act(lambda flow: flow.print_again())

    def clear_personal(self) -> None:
        self.ids.reference.text = ""
        self.ids.detail.text = ""
        self._show_code(None)


load_kv(__name__)

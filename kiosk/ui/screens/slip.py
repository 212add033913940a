"""The flow is done and its slip printed: what happened, the reference to keep, and
Print again if the printer failed (a slip that costs nothing may simply be printed
again)."""

from __future__ import annotations

from kiosk.ui.i18n import _, translate
from kiosk.ui.icons import icon
from kiosk.ui.messages import describe
from kiosk.ui.screens.base import KioskScreen, load_kv


class SlipScreen(KioskScreen):
    print_icon = icon("printer")

    def refresh(self) -> None:
        flow = self.app.flow
        if flow is None:
            return
        texts = flow.done_texts()
        ids = self.ids
        ids.status_icon.text = icon("check-circle")
        ids.title.text = translate(texts["title"])
        ids.detail.text = translate(texts.get("detail", "")).format(**texts.get("values", {}))
        ids.reference_label.text = translate(texts.get("reference_label", "Your reference"))
        ids.reference.text = flow.reference
        if flow.receipt_printed:
            ids.receipt_notice.kind = "success"
            ids.receipt_notice.text = _("Please take your slip from the slot below the screen.")
        elif flow.error is not None:
            message = describe(flow.error)
            ids.receipt_notice.kind = "error"
            ids.receipt_notice.text = f"{message.text}\n{message.code}"
        printed = bool(flow.receipt_printed)
        ids.again.opacity, ids.again.disabled = (0, True) if printed else (1, False)
        ids.again.text = _("Print again")
        ids.finish.text = _("Finish")
        self.update_header(_(flow.title), (flow.step_number, flow.total_steps))

    def clear_personal(self) -> None:
        self.ids.reference.text = ""
        self.ids.detail.text = ""


load_kv(__file__)

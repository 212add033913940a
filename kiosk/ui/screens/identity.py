"""Is this you? / Is this your employer? What was read or found, for the user to
confirm before anything is asked of central or submitted (the MRZ name line has no check
digit, DOMAIN.md 1.1)."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.ui.i18n import N_, _, translate
from kiosk.ui.icons import icon
from kiosk.ui.messages import describe
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import SummaryRow


DEFAULTS = {
    "heading": N_("Is this you?"),
    "detail": N_("This is what the reader read from your document."),
    "button": N_("Yes, that is me"),
    "back": N_("No, read again"),
    "command": "confirm_person",
}


class IdentityScreen(KioskScreen):
    back_icon = icon("arrow-left")
    cancel_icon = icon("close")
    command = StringProperty("confirm_person")

    def refresh(self) -> None:
        flow = self.app.flow
        if flow is None:
            return
        texts = {**DEFAULTS, **(flow.confirm_texts() if hasattr(flow, "confirm_texts") else {})}
        self.command = texts["command"]
        rows = flow.confirm_rows() if hasattr(flow, "confirm_rows") else flow.identity_rows()
        self.ids.rows.clear_widgets()
        for row in rows:
            self.ids.rows.add_widget(SummaryRow(label=_(row.label), value=row.value,
                                                emphasis=row.emphasis))
        self.ids.heading.text = translate(texts["heading"])
        self.ids.detail.text = translate(texts["detail"])
        note = texts.get("note", "")
        self.ids.notice.text = _(note) if note else ""
        self.ids.notice.kind = "info"
        error = getattr(flow, "confirm_error", None)  # e.g. wait before a new SMS code
        if error is not None:
            message = describe(error, hotline=self.app.settings.hotline)
            self.ids.notice.text = f"{message.text}\n{message.code}"
            self.ids.notice.kind = "error"
        self.ids.confirm.text = translate(texts["button"])
        self.ids.back.text = translate(texts["back"])
        self.ids.cancel.text = _("Cancel")
        self.update_header(_(flow.title), (flow.step_number, flow.total_steps))

    def clear_personal(self) -> None:
        self.ids.rows.clear_widgets()


load_kv(__file__)

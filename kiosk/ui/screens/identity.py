"""Is this you? / Is this your employer? What was read or found, for the user to
confirm before anything is asked of central or submitted (the MRZ name line has no check
digit, docs/spec/checks.md#identity-documents)."""

from __future__ import annotations

from kiosk.ui.i18n import _, translate
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.messages import describe
from kiosk.ui.screens.base import FlowScreen
from kiosk.ui.widgets import SummaryRow


class IdentityScreen(FlowScreen):
    back_icon = icon("arrow-left")
    cancel_icon = icon("close")

    def refresh(self) -> None:
        flow = self.flow
        shown = flow.confirmation() if flow is not None else None
        if flow is None or shown is None:
            return
        self.ids.rows.clear_widgets()
        for row in shown.rows:
            self.ids.rows.add_widget(SummaryRow(label=translate(row.label), value=row.value,
                                                emphasis=row.emphasis))
        self.ids.heading.text = translate(shown.heading)
        self.ids.detail.text = translate(shown.detail)
        self.ids.notice.text = translate(shown.note) if shown.note else ""
        self.ids.notice.kind = "info"
        if shown.error is not None:  # e.g. wait before a new SMS code
            message = describe(shown.error, hotline=self.app.settings.hotline)
            self.ids.notice.text = f"{message.text}\n{message.code}"
            self.ids.notice.kind = "error"
        self.ids.confirm.text = translate(shown.button)
        self.ids.back.text = translate(shown.back)
        self.ids.cancel.text = _("Cancel")
        self.update_flow_header(flow)

    def confirm(self) -> None:
        self.act(lambda flow: flow.confirm())

    def clear_personal(self) -> None:
        self.ids.rows.clear_widgets()


load_kv(__name__)

"""Everything at a glance before it is submitted or printed: the flow's rows, its
warnings (each with what it means), and one primary action."""

from __future__ import annotations

from kiosk.ui.i18n import _, translate
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.messages import describe, warning_text
from kiosk.ui.screens.base import FlowScreen
from kiosk.ui.widgets import Notice, SummaryRow


class SummaryScreen(FlowScreen):
    back_icon = icon("arrow-left")
    cancel_icon = icon("close")

    def refresh(self) -> None:
        flow = self.flow
        summary = flow.summary() if flow is not None else None
        if flow is None or summary is None:
            return
        self.ids.heading.text = translate(summary.heading)
        self.ids.action.text = translate(summary.button)
        self.ids.rows.clear_widgets()
        for row in summary.rows:
            self.ids.rows.add_widget(SummaryRow(label=translate(row.label), value=row.value,
                                                emphasis=row.emphasis))
        self.ids.warnings.clear_widgets()
        values = flow.question_values()
        for code in flow.warnings:
            self.ids.warnings.add_widget(Notice(text=warning_text(code, values), kind="info"))
        if flow.error is not None:
            message = describe(flow.error)
            self.ids.notice.text = f"{message.text}\n{message.code}"
        else:
            self.ids.notice.text = ""
        self.ids.back.text = _("Back")
        self.ids.cancel.text = _("Cancel")
        self.update_flow_header(flow)

    def confirm(self) -> None:
        """The one primary action: whatever the summary's button says."""
        self.act(lambda flow: flow.confirm())

    def clear_personal(self) -> None:
        self.ids.rows.clear_widgets()
        self.ids.warnings.clear_widgets()


load_kv(__name__)

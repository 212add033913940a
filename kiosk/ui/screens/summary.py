"""Everything at a glance before it is submitted or printed: the flow's rows, its
warnings (each with what it means), and one primary action."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.ui.i18n import _, translate
from kiosk.ui.icons import icon
from kiosk.ui.messages import describe, warning_text
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import Notice, SummaryRow


class SummaryScreen(KioskScreen):
    back_icon = icon("arrow-left")
    cancel_icon = icon("close")
    command = StringProperty("")

    def refresh(self) -> None:
        flow = self.app.flow
        if flow is None:
            return
        texts = flow.summary_texts()
        self.command = texts["command"]
        self.ids.heading.text = translate(texts["heading"])
        self.ids.action.text = translate(texts["button"]).format(**texts.get("values", {}))
        self.ids.rows.clear_widgets()
        for row in flow.summary_rows():
            self.ids.rows.add_widget(SummaryRow(label=_(row.label), value=row.value,
                                                emphasis=row.emphasis))
        self.ids.warnings.clear_widgets()
        for code in getattr(flow, "warnings", []):
            self.ids.warnings.add_widget(Notice(text=warning_text(code, flow), kind="info"))
        if flow.error is not None:
            message = describe(flow.error)
            self.ids.notice.text = f"{message.text}\n{message.code}"
        else:
            self.ids.notice.text = ""
        self.ids.back.text = _("Back")
        self.ids.cancel.text = _("Cancel")
        self.update_header(_(flow.title), (flow.step_number, flow.total_steps))

    def clear_personal(self) -> None:
        self.ids.rows.clear_widgets()
        self.ids.warnings.clear_widgets()


load_kv(__file__)

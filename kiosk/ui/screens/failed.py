"""Bill payment: the card was not charged (declined, cancelled, terminal down) or the
outcome needs staff. Says what happened and what to do next."""

from __future__ import annotations

from kiosk.errors import ErrorCode
from kiosk.ui.i18n import _
from kiosk.ui.icons import icon
from kiosk.ui.messages import describe
from kiosk.ui.screens.base import KioskScreen, load_kv


class FailedScreen(KioskScreen):
    finish_icon = icon("close")

    def refresh(self) -> None:
        flow = self.app.flow
        if flow is None or flow.error is None:
            return
        message = describe(flow.error, hotline=self.app.settings.hotline)
        self.ids.status_icon.text = icon("alert-circle")
        self.ids.title.text = message.title
        self.ids.message.text = message.text
        self.ids.code.text = message.code
        if hasattr(flow, "can_retry"):
            retry = flow.can_retry
        else:
            retry = flow.error.code in (ErrorCode.CARD_DECLINED, ErrorCode.TIMEOUT_REVERSAL,
                                        ErrorCode.DEVICE_UNAVAILABLE, ErrorCode.PAYMENT_CANCELLED) \
                and flow.error.detail.get("refund_due") != "true"
        self.ids.again.disabled = not retry
        self.ids.again.opacity = 1 if retry else 0
        self.ids.again.text = (_("Try another card") if flow.error.code is ErrorCode.CARD_DECLINED
                               else _("Try again"))
        self.ids.finish.text = _("Finish")
        title = _(flow.title) if hasattr(flow, "title") else _("Pay a utility bill")
        self.update_header(title, (flow.step_number, flow.total_steps))

    def clear_personal(self) -> None:
        self.ids.message.text = ""


load_kv(__file__)

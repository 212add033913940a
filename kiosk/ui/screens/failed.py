"""The flow could not go on: the card was not charged (declined, cancelled, terminal
down), central refused or is away, or the outcome needs staff. Says what happened and
what to do next; Try again where the flow offers it."""

from __future__ import annotations

from kiosk.errors import ErrorCode
from kiosk.ui.i18n import _
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.messages import describe
from kiosk.ui.screens.base import FlowScreen


class FailedScreen(FlowScreen):
    finish_icon = icon("close")

    def refresh(self) -> None:
        flow = self.flow
        if flow is None or flow.error is None:
            return
        message = describe(flow.error, hotline=self.app.settings.hotline)
        self.ids.status_icon.text = icon("alert-circle")
        self.ids.title.text = message.title
        self.ids.message.text = message.text
        self.ids.code.text = message.code
        retry = flow.can_retry
        self.ids.again.disabled = not retry
        self.ids.again.opacity = 1 if retry else 0
        self.ids.again.text = (_("Try another card") if flow.error.code is ErrorCode.CARD_DECLINED
                               else _("Try again"))
        self.ids.finish.text = _("Finish")
        self.update_flow_header(flow)

    def try_again(self) -> None:
        self.act(lambda flow: flow.try_again())

    def clear_personal(self) -> None:
        self.ids.message.text = ""


load_kv(__name__)

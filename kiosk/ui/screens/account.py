"""Bill payment, step 2: the account number, typed on the on-screen keypad."""

from __future__ import annotations

from kiosk.ui.i18n import _
from kiosk.ui.icons import BILLER_ICONS, icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.messages import describe
from kiosk.ui.screens.base import FlowScreen


class AccountScreen(FlowScreen):
    back_icon = icon("arrow-left")
    cancel_icon = icon("close")
    barcode_icon = icon("barcode-scan")

    def refresh(self) -> None:
        flow = self.flow
        entry = flow.account_entry() if flow is not None else None
        if flow is None or entry is None:
            return
        ids = self.ids
        biller = entry.biller
        ids.entry.value = entry.account_no
        ids.biller_icon.text = icon(BILLER_ICONS.get(biller.type, "cash"))
        ids.biller_name.text = f"{biller.name_zh}  ·  {biller.name_en}"
        ids.instruction.text = _("Enter your account number")
        ids.entry.placeholder = _("Account number")
        ids.hint.text = _("You find it on your bill, for example {example}.").format(
            example=biller.account_example)
        if flow.error is not None:
            message = describe(flow.error, example=biller.account_example)
            ids.notice.text = f"{message.text}\n{message.code}"
            ids.entry.invalid = True
        else:
            ids.notice.text = ""
        busy = entry.looking_up
        ids.busy.opacity = 1 if busy else 0
        ids.busy_text.text = _("Looking up your bill…") if busy else ""
        if busy:
            ids.spinner.start()
        else:
            ids.spinner.stop()
        for widget in (ids.keypad, ids.submit, ids.back, ids.cancel, ids.use_barcode):
            widget.disabled = busy
        ids.use_barcode.text = _("Use the barcode on my bill instead")
        ids.submit.text = _("Find my bill")
        ids.back.text = _("Back")
        ids.cancel.text = _("Cancel")
        self.update_flow_header(flow)

    def on_key(self, key: str) -> None:
        flow = self.flow
        if flow is None or flow.busy:
            return
        self.ids.entry.apply_key(key)
        flow.edit_account(self.ids.entry.value)
        self.ids.notice.text = ""
        self.ids.entry.invalid = False

    def submit(self) -> None:
        account_no: str = self.ids.entry.value
        self.act(lambda flow: flow.answer(account_no))

    def use_barcode(self) -> None:
        self.act(lambda flow: flow.use_barcode())

    def clear_personal(self) -> None:
        # The biller and its example say what the last person paid: gone with the rest.
        ids = self.ids
        ids.entry.value = ids.notice.text = ids.hint.text = ""
        ids.biller_name.text = ids.biller_icon.text = ""


load_kv(__name__)

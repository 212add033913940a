"""Bill payment, step 3: the summary the user confirms before the card is charged."""

from __future__ import annotations

from kiosk.ui.i18n import _, money
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.screens.base import FlowScreen
from kiosk.ui.widgets import SummaryRow


class ReviewScreen(FlowScreen):
    back_icon = icon("arrow-left")
    cancel_icon = icon("close")
    edit_icon = icon("pencil")

    def refresh(self) -> None:
        flow = self.flow
        review = flow.bill_review() if flow is not None else None
        if flow is None or review is None:
            return
        account, biller = review.account, review.biller
        rows = self.ids.rows
        rows.clear_widgets()
        entries: list[tuple[str, str, bool]] = [
            (_("Biller"), f"{biller.name_zh}\n{biller.name_en}", False),
            (_("Account number"), account.account_no, False),
            (_("Account holder"), account.holder_masked, False),
            (_("Address"), account.address_masked, False),
        ]
        for bill in account.bills:
            entries.append((_("Bill for {period}").format(period=bill.period),
                            money(bill.amount), False))
            if bill.late_fee:
                entries.append((_("Late fee for {period}").format(period=bill.period),
                                money(bill.late_fee), False))
        part = review.is_part_payment
        entries.append((_("Total due"), money(account.total_due), not part))
        if part:
            entries.append((_("You pay now"), money(review.amount_to_pay), True))
        for label, value, emphasis in entries:
            row = SummaryRow(label=label, value=value, emphasis=emphasis)
            row.ids.value.font_name = ("Kiosk-zh-Hans" if label == _("Biller")
                                       else self.app.font_name)
            rows.add_widget(row)
        self.ids.heading.text = _("Check your bill")
        self.ids.card_note.text = (
            _("Next, choose how to pay: by bank card or with a payment app.")
            if review.choose_method
            else _("You pay by bank card on the card terminal below the screen."))
        self.ids.pay.text = _("Pay {amount}").format(amount=money(review.amount_to_pay))
        partial = review.partial_allowed
        change = self.ids.change_amount
        change.text = _("Pay a different amount") if partial else ""
        change.disabled = not partial
        change.opacity = 1 if partial else 0
        self.ids.back.text = _("Back")
        self.ids.cancel.text = _("Cancel")
        self.update_flow_header(flow)

    def confirm(self) -> None:
        """Pay: the card is charged the amount shown."""
        self.act(lambda flow: flow.confirm())

    def change_amount(self) -> None:
        self.act(lambda flow: flow.change_amount())

    def clear_personal(self) -> None:
        self.ids.rows.clear_widgets()
        self.ids.pay.text = ""


load_kv(__name__)

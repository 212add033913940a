"""Cancel asks before it deletes (docs/ui-guide.md#leaving-and-waiting): once the person
has given anything to a service, Cancel opens this dialog instead of leaving. Two big
buttons: keep going (the primary action, and what the dialog does when dismissed) or
delete the answers and leave. Texts follow a language switch made under it."""

from __future__ import annotations

from collections.abc import Callable

from kivy.uix.modalview import ModalView

from kiosk.ui.i18n import N_
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv


class LeaveServiceDialog(ModalView):
    """Asked by KioskApp.cancel_service(); ``on_leave`` deletes and leaves."""

    heading_label = N_("Your answers will be deleted")
    detail_label = N_("If you leave now, everything you entered in this service is deleted "
                      "and you start again from the beginning.")
    stay_label = N_("Keep going")
    leave_label = N_("Delete my answers and leave")
    stay_icon = icon("arrow-left")
    leave_icon = icon("delete")

    def __init__(self, on_leave: Callable[[], None], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._on_leave = on_leave

    def keep_going(self) -> None:
        self.dismiss()

    def delete_and_leave(self) -> None:
        self.dismiss()
        self._on_leave()


load_kv(__name__)

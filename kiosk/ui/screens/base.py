"""What every screen shares: texts re-read on a language change, a header and footer,
and a wipe of anything personal when the session ends; and what the screens that show a
flow share: the flow, through its contract only (kiosk.services.contract)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from kivy.app import App
from kivy.uix.screenmanager import Screen

from kiosk.domain.languages import language
from kiosk.services.contract import ServiceFlow
from kiosk.ui.i18n import _, current_language, translate

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp


class KioskScreen(Screen):
    # Shows what the device watch says is available: refreshed in place when it changes.
    shows_availability = False

    @property
    def app(self) -> KioskApp:
        return cast("KioskApp", App.get_running_app())

    def refresh(self) -> None:
        """Re-read every text and value from the session state (language may have changed)."""

    def clear_personal(self) -> None:
        """Forget anything shown from the session: called when the session ends."""

    def update_header(self, title: str, step: tuple[int, int] | None = None) -> None:
        header = self.ids.get("header")
        if header is None:
            return
        header.title = title
        header.step_text = _("Step {current} of {total}").format(
            current=step[0], total=step[1]) if step else ""
        header.language_text = language(current_language()).native_name


class FlowScreen(KioskScreen):
    """A screen that shows a step of the service in use. Its buttons send the flow's
    commands through act() (never while the flow works); Back goes through the App,
    which leaves the service from its first step."""

    @property
    def flow(self) -> ServiceFlow | None:
        return self.app.flow

    def act(self, command: Callable[[ServiceFlow], object]) -> None:
        self.app.act(command)

    def go_back(self) -> None:
        self.app.go_back()

    def update_flow_header(self, flow: ServiceFlow) -> None:
        self.update_header(translate(flow.title), (flow.step_number, flow.total_steps))

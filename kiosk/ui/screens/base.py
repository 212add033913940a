"""What every screen shares: texts re-read on a language change, a header and footer,
and a wipe of anything personal when the session ends."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from kivy.app import App
from kivy.lang import Builder
from kivy.uix.screenmanager import Screen

from kiosk.domain.languages import language
from kiosk.ui.i18n import _, current_language

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp


def load_kv(module_file: str) -> None:
    """Load the .kv file that sits next to a screen module (layout only)."""
    Builder.load_file(str(Path(module_file).with_suffix(".kv")))


class KioskScreen(Screen):
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

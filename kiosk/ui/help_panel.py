"""Help on every screen (docs/ui-guide.md#help): the footer's Help button opens this
panel over the screen. Big type, scrolling: what the step needs (the flow's StepHelp,
the services' words), a picture of where to find it on the paper, the hotline, and a QR
code that opens the same help on the person's phone (central's help page). Close brings
back the same screen with every answer as it was: the panel changes nothing."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from kivy.properties import ListProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.services.contract import StepHelp
from kiosk.ui.i18n import N_
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.qr_image import qr_texture

HELP_LABEL = N_("Help")
CLOSE_LABEL = N_("Close")
HOTLINE_LABEL = N_("Hotline")
PHONE_LABEL = N_("Scan this code to read this help on your phone.")
HELP_ICON = icon("help-circle-outline")


def help_address(template: str, service: str, step: str, lang: str) -> str:
    """The help page of this step in this language (``template`` has {service}, {step}
    and {lang}: the kiosk's central public address, kiosk.bootstrap.help_url)."""
    return template.format(service=service, step=step, lang=lang)


def picture_file(name: str) -> str:
    """A help picture's file (package data, kiosk/data/help); "" for none."""
    if not name:
        return ""
    with as_file(files("kiosk.data") / "help" / f"{name}.png") as path:
        return str(path) if Path(path).is_file() else ""


class HelpPanel(ModalView):
    """Opened by KioskApp.open_help(); texts follow a language switch (``lang``)."""

    title_label = HELP_LABEL
    close_label = CLOSE_LABEL
    hotline_label = HOTLINE_LABEL
    phone_label = PHONE_LABEL
    close_icon = icon("close")
    paragraphs = ListProperty([])  # msgids
    picture = StringProperty("")  # a file, "" for none
    hotline = StringProperty("")
    address = StringProperty("")  # what the QR code holds

    def __init__(self, help_: StepHelp, hotline: str, address: str,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.help = help_
        self.paragraphs = list(help_.paragraphs)
        self.picture = picture_file(help_.picture)
        self.hotline = hotline
        self.address = address
        self.ids.code.texture = qr_texture(address) if address else None


load_kv(__name__)

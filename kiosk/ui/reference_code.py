"""The reference as a QR code to photograph while the paper that carries it has not come
out: a self-service's slip (slip screen) or a paid bill's receipt (done screen). At night
nobody can print it for the person later; the code holds the reference, nothing else."""

from __future__ import annotations

from kivy.properties import BooleanProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.ui.i18n import _
from kiosk.ui.layouts import load_kv
from kiosk.ui.qr_image import qr_texture


class ReferenceCode(BoxLayout):
    shown = BooleanProperty(False)  # a code is drawn (kv: the box and hint take room)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.drawn_reference: str | None = None  # what the code on screen says

    def keep(self, reference: str, *, on_paper: bool) -> None:
        """The reference as a code unless the paper with it came out (or is coming out:
        ``on_paper``) or there is no reference."""
        self._draw(reference if reference and not on_paper else None)

    def clear(self) -> None:
        """Nothing of the last person stays on screen."""
        self._draw(None)

    def _draw(self, reference: str | None) -> None:
        self.shown = reference is not None
        self.ids.hint.text = _("Take a photo of this code: it holds your reference.")
        if reference != self.drawn_reference:  # a texture per new reference, not per refresh
            self.ids.code.texture = qr_texture(reference) if reference is not None else None
            self.drawn_reference = reference


load_kv(__name__)

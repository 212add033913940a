"""Language choice: each language's name in its own script and its own font."""

from __future__ import annotations

from kiosk.domain.languages import language
from kiosk.ui.fonts import font_name
from kiosk.ui.i18n import N_, _, in_language
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.spoken import AUDIO_LABEL
from kiosk.ui.typesetting import in_faces
from kiosk.ui.widgets import KButton

PROMPT = N_("Choose your language")


class LanguageScreen(KioskScreen):
    back_icon = icon("arrow-left")
    # The audio mode's switch (docs/accessibility.md): a headphone, a tick once on.
    audio_label = AUDIO_LABEL
    audio_icon = icon("headphones")
    checked_icon = icon("checkbox-marked")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._built = False

    def on_pre_enter(self, *_: object) -> None:
        self.refresh()

    def refresh(self) -> None:
        if not self._built:
            for code in self.app.languages:
                button = KButton(text=language(code).native_name, font=font_name(code),
                                 height=0)
                button.lang_code = code
                button.bind(on_release=lambda b: self.app.start_session(b.lang_code))
                self.ids.choices.add_widget(button)
            self._built = True
        self.ids.prompt.text = _(PROMPT)
        self.ids.prompt.font_name = self.app.font_name
        self.ids.prompt_others.text = in_faces(
            (code, in_language(code, PROMPT)) for code in self.app.languages
            if code != self.app.lang)
        self.ids.back.text = _("Back")

    def button_for(self, code: str) -> KButton:
        button: KButton = next(b for b in self.ids.choices.children
                               if getattr(b, "lang_code", "") == code)
        return button


load_kv(__name__)

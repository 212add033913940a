"""The attract screen: loops through the languages while nobody is there, with every
language's name always on show. Touching a language starts in it; touching anywhere else
starts with the language choice, except the technician's hidden corner.

While no self-service works (every one greyed on the home screen, e.g. the printer out of
paper at night) it is closed: it says so with the hotline instead of "Touch to start",
and a touch on a language's name only shows that notice in it. It opens again by itself
when a service comes back (the device watch tells the App)."""

from __future__ import annotations

from kivy.clock import Clock, ClockEvent
from kivy.input.motionevent import MotionEvent
from kivy.properties import BooleanProperty

from kiosk.domain.languages import language
from kiosk.ui.fonts import font_name
from kiosk.ui.i18n import N_, in_language
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.typesetting import in_faces
from kiosk.ui.widgets import KButton, Tile

SERVICES = (
    ("bill_payment", "cash", N_("Pay water, power, gas and phone bills")),
    ("tax_record", "file-document", N_("Print your income tax payment record")),
    ("accommodation", "home-map-marker", N_("Register your place of stay")),
    ("arbitration", "gavel", N_("Apply for labour dispute arbitration")),
    ("points", "calculator", N_("Estimate your residence points (indicative)")),
)
CLOSED = N_("Out of service for now")
CLOSED_NOTICE = N_("No service can be used at this kiosk right now. It starts again by "
                   "itself as soon as it can. Please use another kiosk or call the hotline "
                   "{hotline}.")


class AttractScreen(KioskScreen):
    shows_availability = True  # closed while no self-service works
    # No self-service works now: no touch starts a session (kv shows the notice).
    closed = BooleanProperty(False)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._index = 0
        self._cycle_event: ClockEvent | None = None
        self._tiles: list[Tile] = []
        self._language_buttons: list[KButton] = []

    def on_pre_enter(self, *_: object) -> None:
        self._index = 0
        self.refresh()
        self._start_cycle()

    def on_leave(self, *_: object) -> None:
        self._stop_cycle()

    def _start_cycle(self) -> None:
        self._cycle_event = Clock.schedule_interval(self._next_language,
                                                    self.app.settings.attract_cycle_s)

    def _stop_cycle(self) -> None:
        if self._cycle_event is not None:
            self._cycle_event.cancel()
            self._cycle_event = None

    def _next_language(self, _dt: float) -> None:
        self._index = (self._index + 1) % len(self.app.languages)
        self.refresh()

    @property
    def showing(self) -> str:
        return self.app.languages[self._index % len(self.app.languages)]

    def refresh(self) -> None:
        lang = self.showing
        settings = self.app.settings
        self.ids.center_zh.text = settings.center_name_zh
        self.ids.center_en.text = settings.center_name_en
        self.ids.greeting.text = in_language(lang, N_("Welcome"))
        self.ids.greeting.font_name = font_name(lang)
        self.closed = self.app.no_service_works()
        self.ids.start.text = in_language(lang, CLOSED if self.closed else N_("Touch to start"))
        self.ids.start.font = font_name(lang)
        notice = self.ids.closed_notice
        notice.text = (in_language(lang, CLOSED_NOTICE).format(hotline=settings.hotline)
                       if self.closed else "")
        notice.font_name = font_name(lang)
        if not self._language_buttons:
            for code in self.app.languages:
                button = KButton(text=language(code).native_name, font=font_name(code),
                                 compact=True)
                button.lang_code = code
                self._language_buttons.append(button)
                self.ids.languages.add_widget(button)
        if not self._tiles:
            for key, icon_name, _text in SERVICES:
                tile = Tile(icon=icon(icon_name), key=key)
                self._tiles.append(tile)
                self.ids.services.add_widget(tile)
        # Two more languages per tile: with four, long scripts overflowed the screen.
        others = [code for code in self.app.languages if code != lang][:2]
        for tile, (_key, _icon, text) in zip(self._tiles, SERVICES, strict=True):
            tile.title = in_language(lang, text)
            tile.title_font = font_name(lang)
            tile.subtitle = in_faces((code, in_language(code, text)) for code in others)
            tile.subtitle_markup = True
            tile.disabled = self.closed

    def show_language(self, code: str) -> None:
        """Jump the loop to one language (the screenshots show each language's turn)."""
        self._index = self.app.languages.index(code)
        self.refresh()

    def start(self) -> None:
        if not self.closed:
            self.app.show_screen("language")

    def language_button(self, code: str) -> KButton:
        return next(b for b in self._language_buttons if b.lang_code == code)

    def on_touch_down(self, touch: MotionEvent) -> bool:
        """Any touch anywhere starts; children never see it: on a language's name in
        that language, elsewhere with the language choice. Except in the hidden top-left
        corner: five quick taps there open technician mode (app.py). While closed, no
        touch starts: a language's name shows the notice in that language."""
        if self.collide_point(*touch.pos):
            if self.app.no_service_works() != self.closed:
                self.refresh()  # the watch's news may be on its way to the UI thread
            if not self.app.technician_corner_tap(touch):
                chosen = next((b.lang_code for b in self._language_buttons
                               if b.collide_point(*b.to_widget(*touch.pos))), None)
                if self.closed:
                    self._read_closed_notice_in(chosen)
                elif chosen is None:
                    self.start()
                else:
                    self.app.start_session(chosen)
            return True
        return False

    def _read_closed_notice_in(self, code: str | None) -> None:
        """The notice in the language touched, for a whole turn of the loop."""
        if code is None:
            return
        self._stop_cycle()
        self.show_language(code)
        self._start_cycle()


load_kv(__name__)

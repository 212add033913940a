"""The kiosk's Kivy App: screens, the session, language switching, the idle wipe, and
the worker thread that runs the services' slow steps (the UI never blocks)."""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.input.motionevent import MotionEvent
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.gridlayout import GridLayout
from kivy.uix.modalview import ModalView
from kivy.uix.screenmanager import ScreenManager

from kiosk.domain.languages import language
from kiosk.services.contract import ServiceFlow
from kiosk.services.kiosk import KioskServices
from kiosk.services.maintenance import RESTART_CHECK_S
from kiosk.services.ports import (
    DEFAULT_SPEECH_RATE,
    DEFAULT_SPEECH_VOLUME,
    KeyInput,
    Speech,
    Translator,
)
from kiosk.services.session import Session
from kiosk.services.technician import Technician
from kiosk.ui import i18n, spoken, theme
from kiosk.ui.bindings import drop_dead_bindings, set_everywhere
from kiosk.ui.focus import FocusManager
from kiosk.ui.fonts import font_name, register_fonts
from kiosk.ui.i18n import N_, _
from kiosk.ui.messages import set_hotline, unavailable_reason
from kiosk.ui.screen_names import SCREEN_TYPES, VIEW_SCREENS
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.supervision import ServiceManager, Supervision
from kiosk.ui.transitions import CrossFade

log = logging.getLogger(__name__)

PREBUILD_AFTER_S = 2.0  # after the attract screen shows, the other screens start building
# The hidden gesture that opens technician mode: 5 taps within 3 s in this square at the
# top-left corner of the attract or out-of-service screen (reference pixels).
TECHNICIAN_CORNER = 160
NOT_YET = N_("Not available at this kiosk yet")
SERVICE_KEYS = ("bill_payment", "tax_record", "accommodation", "arbitration", "points")
AT_REST_SCREENS = ("attract", "out_of_service")  # nobody is using the kiosk
# How much longer the kiosk waits before "Are you still there?" where the person may have
# stepped away to find a paper (a screen marked sends_to_fetch: a contract, a bill, a
# passport page), or reads and touches more slowly (large text, high contrast). At the
# plain 60 s, a person who went to fetch their contract came back to a wiped form.
PATIENT_IDLE_FACTOR = 3.0
# The audio mode speaks a screen this long after it shows (or changes): its layout is
# done by then, and several changes in a row (a flow step and its refresh) make one.
SPEAK_AFTER_S = 0.2


@dataclass(frozen=True)
class UiSettings:
    center_name_zh: str
    center_name_en: str
    hotline: str
    idle_timeout_s: float = 60
    idle_countdown_s: float = 20
    attract_cycle_s: float = 4.0
    # The help page of a step on central, for the Help panel's QR code ({service},
    # {step}, {lang}: kiosk.bootstrap.help_url); "" draws no code.
    help_url: str = ""


class KioskApp(App):
    u = NumericProperty(1.0)  # reference pixel -> window pixel
    fs = NumericProperty(1.0)  # font unit: u times the text scale (large-text mode)
    font_name = StringProperty("Kiosk-zh-Hans")
    lang = StringProperty("en")
    # Accessibility (docs/ui-guide.md#accessibility): any user switches them; both reset
    # when the session ends.
    large_text = BooleanProperty(False)  # every font x theme.LARGE_TEXT_SCALE
    high_contrast = BooleanProperty(False)  # theme.palette switched to HIGH_CONTRAST
    # Every screen read aloud through self.speech (docs/accessibility.md); switched on
    # from the language screen, off when the session ends.
    audio = BooleanProperty(False)

    def __init__(self, services: KioskServices, translator: Translator,
                 settings: UiSettings, technician: Technician | None = None,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.technician = technician
        self.title = "Self-service kiosk"
        self.services = services
        self.settings = settings
        set_hotline(settings.hotline)
        self.languages = services.languages
        self.session: Session | None = None
        self.flow: ServiceFlow | None = None  # the service in use
        self.last_touch = time.monotonic()
        self._worker: threading.Thread | None = None
        self._idle_dialog: ModalView | None = None
        self._language_dialog: ModalView | None = None
        self._accessibility_dialog: ModalView | None = None
        self._leave_dialog: ModalView | None = None  # Cancel asks (cancel_service)
        self._help_panel: ModalView | None = None  # the footer's Help (open_help)
        # Called after every session has ended and been wiped: where a pushed config is
        # applied (never during a session). Set by bootstrap.
        self.between_sessions: Callable[[], None] | None = None
        # Asked every restart_check_s and after each session whether the kiosk should
        # restart now (kiosk.services.maintenance.NightlyRestart.due, given whether the
        # kiosk is in use); True stops the App, and its supervisor starts it again. Set
        # by `kiosk run`.
        self.restart_due: Callable[[bool], bool] | None = None
        self.restart_check_s = RESTART_CHECK_S
        # The process's supervisor (systemd's notify socket), set by bootstrap when one
        # asked: told when the kiosk takes touches, pinged from this loop, told its state.
        self.service_manager: ServiceManager | None = None
        self._supervision: Supervision | None = None
        # The audio mode's voice, set by bootstrap (espeak-ng); None: no audio mode.
        self.speech: Speech | None = None
        self.speech_rate = DEFAULT_SPEECH_RATE
        self.speech_volume = DEFAULT_SPEECH_VOLUME
        self._last_spoken = ""  # a screen refreshed without a change is not said again
        self._announcement = ""  # said before the next screen's description
        self._speak_soon = Clock.create_trigger(self._speak_screen, SPEAK_AFTER_S)
        # The tactile keypad (docs/accessibility.md#tactile-keypad), set by bootstrap when
        # [keypad] names one: its keys move self.focus over the screen's controls.
        self.keys: KeyInput | None = None
        self.focus = FocusManager(self)
        i18n.install(translator, services.default_language)
        self.lang = services.default_language
        self.font_name = font_name(self.lang)

    # --- building ------------------------------------------------------------------------

    def build(self) -> ScreenManager:
        register_fonts()
        Window.clearcolor = theme.palette.BACKGROUND
        Window.bind(on_resize=self._on_resize)
        Window.bind(on_touch_down=self._on_any_touch)
        self._on_resize(Window, *Window.size)
        manager = ScreenManager(transition=CrossFade())
        self.root = manager  # show_screen() below needs it before build() returns
        # Only the first screen is built now, so the kiosk takes a touch sooner after a
        # boot; the others are built one per frame a moment after it shows (a first touch
        # is not kept waiting behind them), or at once when asked for.
        self.show_screen("attract")
        self._prebuild = Clock.schedule_once(self._build_next_screen, PREBUILD_AFTER_S)
        Clock.schedule_interval(self._check_idle, 1.0)
        Clock.schedule_interval(self._check_restart, self.restart_check_s)
        if self.services.watch is not None:
            self.services.watch.listeners.append(self._availability_changed)
        mark = self.technician.central_mark if self.technician is not None else None
        if mark is not None:
            # Central's mark changes the kiosk only at rest, and on this thread (a session
            # cannot start between the check and the change).
            mark.idle = lambda: self.at_rest
            mark.settle_soon = lambda: Clock.schedule_once(self._settle_central_mark)
            Clock.schedule_once(self._settle_central_mark)  # a word heard before the UI
        return manager

    def on_start(self) -> None:
        if self.service_manager is not None:
            self._supervision = Supervision(self.service_manager)
            self._supervision.start(self.root)
        if self.keys is not None:
            self.listen_to_keys(self.keys)

    def on_stop(self) -> None:
        self.focus.listen(None)  # the keypad stays the App's: on_start listens again
        if self._supervision is not None:
            self._supervision.stop()
            self._supervision = None

    def _build_next_screen(self, _dt: float) -> None:
        missing = [name for name in SCREEN_TYPES if not self.root.has_screen(name)]
        if missing:
            self.screen(missing[0])
            self._prebuild = Clock.schedule_once(self._build_next_screen, 0)

    def _on_resize(self, _window: object, _width: int, height: int) -> None:
        set_everywhere(self, "u", height / theme.REFERENCE_HEIGHT)
        set_everywhere(self, "fs", self.u * (theme.LARGE_TEXT_SCALE if self.large_text else 1.0))

    # --- accessibility -------------------------------------------------------------------

    def set_large_text(self, on: bool) -> None:
        set_everywhere(self, "large_text", on)
        set_everywhere(self, "fs", self.u * (theme.LARGE_TEXT_SCALE if on else 1.0))

    def set_high_contrast(self, on: bool) -> None:
        set_everywhere(self, "high_contrast", on)
        try:
            theme.palette.apply(high_contrast=on)
        except ReferenceError:  # see kiosk.ui.bindings: drop the dead, colour the rest
            for name in theme.palette.properties():
                drop_dead_bindings(theme.palette, name)
            theme.palette.property("TEXT").dispatch(theme.palette)
            theme.palette.apply(high_contrast=on)
        Window.clearcolor = theme.palette.BACKGROUND

    def open_accessibility(self) -> None:
        """The header's accessibility button: larger text and high contrast, on any screen."""
        from kiosk.ui.widgets import AccessibilityDialog

        dialog = AccessibilityDialog()
        self._accessibility_dialog = dialog
        dialog.open()

    def set_audio(self, on: bool) -> None:
        """The audio mode on or off; on: says so, then reads the screen."""
        if on == self.audio:
            return
        set_everywhere(self, "audio", on)
        self._last_spoken = ""
        if on:
            self._announcement = _(spoken.AUDIO_ON)
            self.speak_screen_soon()
        elif self.speech is not None:
            self._announcement = ""
            self.speech.stop()

    def listen_to_keys(self, keys: KeyInput | None) -> None:
        """Take the tactile keypad's keys from ``keys`` from now on (None: no keypad)."""
        self.keys = keys
        self.focus.listen(keys)

    def say(self, text: str) -> None:
        """Speak ``text`` now in the person's language, if the audio mode is on."""
        if self.audio and self.speech is not None and text.strip():
            self.speech.speak(text, self.lang, self.speech_rate, self.speech_volume)

    def speak_screen_soon(self) -> None:
        if self.audio:
            self._speak_soon()

    def keep_screen_unsaid(self) -> None:
        """The person moved the focus before the screen was described: they are finding
        their way by the controls, each said as reached, and a description coming after
        would cut the control's name off."""
        self._speak_soon.cancel()

    def _speak_screen(self, _dt: float = 0) -> None:
        """Say where the person is, what the screen shows and asks, and its buttons."""
        from kiosk.ui.audio import visible_texts

        if not self.audio or self.root is None:
            return
        if self.root.transition.is_active:  # a screen fading in is not laid out yet
            self._speak_soon()
            return
        screen = self.current_screen
        texts, buttons = visible_texts(screen)
        description = spoken.describe(screen.name, texts, buttons, self.lang, _)
        if description == self._last_spoken and not self._announcement:
            return
        self._last_spoken = description
        announcement, self._announcement = self._announcement, ""
        self.say(f"{announcement} {description}".strip())

    @property
    def manager(self) -> ScreenManager:
        return self.root

    def screen(self, name: str) -> KioskScreen:
        """The named screen, built on first use (see build())."""
        if not self.root.has_screen(name):
            module, class_name = SCREEN_TYPES[name].rsplit(".", 1)
            screen_type = getattr(importlib.import_module(module), class_name)
            self.root.add_widget(screen_type(name=name))
        screen: KioskScreen = self.root.get_screen(name)
        return screen

    @property
    def current_screen(self) -> KioskScreen:
        screen: KioskScreen = self.root.current_screen
        return screen

    def show_screen(self, name: str) -> None:
        if name == "attract" and self.out_of_service:
            name = "out_of_service"  # a technician switched the kiosk off: no attract loop
        screen = self.screen(name)
        screen.refresh()
        self.focus.clear()  # a new screen: the focus starts again at its first control
        self.root.current = name
        self.speak_screen_soon()

    # --- session -------------------------------------------------------------------------

    @property
    def out_of_service(self) -> bool:
        """The technician's switch or central's mark (obeyed) says so."""
        return self.technician is not None and self.technician.kiosk_out_of_service

    def _settle_central_mark(self, _dt: float = 0) -> None:
        """Obey central's last word on its mark if the kiosk rests: the attract or
        out-of-service screen follows."""
        mark = self.technician.central_mark if self.technician is not None else None
        if mark is not None and mark.settle() and self.at_rest:
            self.show_screen("attract")  # or out_of_service: show_screen decides

    def technician_corner_tap(self, touch: MotionEvent) -> bool:
        """The hidden gesture (see TECHNICIAN_CORNER): True when the touch was in the
        corner (it is then swallowed); the tap that completes it opens the PIN screen."""
        if self.technician is None:
            return False
        corner = self.u * TECHNICIAN_CORNER
        if touch.x > corner or touch.y < Window.height - corner:
            return False
        if self.technician.gesture.tap():
            log.info("technician gesture: asking for the PIN")
            self.show_screen("technician_pin")
        return True

    def start_session(self, lang: str) -> None:
        if self.out_of_service:
            self.show_screen("out_of_service")
            return
        self.session = self.services.new_session(lang)
        # A session starts now, however it was started: the idle clock must not carry
        # the quiet time of the attract loop (or a test's) into the first minute.
        self.last_touch = time.monotonic()
        self.set_language(lang)
        log.info("session %s started", self.session.id[:8])
        self.show_screen("home")

    def end_session(self) -> None:
        """The user is done or walked away: forget everything, back to the attract loop."""
        if not self._interruptible():
            return  # never in the middle of a payment; the idle check comes back later
        if self.flow is not None:
            self.flow.wipe()
        self.flow = None
        if self.session is not None:
            log.info("session %s ended", self.session.id[:8])
        self.session = None
        self.services.end_session()
        for dialog in (self._idle_dialog, self._language_dialog, self._accessibility_dialog,
                       self._leave_dialog, self._help_panel):
            if dialog is not None:
                dialog.dismiss()
        self._accessibility_dialog = None
        self._leave_dialog = None
        self._help_panel = None
        self.set_large_text(False)
        self.set_high_contrast(False)
        self.set_audio(False)
        for screen in self.root.screens:
            screen.clear_personal()
        self.set_language(self.services.default_language)
        self.show_screen("attract")
        self._settle_central_mark()  # a mark that came during the session, now
        if self.between_sessions is not None:
            self.between_sessions()
        self._check_restart(0)

    def set_language(self, lang: str) -> None:
        if lang not in self.languages:
            return
        i18n.set_language(lang)
        set_everywhere(self, "font_name", font_name(lang))
        set_everywhere(self, "lang", lang)
        self.speak_screen_soon()
        if self.session is not None:
            self.session.lang = lang
        if self.flow is not None:
            self.flow.set_language(lang)
        if self.root is not None:
            self.current_screen.refresh()

    def open_language_chooser(self) -> None:
        """The header's language button: switch language on any screen, keep what was entered."""
        from kiosk.ui.widgets import KButton

        dialog = ModalView(size_hint=(0.86, None), height=self.u * 1300, auto_dismiss=True)
        grid = GridLayout(cols=2, spacing=self.u * 24, padding=self.u * 40,
                          row_default_height=self.u * 180, row_force_default=True)
        for code in self.languages:
            button = KButton(text=language(code).native_name, font=font_name(code),
                             primary=(code == self.lang))
            button.lang_code = code
            button.bind(on_release=lambda b: self._choose_language(dialog, b.lang_code))
            grid.add_widget(button)
        dialog.add_widget(grid)
        self._language_dialog = dialog
        dialog.open()

    def _choose_language(self, dialog: ModalView, lang: str) -> None:
        dialog.dismiss()
        self.set_language(lang)

    def available_services(self) -> dict[str, str | None]:
        """Service key -> None when available, else the (untranslated) reason."""
        offered = self.services.starters
        result: dict[str, str | None] = {}
        for key in SERVICE_KEYS:
            if key not in offered:
                result[key] = NOT_YET
                continue
            why = self.services.unavailable(key)
            result[key] = None if why is None else unavailable_reason(why)
        return result

    def no_service_works(self) -> bool:
        """Every self-service is greyed out now: the attract screen closes (no dead end
        on a home screen where nothing can be done)."""
        return all(reason is not None for reason in self.available_services().values())

    def _availability_changed(self) -> None:
        """From the device watch's thread: refresh the screen showing if it shows what
        is available (home's services, the QR screen's scan choice, the attract screen
        that closes while no service works), in place."""
        def refresh(_dt: float) -> None:
            if self.root is not None and self.current_screen.shows_availability:
                self.current_screen.refresh()

        Clock.schedule_once(refresh)

    # --- services ------------------------------------------------------------------------

    def start_service(self, key: str) -> None:
        if self.session is None or key not in self.services.starters:
            return
        if self.available_services().get(key) is not None:
            self.current_screen.refresh()  # it just went away: show why
            return
        flow = self.services.starters[key](self.session)
        flow.listener = self._flow_changed
        self.flow = flow
        self.show_flow()

    def restart_service(self) -> None:
        """The same service again from its start ("Pay another bill")."""
        if self.flow is None or not self._interruptible():
            return
        key = self.flow.service
        self.leave_service()
        self.start_service(key)

    def _interruptible(self) -> bool:
        """The user may leave now: nothing is under way that must finish (a payment,
        a submission, a print). Waiting for a document is interruptible."""
        return self.flow is None or self.flow.interruptible

    @property
    def leave_dialog(self) -> ModalView | None:
        """Cancel's question while it is open (cancel_service)."""
        return self._leave_dialog

    def cancel_service(self) -> None:
        """A screen's Cancel: leave the service, but once the person has given it anything
        ask first (a tap on Cancel must not delete 40 answers). Never while a payment, a
        submission or a print is under way (leave_service refuses then too)."""
        flow = self.flow
        if flow is None or not flow.has_answers:
            self.leave_service()
            return
        if not self._interruptible():
            return
        from kiosk.ui.leave_dialog import LeaveServiceDialog

        def leave() -> None:
            self._leave_dialog = None
            self.leave_service()

        dialog = LeaveServiceDialog(on_leave=leave)
        dialog.bind(on_dismiss=lambda *_: setattr(self, "_leave_dialog", None))
        self._leave_dialog = dialog
        dialog.open()

    def open_help(self) -> None:
        """The footer's Help: the help of the step on screen, over it; closing it
        changes nothing (docs/ui-guide.md#help)."""
        flow = self.flow
        if flow is None or self._help_panel is not None:
            return
        from kiosk.ui.help_panel import HelpPanel, help_address

        step = flow.help()
        address = help_address(self.settings.help_url, flow.service, step.step, self.lang) \
            if self.settings.help_url else ""
        panel = HelpPanel(step, hotline=self.settings.hotline, address=address)
        panel.bind(on_dismiss=lambda *_: setattr(self, "_help_panel", None))
        self._help_panel = panel
        panel.open()

    def leave_service(self) -> None:
        if not self._interruptible():
            return
        if self.flow is not None:
            self.flow.wipe()
        self.flow = None
        for screen in self.root.screens:
            screen.clear_personal()
        self.show_screen("home" if self.session else "attract")

    def act(self, command: Callable[[ServiceFlow], object]) -> None:
        """Run a cheap flow command on the UI thread, then show where the flow is. Not
        while the flow works: its worker owns it then."""
        flow = self.flow
        if flow is None or flow.busy:
            return
        command(flow)
        self.show_flow()

    def go_back(self) -> None:
        """The Back button: the flow's step before, or out of the service from its first."""
        flow = self.flow
        if flow is not None and not flow.busy and flow.at_start:
            self.leave_service()
        else:
            self.act(lambda flow: flow.back())

    @staticmethod
    def screen_for(flow: ServiceFlow) -> str:
        return VIEW_SCREENS[flow.view]

    def show_flow(self) -> None:
        flow = self.flow
        if flow is None:
            return
        self.show_screen(self.screen_for(flow))
        if flow.busy:
            self._run_in_background(flow)

    def _flow_changed(self, flow: ServiceFlow) -> None:
        """Called by the flow on whatever thread changed it."""
        Clock.schedule_once(lambda _dt: self._refresh_flow(flow))

    def _refresh_flow(self, flow: ServiceFlow) -> None:
        if flow is not self.flow:
            return
        name = self.screen_for(flow)
        if self.root.current != name:
            self.show_screen(name)
        else:
            self.current_screen.refresh()
            self.speak_screen_soon()  # a new question, an error shown: said if it changed
        if flow.busy:
            self._run_in_background(flow)

    def _run_in_background(self, flow: ServiceFlow) -> None:
        if self._worker is not None and self._worker.is_alive():
            return

        def work() -> None:
            while flow.busy:
                flow.advance()
            Clock.schedule_once(lambda _dt: self._refresh_flow(flow))

        self._worker = threading.Thread(target=work, name="flow-worker", daemon=True)
        self._worker.start()

    @property
    def worker_busy(self) -> bool:
        return self._worker is not None and self._worker.is_alive()

    # --- rest --------------------------------------------------------------------------

    @property
    def at_rest(self) -> bool:
        """Nobody is using the kiosk: the attract or out-of-service screen, no session,
        no flow step running (technician mode is not rest)."""
        return (self.root is not None and self.root.current in AT_REST_SCREENS
                and self.session is None and not self.worker_busy)

    def _check_restart(self, _dt: float) -> None:
        self._settle_central_mark()  # one that waited for technician mode to end
        if self.restart_due is not None and self.restart_due(not self.at_rest):
            self.stop()

    # --- idle ----------------------------------------------------------------------------

    def _on_any_touch(self, *_: object) -> None:
        self.last_touch = time.monotonic()

    @property
    def idle_timeout_s(self) -> float:
        """Seconds without a touch before "Are you still there?", on this screen now: the
        configured time, PATIENT_IDLE_FACTOR times it where the person may be fetching a
        paper or uses an accessibility mode (audio: listening takes longer than reading)."""
        flow = self.flow
        patient = (self.large_text or self.high_contrast or self.audio
                   or (flow is not None and flow.sends_to_fetch))
        return self.settings.idle_timeout_s * (PATIENT_IDLE_FACTOR if patient else 1.0)

    def _check_idle(self, _dt: float) -> None:
        if self.root is None or self.root.current in ("attract", "out_of_service"):
            return
        if not self._interruptible():
            self.last_touch = time.monotonic()
            return
        idle = time.monotonic() - self.last_touch
        timeout = self.idle_timeout_s
        if idle >= timeout + self.settings.idle_countdown_s:
            log.info("idle for %.0f s: ending the session", idle)
            self.end_session()
        elif idle >= timeout and self._idle_dialog is None:
            self._ask_still_there()

    def _ask_still_there(self) -> None:
        from kiosk.ui.widgets import KButton, KLabel

        dialog = ModalView(size_hint=(0.8, None), height=self.u * 700, auto_dismiss=False)
        box = GridLayout(cols=1, padding=self.u * 50, spacing=self.u * 40)
        question = KLabel(text=_("Are you still there?"), bold=True, halign="center",
                          font_size=self.fs * theme.HEADING)
        countdown = KLabel(halign="center")
        stay = KButton(text=_("Yes, continue"), primary=True)
        box.add_widget(question)
        box.add_widget(countdown)
        box.add_widget(stay)
        dialog.add_widget(box)

        def tick(_dt: float) -> None:
            left = self.idle_timeout_s + self.settings.idle_countdown_s - (
                time.monotonic() - self.last_touch)
            countdown.text = _("For your privacy, this session ends in {seconds} seconds.").format(
                seconds=max(0, int(left + 0.5)))

        def close(*_: object) -> None:
            ticker.cancel()
            self._idle_dialog = None

        ticker = Clock.schedule_interval(tick, 0.5)
        tick(0)
        self.say(" ".join((question.text, countdown.text, stay.text)))
        stay.bind(on_release=lambda *_: dialog.dismiss())
        dialog.bind(on_dismiss=close)
        self._idle_dialog = dialog
        dialog.open()

"""Technician mode, the main screen: the data of `kiosk diag` (devices with health and
reason, what the state means and what to do, outbox depth and last delivery, the records
central refused and the kiosk keeps aside, config version, recent errors), a test print,
reprint by reference, the out-of-service switch (and whether central's mark holds the
kiosk out of service) and Exit. Everything slow runs on a
worker thread through the TechnicianPort; the screen never blocks. In the kiosk's
language like every screen (the header's language button switches it): the device
advice (kiosk.services.device_faults) is translated; codes (device reasons, error codes)
and log lines stay as the devices and services report them, since that is what support
searches for. The OS's own error text is never shown (it is in the log only). Idles out
like any session."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from kivy.clock import Clock

from kiosk.domain.clock import machine_timestamp
from kiosk.errors import KioskError
from kiosk.services.device_faults import WHAT_TO_DO, advice_for
from kiosk.services.ports import DeviceLine, PrintReport, TechnicianReport
from kiosk.ui.i18n import N_, translate
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets import Notice

log = logging.getLogger(__name__)
T = TypeVar("T")

TEXTS = {
    "title": N_("Technician mode"),
    "loading": N_("Checking devices and central…"),
    "devices": N_("Devices"),
    "errors": N_("Recent warnings and errors"),
    "no_errors": N_("None since the kiosk started"),
    "test_print": N_("Test print"),
    "reprint": N_("Reprint a receipt"),
    "refresh": N_("Check again"),
    "exit": N_("Exit"),
    "oos_on": N_("Out of service: ON. Tap to put the kiosk back in service."),
    "oos_off": N_("In service. Tap to switch the kiosk to out of service."),
    "central_mark": N_("Out of service by central's mark since {since}: an admin puts it "
                       "back in service from central's console."),
    "printing": N_("Printing a test slip…"),
    "failed": N_("Could not check: {error}"),
    "kiosk": N_("Kiosk {kiosk_id}, app {version}"),
    "config": N_("Config version: {version}"),
    "outbox": N_("Outbox: {depth}, last delivery: {when}"),
    "parked": N_("Refused by central and kept aside: {count}"),
    "never": N_("never"),
    "central_up": N_("Central: reachable"),
    "central_down": N_("Central: UNREACHABLE"),
    "problem": N_("PROBLEM: {problem}"),
    "warning": N_("Warning: {warning}"),
}
DEVICE_NAMES = {"printer": N_("Receipt printer"), "payment": N_("Payment terminal"),
                "reader": N_("Document reader"), "scanner": N_("Payment-code scanner")}
HEALTH_WORDS = {"ok": N_("OK"), "fault": N_("FAULT"), "unknown": N_("UNKNOWN")}
OUTCOME_WORDS = {"printed": N_("printed"), "not_printed": N_("not printed"),
                 "uncertain": N_("uncertain, check the paper")}


def text_for(key: str, **values: object) -> str:
    """TEXTS[key] in the current language, its {placeholders} filled."""
    message = translate(TEXTS[key])
    return message.format(**values) if values else message


def device_text(device: DeviceLine) -> str:
    """One device for the technician: name, health and reason code; when it is not
    plainly OK, what that means and what to do, in the current language."""
    name = translate(DEVICE_NAMES.get(device.name, device.name))
    health = translate(HEALTH_WORDS.get(device.health, device.health))
    why = f"  ({device.reason})" if device.reason else ""
    lines = [f"{name}: {health}{why}"]
    advice = advice_for(device.name, device.reason)
    if advice is not None:
        lines.append(translate(advice.meaning))
        lines.append(translate(WHAT_TO_DO).format(action=translate(advice.action)))
    return "\n".join(lines)


def _notice_kind(health: str, reason: str | None) -> str:
    if health != "ok":
        return "error"
    return "info" if reason else "success"  # OK with a warning: paper near its end


def run_off_ui(name: str, work: Callable[[], T], done: Callable[[T | None, str | None], None]
               ) -> threading.Thread:
    """Run ``work`` on a daemon thread; ``done(result, error)`` comes back on the UI
    thread (error: a KioskError code or an exception's type, never its text)."""
    def run() -> None:
        result: T | None = None
        error: str | None = None
        try:
            result = work()
        except KioskError as exc:
            error = exc.code.value
        except Exception as exc:  # the technician sees what failed
            log.exception("technician %s failed", name)
            error = type(exc).__name__
        Clock.schedule_once(lambda _dt: done(result, error))

    thread = threading.Thread(target=run, name=f"technician-{name}", daemon=True)
    thread.start()
    return thread


def print_notice(notice: Notice, what: str, report: PrintReport | None, error: str | None
                 ) -> None:
    """How a test print or reprint went; ``what`` is already translated, the reference,
    reason and error code are shown as they are."""
    if report is None:
        notice.kind, notice.text = "error", f"{what}: {error}"
    else:
        reason = f" ({report.reason})" if report.reason else ""
        outcome = OUTCOME_WORDS.get(report.outcome)
        notice.kind = "success" if report.outcome == "printed" else "error"
        notice.text = (f"{what} {report.reference}: "
                       f"{translate(outcome) if outcome else report.outcome}{reason}")


class TechnicianScreen(KioskScreen):
    exit_icon = icon("close")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._threads: list[threading.Thread] = []
        self.report: TechnicianReport | None = None
        self._report_error: str | None = None
        self._loading = False

    @property
    def busy(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def on_pre_enter(self, *_: object) -> None:
        self.ids.result.text = ""
        self.refresh()
        self.load()

    def refresh(self) -> None:
        ids = self.ids
        self.update_header(text_for("title"))
        ids.devices_title.text = text_for("devices")
        ids.errors_title.text = text_for("errors")
        ids.test_print.text = text_for("test_print")
        ids.reprint.text = text_for("reprint")
        ids.refresh.text = text_for("refresh")
        ids.exit.text = text_for("exit")
        technician = self.app.technician
        out = technician is not None and technician.out_of_service.active
        ids.out_of_service.text = text_for("oos_on") if out else text_for("oos_off")
        ids.out_of_service.primary = out
        # Central's mark is not the technician's to lift: said apart from the switch.
        mark = technician.central_mark if technician is not None else None
        ids.central_mark.text = (text_for("central_mark", since=machine_timestamp(mark.since))
                                 if mark is not None and mark.since is not None else "")
        ids.test_print.disabled = ids.refresh.disabled = self.busy
        self._render_report()  # again after a language change, in the new language

    # --- the report ----------------------------------------------------------------------

    def load(self) -> None:
        technician = self.app.technician
        if technician is None or self.busy:
            return
        self._loading = True
        self._start(run_off_ui("report", technician.port.report, self._show))

    def _start(self, thread: threading.Thread) -> None:
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        self.refresh()

    def _show(self, report: TechnicianReport | None, error: str | None) -> None:
        self._loading = False
        self.report, self._report_error = report, error
        self.refresh()

    def _render_report(self) -> None:
        ids = self.ids
        report = self.report
        ids.devices.clear_widgets()
        if self._loading:
            ids.summary.text = text_for("loading")
            return
        if report is None:  # not asked yet, or the report failed
            ids.summary.text = (text_for("failed", error=self._report_error)
                                if self._report_error else "")
            return
        last = (machine_timestamp(report.last_delivery)
                if report.last_delivery else text_for("never"))
        ids.summary.text = "\n".join((
            text_for("kiosk", kiosk_id=report.kiosk_id, version=report.app_version),
            text_for("config", version=report.config_version),
            text_for("outbox", depth=report.outbox_depth, when=last),
            text_for("central_up" if report.central_reachable else "central_down"),
        ))
        if report.parked_count:
            # Each as support searches for it: reference, kind, central's code and words.
            ids.devices.add_widget(Notice(kind="error", text="\n".join((
                text_for("parked", count=report.parked_count),
                *(" ".join(part for part in (record.reference or "-", record.kind,
                                             record.reason, record.detail) if part)
                  for record in report.parked)))))
        for device in report.devices:
            ids.devices.add_widget(Notice(kind=_notice_kind(device.health, device.reason),
                                          text=device_text(device)))
        lines = [*(text_for("problem", problem=p) for p in report.problems),
                 *(text_for("warning", warning=w) for w in report.warnings), *report.recent_errors]
        ids.errors.text = "\n".join(lines) if lines else text_for("no_errors")

    # --- actions -------------------------------------------------------------------------

    def test_print(self) -> None:
        technician = self.app.technician
        if technician is None or self.busy:
            return
        self.ids.result.kind, self.ids.result.text = "info", text_for("printing")

        def printed(report: PrintReport | None, error: str | None) -> None:
            print_notice(self.ids.result, text_for("test_print"), report, error)
            self.refresh()
            self.load()  # a paper fault shows up in the devices at once

        self._start(run_off_ui("test-print", technician.port.test_print, printed))

    def toggle_out_of_service(self) -> None:
        technician = self.app.technician
        if technician is not None:
            technician.out_of_service.set(not technician.out_of_service.active)
        self.refresh()

    def open_reprint(self) -> None:
        self.app.show_screen("technician_reprint")

    def exit(self) -> None:
        """Back to attract (or to the out-of-service screen when switched off)."""
        self.app.end_session()

    def clear_personal(self) -> None:
        self.ids.result.text = ""


load_kv(__name__)

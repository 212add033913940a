"""Technician mode, the main screen: the data of `kiosk diag` (devices with health and
reason, outbox depth and last delivery, config version, recent errors), a test print,
reprint by reference, the out-of-service switch and Exit. Everything slow runs on a
worker thread through the TechnicianPort; the screen never blocks. Technician-only:
English with Chinese, not in the gettext catalogs. Idles out like any session."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from kivy.clock import Clock

from kiosk.errors import KioskError
from kiosk.services.ports import PrintReport, TechnicianReport
from kiosk.ui.icons import icon
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import KButton, Notice

log = logging.getLogger(__name__)
T = TypeVar("T")

TEXTS = {
    "title": "Technician mode · 技术员模式",
    "loading": "Checking devices and central… · 正在检查设备…",
    "devices": "Devices · 设备",
    "errors": "Recent warnings and errors · 最近的警告和错误",
    "no_errors": "None since the kiosk started · 启动以来没有",
    "test_print": "Test print · 测试打印",
    "reprint": "Reprint a receipt · 补打收据",
    "refresh": "Check again · 重新检查",
    "exit": "Exit · 退出",
    "oos_on": "Out of service: ON. Tap to put the kiosk back in service · 停止服务中，点击恢复",
    "oos_off": "In service. Tap to switch to out of service · 服务中，点击停止服务",
    "printing": "Printing a test slip… · 正在打印测试页…",
    "failed": "Could not check: {error} · 检查失败",
}
DEVICE_NAMES = {"printer": "Receipt printer · 打印机", "payment": "Payment terminal · 支付终端",
                "reader": "Document reader · 证件阅读器"}
HEALTH_WORDS = {"ok": "OK · 正常", "fault": "FAULT · 故障", "unknown": "UNKNOWN · 未知"}


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
        except Exception as exc:  # noqa: BLE001 - the technician sees what failed
            log.exception("technician %s failed", name)
            error = type(exc).__name__
        Clock.schedule_once(lambda _dt: done(result, error))

    thread = threading.Thread(target=run, name=f"technician-{name}", daemon=True)
    thread.start()
    return thread


def refit_buttons(screen: KioskScreen) -> None:
    """Give every button its full font size back once the screen is laid out: a long
    text set before layout wraps in a narrow widget and KButton shrinks it for good."""
    for widget in screen.walk():
        if isinstance(widget, KButton):
            widget.text_scale = 1.0


def print_notice(notice: Notice, what: str, report: PrintReport | None, error: str | None
                 ) -> None:
    if report is None:
        notice.kind, notice.text = "error", f"{what}: {error}"
    else:
        reason = f" ({report.reason})" if report.reason else ""
        notice.kind = "success" if report.outcome == "printed" else "error"
        notice.text = f"{what} {report.reference}: {report.outcome}{reason}"


class TechnicianScreen(KioskScreen):
    exit_icon = icon("close")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._threads: list[threading.Thread] = []
        self.report: TechnicianReport | None = None

    @property
    def busy(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def on_pre_enter(self, *_: Any) -> None:
        self.ids.result.text = ""
        self.refresh()
        self.load()

    def on_enter(self, *_: Any) -> None:
        refit_buttons(self)

    def refresh(self) -> None:
        ids = self.ids
        self.update_header(TEXTS["title"])
        ids.devices_title.text = TEXTS["devices"]
        ids.errors_title.text = TEXTS["errors"]
        ids.test_print.text = TEXTS["test_print"]
        ids.reprint.text = TEXTS["reprint"]
        ids.refresh.text = TEXTS["refresh"]
        ids.exit.text = TEXTS["exit"]
        technician = self.app.technician
        out = technician is not None and technician.out_of_service.active
        ids.out_of_service.text = TEXTS["oos_on"] if out else TEXTS["oos_off"]
        ids.out_of_service.primary = out
        ids.test_print.disabled = ids.refresh.disabled = self.busy

    # --- the report ----------------------------------------------------------------------

    def load(self) -> None:
        technician = self.app.technician
        if technician is None or self.busy:
            return
        self.ids.summary.text = TEXTS["loading"]
        self._start(run_off_ui("report", technician.port.report, self._show))

    def _start(self, thread: threading.Thread) -> None:
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        self.refresh()

    def _show(self, report: TechnicianReport | None, error: str | None) -> None:
        self.report = report
        self.refresh()
        ids = self.ids
        ids.devices.clear_widgets()
        if report is None:
            ids.summary.text = TEXTS["failed"].format(error=error)
            return
        last = (report.last_delivery.strftime("%Y-%m-%d %H:%M:%S")
                if report.last_delivery else "never · 从未")
        ids.summary.text = "\n".join((
            f"Kiosk {report.kiosk_id}   app {report.app_version}",
            f"Config version · 配置版本: {report.config_version}",
            f"Outbox · 待发送: {report.outbox_depth}   last delivery · 上次同步: {last}",
            "Central · 中心: " + ("reachable · 可连接" if report.central_reachable
                                 else "UNREACHABLE · 无法连接"),
        ))
        for device in report.devices:
            why = f"  ({device.reason})" if device.reason else ""
            detail = f"\n{device.detail}" if device.detail else ""
            ids.devices.add_widget(Notice(
                kind="success" if device.health == "ok" else "error",
                text=f"{DEVICE_NAMES.get(device.name, device.name)}: "
                     f"{HEALTH_WORDS.get(device.health, device.health)}{why}{detail}"))
        lines = [*("PROBLEM: " + p for p in report.problems),
                 *("warning: " + w for w in report.warnings), *report.recent_errors]
        ids.errors.text = "\n".join(lines) if lines else TEXTS["no_errors"]

    # --- actions -------------------------------------------------------------------------

    def test_print(self) -> None:
        technician = self.app.technician
        if technician is None or self.busy:
            return
        self.ids.result.kind, self.ids.result.text = "info", TEXTS["printing"]

        def printed(report: PrintReport | None, error: str | None) -> None:
            print_notice(self.ids.result, "Test print · 测试打印", report, error)
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


load_kv(__file__)

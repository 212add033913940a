"""EscposPrinter: hardware.base.ReceiptPrinter over python-escpos.

Every job: status before (refuse when not OK: nothing sent, NOT_PRINTED), send, status
after (OK -> PRINTED, anything else -> UNCERTAIN). A job is never re-sent. Library and
OS exceptions become DeviceError in ``translate_device_errors`` and outcomes in the
callers; nothing leaves this class as an exception. The connection opens lazily and is
dropped after any I/O failure, so the next call reconnects by itself. The last failure
(reason, detail, time) is kept and reported in every PrinterStatus for diagnostics.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import serial

from hardware.base import (
    REASON_DISCONNECTED,
    REASON_PROTOCOL,
    REASON_TIMEOUT,
    DeviceError,
    Health,
    PrinterStatus,
    PrintOutcome,
    PrintResult,
)
from hardware.document import Document
from hardware.os_errors import plain_failure
from hardware.printer.connection import Transport, make_transport, parse_printer_url
from hardware.printer.escpos_import import DeviceNotFoundError, EscposError
from hardware.printer.profile import PrinterProfile
from hardware.printer.render import render_document
from hardware.printer.status import (
    ERROR_CAUSE,
    OFFLINE_CAUSE,
    PAPER_SENSOR,
    PRINTER_STATUS,
    decode_status,
    needs_error_cause,
    query,
    unknown_status,
)
from hardware.printer.usb_transport import UsbUnavailableError

logger = logging.getLogger(__name__)
DEVICE = "printer"


@contextmanager
def translate_device_errors(action: str) -> Iterator[None]:
    """The one place where python-escpos, socket and serial exceptions become
    DeviceError with a stable reason code and a detail in plain words
    (hardware.os_errors)."""
    try:
        yield
    except DeviceError:
        raise
    except UsbUnavailableError as exc:  # its message is the fix: keep it whole
        raise DeviceError(DEVICE, REASON_DISCONNECTED, str(exc)) from exc
    except (TimeoutError, serial.SerialTimeoutException) as exc:
        raise DeviceError(DEVICE, REASON_TIMEOUT, plain_failure(DEVICE, action, exc)) from exc
    except DeviceNotFoundError as exc:
        raise DeviceError(DEVICE, REASON_DISCONNECTED,
                          plain_failure(DEVICE, action, exc, fallback="no such device")) from exc
    except (OSError, serial.SerialException) as exc:  # the OS's words: to the log only
        raise DeviceError(DEVICE, REASON_DISCONNECTED, plain_failure(DEVICE, action, exc)) from exc
    except EscposError as exc:
        raise DeviceError(DEVICE, REASON_PROTOCOL,
                          f"{action}: {type(exc).__name__}"[:200]) from exc


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


@dataclass(frozen=True)
class LastError:
    """The most recent failure of a printer: a status that was not OK, or a job that
    could not be sent. ``detail`` is for technicians and never holds slip text."""

    reason: str
    detail: str
    at: datetime

    def describe(self) -> str:
        return f"{self.reason}: {self.detail}" if self.detail else self.reason


class EscposPrinter:
    """A receipt printer at ``url``. Thread-safe: one operation at a time."""

    def __init__(self, url: str, transport: Transport, profile: PrinterProfile, *,
                 status_timeout_s: float) -> None:
        self.url = url
        self.profile = profile
        self.status_timeout_s = status_timeout_s
        self._transport = transport
        self._connected = False
        self._lock = threading.Lock()
        self._last_error: LastError | None = None

    @property
    def last_error(self) -> LastError | None:
        """The most recent failure since this adapter was built, or None."""
        return self._last_error

    def _remember_failure(self, reason: str | None, detail: str) -> None:
        self._last_error = LastError(reason or REASON_PROTOCOL, detail[:200],
                                     datetime.now(UTC))

    def _remember_job_failure(self, job_id: str, outcome: PrintOutcome, reason: str | None,
                              detail: str) -> None:
        """A job that did not print: the job id and outcome lead (no slip text)."""
        self._remember_failure(reason, f"job {job_id} {outcome.value}: {detail}")

    def _reported(self, status: PrinterStatus) -> PrinterStatus:
        """``status`` with the last failure attached; a status that is not OK is that
        failure (a printer that is OK but near the end of its paper is not failing)."""
        if status.health is not Health.OK:
            self._remember_failure(status.reason, status.detail)
        last = self._last_error
        if last is None:
            return status
        return replace(status, last_error=last.describe(), last_error_at=last.at)

    # --- connection ----------------------------------------------------------------

    def _ensure_connected(self) -> None:
        if not self._connected:
            with translate_device_errors("connect"):
                self._transport.open()
            self._connected = True

    def _drop_connection(self) -> None:
        """Forget a connection that failed; the next call opens a fresh one."""
        self._connected = False
        try:
            self._transport.close()
        except Exception:  # closing a broken link may fail in any way; it is gone anyway
            logger.debug("printer: error while closing a failed connection", exc_info=True)

    def close(self) -> None:
        with self._lock:
            if self._connected:
                self._drop_connection()

    def _release_if_shared(self) -> None:
        if self._transport.shared and self._connected:
            self._drop_connection()

    # --- status ----------------------------------------------------------------------

    def _ask(self, n: int, extra_wait_s: float = 0.0) -> int | None:
        self._transport.write(query(n))
        return self._transport.read_byte(self.status_timeout_s + extra_wait_s)

    def _read_replies(self, first_reply_extra_s: float) -> dict[int, int | None]:
        replies: dict[int, int | None] = {}
        with translate_device_errors("status"):
            self._ensure_connected()
            self._transport.drain()
            for n in (PRINTER_STATUS, OFFLINE_CAUSE, PAPER_SENSOR):
                replies[n] = self._ask(n, first_reply_extra_s if n == PRINTER_STATUS else 0.0)
                if replies[n] is None:
                    break  # a silent printer: do not wait out every query
            if needs_error_cause(replies.get(OFFLINE_CAUSE)):
                replies[ERROR_CAUSE] = self._ask(ERROR_CAUSE)
        return replies

    def _query_status(self, *, may_reconnect: bool,
                      first_reply_extra_s: float = 0.0) -> PrinterStatus:
        """One status query. With ``may_reconnect``, a connection found dead (printer
        restarted, idle connection closed) is replaced once; never after a job was sent,
        where a fresh connection would hide what happened to the job.
        ``first_reply_extra_s``: after a job, the first query waits behind the job's
        bytes still on a slow line, so its reply may take that much longer."""
        start = time.perf_counter()
        was_connected = self._connected
        try:
            replies = self._read_replies(first_reply_extra_s)
        except DeviceError as err:
            self._drop_connection()
            if may_reconnect and was_connected and err.reason == REASON_DISCONNECTED:
                return self._query_status(may_reconnect=False)
            return self._reported(unknown_status(
                err.reason, err.detail, connection=self.url,
                model=self.profile.escpos_profile, query_ms=_ms(start),
                checked_at=datetime.now(UTC)))
        return self._reported(decode_status(
            replies, connection=self.url, model=self.profile.escpos_profile,
            query_ms=_ms(start), checked_at=datetime.now(UTC)))

    def status(self) -> PrinterStatus:
        with self._lock:
            try:
                return self._query_status(may_reconnect=True)
            except Exception:  # never raises: a bug here must not stop the kiosk
                logger.exception("printer: status query failed unexpectedly")
                return self._reported(unknown_status(
                    REASON_PROTOCOL, "internal error", connection=self.url,
                    model=self.profile.escpos_profile, checked_at=datetime.now(UTC)))
            finally:
                self._release_if_shared()

    # --- printing --------------------------------------------------------------------

    def print_document(self, job_id: str, document: Document) -> PrintResult:
        with self._lock:
            try:
                return self._print(job_id, document)
            except Exception:  # never raises; nothing is known about the job
                logger.exception("printer: job %s failed unexpectedly", job_id)
                self._remember_job_failure(job_id, PrintOutcome.UNCERTAIN, REASON_PROTOCOL,
                                           "internal error")
                return PrintResult(job_id, PrintOutcome.UNCERTAIN, REASON_PROTOCOL)
            finally:
                self._release_if_shared()

    def _print(self, job_id: str, document: Document) -> PrintResult:
        started = time.perf_counter()
        try:
            data = render_document(document, self.profile)
        except Exception:
            logger.exception("printer: job %s could not be rendered", job_id)
            self._remember_job_failure(job_id, PrintOutcome.NOT_PRINTED, REASON_PROTOCOL,
                                       "could not be rendered")
            return self._finish(job_id, started, PrintResult(
                job_id, PrintOutcome.NOT_PRINTED, REASON_PROTOCOL))

        before = self._query_status(may_reconnect=True)
        if before.health is not Health.OK:
            self._remember_job_failure(job_id, PrintOutcome.NOT_PRINTED, before.reason,
                                       before.detail)
            return self._finish(job_id, started, PrintResult(
                job_id, PrintOutcome.NOT_PRINTED, before.reason, status_before=before))

        send_start = time.perf_counter()
        try:
            with translate_device_errors("send"):
                self._transport.write(data)
        except DeviceError as err:
            self._drop_connection()
            logger.info("printer: job %s send failed after %.1f ms: %s", job_id,
                        _ms(send_start), err.reason)
            self._remember_job_failure(job_id, PrintOutcome.UNCERTAIN, err.reason,
                                       err.detail)
            return self._finish(job_id, started, PrintResult(
                job_id, PrintOutcome.UNCERTAIN, err.reason, status_before=before))
        send_ms = _ms(send_start)

        allowance_s = self._transport.reply_allowance_s(len(data))
        after = self._query_status(may_reconnect=False, first_reply_extra_s=allowance_s)
        outcome = PrintOutcome.PRINTED if after.health is Health.OK else PrintOutcome.UNCERTAIN
        if outcome is PrintOutcome.UNCERTAIN:
            self._remember_job_failure(job_id, outcome, after.reason, after.detail)
        logger.debug("printer: job %s sent %d bytes in %.1f ms", job_id, len(data), send_ms)
        return self._finish(job_id, started, PrintResult(
            job_id, outcome, after.reason, status_before=before, status_after=after,
            bytes_sent=len(data)))

    def _finish(self, job_id: str, started: float, result: PrintResult) -> PrintResult:
        before_ms = result.status_before.query_ms if result.status_before else None
        after_ms = result.status_after.query_ms if result.status_after else None
        logger.info("printer: job %s %s reason=%s bytes=%d status_before_ms=%s "
                    "status_after_ms=%s total_ms=%.1f", job_id, result.outcome.value,
                    result.reason, result.bytes_sent, before_ms, after_ms, _ms(started))
        return result


def open_printer(url: str, profile: PrinterProfile, *, status_timeout_s: float,
                 connect_timeout_s: float) -> EscposPrinter:
    """An EscposPrinter for ``url`` (see connection.parse_printer_url). No I/O here: the
    connection opens at the first status() or print_document(). Raises ValueError for a
    URL that names no connection type."""
    if status_timeout_s <= 0 or connect_timeout_s <= 0:
        raise ValueError("printer timeouts must be positive")
    endpoint = parse_printer_url(url)
    transport = make_transport(endpoint, escpos_profile=profile.escpos_profile,
                               io_timeout_s=connect_timeout_s)
    return EscposPrinter(url, transport, profile, status_timeout_s=status_timeout_s)

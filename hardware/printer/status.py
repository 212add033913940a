"""DLE EOT real-time status replies -> hardware.base.PrinterStatus.

Per the Epson ESC/POS reference, each DLE EOT n reply is one byte whose bits 0, 1, 4
and 7 are fixed at 0, 1, 1, 0 (so ``byte & 0x93 == 0x12``); a byte that breaks that is
not a status reply. n=1 printer status, n=2 offline cause, n=3 error cause, n=4 roll
paper sensor. Three-valued: OK only from valid replies to n=1, 2 and 4; a missing reply
is UNKNOWN/no_reply, a malformed one UNKNOWN/protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from hardware.base import (
    REASON_COVER_OPEN,
    REASON_ERROR,
    REASON_NO_REPLY,
    REASON_OFFLINE,
    REASON_PAPER_NEAR_END,
    REASON_PAPER_OUT,
    REASON_PROTOCOL,
    Health,
    PrinterStatus,
)

DLE_EOT = b"\x10\x04"
PRINTER_STATUS, OFFLINE_CAUSE, ERROR_CAUSE, PAPER_SENSOR = 1, 2, 3, 4
REQUIRED_QUERIES = (PRINTER_STATUS, OFFLINE_CAUSE, PAPER_SENSOR)

FIXED_MASK, FIXED_VALUE = 0x93, 0x12

# n=1 printer status
P_DRAWER_PIN3_HIGH = 0x04
P_OFFLINE = 0x08
P_WAITING_RECOVERY = 0x20
P_FEED_BUTTON = 0x40
# n=2 offline cause
O_COVER_OPEN = 0x04
O_FEEDING_BY_BUTTON = 0x08
O_PAPER_END_STOP = 0x20
O_ERROR = 0x40
# n=3 error cause
E_RECOVERABLE = 0x04
E_AUTOCUTTER = 0x08
E_UNRECOVERABLE = 0x20
E_AUTO_RECOVERABLE = 0x40
# n=4 roll paper sensor (two bits each: printers with one sensor set one or both)
S_NEAR_END = 0x0C
S_PAPER_OUT = 0x60

_ERROR_NAMES = ((E_RECOVERABLE, "recoverable error"), (E_AUTOCUTTER, "autocutter error"),
                (E_UNRECOVERABLE, "unrecoverable error"),
                (E_AUTO_RECOVERABLE, "auto-recoverable error (head hot?)"))

Replies = Mapping[int, int | None]
"""DLE EOT n -> the reply byte, None when asked but not answered; absent when not asked."""


def query(n: int) -> bytes:
    """The DLE EOT n request bytes."""
    return DLE_EOT + bytes((n,))


def is_valid_reply(byte: int) -> bool:
    return (byte & FIXED_MASK) == FIXED_VALUE


def needs_error_cause(offline_cause: int | None) -> bool:
    """Ask DLE EOT 3 only when DLE EOT 2 reports an error."""
    return (offline_cause is not None and is_valid_reply(offline_cause)
            and bool(offline_cause & O_ERROR))


def _bit(replies: Replies, n: int, mask: int) -> bool | None:
    byte = replies.get(n)
    return None if byte is None else bool(byte & mask)


def decode_status(replies: Replies, *, connection: str = "", model: str = "",
                  query_ms: float | None = None,
                  checked_at: datetime | None = None) -> PrinterStatus:
    """Decode the replies of one status query into a three-valued PrinterStatus."""

    def status(health: Health, reason: str | None, detail: str = "",
               **flags: bool | None) -> PrinterStatus:
        return PrinterStatus(device="printer", health=health, reason=reason, detail=detail,
                             connection=connection, model=model, query_ms=query_ms,
                             checked_at=checked_at, online=flags.get("online"),
                             cover_open=flags.get("cover_open"),
                             paper_near_end=flags.get("paper_near_end"),
                             paper_out=flags.get("paper_out"), error=flags.get("error"))

    for n in REQUIRED_QUERIES:
        if replies.get(n) is None:
            return status(Health.UNKNOWN, REASON_NO_REPLY, f"no reply to DLE EOT {n}")
    if ERROR_CAUSE in replies and replies[ERROR_CAUSE] is None:
        return status(Health.UNKNOWN, REASON_NO_REPLY, f"no reply to DLE EOT {ERROR_CAUSE}")
    for n, byte in sorted(replies.items()):
        if byte is not None and not is_valid_reply(byte):
            return status(Health.UNKNOWN, REASON_PROTOCOL,
                          f"DLE EOT {n} reply 0x{byte:02x} is not a status byte")

    offline = bool(_bit(replies, PRINTER_STATUS, P_OFFLINE))
    cover_open = bool(_bit(replies, OFFLINE_CAUSE, O_COVER_OPEN))
    paper_out = bool(_bit(replies, PAPER_SENSOR, S_PAPER_OUT)
                     or _bit(replies, OFFLINE_CAUSE, O_PAPER_END_STOP))
    near_end = bool(_bit(replies, PAPER_SENSOR, S_NEAR_END))
    error_causes = [name for mask, name in _ERROR_NAMES
                    if _bit(replies, ERROR_CAUSE, mask)]
    error = bool(_bit(replies, OFFLINE_CAUSE, O_ERROR)) or bool(error_causes)

    causes: list[str] = []
    if cover_open:
        causes.append("cover open")
    if paper_out:
        causes.append("paper out")
    if error:
        causes.extend(error_causes or ["error"])
    if _bit(replies, PRINTER_STATUS, P_FEED_BUTTON) or _bit(replies, OFFLINE_CAUSE,
                                                            O_FEEDING_BY_BUTTON):
        causes.append("feed button pressed")
    if _bit(replies, PRINTER_STATUS, P_WAITING_RECOVERY):
        causes.append("waiting for online recovery")
    if near_end:
        causes.append("roll paper near end")
    flags: dict[str, bool | None] = {
        "online": not offline, "cover_open": cover_open, "paper_near_end": near_end,
        "paper_out": paper_out, "error": error}
    detail = ", ".join(causes)

    # The operator's view first: an open cover explains the rest; then paper, errors.
    for present, reason in ((cover_open, REASON_COVER_OPEN), (paper_out, REASON_PAPER_OUT),
                            (error, REASON_ERROR), (offline, REASON_OFFLINE)):
        if present:
            return status(Health.FAULT, reason, detail, **flags)
    if near_end:
        return status(Health.OK, REASON_PAPER_NEAR_END, detail, **flags)
    return status(Health.OK, None, detail, **flags)


def unknown_status(reason: str, detail: str = "", *, connection: str = "", model: str = "",
                   query_ms: float | None = None,
                   checked_at: datetime | None = None) -> PrinterStatus:
    """UNKNOWN for a printer that could not be asked at all (not connected, I/O error)."""
    return PrinterStatus(device="printer", health=Health.UNKNOWN, reason=reason,
                         detail=detail, connection=connection, model=model,
                         query_ms=query_ms, checked_at=checked_at)

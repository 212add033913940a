"""What each device fault means and what to do about it: the one table `kiosk diag` and
the technician screen show, and docs/operations.md lists ("Device faults and what to
do"; a test keeps the two the same).

Keyed by device ("printer", "payment", "reader", as diagnostics names them) and reason
code (hardware.base REASON_*). The texts are gettext msgids: the technician screen shows
them in the technician's language, `kiosk diag` prints them in English. They never carry
the OS's own words for an error (those are in the log only: hardware.os_errors).
"""

from __future__ import annotations

from dataclasses import dataclass

from hardware.base import (
    REASON_BUSY,
    REASON_COVER_OPEN,
    REASON_DISCONNECTED,
    REASON_ERROR,
    REASON_NO_REPLY,
    REASON_OFFLINE,
    REASON_PAPER_NEAR_END,
    REASON_PAPER_OUT,
    REASON_PROTOCOL,
    REASON_TIMEOUT,
)


def N_(message: str) -> str:
    """Mark for extraction (kiosk.devtools.messages); translated where it is shown."""
    return message


PRINTER, PAYMENT, READER, SCANNER = "printer", "payment", "reader", "scanner"

# What a state means, in a few words (the same for every device).
MEANINGS: dict[str, str] = {
    REASON_DISCONNECTED: N_("Not connected"),
    REASON_NO_REPLY: N_("Not answering"),
    REASON_TIMEOUT: N_("Too slow to answer"),
    REASON_PROTOCOL: N_("Answer not understood"),
    REASON_BUSY: N_("Busy with a payment"),
    REASON_PAPER_OUT: N_("Out of paper"),
    REASON_PAPER_NEAR_END: N_("Paper roll nearly used up"),
    REASON_COVER_OPEN: N_("Cover open"),
    REASON_OFFLINE: N_("Offline"),
    REASON_ERROR: N_("Reports an error"),
}
UNEXPECTED = N_("Unexpected state")

_PRINTER_RESTART = N_("Switch the printer off and on again; check its cable.")
_TERMINAL_RESTART = N_("Switch the payment terminal off and on again; check its cable.")
_READER_REPLUG = N_("Unplug the document reader and plug it in again.")

# What to do, for each state a device can report or be found in.
ACTIONS: dict[tuple[str, str], str] = {
    (PRINTER, REASON_PAPER_OUT): N_("Load a new paper roll (80 mm) and close the cover."),
    (PRINTER, REASON_PAPER_NEAR_END): N_("Load a new paper roll soon."),
    (PRINTER, REASON_COVER_OPEN): N_("Close the printer cover until it clicks."),
    (PRINTER, REASON_OFFLINE): N_("Look for jammed paper and release the feed button, then "
                                  "switch the printer off and on again."),
    (PRINTER, REASON_ERROR): N_("Clear jammed paper at the cutter, then switch the printer "
                                "off and on again."),
    (PRINTER, REASON_DISCONNECTED): N_("Check the printer's power and its cable (a network "
                                       "printer: its network cable)."),
    (PRINTER, REASON_NO_REPLY): _PRINTER_RESTART,
    (PRINTER, REASON_TIMEOUT): _PRINTER_RESTART,
    (PRINTER, REASON_PROTOCOL): N_("Check that printer.url and printer.profile in the site "
                                   "file match this printer, then switch it off and on "
                                   "again."),
    (PAYMENT, REASON_DISCONNECTED): N_("Check the payment terminal's power and its cable."),
    (PAYMENT, REASON_NO_REPLY): _TERMINAL_RESTART,
    (PAYMENT, REASON_TIMEOUT): _TERMINAL_RESTART,
    (PAYMENT, REASON_PROTOCOL): N_("Check that payment.url and payment.baudrate in the site "
                                   "file match the payment terminal."),
    (PAYMENT, REASON_BUSY): N_("A payment is in progress: check again in a minute."),
    (READER, REASON_DISCONNECTED): N_("Check the document reader's USB cable and plug it in "
                                      "again."),
    (READER, REASON_NO_REPLY): _READER_REPLUG,
    (READER, REASON_TIMEOUT): _READER_REPLUG,
    (READER, REASON_PROTOCOL): N_("Check that reader.url and reader.baudrate in the site file "
                                  "match the document reader."),
    (READER, REASON_ERROR): N_("Clean the reader's glass, then unplug the reader and plug it "
                               "in again."),
    (SCANNER, REASON_DISCONNECTED): N_("Check the payment-code scanner's USB cable and plug "
                                       "it in again; check that scanner.url names it."),
}
FALLBACK_ACTION = N_("Switch the device off and on again; if the problem stays, call support "
                     "with the kiosk's ID.")
WHAT_TO_DO = N_("What to do: {action}")  # the screen's line; `kiosk diag` says the same


@dataclass(frozen=True)
class FaultAdvice:
    """A device state in plain words (msgids): what it means and what to do."""

    meaning: str
    action: str


def advice_for(device: str, reason: str | None) -> FaultAdvice | None:
    """The advice for ``device`` found in state ``reason``; None without a reason (OK).
    A reason this table does not know still gets a meaning and an action."""
    if not reason:
        return None
    return FaultAdvice(meaning=MEANINGS.get(reason, UNEXPECTED),
                       action=ACTIONS.get((device, reason), FALLBACK_ACTION))

"""The wire schema of heartbeats and the fleet (POST /v1/heartbeats): what a kiosk tells
central about itself every sync.heartbeat_interval_s. Pure, like kiosk.sync.wire, of
which it is a part: central imports it.

Every string of a heartbeat ends up on an operator's terminal (kiosk-admin fleet), so it
is short and holds no control or format character: no escape sequence, line break or
bidirectional override (Unicode categories Cc, Cf, Cs, Zl, Zp).
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, Field, model_validator

from kiosk.sync.wire import Instant, WireModel

DeviceName = Literal["printer", "payment", "reader"]
DeviceState = Literal["ok", "fault", "unknown"]  # hardware.base.Health values
LAST_ERROR_MAX = 300  # a line for a technician, not a stack trace

UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
VERSION_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z.+_-]*$"  # PEP 440 with a local part; local-<hex>
REASON_PATTERN = r"^[a-z0-9][a-z0-9_.:-]*$"  # hardware.base REASON_* codes
# maintenance.restart_window: HH:MM-HH:MM, 24-hour local time
RESTART_WINDOW_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$"

# A kiosk that reads central's out-of-service mark in the heartbeat's answer says so in
# this header of its beat (comma-separated names; an older central ignores it).
ACCEPTS_HEADER = "X-Kiosk-Accepts"
ACCEPTS_SERVICE_MARK = "service_mark"
OutOfServiceBy = Literal["technician", "central"]
ServiceMarkReason = Literal["admin"]  # taken out of service by an admin on the console


def is_printable(text: str) -> bool:
    return not any(unicodedata.category(char) in UNPRINTABLE_CATEGORIES for char in text)


def printable_line(text: str) -> str:
    """``text`` with every control or format character made a space (what a kiosk does
    to a log line before it goes into a heartbeat)."""
    return "".join(" " if unicodedata.category(char) in UNPRINTABLE_CATEGORIES else char
                   for char in text)


def _printable(text: str) -> str:
    if not is_printable(text):
        raise ValueError("control or format character")
    return text


PrintableText = Annotated[str, AfterValidator(_printable)]


class DeviceStateIn(WireModel):
    state: DeviceState
    reason: str | None = Field(default=None, max_length=64, pattern=REASON_PATTERN)
    """A hardware.base REASON_* code."""


class HeartbeatIn(WireModel):
    """What a kiosk reports every sync.heartbeat_interval_s (POST /v1/heartbeats, the
    kiosk named by X-Kiosk-Id). No personal data: versions, states, counts. Every string
    is bounded in length and characters (422 otherwise)."""

    app_version: str = Field(min_length=1, max_length=32, pattern=VERSION_PATTERN)
    config_version: str = Field(min_length=1, max_length=64, pattern=VERSION_PATTERN)
    devices: dict[DeviceName, DeviceStateIn] = Field(default_factory=dict)
    outbox_depth: int = Field(ge=0, le=10_000_000)
    outbox_parked: int = Field(default=0, ge=0, le=10_000_000)  # refused by central, kept
    last_error: PrintableText | None = Field(default=None, max_length=LAST_ERROR_MAX)
    disk_free_bytes: int = Field(ge=0, le=2**62)
    sent_at: Instant | None = None  # kiosk time, for the clock-skew eye
    update_state: str | None = Field(default=None, pattern=r"^[a-z_]{1,16}$")
    """The software update's state (kiosk.update.wire.UpdateState: idle, installed, trial,
    kept, rolled_back, ...); None from a kiosk that runs without updates."""
    # Upkeep (docs/operations.md#maintenance); defaults: what a kiosk that does not say means.
    out_of_service: bool = False  # a technician switched the kiosk off
    out_of_service_since: Instant | None = None  # only with out_of_service
    low_disk: bool = False  # free disk below the kiosk's maintenance.min_free_disk_mb
    up_since: Instant | None = None  # when the kiosk process started
    restart_window: str | None = Field(default=None, max_length=11,
                                       pattern=RESTART_WINDOW_PATTERN)
    """The nightly restart window in the kiosk's time zone; null: no nightly restart."""
    last_restart_at: Instant | None = None  # the kiosk's last nightly restart
    out_of_service_by: list[OutOfServiceBy] = Field(default_factory=list, max_length=2)
    """Who took it out of service: its technician's switch, central's mark it obeyed, or
    both; empty while in service (and from a kiosk that does not say: the technician)."""

    @model_validator(mode="after")
    def _since_only_when_out_of_service(self) -> HeartbeatIn:
        if self.out_of_service_since is not None and not self.out_of_service:
            raise ValueError("out_of_service_since without out_of_service")
        if self.out_of_service_by and not self.out_of_service:
            raise ValueError("out_of_service_by without out_of_service")
        if len(set(self.out_of_service_by)) != len(self.out_of_service_by):
            raise ValueError("out_of_service_by names one twice")
        return self


class ServiceMark(WireModel):
    """Central's out-of-service mark for the kiosk (an admin's, from the console), in
    the heartbeat's answer. A reason code, never the admin's words (they may name a
    person)."""

    out_of_service: bool
    since: AwareDatetime | None = None  # when the admin marked it (central's clock)
    reason_code: ServiceMarkReason | None = None  # with out_of_service only


class HeartbeatAck(WireModel):
    kiosk_id: str
    received_at: AwareDatetime  # central's time (the kiosk may compare clocks)
    first_seen: bool  # central had not heard of this kiosk before
    service_mark: ServiceMark | None = None
    """Only to a kiosk whose beat carried ACCEPTS_HEADER naming ACCEPTS_SERVICE_MARK
    (an older kiosk's strict model would refuse the field); absent from an older
    central, which has no marks."""

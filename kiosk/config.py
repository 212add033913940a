"""Every setting of the kiosk, declared once with a default and a docstring.

Layers, later wins: packaged defaults (kiosk/data/config/default.toml) < config pushed by central
< the local site file. An unknown key or a bad value stops start-up with a ConfigError
naming the file, the key and the reason.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from enum import StrEnum
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kiosk.errors import ConfigError
from kiosk.paths import default_config
from kiosk.sync.wire_config import parse_public_key
from kiosk.sync.wire_fleet import RESTART_WINDOW_PATTERN

Language = Literal["zh-Hans", "en", "ja", "ko", "fr", "de", "es", "ru"]
ALL_LANGUAGES: tuple[Language, ...] = ("zh-Hans", "en", "ja", "ko", "fr", "de", "es", "ru")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class KioskSection(_Section):
    id: str = Field(default="SH-CN-0001", pattern=r"^[A-Z0-9][A-Z0-9-]{2,31}$")
    """This kiosk's identifier, unique in the fleet; printed on every slip."""
    center_name_zh: str = "上海虹桥海外人才一站式服务中心"
    """Service center name in Chinese, printed in every slip header."""
    center_name_en: str = "Hongqiao Overseas Talent One-Stop Service Center"
    """Service center name in English, printed under the Chinese one."""
    location: str = "Changning District, Shanghai"
    """Where the kiosk stands, printed on slips."""
    hotline: str = "12345"
    """Phone number people are told to call; printed on every slip."""
    data_dir: Path = Path("var/kiosk")
    """Folder for the local database and runtime files (relative to the working folder)."""
    timezone: str = "Asia/Shanghai"
    """Time zone for timestamps on slips and on the wire (+08:00 in Shanghai)."""
    languages: tuple[Language, ...] = ALL_LANGUAGES
    """UI languages offered, in the order shown on the language screen."""
    default_language: Language = "en"
    """Language of the attract screen before anyone chooses."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _default_is_offered(self) -> KioskSection:
        if self.default_language not in self.languages:
            raise ValueError(f"default_language {self.default_language!r} is not in languages")
        return self


class UISection(_Section):
    width: int = Field(default=1080, ge=320, le=4096)
    """Logical screen width in pixels (portrait reference: 1080)."""
    height: int = Field(default=1920, ge=320, le=4096)
    """Logical screen height in pixels (portrait reference: 1920)."""
    fullscreen: bool = False
    """Open the window full screen (a real kiosk); otherwise scaled to fit the display."""
    rotation: Literal[0, 90, 180, 270] = 0
    """Degrees the UI is turned on the screen (Kivy's graphics rotation): a portrait UI on
    a panel mounted in landscape takes 90 or 270. Touches are turned with it."""
    idle_timeout_s: int = Field(default=60, ge=10, le=3600)
    """Seconds without a touch before "Are you still there?" is asked."""
    idle_countdown_s: int = Field(default=20, ge=5, le=120)
    """Seconds the "Are you still there?" countdown runs before the session is wiped."""
    attract_cycle_s: float = Field(default=4.0, ge=1.0, le=60.0)
    """Seconds each language's greeting stays on the attract screen."""


class TouchSection(_Section):
    provider: Literal["mouse", "mtdev", "hidinput"] = "mouse"
    """Where touches come from. "mouse": the pointer the display server gives (X makes
    one of a touchscreen; calibrate it there). "mtdev" or "hidinput": the kiosk reads the
    touch panel itself (/dev/input/event*, its user in group input) with the rotation,
    inversion and ranges below, and ignores the pointer, so a touch counts once."""
    device_match: str = Field(default="", pattern=r"^[^,=]*$")
    """mtdev/hidinput: only panels whose name contains this text (as in
    /sys/class/input/*/device/name); empty: every multi-touch panel."""
    rotation: Literal[0, 90, 180, 270] = 0
    """mtdev/hidinput: degrees the panel's axes are turned against the screen's (a panel
    glued on turned); with invert_x and invert_y it gives all eight orientations."""
    invert_x: bool = False
    """mtdev/hidinput: the panel's x axis runs right to left."""
    invert_y: bool = False
    """mtdev/hidinput: the panel's y axis runs bottom to top."""
    min_x: int | None = None
    """mtdev/hidinput calibration: the raw x the panel reports at the screen's left edge
    (unset: the panel's own minimum)."""
    max_x: int | None = None
    """mtdev/hidinput calibration: the raw x at the screen's right edge (unset: the
    panel's own maximum)."""
    min_y: int | None = None
    """mtdev/hidinput calibration: the raw y at the screen's top edge (unset: the
    panel's own minimum)."""
    max_y: int | None = None
    """mtdev/hidinput calibration: the raw y at the screen's bottom edge (unset: the
    panel's own maximum)."""

    @model_validator(mode="after")
    def _calibration_needs_the_panel(self) -> TouchSection:
        if self.provider == "mouse":
            set_here = [name for name in ("rotation", "invert_x", "invert_y", "min_x", "max_x",
                                          "min_y", "max_y", "device_match")
                        if getattr(self, name) != type(self).model_fields[name].default]
            if set_here:
                raise ValueError(f"{', '.join(set_here)} apply only when the kiosk reads the "
                                 'panel itself: set provider = "mtdev" or "hidinput"')
        for low, high in (("min_x", "max_x"), ("min_y", "max_y")):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo == hi:
                raise ValueError(f"{low} and {high} are equal: no range to map")
        return self


class CentralSection(_Section):
    url: str = Field(default="http://127.0.0.1:8700", pattern=r"^https?://[^\s/]+(/.*)?$")
    """Base URL of the central service."""
    timeout_s: float = Field(default=5.0, gt=0, le=120)
    """Timeout of every HTTP call to central, connect and read."""
    token: str = ""
    """This kiosk's credential for central (empty: none configured)."""
    verify_url: str = Field(default="", pattern=r"^(https?://\S*\{code\}\S*)?$")
    """What slips' QR codes open, with {code} for the slip's verification code; empty:
    central's own /v1/verify/{code} at the url above."""


class SyncSection(_Section):
    forward_interval_s: float = Field(default=5.0, gt=0, le=3600)
    """How often the outbox forwarder looks for records when it has nothing to do."""
    batch_size: int = Field(default=200, ge=1, le=1000)
    """Outbox records sent to central per request."""
    backoff_max_s: float = Field(default=300.0, gt=0, le=86400)
    """Longest wait between delivery attempts while central is unreachable."""
    heartbeat_interval_s: float = Field(default=60.0, gt=0, le=3600)
    """How often the kiosk reports its versions, devices, outbox and disk to central
    (central counts a kiosk offline after 3 missed heartbeats by default)."""
    config_keys: tuple[str, ...] = ()
    """Public keys (base64 of the 32 raw Ed25519 bytes, `kiosk-admin keys init` prints
    them) whose signed config bundles this kiosk accepts; empty: no pushed config is
    applied. Only a site file can set them: a push cannot change its own judge."""
    config_poll_interval_s: float = Field(default=60.0, gt=0, le=86400)
    """How often the kiosk asks central for a newer signed config bundle."""

    @field_validator("config_keys")
    @classmethod
    def _keys_are_ed25519(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for index, text in enumerate(value):
            try:
                parse_public_key(text)
            except ValueError as exc:
                raise ValueError(f"config_keys[{index}] is not an Ed25519 public key: {exc}") \
                    from None
        return value


class UpdateSection(_Section):
    root: str = ""
    """Where the kiosk's releases live (/opt/kiosk: releases/<version>/venv, the current
    and previous links, update-state.json; docs/operations.md#software-updates); empty:
    this kiosk takes no software updates (a checkout or a hand-made venv)."""
    poll_interval_s: float = Field(default=300.0, gt=0, le=86400)
    """How often the kiosk asks central for a newer release."""
    health_deadline_s: float = Field(default=180.0, ge=10, le=3600)
    """How long a new version has, from its start, to report its devices, central and
    UI healthy before the kiosk switches back to the previous one."""


class ServicesSection(_Section):
    tax_record: bool = True
    """Offer the tax payment record (needs the document reader and central)."""
    accommodation: bool = True
    """Offer accommodation registration (needs the document reader; works offline)."""
    arbitration: bool = True
    """Offer labour arbitration applications (needs the document reader; works offline)."""
    points: bool = True
    """Offer the indicative points self-assessment."""
    submit_wait_s: float = Field(default=3.0, ge=0, le=30)
    """How long a submission waits for central's final number before the slip is printed
    with the provisional reference (central gives the number on delivery). A delivery
    that fails (central away) ends the wait at once."""
    commission_district: str = "长宁区"
    """District of the arbitration commission this kiosk files with (jurisdiction warning)."""
    holidays: tuple[str, ...] = ()
    """Public holidays (YYYY-MM-DD) that move a limitation deadline forward
    (docs/spec/arbitration.md#limitation)."""
    document_wait_s: float = Field(default=60.0, ge=10, le=600)
    """How long the kiosk waits for a document to be placed before offering to retry."""
    tax_max_months: int = Field(default=12, ge=1, le=36)
    """Longest period of one tax payment record, in months (docs/spec/tax-record.md#periods;
    unconfirmed)."""
    tax_code_resend_s: float = Field(default=60.0, ge=10, le=600)
    """How long after a one-time code "Send again" is live (docs/spec/tax-record.md#steps):
    central sends one code a minute to a phone (docs/central.md), so less only meets its
    429."""


class HealthSection(_Section):
    poll_interval_s: float = Field(default=10.0, gt=0, le=600)
    """How often the kiosk checks its devices and central while it runs."""
    grace_polls: int = Field(default=2, ge=1, le=20)
    """Failed checks in a row before a service is shown as unavailable (a brief
    disconnect or a replug changes nothing for the user)."""


class PrinterSection(_Section):
    url: str = "tcp://127.0.0.1:9100"
    """Receipt printer connection: tcp://HOST:PORT (raw TCP, port 9100), a serial device
    path or serial:///dev/ttyS0?baudrate=19200, any pyserial URL (socket://, rfc2217://,
    loop://), usb://VID:PID (needs the usb extra), or file:///dev/usb/lp0."""
    profile: str = "TM-T88V"
    """python-escpos capability profile of the printer model."""
    chinese_mode: bool = True
    """The printer has a GB18030 font: send Chinese with FS & ... FS . instead of as images."""
    codepages: tuple[str, ...] = ("CP1252", "CP866")
    """Single-byte code pages (python-escpos names) tried in order for non-ASCII letters;
    each must be in the profile's code page table. Text none of them holds is drawn."""
    raster_everything: bool = False
    """Draw every line as an image (for printers without usable fonts; many more bytes)."""
    paper_width_dots: int = Field(default=576, ge=200, le=1000)
    """Printable width in dots (80 mm paper: 576)."""
    chars_per_line: int = Field(default=48, ge=16, le=80)
    """Characters per line in font A (80 mm paper: 48)."""
    status_timeout_s: float = Field(default=0.5, gt=0, le=10)
    """How long to wait for each DLE EOT status reply; no reply means status unknown."""
    connect_timeout_s: float = Field(default=3.0, gt=0, le=60)
    """How long to wait when connecting and writing a job."""


class PaymentSection(_Section):
    url: str = "/dev/ttyS0"
    """Payment terminal serial port: a device path or a pyserial URL."""
    baudrate: int = Field(default=9600, ge=1200, le=921600)
    """Serial line speed."""
    ack_timeout_s: float = Field(default=1.0, gt=0, le=30)
    """How long to wait for the terminal's ACK of a frame before sending it again."""
    card_timeout_s: float = Field(default=90.0, ge=1, le=600)
    """How long a sale may take at the terminal (card, PIN, bank) before it is reversed."""


QrProviderName = Literal["alipay", "wechat", "unionpay"]


class QrPaySection(_Section):
    providers: tuple[QrProviderName, ...] = ()
    """QR payment apps offered at this kiosk after the bill review (docs/payments-qr.md),
    in that order of preference; central must have each set up too. Empty: the card only,
    and no choice is shown."""
    scan: Literal["reader", "scanner", "none"] = "none"
    """Where a person's payment code (shown in their app) is read: "reader", the document
    reader's barcode mode (needs reader.url); "scanner", a payment-code scanner of its own
    (needs scanner.url); "none", the kiosk only shows codes."""
    code_ttl_s: float = Field(default=120.0, ge=30, le=600)
    """How long a code stays on screen before its order is closed (central's own expiry
    may end it sooner)."""
    confirm_wait_s: float = Field(default=60.0, ge=10, le=300)
    """How long the kiosk waits for a person to confirm a scanned code's payment in
    their app before it cancels the order."""
    poll_interval_s: float = Field(default=1.0, ge=0.2, le=10)
    """How often central is asked about an order while it runs."""

    @field_validator("providers")
    @classmethod
    def _unique_providers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a provider is listed twice")
        return value


class ReaderSection(_Section):
    url: str = ""
    """Identity-document reader: a serial device path or pyserial URL; empty when this
    kiosk has no reader."""
    baudrate: int = Field(default=9600, ge=1200, le=921600)
    """Serial line speed."""
    debounce_s: float = Field(default=3.0, ge=0, le=60)
    """The same document read again within this time is delivered once."""


class KeypadSection(_Section):
    url: str = ""
    """Tactile keypad (docs/hardware/keypad.md): a serial device path or pyserial URL;
    empty when this kiosk has none (nothing changes then)."""
    baudrate: int = Field(default=9600, ge=1200, le=921600)
    """Serial line speed."""


class ScannerSection(_Section):
    url: str = ""
    """Payment-code scanner (docs/hardware/payment-code-scanner.md): a 2D scanner in its
    USB-COM mode, a serial device path or pyserial URL; empty when this kiosk has none."""
    baudrate: int = Field(default=9600, ge=1200, le=921600)
    """Serial line speed (a USB-COM scanner ignores it; a scanner on RS-232 needs it)."""
    suffix: Literal["cr", "lf", "crlf"] = "cr"
    """What the scanner sends after each code, as set up in the scanner (CR by default)."""


class TechnicianSection(_Section):
    pin_hash: str = Field(
        default="", pattern=r"^(pbkdf2_sha256\$[0-9]+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+)?$")
    """Salted hash of the technician PIN, pbkdf2_sha256$<iterations>$<salt>$<hash> as
    `kiosk technician-pin` prints it; empty: technician mode cannot be opened on screen."""
    lockout_tries: int = Field(default=5, ge=1, le=20)
    """Wrong PINs in a row before technician mode is locked."""
    lockout_s: float = Field(default=300.0, ge=10, le=86400)
    """Seconds technician mode stays locked after too many wrong PINs."""


class LoggingSection(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """Lowest level `kiosk run` logs (docs/operations.md#logs): ERROR a person must act,
    WARNING something is wrong now, INFO normal work and recoveries, DEBUG detail. One-off
    commands log warnings only (-v: everything)."""
    format: Literal["text", "json"] = "text"
    """One line per record on standard error: "text" (time, level, logger, message) or
    "json" (one object a line, the same fields); `--log-format` overrides it."""


class MaintenanceSection(_Section):
    restart_enabled: bool = True
    """Restart the kiosk once a night in restart_window while nobody uses it (the
    process ends and systemd starts it again; docs/operations.md#maintenance)."""
    restart_window: str = Field(default="03:00-04:00", pattern=RESTART_WINDOW_PATTERN)
    """HH:MM-HH:MM in kiosk.timezone; an end before the start crosses midnight. A window
    that closes while someone uses the kiosk is missed until the next night."""
    restart_min_uptime_s: float = Field(default=3600.0, ge=0, le=7 * 86400)
    """A kiosk started less than this long ago is not restarted (it is fresh: a boot or
    a crash inside the window)."""
    restart_check_s: float = Field(default=15.0, ge=1, le=3600)
    """How often the resting kiosk asks whether its restart is due (a clock comparison)."""
    min_free_disk_mb: int = Field(default=500, ge=0, le=2**30)
    """Below this much free disk on the data folder's file system the kiosk warns, tells
    central (the heartbeat's low_disk, `kiosk diag`) and trims its local store."""
    disk_check_interval_s: float = Field(default=600.0, gt=0, le=86400)
    """How often free disk is checked."""
    trim_keep_days: int = Field(default=30, ge=1, le=3650)
    """A low-disk trim deletes delivered outbox records and finished print jobs older than
    this; never records still to deliver, parked ones or payments."""

    @field_validator("restart_window")
    @classmethod
    def _window_not_empty(cls, value: str) -> str:
        start, end = value.split("-")
        if start == end:
            raise ValueError("restart_window starts and ends at the same minute")
        return value


class BillerType(StrEnum):
    WATER = "WATER"
    ELECTRICITY = "ELECTRICITY"
    GAS = "GAS"
    TELECOM = "TELECOM"


class BillerSection(_Section):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,31}$")
    """Biller identifier shared with central."""
    type: BillerType
    """Kind of utility: WATER, ELECTRICITY, GAS or TELECOM."""
    name_zh: str
    """Biller's name in Chinese."""
    name_en: str
    """Biller's name in English."""
    account_pattern: str
    """Regular expression a typed account number must match (checked before look-up)."""
    account_example: str
    """An example account number shown to users as a hint; must match the pattern."""
    enabled: bool = True
    """Offer this biller at the kiosk."""

    @model_validator(mode="after")
    def _pattern_compiles_and_example_matches(self) -> BillerSection:
        try:
            compiled = re.compile(self.account_pattern)
        except re.error as exc:
            raise ValueError(f"account_pattern is not a regular expression: {exc}") from exc
        if not compiled.fullmatch(self.account_example):
            raise ValueError("account_example does not match account_pattern")
        return self


class Config(_Section):
    kiosk: KioskSection = KioskSection()
    """Identity, location and languages of this kiosk."""
    ui: UISection = UISection()
    """Screen and session behaviour."""
    touch: TouchSection = TouchSection()
    """The touch panel: where touches come from, its orientation and calibration."""
    central: CentralSection = CentralSection()
    """The central service."""
    sync: SyncSection = SyncSection()
    """Delivery of the outbox to central."""
    update: UpdateSection = UpdateSection()
    """Software updates of the kiosk itself (signed releases)."""
    services: ServicesSection = ServicesSection()
    """Which self-services this kiosk offers, and their settings."""
    health: HealthSection = HealthSection()
    """Watching devices and central, to offer only the services that work."""
    printer: PrinterSection = PrinterSection()
    """The receipt printer."""
    payment: PaymentSection = PaymentSection()
    """The payment terminal."""
    reader: ReaderSection = ReaderSection()
    """The identity-document reader (passports, ID cards, PR card chips)."""
    keypad: KeypadSection = KeypadSection()
    """The tactile keypad of the audio mode (docs/accessibility.md#tactile-keypad)."""
    scanner: ScannerSection = ScannerSection()
    """The payment-code scanner, when payment codes are not read by the document reader."""
    qrpay: QrPaySection = QrPaySection()
    """Paying by QR code (Alipay, WeChat Pay, UnionPay QR) through central."""
    technician: TechnicianSection = TechnicianSection()
    """Technician mode on the screen (hidden gesture and PIN)."""
    logging: LoggingSection = LoggingSection()
    """What the kiosk logs to standard error (journald under systemd), and how."""
    maintenance: MaintenanceSection = MaintenanceSection()
    """Upkeep without a person: the nightly restart window and the disk-space guard."""
    billers: tuple[BillerSection, ...] = ()
    """Billers offered for utility bill payment."""

    @field_validator("billers")
    @classmethod
    def _unique_biller_ids(cls, value: tuple[BillerSection, ...]) -> tuple[BillerSection, ...]:
        ids = [b.id for b in value]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate biller id(s): {', '.join(duplicates)}")
        return value

    @model_validator(mode="after")
    def _scanner_needs_a_reader(self) -> Config:
        if self.qrpay.scan == "reader" and not self.reader.url:
            raise ValueError("qrpay.scan = \"reader\" needs a document reader (reader.url)")
        if self.qrpay.scan == "scanner" and not self.scanner.url:
            raise ValueError("qrpay.scan = \"scanner\" needs a payment-code scanner "
                             "(scanner.url)")
        return self

    def biller(self, biller_id: str) -> BillerSection | None:
        return next((b for b in self.billers if b.id == biller_id), None)


# --- loading -----------------------------------------------------------------------------

Layer = tuple[str, Mapping[str, Any]]  # (source name for messages, parsed TOML)


def read_toml(path: Traversable) -> Layer:
    """A TOML file as a layer: a site file, or packaged data (a Path is a Traversable)."""
    try:
        with path.open("rb") as fh:
            return str(path), tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(str(path), "-", "file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), "-", f"not valid TOML: {exc}") from exc


def load_config(*site_files: Traversable, pushed: Mapping[str, Any] | None = None,
                overrides: Mapping[str, Any] | None = None) -> Config:
    """Load defaults < pushed < site files < overrides and validate the result."""
    layers: list[Layer] = [read_toml(default_config())]
    if pushed is not None:
        layers.append(("pushed config", pushed))
    layers.extend(read_toml(p) for p in site_files)
    if overrides:
        layers.append(("command line", overrides))
    return build_config(layers)


def overridden_keys(pushed: Mapping[str, Any], *site_files: Traversable,
                    overrides: Mapping[str, Any] | None = None) -> list[str]:
    """The pushed settings ("section.key") that a later layer (a site file, the command
    line) sets too: they win over the push, so the pushed value has no effect here."""
    local: set[str] = set()
    layers = [read_toml(path)[1] for path in site_files] + ([overrides] if overrides else [])
    for data in layers:
        for section, values in data.items():
            if isinstance(values, Mapping):
                local.update(f"{section}.{key}" for key in values)
    return sorted(f"{section}.{key}" for section, values in pushed.items()
                  if isinstance(values, Mapping) for key in values
                  if f"{section}.{key}" in local)


def setting_source(key: str, *site_files: Path) -> str:
    """The file that sets ``key`` ("section.name") last: a site file's path, else the
    packaged defaults' (a pushed bundle never sets the keys this is asked about)."""
    layers = [read_toml(default_config()), *(read_toml(path) for path in site_files)]
    return _source_of(layers, tuple(key.split(".")))


def build_config(layers: Iterable[Layer]) -> Config:
    layers = list(layers)
    for source, data in layers:
        _reject_unknown_keys(source, data, Config)
    merged: dict[str, Any] = {}
    for _, data in layers:
        _deep_merge(merged, data)
    try:
        return Config.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "-"
        raise ConfigError(_source_of(layers, first["loc"]), key, first["msg"]) from exc


def _reject_unknown_keys(source: str, data: Mapping[str, Any], model: type[BaseModel],
                         prefix: str = "") -> None:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        field = model.model_fields.get(key)
        if field is None:
            raise ConfigError(source, dotted, "unknown key")
        sub = _section_type(field.annotation)
        if sub is None:
            continue
        if isinstance(value, Mapping):
            _reject_unknown_keys(source, value, sub, dotted + ".")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    _reject_unknown_keys(source, item, sub, f"{dotted}.{index}.")


def _section_type(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _deep_merge(into: dict[str, Any], data: Mapping[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value)
        elif isinstance(value, Mapping):
            into[key] = {}
            _deep_merge(into[key], value)
        else:
            into[key] = value


def _source_of(layers: list[Layer], loc: tuple[Any, ...]) -> str:
    """The last layer that set the offending key (or its nearest parent)."""
    for depth in range(len(loc), 0, -1):
        path = loc[:depth]
        for source, data in reversed(layers):
            node: Any = data
            for part in path:
                if (isinstance(node, Mapping) and part in node) or (
                        isinstance(node, list) and isinstance(part, int) and part < len(node)):
                    node = node[part]
                else:
                    break
            else:
                return source
    return layers[-1][0] if layers else "-"

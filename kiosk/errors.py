"""One error tree with stable codes.

Codes are the contract between layers: services raise them, central answers with them
on the wire, and the UI maps each code to a translated message (kiosk.ui.messages).
Codes follow ../spec/DOMAIN.md; kiosk-specific ones are added here, never invented ad hoc.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # Bill payment (DOMAIN.md 2.1)
    ACCOUNT_FORMAT = "E_ACCOUNT_FORMAT"
    ACCOUNT_NOT_FOUND = "E_ACCOUNT_NOT_FOUND"
    NO_BILL_DUE = "E_NO_BILL_DUE"
    BILL_LOCKED = "E_BILL_LOCKED"
    BILLER_MAINTENANCE = "E_BILLER_MAINTENANCE"
    BILLER_UNKNOWN = "E_BILLER_UNKNOWN"
    AMOUNT_INVALID = "E_AMOUNT_INVALID"
    CARD_DECLINED = "E_CARD_DECLINED"
    PAYMENT_CANCELLED = "E_PAYMENT_CANCELLED"
    TIMEOUT_REVERSAL = "E_TIMEOUT_REVERSAL"
    PRINT_FAILED_AFTER_PAYMENT = "E_PRINT_FAILED_AFTER_PAYMENT"
    # Infrastructure
    CENTRAL_UNAVAILABLE = "E_CENTRAL_UNAVAILABLE"
    REQUEST_REJECTED = "E_REQUEST_REJECTED"
    DEVICE_UNAVAILABLE = "E_DEVICE_UNAVAILABLE"
    PRINTER_UNAVAILABLE = "E_PRINTER_UNAVAILABLE"
    CONFIG_INVALID = "E_CONFIG_INVALID"
    NOT_FOUND = "E_NOT_FOUND"
    INTERNAL = "E_INTERNAL"


class KioskError(Exception):
    """An expected failure with a stable code and machine-readable detail.

    ``detail`` never carries personal data: it is logged and sent to central.
    """

    def __init__(self, code: ErrorCode, message: str = "", **detail: str) -> None:
        super().__init__(f"{code.value}: {message}" if message else code.value)
        self.code = code
        self.message = message
        self.detail: dict[str, str] = detail


class ConfigError(KioskError):
    """A configuration file is invalid: names the file, the key and the reason."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        super().__init__(ErrorCode.CONFIG_INVALID, f"{file}: {key}: {reason}",
                         file=file, key=key, reason=reason)
        self.file = file
        self.key = key
        self.reason = reason

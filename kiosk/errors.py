"""One error tree with stable codes.

Codes are the contract between layers: services raise them, central answers with them
on the wire, and the UI maps each code to a translated message (kiosk.ui.messages).
Each code is documented where it is met: docs/spec/README.md#errors-and-warnings for those
any service may meet, each service's page under docs/spec/ for its own. A new code is
added here, never invented ad hoc.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # Bill payment (docs/spec/bills.md#errors)
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
    # QR payments (docs/payments-qr.md)
    QR_DECLINED = "E_QR_DECLINED"  # the provider refused; detail "failure": a QrFailure
    QR_EXPIRED = "E_QR_EXPIRED"  # the code shown was not paid in time; the order is closed
    QR_UNAVAILABLE = "E_QR_UNAVAILABLE"  # central is away or the provider is not set up
    QR_ORDER_UNKNOWN = "E_QR_ORDER_UNKNOWN"  # central has no such order of this kiosk
    PRINT_FAILED_AFTER_PAYMENT = "E_PRINT_FAILED_AFTER_PAYMENT"
    PRINT_FAILED = "E_PRINT_FAILED"  # a slip that costs nothing: print it again
    # A reprint asked for a slip other than a payment receipt: the kiosk keeps none.
    NOT_REPRINTABLE = "E_NOT_REPRINTABLE"
    BARCODE_FORMAT = "E_BARCODE_FORMAT"
    # An identity document on the reader where the bill's barcode was expected.
    BARCODE_EXPECTED = "E_BARCODE_EXPECTED"
    # Identity documents (docs/spec/checks.md#mrz, docs/spec/checks.md#pr-card-numbers) and
    # bank cards (docs/spec/checks.md#bank-cards)
    MRZ_UNREADABLE = "E_MRZ_UNREADABLE"
    MRZ_CHECKDIGIT = "E_MRZ_CHECKDIGIT"
    MRZ_DATE = "E_MRZ_DATE"
    DOC_EXPIRED = "E_DOC_EXPIRED"
    PR_FORMAT = "E_PR_FORMAT"
    PR_CHECK = "E_PR_CHECK"
    CARD_FORMAT = "E_CARD_FORMAT"
    CARD_LUHN = "E_CARD_LUHN"
    # Tax payment record (docs/spec/tax-record.md#errors)
    NO_RECORDS = "E_NO_RECORDS"
    PRE2019_COUNTER = "E_PRE2019_COUNTER"
    PERIOD_INVALID = "E_PERIOD_INVALID"
    IDENTITY_MISMATCH = "E_IDENTITY_MISMATCH"
    TAXPAYER_NOT_FOUND = "E_TAXPAYER_NOT_FOUND"
    AUTH_FAILED = "E_AUTH_FAILED"
    # Accommodation registration (docs/spec/accommodation.md#errors-and-warnings)
    OVERSTAY = "E_OVERSTAY"
    HOTEL_ADDRESS = "E_HOTEL_ADDRESS"
    ADDRESS_UNRESOLVED = "E_ADDRESS_UNRESOLVED"
    OUTSIDE_SHANGHAI = "E_OUTSIDE_SHANGHAI"
    DUPLICATE_ACTIVE_REGISTRATION = "E_DUPLICATE_ACTIVE_REGISTRATION"
    CHINESE_NATIONAL = "E_CHINESE_NATIONAL"
    DATES_INVALID = "E_DATES_INVALID"
    # Labour arbitration (docs/spec/arbitration.md#errors-and-warnings)
    USCC_FORMAT = "E_USCC_FORMAT"
    USCC_CHECK = "E_USCC_CHECK"
    RESPONDENT_NOT_FOUND = "E_RESPONDENT_NOT_FOUND"
    NO_CLAIMS = "E_NO_CLAIMS"
    CLAIM_AMOUNT = "E_CLAIM_AMOUNT"
    FACTS_LENGTH = "E_FACTS_LENGTH"
    DUPLICATE_PENDING_CASE = "E_DUPLICATE_PENDING_CASE"
    AGENCY_IS_EMPLOYER = "E_AGENCY_IS_EMPLOYER"  # the co-respondent is the employer itself
    # Any form
    FIELD_REQUIRED = "E_FIELD_REQUIRED"
    FIELD_FORMAT = "E_FIELD_FORMAT"
    PHONE_FORMAT = "E_PHONE_FORMAT"
    # Infrastructure
    CENTRAL_UNAVAILABLE = "E_CENTRAL_UNAVAILABLE"
    REQUEST_REJECTED = "E_REQUEST_REJECTED"
    DEVICE_UNAVAILABLE = "E_DEVICE_UNAVAILABLE"
    PRINTER_UNAVAILABLE = "E_PRINTER_UNAVAILABLE"
    CONFIG_INVALID = "E_CONFIG_INVALID"
    NOT_FOUND = "E_NOT_FOUND"
    INTERNAL = "E_INTERNAL"
    # Too many requests (central answers 429 with Retry-After); detail: retry_after_s and
    # limit ("one_time_code", "auth_failures", "verify").
    RATE_LIMITED = "E_RATE_LIMITED"
    # Fleet: enrollment, credentials, signed configuration
    UNAUTHORIZED = "E_UNAUTHORIZED"  # no credential, or not a valid one
    FORBIDDEN = "E_FORBIDDEN"  # a valid credential, but not for this (another kiosk's data)
    ENROLL_TOKEN = "E_ENROLL_TOKEN"  # unknown, used or expired enrollment token
    CONFIG_VERSION = "E_CONFIG_VERSION"  # a pushed bundle not newer than every earlier one
    CONFIG_TARGET = "E_CONFIG_TARGET"  # a push whose target names no enrolled kiosk
    CONFIG_SIGNATURE = "E_CONFIG_SIGNATURE"  # central checks pushes against known keys


class WarningCode(StrEnum):
    """Warnings: shown to the user (and printed where they matter), never blocking."""

    LATE_REGISTRATION = "W_LATE_REGISTRATION"
    DEPARTURE_AFTER_VALIDITY = "W_DEPARTURE_AFTER_VALIDITY"
    LIMITATION = "W_LIMITATION"
    JURISDICTION = "W_JURISDICTION"
    NO_EVIDENCE = "W_NO_EVIDENCE"
    NO_WORK_PERMIT = "W_NO_WORK_PERMIT"
    USCC_ORG_CODE = "W_USCC_ORG_CODE"  # advisory GB 11714 check of characters 9-16
    USCC_CHECK_OVERRIDDEN = "W_USCC_CHECK_OVERRIDDEN"  # early pilot codes: staff override
    # unconfirmed 2017 card check (docs/spec/checks.md#pr-card-numbers)
    PR2017_CHECK = "W_PR2017_CHECK"
    # UnionPay 62/81 failing Luhn: allowed (docs/spec/checks.md#bank-cards)
    CARD_LUHN = "W_CARD_LUHN"
    STATE_CODE_MAPPED = "W_STATE_CODE_MAPPED"  # non-ISO ICAO code such as D mapped to DEU


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

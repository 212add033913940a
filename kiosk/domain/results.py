"""The shapes the domain checks answer with, and the choice-list option.

``CheckResult`` is what a single validator (MRZ, PR card, USCC, bank card) returns;
``FormCheck`` is what a whole form check (accommodation registration, arbitration
application) returns. Neither raises for user input: codes are data, the UI maps them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from kiosk.errors import ErrorCode, WarningCode


@dataclass(frozen=True)
class CheckResult:
    """ok is False exactly when code is set. fields hold what could be read, even when
    the check failed, so the UI can show the user what the machine saw."""

    ok: bool
    code: str | None = None  # an ErrorCode value
    warnings: list[str] = field(default_factory=list)  # WarningCode values
    fields: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def failed(code: ErrorCode, fields: dict[str, Any] | None = None,
               warnings: list[str] | None = None) -> CheckResult:
        return CheckResult(False, code.value, list(warnings or []), dict(fields or {}))

    @staticmethod
    def passed(fields: dict[str, Any], warnings: list[str] | None = None) -> CheckResult:
        return CheckResult(True, None, list(warnings or []), fields)


@dataclass(frozen=True)
class FormCheck:
    """Errors name the field they belong to ("phone", "claims[1].amount"); warnings
    are shown to the user, who may accept them and submit."""

    errors: list[tuple[str, ErrorCode]] = field(default_factory=list)
    warnings: list[WarningCode] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def codes_for(self, field_name: str) -> list[ErrorCode]:
        return [code for name, code in self.errors if name == field_name]


class Choice(NamedTuple):
    """One option of a choice list: the code that is stored and sent, and its label
    (an English msgid the UI translates)."""

    code: str
    label: str

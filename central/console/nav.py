"""The console's sections, in the order of its top bar. A new section (rollouts, the
audit trail, alerts) adds its page's router to central.console.routes and one entry
here; ``label`` is an English msgid of central.console.i18n."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    key: str  # the page's name (templates mark the current one)
    path: str
    label: str


NAV: tuple[NavItem, ...] = (
    NavItem("fleet", "/admin", "Fleet"),
    # NavItem("rollouts", "/admin/rollouts", "Rollouts"),  -- issue 14, rollouts
    NavItem("payments", "/admin/payments", "Payments"),
    NavItem("billers", "/admin/billers", "Billers"),
    # NavItem("audit", "/admin/audit", "Audit trail"),  -- issue 14, audit
    # NavItem("alerts", "/admin/alerts", "Alerts"),  -- issue 14, alerts
)

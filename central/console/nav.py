"""The console's sections, in the order of its top bar. A new section adds its page's
routes to central.console.routes and one entry here; ``label`` is an English msgid of
central.console.i18n."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    key: str  # the page's name (templates mark the current one)
    path: str
    label: str


NAV: tuple[NavItem, ...] = (
    NavItem("fleet", "/admin", "Fleet"),
    NavItem("rollouts", "/admin/rollouts", "Rollouts"),
    NavItem("payments", "/admin/payments", "Payments"),
    NavItem("billers", "/admin/billers", "Billers"),
    NavItem("alerts", "/admin/alerts", "Alerts"),
    NavItem("audit", "/admin/audit", "Audit trail"),
)

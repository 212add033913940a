"""The kiosk's screens by name and the screen of each flow step: plain data, no Kivy, so
the checks over every screen (the spoken descriptions) run without a window."""

from __future__ import annotations

from kiosk.services.contract import View

# The screen that shows each kind of flow step (kiosk.services.contract.View).
VIEW_SCREENS = {
    View.DOCUMENT: "document", View.IDENTITY: "identity", View.QUESTION: "question",
    View.CONFIRM: "identity", View.SUMMARY: "summary", View.WORKING: "working",
    View.DONE: "slip", View.FAILED: "failed", View.CHOOSE: "choose",
    View.BILLER: "biller", View.ACCOUNT: "account", View.REVIEW: "review",
    View.PAYING: "paying", View.PAID: "done", View.METHOD: "method",
    View.QR_MODE: "qr_mode", View.QR_CODE: "qr_code", View.QR_SCAN: "qr_scan",
    View.ADVICE: "advice",
}
# Every screen by name: class path, imported and built on first use.
SCREEN_TYPES = {
    name: f"kiosk.ui.screens.{module}.{cls}Screen" for name, module, cls in (
        ("attract", "attract", "Attract"), ("language", "language", "Language"),
        ("home", "home", "Home"), ("biller", "biller", "Biller"),
        ("account", "account", "Account"), ("review", "review", "Review"),
        ("paying", "paying", "Paying"), ("done", "done", "Done"),
        ("method", "method", "Method"), ("qr_mode", "qr_mode", "QrMode"),
        ("qr_code", "qr_code", "QrCode"), ("qr_scan", "qr_scan", "QrScan"),
        ("failed", "failed", "Failed"), ("document", "document", "Document"),
        ("identity", "identity", "Identity"), ("question", "question", "Question"),
        ("summary", "summary", "Summary"), ("working", "working", "Working"),
        ("slip", "slip", "Slip"), ("choose", "choose", "Choose"),
        ("advice", "advice", "Advice"),
        ("out_of_service", "out_of_service", "OutOfService"),
        ("technician_pin", "technician_pin", "TechnicianPin"),
        ("technician", "technician", "Technician"),
        ("technician_reprint", "technician_reprint", "TechnicianReprint"),
    )
}
# Staff screens, not a resident's: no spoken description.
TECHNICIAN_SCREENS = ("technician_pin", "technician", "technician_reprint")

"""kiosk-admin's QR payment sections: what ``payments --review`` prints after the card
and QR bill payments (QR orders that need a person, reconciliation's differences), and
``payments --reconcile DAY [--provider P]``. Everything central sends is printed through
central.terminal."""

from __future__ import annotations

from typing import Any, TextIO

from central.terminal import printable


def print_qr_review(review: dict[str, Any], out: TextIO) -> None:
    orders = review["orders"]
    print(f"\nQR orders to review: {len(orders)}", file=out)
    for o in orders:
        reasons = ",".join(o["review_reasons"]) or "-"
        refund = f" refund {o['refund_no']}" if o.get("refund_no") else ""
        error = f" ({o['refund_error']})" if o.get("refund_error") else ""
        print(printable(f"{o['updated_at'][:19]:19} {o['kiosk_id']:12} {o['order_id']:26} "
                        f"{o['provider']:8} {o['state']:10} {o['amount']:>10}  "
                        f"{reasons}{refund}{error}"), file=out)
    print_differences(review["differences"], out)


def print_differences(differences: list[dict[str, Any]], out: TextIO) -> None:
    print(f"\nReconciliation differences: {len(differences)}", file=out)
    for d in differences:
        central = d["central_amount"] if d["central_amount"] is not None else "-"
        provider = d["provider_amount"] if d["provider_amount"] is not None else "-"
        order = f"{d['kiosk_id']} {d['order_id']}" if d.get("order_id") else "(no order)"
        print(printable(f"{d['day']} {d['provider']:8} {d['kind']:18} {d['out_trade_no']:26} "
                        f"central {central} provider {provider}  {order}: {d['cause']}"),
              file=out)


def print_reconciliation(answer: dict[str, Any], out: TextIO) -> None:
    for run in answer["runs"]:
        print(printable(f"{answer['day']} {run['provider']}: {run['statement_lines']} "
                        f"statement line(s), {len(run['differences'])} difference(s)"),
              file=out)
        if run["differences"]:
            print_differences(run["differences"], out)

"""Central's help page, which the kiosk's Help panel QR code opens on a phone
(docs/ui-guide.md#help), over HTTP on a real central."""

from __future__ import annotations

from html import escape

from kiosk.i18n import Catalogs
from kiosk.services.arbitration_questions import USCC_HELP
from kiosk.services.help import LEAVING


def test_the_help_page_of_a_step_in_the_persons_language(http, central_url):
    """GIVEN a running central
    WHEN a phone opens the help page of the arbitration's USCC question in Korean, and
    pages for a step and a service that do not exist
    THEN the first is HTML in Korean with the kiosk's own words for that step; the others
    are 404; an unknown language falls back to English."""
    ko = Catalogs().gettext("ko", USCC_HELP)
    answer = http.get(f"{central_url}/help/arbitration/uscc", params={"lang": "ko"},
                      timeout=10)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert '<html lang="ko">' in answer.text and escape(ko) in answer.text
    assert escape(Catalogs().gettext("ko", LEAVING)) in answer.text
    assert http.get(f"{central_url}/help/arbitration/nope", timeout=10).status_code == 404
    assert http.get(f"{central_url}/help/nope/uscc", timeout=10).status_code == 404
    english = http.get(f"{central_url}/help/bill_payment/account", params={"lang": "xx"},
                       timeout=10)
    assert english.status_code == 200 and '<html lang="en">' in english.text

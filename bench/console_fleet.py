"""The admin console's fleet page with 1,000 and 10,000 kiosks: time to first byte and
to fully drawn, in Debian's headless chromium against a real central on 127.0.0.1
(SQLite, the kiosks put straight into its table by kiosk.devtools.console_demo). Also
the page's refresh (the rows alone, as its script asks every few seconds), over plain
HTTP. Prints figures; never passes or fails on time.

    .venv/bin/python bench/console_fleet.py [--kiosks 1000 10000] [--runs 5]

The page counts every kiosk's state but draws one page of rows (100), the worst first;
the ranking, filters and counts run in the database (central/console/fleet_query.py).
The refresh is also timed for the last page (the deepest OFFSET) and for a search.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import requests

from central.db import make_engine
from central.enrollment import EnrollmentService
from central.server import CentralServer
from kiosk.devtools.browser import DESKTOP, missing, start_browser
from kiosk.devtools.console_demo import DemoClock, bulk_fleet, demo_now

NAVIGATION = """
const nav = performance.getEntriesByType('navigation')[0];
return [nav.responseStart - nav.requestStart, nav.responseEnd - nav.requestStart,
        nav.domComplete - nav.requestStart, nav.loadEventEnd - nav.requestStart,
        document.querySelectorAll('#fleet-table tbody tr').length];
"""
LAST_PAGE = 10**6  # past the last: the console answers the last page


def measure(count: int, runs: int) -> None:
    now = demo_now()
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/central.db"
        with CentralServer(db_url, clock=DemoClock(now), log_level="error",
                           seed_demo=False) as server:
            bulk_fleet(db_url, count, now)
            engine = make_engine(db_url)
            token = EnrollmentService(engine).create_admin_token("bench")
            engine.dispose()
            browser = start_browser(DESKTOP)
            try:
                browser.get(f"{server.url}/admin/sign-in")
                browser.find_element("id", "token").send_keys(token)
                browser.find_element("id", "sign-in").click()
                cookie = browser.get_cookie("console_session")["value"]
                figures = []
                for _ in range(runs):
                    browser.get(f"{server.url}/admin")
                    browser.execute_script("return new Promise(r => requestAnimationFrame("
                                           "() => requestAnimationFrame(r)))")
                    figures.append(browser.execute_script(NAVIGATION))
            finally:
                browser.quit()
            with requests.Session() as http:
                http.cookies.set("console_session", cookie)
                refresh, size_kb = timed_rows(http, f"{server.url}/admin/fleet/rows", runs)
                last, _ = timed_rows(http, f"{server.url}/admin/fleet/rows?page={LAST_PAGE}",
                                     runs)
                search, _ = timed_rows(http, f"{server.url}/admin/fleet/rows?q=b-0004", runs)

    def median(index: int) -> float:
        return statistics.median(f[index] for f in figures)

    print(f"{count:>6} kiosks  first byte {median(0):7.0f} ms   last byte {median(1):7.0f} ms"
          f"   drawn (DOM complete) {median(2):7.0f} ms   load event {median(3):7.0f} ms"
          f"   rows drawn {int(median(4))}")
    print(f"{'':>14}refresh (rows alone, HTTP) {statistics.median(refresh):7.0f} ms, "
          f"{size_kb:.0f} KiB;  last page {statistics.median(last):5.0f} ms;  search "
          f"{statistics.median(search):5.0f} ms   (median of {runs})")


def timed_rows(http: requests.Session, url: str, runs: int) -> tuple[list[float], float]:
    """Milliseconds of each of ``runs`` refreshes of ``url``, and the last one's KiB."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = http.get(url, headers={"X-Console-Poll": "1"}, timeout=120)
        times.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    return times, len(answer.content) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kiosks", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    reason = missing()
    if reason:
        parser.error(reason)
    for count in args.kiosks:
        measure(count, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

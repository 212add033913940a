"""A central database from before migration 0002 is upgraded in place and gets the new
parts of the demo, keeping what it had."""

from __future__ import annotations

from datetime import date

import requests

from central.db import make_engine, make_session_factory, migrate
from central.demo_data import seed_demo
from central.server import CentralServer


def test_old_database_is_migrated_and_seeded_with_the_new_parts(central_db, clock, http):
    """GIVEN a database at revision 0001 holding the bill demo only
    WHEN central starts on it with demo data
    THEN the new tables exist and are seeded (districts, companies, taxpayers) while the
    old bills are still there."""
    db_url = central_db
    engine = make_engine(db_url)
    try:
        migrate(engine, "0001")
        with make_session_factory(engine).begin() as session:
            seed_demo(session, date(2026, 1, 15))
    finally:
        engine.dispose()
    with CentralServer(db_url, clock=clock) as server:
        districts = http.get(f"{server.url}/v1/addresses", timeout=5).json()
        company = http.get(f"{server.url}/v1/companies/91310110666007217T", timeout=5)
        identify = http.post(f"{server.url}/v1/tax/identify", timeout=5, json={
            "doc_type": "passport", "doc_number": "C01X00T47", "nationality": "DEU",
            "birth_date": "1964-08-12", "surname": "MUSTERMANN", "given_names": "ERIKA"})
        lookup = http.post(f"{server.url}/v1/bills/lookup", timeout=5,
                               headers={"X-Kiosk-Id": "K-1"},
                               json={"biller_id": "sh-water", "account_no": "3100012345"})
    assert [d["id"] for d in districts] == ["310105", "310104"]
    assert company.status_code == 200
    assert identify.status_code == 200, identify.text
    assert len(lookup.json()["bills"]) == 2

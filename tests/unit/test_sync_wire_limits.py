"""The wire's limits on what one request may carry (issue 10): a signed bundle's size,
the idempotency key's alphabet, integers bounded to central's columns."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from kiosk.sync.wire import SQL_INT_MAX, OutboxRecordIn
from kiosk.sync.wire_config import (
    BUNDLE_MAX_BYTES,
    PUSH_MAX_BYTES,
    ConfigBundle,
    ConfigReportIn,
    canonical_bytes,
)

NOW = datetime(2026, 1, 15, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def bundle(text: str) -> ConfigBundle:
    return ConfigBundle(version=1, issued_at=NOW, settings={"ui": {"hotline": text}})


def test_a_bundle_is_at_most_bundle_max_bytes_and_a_push_body_holds_it():
    """GIVEN bundles whose canonical JSON is just within and just past BUNDLE_MAX_BYTES
    WHEN they are made
    THEN the first is taken, the second refused naming its size; the push body limit
    holds the largest bundle written with every byte escaped."""
    overhead = len(canonical_bytes(bundle("")))
    largest = bundle("x" * (BUNDLE_MAX_BYTES - overhead))
    assert len(canonical_bytes(largest)) == BUNDLE_MAX_BYTES
    with pytest.raises(ValidationError, match=f"more than {BUNDLE_MAX_BYTES}"):
        bundle("x" * (BUNDLE_MAX_BYTES - overhead + 1))
    assert PUSH_MAX_BYTES > 3 * BUNDLE_MAX_BYTES


@pytest.mark.parametrize(("key", "taken"), [
    # a uuid4().hex, fixed: every pytest-xdist worker collects the same id
    ("9783a1b066824228a359cd64e2d3e2db", True),
    ("key-late-0001", True), ("a:b.c_d-0001", True),
    ("key-0001\nforged", False), ("key 0001 x", False), ("kéy-00001", False),
    ("short", False), ("k" * 65, False), ("key-0001\u2028x", False),
])
def test_an_outbox_key_is_letters_digits_and_a_few_marks(key, taken):
    """GIVEN outbox records with the kiosk's own uuid4().hex key and with others
    WHEN they are put on the wire
    THEN 8 to 64 of A-Z a-z 0-9 _ . : - are taken, anything else (a newline, a space,
    a letter outside ASCII, a line separator) is refused."""
    def make() -> OutboxRecordIn:
        return OutboxRecordIn(idempotency_key=key, kind="bill_payment", created_at=NOW,
                              payload={})
    if taken:
        assert make().idempotency_key == key
    else:
        with pytest.raises(ValidationError):
            make()


def test_versions_stop_at_what_an_sql_integer_holds():
    """GIVEN config reports of version 2**31 - 1 and 2**31
    WHEN they are made
    THEN the first is taken and the second refused."""
    assert ConfigReportIn(version=SQL_INT_MAX, outcome="applied").version == SQL_INT_MAX
    with pytest.raises(ValidationError):
        ConfigReportIn(version=SQL_INT_MAX + 1, outcome="applied")

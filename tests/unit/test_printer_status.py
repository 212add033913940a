"""DLE EOT status decoding: every bit pattern the decoder handles."""

from __future__ import annotations

import pytest

from hardware.base import Health
from hardware.printer.status import decode_status, is_valid_reply, needs_error_cause, query

OK_BYTE = 0x12  # bits 1 and 4 fixed on, nothing else


def replies(p: int = OK_BYTE, o: int = OK_BYTE, s: int = OK_BYTE,
            e: int | None = None) -> dict[int, int | None]:
    result: dict[int, int | None] = {1: p, 2: o, 4: s}
    if e is not None:
        result[3] = e
    return result


def test_query_bytes() -> None:
    """GIVEN n WHEN a query is built THEN it is DLE EOT n."""
    assert query(4) == b"\x10\x04\x04"


def test_all_clear_is_ok_with_every_flag() -> None:
    """GIVEN clear replies to 1, 2 and 4 WHEN decoded THEN OK, online, no paper fault."""
    status = decode_status(replies(), connection="tcp://x:9100", model="TM-T88V",
                           query_ms=1.5)
    assert status.health is Health.OK and status.reason is None
    assert (status.online, status.cover_open, status.paper_out, status.paper_near_end,
            status.error) == (True, False, False, False, False)
    assert status.connection == "tcp://x:9100" and status.query_ms == 1.5


@pytest.mark.parametrize("bits, reason", [
    (dict(o=OK_BYTE | 0x04, p=OK_BYTE | 0x08), "cover_open"),
    (dict(s=OK_BYTE | 0x60 | 0x0C, p=OK_BYTE | 0x08), "paper_out"),
    (dict(s=OK_BYTE | 0x20), "paper_out"),  # one paper-end sensor bit is enough
    (dict(o=OK_BYTE | 0x20), "paper_out"),  # stopped at paper end (offline cause)
    (dict(o=OK_BYTE | 0x40, p=OK_BYTE | 0x08), "error"),
    (dict(p=OK_BYTE | 0x08), "offline"),
    (dict(p=OK_BYTE | 0x08 | 0x40, o=OK_BYTE | 0x08), "offline"),  # feed button held
])
def test_faults(bits: dict[str, int], reason: str) -> None:
    """GIVEN a fault bit pattern WHEN decoded THEN FAULT with its reason code."""
    status = decode_status(replies(**bits))
    assert status.health is Health.FAULT and status.reason == reason


def test_cover_open_outranks_paper_out() -> None:
    """GIVEN the cover open and no paper WHEN decoded THEN FAULT cover_open, and both
    causes in the detail and flags."""
    status = decode_status(replies(p=0x1A, o=0x16 | 0x20, s=0x7E))
    assert status.reason == "cover_open" and status.paper_out and status.cover_open
    assert "cover open" in status.detail and "paper out" in status.detail


def test_feed_button_is_named_in_the_detail() -> None:
    """GIVEN the feed button held WHEN decoded THEN the detail says so."""
    status = decode_status(replies(p=OK_BYTE | 0x08 | 0x40))
    assert "feed button pressed" in status.detail


@pytest.mark.parametrize("error_byte, words", [(0x12 | 0x08, "autocutter error"),
                                               (0x12 | 0x20, "unrecoverable error"),
                                               (0x12 | 0x40, "auto-recoverable error"),
                                               (0x12 | 0x04, "recoverable error")])
def test_error_causes(error_byte: int, words: str) -> None:
    """GIVEN DLE EOT 3 naming an error WHEN decoded THEN FAULT error with that cause."""
    status = decode_status(replies(p=0x1A, o=0x52, e=error_byte))
    assert status.health is Health.FAULT and status.reason == "error"
    assert words in status.detail and status.error


def test_near_end_is_ok_with_a_reason() -> None:
    """GIVEN only the near-end sensor WHEN decoded THEN OK with reason paper_near_end."""
    status = decode_status(replies(s=OK_BYTE | 0x0C))
    assert status.health is Health.OK and status.ok
    assert status.reason == "paper_near_end" and status.paper_near_end
    assert "near end" in status.detail


@pytest.mark.parametrize("missing", [1, 2, 4])
def test_no_reply_is_unknown_never_ok(missing: int) -> None:
    """GIVEN one required reply missing WHEN decoded THEN UNKNOWN no_reply."""
    data = replies()
    data[missing] = None
    status = decode_status(data)
    assert status.health is Health.UNKNOWN and status.reason == "no_reply"
    assert not status.ok and status.online is None


def test_not_asked_is_unknown() -> None:
    """GIVEN only DLE EOT 1 answered (the others never asked) WHEN decoded THEN UNKNOWN."""
    assert decode_status({1: OK_BYTE}).health is Health.UNKNOWN
    assert decode_status({}).health is Health.UNKNOWN


def test_asked_error_cause_without_reply_is_unknown() -> None:
    """GIVEN DLE EOT 3 asked but unanswered WHEN decoded THEN UNKNOWN no_reply."""
    data = replies(o=0x52)
    data[3] = None
    assert decode_status(data).reason == "no_reply"


@pytest.mark.parametrize("garbage", [0x00, 0xFF, 0x13, 0x92, 0x10, 0x41])
def test_garbage_is_unknown_protocol(garbage: int) -> None:
    """GIVEN a byte whose fixed bits are wrong WHEN decoded THEN UNKNOWN protocol."""
    status = decode_status(replies(s=garbage))
    assert status.health is Health.UNKNOWN and status.reason == "protocol"
    assert f"0x{garbage:02x}" in status.detail


def test_fixed_bit_check_and_error_cause_trigger() -> None:
    """GIVEN status bytes WHEN checked THEN only bits 1 and 4 on, 0 and 7 off pass, and
    DLE EOT 3 is wanted only when DLE EOT 2 reports an error."""
    assert is_valid_reply(0x12) and is_valid_reply(0x7E) and not is_valid_reply(0x93)
    assert needs_error_cause(0x52) and not needs_error_cause(0x12)
    assert not needs_error_cause(None) and not needs_error_cause(0xFF)

"""The audit trail's hash chain, pure (central.audit_chain), and the names admin routes
are recorded under (central.audit_http.action_of)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from central.audit_chain import GENESIS_HASH, ChainedEvent, event_hash, verify_chain
from central.audit_http import action_of


def chain(length: int) -> list[ChainedEvent]:
    events: list[ChainedEvent] = []
    prev = GENESIS_HASH
    for seq in range(1, length + 1):
        draft = ChainedEvent(seq=seq, event_id=f"00000000-0000-4000-8000-{seq:012d}",
                             occurred_at=datetime(2026, 1, 15, 2, 30, tzinfo=UTC)
                             + timedelta(microseconds=seq),
                             actor_kind="admin", actor="ops", action="biller.maintenance",
                             target="sh-water", outcome="ok", kiosk_id=None,
                             details={"maintenance": "on"}, prev_hash=prev, hash="")
        event = replace(draft, hash=event_hash(draft))
        events.append(event)
        prev = event.hash
    return events


def test_an_intact_chain_verifies_to_its_newest_hash() -> None:
    """GIVEN five chained events
    WHEN verified with and without the head
    THEN ok, five events, the head is the newest's hash"""
    events = chain(5)
    for head in (None, (5, events[-1].hash)):
        result = verify_chain(events, head)
        assert (result.ok, result.events, result.head_seq, result.head_hash) == (
            True, 5, 5, events[-1].hash)


def test_the_hash_covers_every_field_and_the_instant_not_its_zone() -> None:
    """GIVEN an event
    WHEN any one field changes, or its time is written in another zone
    THEN each change gives another hash; the zone alone does not"""
    event = chain(1)[0]
    changed = [replace(event, actor="mallory"), replace(event, outcome="refused"),
               replace(event, details={"maintenance": "off"}), replace(event, seq=2),
               replace(event, prev_hash="1" * 64), replace(event, target=None),
               replace(event, occurred_at=event.occurred_at + timedelta(microseconds=1))]
    assert len({event_hash(e) for e in changed} | {event_hash(event)}) == len(changed) + 1
    from zoneinfo import ZoneInfo
    shanghai = replace(event, occurred_at=event.occurred_at.astimezone(ZoneInfo("Asia/Shanghai")))
    assert event_hash(shanghai) == event_hash(event)


def test_each_kind_of_tampering_names_the_first_broken_event() -> None:
    """GIVEN five chained events
    WHEN one is altered, altered and re-hashed, deleted, two are swapped, or the newest
    is deleted while the head still names it
    THEN verification fails at the event named, with the reason"""
    events = chain(5)
    altered = [*events[:2], replace(events[2], actor="mallory"), *events[3:]]
    rehashed_event = replace(events[2], actor="mallory")
    rehashed = [*events[:2], replace(rehashed_event, hash=event_hash(rehashed_event)),
                *events[3:]]
    deleted = [*events[:2], *events[3:]]
    swapped = [*events[:2], replace(events[3], seq=3), replace(events[2], seq=4), events[4]]
    cases = {
        "altered": (altered, None, 3, "does not match its hash"),
        "rehashed": (rehashed, None, 4, "prev_hash is not event 3's hash"),
        "deleted": (deleted, None, 4, "3..3 missing"),
        "swapped": (swapped, None, 3, "written as event 4: moved"),
        "newest deleted": (events[:4], (5, events[4].hash), 5, "missing at the end"),
    }
    for name, (tampered, head, seq, reason) in cases.items():
        result = verify_chain(tampered, head)
        assert not result.ok, name
        assert result.broken is not None
        assert (result.broken.seq, reason in result.broken.reason) == (seq, True), name


def test_a_break_says_how_the_chain_was_broken() -> None:
    """GIVEN five chained events
    WHEN one is altered (or altered and re-hashed), one deleted, the newest deleted, or
    two swapped (each keeping its place's seq, as rows renumbered in the database)
    THEN the break says altered, deleted or reordered: a moved event still hashes right
    under the seq it was written with"""
    events = chain(5)
    rehashed_event = replace(events[2], actor="mallory")
    swapped = [*events[:2], replace(events[3], seq=3), replace(events[2], seq=4), events[4]]
    cases = {
        "altered": ([*events[:2], replace(events[2], actor="mallory"), *events[3:]], None),
        "rehashed": ([*events[:2], replace(rehashed_event, hash=event_hash(rehashed_event)),
                      *events[3:]], None),
        "deleted": ([*events[:2], *events[3:]], None),
        "newest deleted": (events[:4], (5, events[4].hash)),
        "swapped": (swapped, None),
    }
    hows = {}
    for name, (tampered, head) in cases.items():
        broken = verify_chain(tampered, head).broken
        assert broken is not None, name
        hows[name] = broken.how
    assert hows == {"altered": "altered", "rehashed": "altered", "deleted": "deleted",
                    "newest deleted": "deleted", "swapped": "reordered"}


def test_admin_routes_are_named_as_known_or_by_their_path() -> None:
    """GIVEN known admin routes and routes the table does not name (a later helper's)
    WHEN their action names are asked
    THEN the table's names; else the path's words without parameters, and the method
    when it is not POST"""
    assert action_of("POST", "/v1/admin/config/pushes")[0] == "config.push"
    assert action_of("POST", "/v1/admin/kiosks/{kiosk_id}/revoke")[0] == "kiosk.revoke"
    assert action_of("POST", "/v1/admin/rollouts/{rollout_id}/pause")[0] == "rollouts.pause"
    assert action_of("POST", "/v1/admin/payments/{reference}/settle")[0] == "payments.settle"
    assert action_of("DELETE", "/v1/admin/release-rollouts/{rollout_id}")[0] == \
        "release_rollouts.delete"

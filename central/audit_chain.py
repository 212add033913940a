"""The audit trail's hash chain, pure: the canonical form of an event, its hash, and the
check of a whole chain (from the database or from an export, the same function).

Each event's hash is sha256 over the canonical form of all its fields, ``prev_hash``
(the previous event's hash, or 64 zeros for the first) and ``seq`` (its place, 1, 2,
3...) included. So an altered field breaks that event's hash; a deleted event leaves a
gap in ``seq`` and a ``prev_hash`` that names nothing; two events swapped break both
hashes; an event altered and re-hashed breaks the next one's ``prev_hash``; a deleted
newest event no longer matches the chain's head. The chain holds no secret: whoever may
rewrite the whole table and its head can forge it, which is why operators keep the head
hash `kiosk-admin audit verify` prints (docs/operations.md#the-audit-trail).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

GENESIS_HASH = "0" * 64
MOVED_WITHIN = 1000
"""How far from its place a moved event is looked for (its hash names the seq it was
written with): a bounded search, only on a broken chain."""

BreakKind = Literal["altered", "deleted", "reordered"]


@dataclass(frozen=True)
class ChainedEvent:
    """One event as the chain sees it (central.models_audit.AuditEventRow's fields)."""

    seq: int
    event_id: str
    occurred_at: datetime
    actor_kind: str
    actor: str
    action: str
    target: str | None
    outcome: str
    kiosk_id: str | None
    details: Mapping[str, str]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Broken:
    """The first event where the chain does not hold, and why."""

    seq: int
    event_id: str | None  # None: the event is missing
    reason: str
    how: BreakKind


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int  # events checked
    head_seq: int
    head_hash: str
    broken: Broken | None = None


def instant(value: datetime) -> str:
    """UTC, microseconds, 'Z': what the database gives back is what was hashed."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(event: ChainedEvent) -> bytes:
    """Sorted keys, no spaces, UTF-8; every field but ``hash``."""
    fields: dict[str, Any] = asdict(event)
    del fields["hash"]
    fields["occurred_at"] = instant(event.occurred_at)
    fields["details"] = dict(event.details)
    return json.dumps(fields, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def event_hash(event: ChainedEvent) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def verify_chain(events: Iterable[ChainedEvent],
                 head: tuple[int, str] | None = None) -> Verification:
    """Check ``events`` in ``seq`` order from the first; stop at the first break.
    ``head`` (seq, hash) is what the chain's head row says; None for an export, which
    ends where it ends."""
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    for event in events:
        count += 1
        broken = _first_break(event, expected_seq, prev_hash)
        if broken is not None:
            return Verification(False, count, *(head or (event.seq, event.hash)), broken)
        expected_seq, prev_hash = event.seq + 1, event.hash
    last_seq = expected_seq - 1
    if head is not None and (head[0] != last_seq or head[1] != prev_hash):
        if head[0] > last_seq:
            reason = (f"event(s) {last_seq + 1}..{head[0]} missing at the end: the head "
                      f"names event {head[0]}")
        else:
            reason = f"the head (event {head[0]}) does not match the newest event {last_seq}"
        return Verification(False, count, head[0], head[1],
                            Broken(seq=last_seq + 1, event_id=None, reason=reason,
                                   how="deleted" if head[0] > last_seq else "altered"))
    head_seq, head_hash = head or (last_seq, prev_hash)
    return Verification(True, count, head_seq, head_hash)


def _first_break(event: ChainedEvent, expected_seq: int, prev_hash: str) -> Broken | None:
    if event.seq != expected_seq:
        if event.seq > expected_seq:
            reason = (f"event(s) {expected_seq}..{event.seq - 1} missing before it "
                      "(deleted)")
            return Broken(event.seq, event.event_id, reason, "deleted")
        return Broken(event.seq, event.event_id,
                      f"out of order: expected event {expected_seq}", "reordered")
    if event_hash(event) != event.hash:
        written_as = _written_as(event)
        if written_as is not None:
            return Broken(event.seq, event.event_id,
                          f"it was written as event {written_as}: moved", "reordered")
        return Broken(event.seq, event.event_id,
                      "its content does not match its hash (altered or moved)", "altered")
    if event.prev_hash != prev_hash:
        return Broken(event.seq, event.event_id,
                      f"its prev_hash is not event {event.seq - 1}'s hash (that event "
                      "was altered and re-hashed, replaced or moved)", "altered")
    return None


def _written_as(event: ChainedEvent) -> int | None:
    """The seq under which ``event`` hashes right, if one lies within MOVED_WITHIN of
    its place: the event is intact, only moved."""
    for distance in range(1, MOVED_WITHIN + 1):
        for seq in (event.seq - distance, event.seq + distance):
            if seq >= 1 and event_hash(replace(event, seq=seq)) == event.hash:
                return seq
    return None


def event_from_json(data: Mapping[str, Any]) -> ChainedEvent:
    """An exported event (JSON lines) back into the chain's form."""
    return ChainedEvent(
        seq=int(data["seq"]), event_id=str(data["event_id"]),
        occurred_at=datetime.fromisoformat(str(data["occurred_at"]).replace("Z", "+00:00")),
        actor_kind=str(data["actor_kind"]), actor=str(data["actor"]),
        action=str(data["action"]), target=data.get("target"), outcome=str(data["outcome"]),
        kiosk_id=data.get("kiosk_id"), details={str(k): str(v) for k, v
                                                in dict(data.get("details") or {}).items()},
        prev_hash=str(data["prev_hash"]), hash=str(data["hash"]))

"""Debounce: the same document is delivered once within the window, by a salted digest,
and the document's text is never kept."""

from __future__ import annotations

import pickle

from hardware.base import DocumentFormat, DocumentRead
from hardware.reader.debounce import Debouncer
from hardware.sim.reader.specimens import PR2023_FIELDS, TD3_SPECIMEN, TD3_VALID


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


SPECIMEN = DocumentRead(format=DocumentFormat.TD3, mrz="\n".join(TD3_SPECIMEN))
OTHER = DocumentRead(format=DocumentFormat.TD3, mrz="\n".join(TD3_VALID))
CARD = DocumentRead(format=DocumentFormat.PR2023, chip=dict(PR2023_FIELDS))


def test_a_repeat_within_the_window_is_swallowed_and_one_after_it_is_not() -> None:
    """GIVEN a 3 s window
    WHEN a document is seen, again 1 s later, and again 4 s after that
    THEN only the middle sighting is a repeat."""
    clock = FakeClock()
    debouncer = Debouncer(3.0, clock=clock)
    assert not debouncer.is_repeat(SPECIMEN)
    clock.now += 1.0
    assert debouncer.is_repeat(SPECIMEN)
    clock.now += 4.0
    assert not debouncer.is_repeat(SPECIMEN)


def test_a_document_left_on_the_reader_stays_swallowed() -> None:
    """GIVEN a 3 s window and a reader that rescans every 2 s
    WHEN the same document arrives five times
    THEN it is delivered only the first time: each sighting restarts the window."""
    clock = FakeClock()
    debouncer = Debouncer(3.0, clock=clock)
    seen = []
    for _ in range(5):
        seen.append(debouncer.is_repeat(SPECIMEN))
        clock.now += 2.0
    assert seen == [False, True, True, True, True]


def test_another_document_is_never_a_repeat() -> None:
    """GIVEN one document just seen
    WHEN a different passport and then a chip card follow at once
    THEN neither is a repeat, and the first document after them is not either."""
    debouncer = Debouncer(3.0, clock=FakeClock())
    assert not debouncer.is_repeat(SPECIMEN)
    assert not debouncer.is_repeat(OTHER)
    assert not debouncer.is_repeat(CARD)
    assert debouncer.is_repeat(CARD)
    assert not debouncer.is_repeat(SPECIMEN)


def test_forget_ends_the_window() -> None:
    """GIVEN a document just seen
    WHEN the session ends (forget) and it is placed again
    THEN it is delivered again."""
    debouncer = Debouncer(3.0, clock=FakeClock())
    assert not debouncer.is_repeat(SPECIMEN)
    debouncer.forget()
    assert not debouncer.is_repeat(SPECIMEN)


def test_the_debouncer_keeps_no_text_and_salts_its_digest() -> None:
    """GIVEN two debouncers that have each seen the same passport
    WHEN their whole state is serialised
    THEN no line or document number of the passport is in it, and the two digests
    differ (each adapter has its own salt)."""
    first, second = Debouncer(3.0), Debouncer(3.0)
    first.is_repeat(SPECIMEN)
    second.is_repeat(SPECIMEN)
    for debouncer in (first, second):
        state = pickle.dumps(vars(debouncer))
        assert b"L898902C3" not in state and b"ERIKSSON" not in state
    assert vars(first)["_last_digest"] != vars(second)["_last_digest"]

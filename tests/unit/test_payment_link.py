"""Link layer of the payment terminal protocol: ACK/NAK, retransmission, duplicate SEQ.

The peer is a small in-memory port (a fake, not a mock): it records what the link writes
and lets each test script what comes back.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from hardware.base import REASON_NO_REPLY, REASON_PROTOCOL, DeviceError
from hardware.payment.framing import ACK, ENQ, NAK, encode_frame
from hardware.payment.link import Link
from hardware.payment.messages import Message

ACK_TIMEOUT_S = 0.05
SALE = Message("SALE", ("K1", "100", "156"))
EVNT = Message("EVNT", ("present_card",))
NAK_BYTE, ACK_BYTE = bytes([NAK]), bytes([ACK])


class ScriptedPort:
    """In-memory BytePort. ``answer`` sees every write and returns the peer's reply."""

    def __init__(self, answer: Callable[[bytes], bytes] | None = None) -> None:
        self.incoming = bytearray()
        self.written: list[bytes] = []
        self.answer = answer

    def read(self, timeout_s: float) -> bytes:
        if not self.incoming:
            time.sleep(min(max(timeout_s, 0.0), 0.005))
            return b""
        data = bytes(self.incoming)
        self.incoming.clear()
        return data

    def write(self, data: bytes) -> None:
        self.written.append(data)
        if self.answer is not None:
            self.incoming += self.answer(data)

    def close(self) -> None:
        pass


def _link(port: ScriptedPort) -> Link:
    return Link(port, ack_timeout_s=ACK_TIMEOUT_S)


def test_a_good_frame_is_acked_and_delivered() -> None:
    """GIVEN a good EVNT frame on the line
    WHEN the link receives
    THEN it writes ACK and returns the message."""
    port = ScriptedPort()
    port.incoming += encode_frame(0, EVNT.encode())
    assert _link(port).receive(0.5) == EVNT
    assert port.written == [ACK_BYTE]


def test_a_bad_lrc_is_nakked_and_not_delivered() -> None:
    """GIVEN a frame with a wrong LRC, then its good retransmission
    WHEN the link receives
    THEN it writes NAK for the first, ACK for the second, and delivers one message."""
    port = ScriptedPort()
    good = encode_frame(0, EVNT.encode())
    port.incoming += good[:-1] + bytes([good[-1] ^ 0x01]) + good
    link = _link(port)
    assert link.receive(0.5) == EVNT
    assert port.written == [NAK_BYTE, ACK_BYTE]
    assert link.receive(0.02) is None


def test_data_that_is_not_a_message_is_nakked() -> None:
    """GIVEN a frame with a right LRC but DATA without a 4-letter type
    WHEN the link receives
    THEN it writes NAK and delivers nothing."""
    port = ScriptedPort()
    port.incoming += encode_frame(0, b"hello")
    assert _link(port).receive(0.05) is None
    assert port.written == [NAK_BYTE]


def test_a_repeated_seq_is_acked_again_but_delivered_once() -> None:
    """GIVEN the same frame twice (the peer did not get our ACK and retransmitted)
    WHEN the link receives
    THEN both are ACKed and the message is delivered once."""
    port = ScriptedPort()
    frame = encode_frame(3, SALE.encode())
    port.incoming += frame + frame
    link = _link(port)
    assert link.receive(0.5) == SALE
    assert link.receive(0.05) is None
    assert port.written == [ACK_BYTE, ACK_BYTE]


def test_the_same_seq_with_new_data_is_a_new_message() -> None:
    """GIVEN two frames with the same SEQ but different DATA (the peer restarted)
    WHEN the link receives
    THEN both messages are delivered."""
    port = ScriptedPort()
    port.incoming += encode_frame(0, SALE.encode()) + encode_frame(0, EVNT.encode())
    link = _link(port)
    assert [link.receive(0.5), link.receive(0.5)] == [SALE, EVNT]


def test_send_waits_for_ack_and_numbers_messages() -> None:
    """GIVEN a peer that ACKs everything
    WHEN eleven messages are sent
    THEN each is written once and SEQ runs 0..9 and wraps to 0."""
    port = ScriptedPort(lambda _: ACK_BYTE)
    link = _link(port)
    for _ in range(11):
        link.send(SALE)
    assert [frame[1] - 0x30 for frame in port.written] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]


def test_send_retransmits_the_same_frame_after_a_nak() -> None:
    """GIVEN a peer that NAKs the first transmission and ACKs the second
    WHEN a message is sent
    THEN the identical frame (same SEQ) is written twice and send returns."""
    replies = iter([NAK_BYTE, ACK_BYTE])
    port = ScriptedPort(lambda _: next(replies))
    _link(port).send(SALE)
    assert len(port.written) == 2
    assert port.written[0] == port.written[1] == encode_frame(0, SALE.encode())


def test_send_gives_up_after_three_retransmissions_of_naks() -> None:
    """GIVEN a peer that NAKs everything
    WHEN a message is sent
    THEN it is written 4 times (1 + 3 retransmissions) and DeviceError(protocol) follows."""
    port = ScriptedPort(lambda _: NAK_BYTE)
    with pytest.raises(DeviceError) as caught:
        _link(port).send(SALE)
    assert caught.value.reason == REASON_PROTOCOL
    assert len(port.written) == 4


def test_send_gives_up_when_no_ack_comes() -> None:
    """GIVEN a silent peer
    WHEN a message is sent
    THEN it is written 4 times, one ACK timeout apart, then DeviceError(no_reply)."""
    port = ScriptedPort()
    started = time.monotonic()
    with pytest.raises(DeviceError) as caught:
        _link(port).send(SALE)
    elapsed = time.monotonic() - started
    assert caught.value.reason == REASON_NO_REPLY
    assert len(port.written) == 4
    assert 4 * ACK_TIMEOUT_S <= elapsed < 4 * ACK_TIMEOUT_S + 0.5


def test_a_stale_ack_is_not_taken_for_the_next_frame() -> None:
    """GIVEN a late ACK already waiting on the line and a peer that is now silent
    WHEN a message is sent
    THEN the stale ACK is dropped first and send fails with no_reply."""
    port = ScriptedPort()
    port.incoming += ACK_BYTE
    with pytest.raises(DeviceError) as caught:
        _link(port).send(SALE)
    assert caught.value.reason == REASON_NO_REPLY


def test_a_frame_arriving_while_waiting_for_ack_is_kept() -> None:
    """GIVEN a peer whose ACK comes together with its next frame
    WHEN a message is sent and then the link receives
    THEN send returns, the frame is ACKed and then delivered."""
    port = ScriptedPort(lambda _: ACK_BYTE + encode_frame(0, EVNT.encode()))
    link = _link(port)
    link.send(SALE)
    assert port.written[1:] == [ACK_BYTE]
    assert link.receive(0.0) == EVNT


def test_enq_is_answered_with_ack() -> None:
    """GIVEN an ENQ on the line, and separately a peer that answers ENQ or stays silent
    WHEN the link pumps, or enquires
    THEN it answers ACK itself, and enquire is True only when the peer ACKs."""
    port = ScriptedPort()
    port.incoming += bytes([ENQ])
    _link(port).pump(0.05)
    assert port.written == [ACK_BYTE]
    assert _link(ScriptedPort(lambda _: ACK_BYTE)).enquire() is True
    assert _link(ScriptedPort()).enquire() is False


def test_discard_pending_drops_late_replies() -> None:
    """GIVEN a late reply already on the line
    WHEN pending input is discarded
    THEN the reply is ACKed, returned for logging, and not delivered later."""
    port = ScriptedPort()
    port.incoming += encode_frame(0, EVNT.encode())
    link = _link(port)
    assert link.discard_pending() == [EVNT]
    assert link.receive(0.02) is None
    assert port.written == [ACK_BYTE]

"""Central's per-client limiter and its settings, on a clock moved by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from central.ratelimit import ClientRateLimiter, Rate, RateLimits, client_key, parse_rates


class HandClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 1, 15, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))

    def now(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


def test_a_bucket_takes_its_count_at_once_then_one_per_interval():
    """GIVEN a limiter of 3 a minute
    WHEN one client asks 3 times, then a 4th, then after 19 s and 20 s
    THEN 3 pass, the 4th waits 20 s (nothing counted while refused), after 20 s one
    passes; another client is not affected."""
    clock = HandClock()
    limiter = ClientRateLimiter((Rate(3, 60),), clock, capacity=10)
    assert [limiter.hit("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.hit("a") == pytest.approx(20)
    assert limiter.hit("b") == 0
    clock.advance(19)
    assert limiter.retry_after("a") == pytest.approx(1)
    clock.advance(1)
    assert limiter.hit("a") == 0
    assert limiter.hit("a") == pytest.approx(20)


def test_every_rate_holds():
    """GIVEN 3 a minute and 4 an hour
    WHEN a client asks 3 times, waits a minute and asks twice
    THEN the 4th passes and the 5th waits for the hourly bucket (15 min per one)."""
    clock = HandClock()
    limiter = ClientRateLimiter((Rate(3, 60), Rate(4, 3600)), clock, capacity=10)
    for _ in range(3):
        assert limiter.hit("a") == 0
    clock.advance(60)
    assert limiter.hit("a") == 0
    assert limiter.hit("a") == pytest.approx(15 * 60 - 60)


def test_memory_is_bounded_by_capacity():
    """GIVEN a limiter for at most 3 clients, 3 of them limited
    WHEN a 4th client comes
    THEN the quietest one is forgotten (it may start afresh), the others stay limited."""
    clock = HandClock()
    limiter = ClientRateLimiter((Rate(1, 60),), clock, capacity=3)
    for key in ("a", "b", "c"):
        limiter.hit(key)
    limiter.hit("d")
    assert limiter.retry_after("a") == 0
    assert limiter.retry_after("b") > 0 and limiter.retry_after("d") > 0


@pytest.mark.parametrize(("client", "key"), [
    (("192.0.2.7", 5000), "192.0.2.7"),
    (("2001:db8:1:2:3:4:5:6", 5000), "2001:db8:1:2::/64"),
    (("2001:db8:1:2:ffff::1", 5000), "2001:db8:1:2::/64"),
    (("::ffff:192.0.2.7", 5000), "192.0.2.7"),
    (None, "unknown"),
])
def test_a_client_is_its_address_and_an_ipv6_client_its_64(client, key):
    """GIVEN connections from IPv4, IPv6 (two in one /64), v4-mapped and unknown peers
    WHEN their limiter key is taken
    THEN IPv4 by address, IPv6 by /64 network (one host's share), unknown as one."""
    assert client_key({"type": "http", "client": client}) == key


def test_rates_are_read_from_the_command_line_form():
    """GIVEN the --limit form COUNT/SECONDS[,COUNT/SECONDS]
    WHEN parsed and set
    THEN the rates come out; an unknown name or a malformed rate is refused."""
    assert parse_rates("1/60, 5/3600") == (Rate(1, 60), Rate(5, 3600))
    assert RateLimits().with_setting("verify_per_client", "10/60").verify_per_client == (
        Rate(10, 60),)
    for name, value in (("nope", "1/60"), ("codes_per_phone", "60"),
                        ("codes_per_phone", "0/60")):
        with pytest.raises(ValueError):
            RateLimits().with_setting(name, value)

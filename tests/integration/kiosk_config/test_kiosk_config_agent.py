"""The config agent against a real HTTP server on 127.0.0.1 serving bytes the test
chooses: staging, applying between sessions, every refusal, rollback after a failed
health check, recovery after a power cut, the ETag path and reports kept while central
is away."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.sync.config_agent import INTERRUPTED, ConfigAgent
from kiosk.sync.config_slots import ConfigSlots
from kiosk.sync.wire_config import SignedBundle
from kiosk_config_world import FakeCentral, Kiosk, MakeAgent, Sign
from tests.patience import PATIENCE_S


def wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def applied_v1(agent: ConfigAgent, central: FakeCentral, sign: Sign) -> SignedBundle:
    """Bring the kiosk to version 1 applied (the start of several tests)."""
    first: SignedBundle = sign(1)
    central.serve(first)
    assert agent.poll_once().outcome == "staged"
    result = agent.apply_pending()
    assert result is not None and result.applied
    return first


def test_good_bundle_waits_for_the_session_then_applies_and_reports(
        make_agent: MakeAgent, central: FakeCentral, kiosk: Kiosk, sign: Sign) -> None:
    """GIVEN central serves a bundle signed by the trusted key, and a user is in a session
    WHEN the agent polls and tries to apply, then the session ends and it tries again
    THEN it is staged but not applied during the session; afterwards it runs, the new
    config reaches on_applied, central hears 'applied', and the next poll is a 304"""
    agent = make_agent()
    central.serve(sign(1, {"kiosk": {"hotline": "96001"}, "ui": {"idle_timeout_s": 90}}))
    kiosk.in_session = True
    assert agent.poll_once().outcome == "staged"
    assert agent.pending() == 1
    assert agent.apply_pending() is None
    assert agent.current_version() is None and kiosk.applied == []

    kiosk.in_session = False
    result = agent.apply_pending()
    assert result is not None and result.applied and result.version == 1
    assert agent.current_version() == 1 and agent.pending() is None
    assert [c.kiosk.hotline for c in kiosk.applied] == ["96001"]
    assert kiosk.applied[0].ui.idle_timeout_s == 90
    assert central.outcomes() == [(1, "applied", "")]
    assert agent.slots.load_state().unreported == []

    assert agent.poll_once().outcome == "unchanged"
    assert central.if_none_match[-1] == '"v1"'


def test_applied_report_names_the_pushed_keys_the_site_file_overrides(
        make_agent: MakeAgent, central: FakeCentral, kiosk: Kiosk, sign: Sign) -> None:
    """GIVEN a site file that sets sync.config_poll_interval_s
    WHEN a bundle setting it and kiosk.hotline is applied
    THEN it is reported applied, naming sync.config_poll_interval_s as overridden (it has
    no effect here: the site file wins), and the running config keeps the site's value;
    a bundle the site file does not touch is reported without the field"""
    agent = make_agent()
    central.serve(sign(1, {"kiosk": {"hotline": "96001"},
                           "sync": {"config_poll_interval_s": 30}}))
    agent.poll_once()
    result = agent.apply_pending()
    assert result is not None and result.applied
    assert result.overridden == ("sync.config_poll_interval_s",)
    assert central.reports[-1] == {"version": 1, "outcome": "applied", "reason": "",
                                   "overridden": ["sync.config_poll_interval_s"]}
    assert kiosk.applied[-1].sync.config_poll_interval_s == 0.05
    assert kiosk.applied[-1].kiosk.hotline == "96001"

    central.serve(sign(2))
    agent.poll_once()
    agent.apply_pending()
    assert central.reports[-1] == {"version": 2, "outcome": "applied", "reason": ""}


def test_background_thread_applies_right_after_the_session_ends(
        make_agent: MakeAgent, central: FakeCentral, kiosk: Kiosk, sign: Sign) -> None:
    """GIVEN the agent running in its thread and a user in a session
    WHEN central offers a bundle, and later the session ends
    THEN the bundle waits staged while the session lasts and is applied once it ends"""
    agent = make_agent()
    kiosk.in_session = True
    central.serve(sign(1))
    agent.start()
    assert wait_for(lambda: agent.pending() == 1)
    time.sleep(0.2)  # several rounds of the 0.05 s poll interval
    assert agent.current_version() is None and kiosk.applied == []
    kiosk.in_session = False
    agent.wake()
    assert wait_for(lambda: agent.current_version() == 1)
    assert wait_for(lambda: central.outcomes() == [(1, "applied", "")])
    assert agent.stop(timeout=PATIENCE_S)


def tampered(signed: SignedBundle) -> SignedBundle:
    bundle = signed.bundle.model_copy(update={"settings": {"kiosk": {"hotline": "666"}}})
    return signed.model_copy(update={"bundle": bundle})


REFUSALS: dict[str, tuple[Callable[[Sign], SignedBundle], str]] = {
    "bad signature": (lambda sign: tampered(sign(2)), "bad_signature: "),
    "signed by another key": (lambda sign: sign(2, key=Ed25519PrivateKey.generate()),
                              "unknown_key: "),
    "schema-invalid value": (lambda sign: sign(2, {"ui": {"idle_timeout_s": 1}}),
                             "schema: ui.idle_timeout_s: "),
    "unknown key": (lambda sign: sign(2, {"ui": {"colour": "red"}}), "schema: ui.colour: "),
    "forbidden key": (lambda sign: sign(2, {"kiosk": {"data_dir": "/tmp/elsewhere"}}),
                      "forbidden_key: kiosk.data_dir"),
    "older version replayed": (lambda sign: sign(1, {"kiosk": {"hotline": "11111"}}),
                               "older_version: "),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_bundles_are_reported_and_never_staged(
        case: str, make_agent: MakeAgent, central: FakeCentral, kiosk: Kiosk,
        sign: Sign) -> None:
    """GIVEN a kiosk running version 1
    WHEN central serves a bundle that fails one check, and the agent polls again
    THEN it is reported 'rejected' with the reason, nothing is staged, version 1 still
    runs; the next poll asks with version 1's ETag (never the refused one's), is refused
    the same way and reported no second time"""
    agent = make_agent()
    applied_v1(agent, central, sign)
    build, reason = REFUSALS[case]
    bad = build(sign)
    central.serve(bad, etag='"v2"')
    result = agent.poll_once()
    assert result.outcome == "rejected" and result.reason.startswith(reason)
    assert agent.pending() is None and agent.current_version() == 1
    assert agent.slots.current_layer() == {"kiosk": {"hotline": "96001"}}
    version, outcome, said = central.outcomes()[-1]
    assert (version, outcome) == (bad.bundle.version, "rejected") and said.startswith(reason)
    again = agent.poll_once()
    assert (again.outcome, again.reason) == ("rejected", result.reason)
    assert central.if_none_match[-2:] == ['"v1"', '"v1"']
    assert len(central.reports) == 2 and len(kiosk.applied) == 1


@pytest.mark.parametrize("case", ["bad signature", "signed by another key", "unreadable"])
def test_a_refused_copy_of_a_version_never_hides_the_genuine_one(
        case: str, make_agent: MakeAgent, central: FakeCentral, kiosk: Kiosk,
        sign: Sign) -> None:
    """GIVEN a kiosk running version 1, and central (or whatever stands between) serving
    a copy of version 2 that the kiosk refuses, under version 2's ETag
    WHEN the genuine version 2 is served next, under the same ETag
    THEN the kiosk asks with version 1's ETag, so it is sent the genuine version 2 (not a
    304), stages it and applies it"""
    agent = make_agent()
    applied_v1(agent, central, sign)
    genuine = sign(2, {"kiosk": {"hotline": "96002"}})
    if case == "unreadable":
        central.serve(body=genuine.model_dump_json().encode()[:40], etag='"v2"')
    else:
        central.serve(tampered(genuine) if case == "bad signature"
                      else sign(2, key=Ed25519PrivateKey.generate()), etag='"v2"')
    assert agent.poll_once().outcome == "rejected"
    central.serve(genuine)
    assert agent.poll_once().outcome == "staged"
    assert central.if_none_match[-1] == '"v1"'
    result = agent.apply_pending()
    assert result is not None and result.applied and agent.current_version() == 2
    assert [c.kiosk.hotline for c in kiosk.applied] == ["96001", "96002"]
    assert central.outcomes()[-1] == (2, "applied", "")


def test_a_start_forgets_an_etag_a_refused_copy_left_behind(
        make_agent: MakeAgent, central: FakeCentral, sign: Sign) -> None:
    """GIVEN a kiosk whose state.json holds the ETag of version 2 although it never
    accepted version 2 (left by a refused copy before this was fixed), and central now
    serving the genuine version 2
    WHEN the kiosk starts (the agent recovers) and polls
    THEN it asks without If-None-Match and stages version 2; before the start it got 304"""
    agent = make_agent()
    applied_v1(agent, central, sign)
    state = agent.slots.load_state()
    state.etag = '"v2"'
    agent.slots.save_state(state)
    central.serve(sign(2))
    assert agent.poll_once().outcome == "unchanged"

    restarted = make_agent()
    assert restarted.recover() is None
    assert restarted.poll_once().outcome == "staged"
    assert central.if_none_match[-1] is None and restarted.pending() == 2


def test_truncated_body_is_unreadable_reported_once_and_fetched_again(
        make_agent: MakeAgent, central: FakeCentral, sign: Sign) -> None:
    """GIVEN central serves the first half of a bundle as a complete response
    WHEN the agent polls twice, then the whole bundle is served
    THEN it is refused as 'unreadable' (version taken from the ETag) and reported once;
    each poll fetches again (it may have been garbled on the way); the whole one stages"""
    agent = make_agent()
    whole = sign(1)
    raw = whole.model_dump_json().encode()
    central.serve(body=raw[:len(raw) // 2], etag='"v1"')
    first, second = agent.poll_once(), agent.poll_once()
    assert first.outcome == second.outcome == "rejected"
    assert first.reason.startswith("unreadable")
    assert [(v, o) for v, o, _ in central.outcomes()] == [(1, "rejected")]
    assert central.if_none_match[-1] is None
    assert agent.pending() is None and agent.current_version() is None
    central.serve(whole)
    assert agent.poll_once().outcome == "staged"


def test_connection_cut_mid_download_changes_nothing(
        make_agent: MakeAgent, central: FakeCentral, sign: Sign) -> None:
    """GIVEN central promises a whole bundle but hangs up halfway through it
    WHEN the agent polls
    THEN the poll ends in an error, nothing is staged or reported, and the next poll
    (with the whole body) stages it"""
    agent = make_agent()
    whole = sign(1)
    central.serve(whole, cut_after=50)
    result = agent.poll_once()
    assert result.outcome == "error" and result.reason == "E_CENTRAL_UNAVAILABLE"
    assert agent.pending() is None and central.reports == []
    central.serve(whole)
    assert agent.poll_once().outcome == "staged"


def test_nothing_to_apply_is_204(make_agent: MakeAgent, central: FakeCentral) -> None:
    """GIVEN central has no bundle for this kiosk
    WHEN the agent polls
    THEN nothing happens and nothing is reported"""
    agent = make_agent()
    assert agent.poll_once().outcome == "nothing"
    assert agent.pending() is None and central.reports == []


def test_failed_health_check_rolls_back_and_reports(
        make_agent: MakeAgent, central: FakeCentral, kiosk: Kiosk, sign: Sign) -> None:
    """GIVEN a kiosk on version 1 and a version 2 whose devices do not answer
    WHEN version 2 is applied
    THEN the health check sees version 2's settings, the kiosk is back on version 1
    exactly, version 2 is reported 'failed' with the problems and is never tried again"""
    agent = make_agent()
    first = applied_v1(agent, central, sign)
    central.serve(sign(2, {"printer": {"url": "tcp://127.0.0.1:9"}}))
    assert agent.poll_once().outcome == "staged"
    kiosk.problems = ["printer unknown (disconnected)"]
    result = agent.apply_pending()
    assert result is not None and not result.applied
    assert kiosk.checked[-1].printer.url == "tcp://127.0.0.1:9"
    assert agent.slots.read("current") == first
    assert agent.pending() is None and len(kiosk.applied) == 1
    assert central.outcomes()[-1] == (2, "failed", "health check: printer unknown (disconnected)")
    assert agent.slots.load_state().applying is None
    with pytest.raises(Exception, match="older_version: version 2 failed here before"):
        agent.judge(sign(2).model_dump_json().encode())


def test_failed_first_push_leaves_no_pushed_layer(
        make_agent: MakeAgent, central: FakeCentral, kiosk: Kiosk, sign: Sign) -> None:
    """GIVEN a kiosk that never ran a pushed config
    WHEN the first bundle fails its health check
    THEN the kiosk is back on its own files alone (no pushed layer)"""
    agent = make_agent()
    central.serve(sign(1))
    agent.poll_once()
    kiosk.problems = ["central unreachable"]
    result = agent.apply_pending()
    assert result is not None and not result.applied
    assert agent.slots.current_layer() is None


class PowerCut(BaseException):
    """Stops the apply between two steps, as pulling the plug would."""


@pytest.mark.parametrize("step", ["marked", "previous_saved", "current_replaced"])
def test_power_cut_during_apply_is_rolled_back_at_start(
        step: str, make_agent: MakeAgent, central: FakeCentral, kiosk: Kiosk,
        sign: Sign) -> None:
    """GIVEN a kiosk on version 1 applying version 2, and the power goes at ``step``
    WHEN the kiosk starts again and the agent recovers
    THEN version 1 runs, complete, nothing is pending, and version 2 is reported
    'failed: interrupted while applying' (once central is reached)"""
    armed = False

    def cut(at: str) -> None:
        if armed and at == step:
            raise PowerCut(at)

    agent = make_agent(step_hook=cut)
    first = applied_v1(agent, central, sign)
    central.serve(sign(2))
    agent.poll_once()
    armed = True
    with pytest.raises(PowerCut):
        agent.apply_pending()

    restarted = make_agent()
    assert restarted.recover() == 2
    assert restarted.slots.read("current") == first
    assert restarted.pending() is None and restarted.slots.leftover_temp_files() == []
    assert restarted.recover() is None  # nothing left to do the second time
    restarted.poll_once()
    assert central.outcomes()[-1] == (2, "failed", INTERRUPTED)


KILLED_CHILD = """
import os, signal, sys
from pathlib import Path
from kiosk.sync.config_agent import ConfigAgent, site_loader
from kiosk.sync.config_slots import ConfigSlots
from kiosk.domain.clock import SystemClock

def kill(step):
    if step == sys.argv[2]:
        os.kill(os.getpid(), signal.SIGKILL)

class NoCentral:
    def fetch_config(self, etag): raise AssertionError
    def report_config(self, report): raise AssertionError

slots = ConfigSlots(Path(sys.argv[1]))
agent = ConfigAgent(slots, NoCentral(), {}, site_loader(), lambda c: [], lambda: True,
                    lambda c: None, SystemClock(), step_hook=kill)
agent.flush_reports = lambda: 0
agent.apply_pending()
"""


def test_process_killed_during_apply_is_rolled_back(
        make_agent: MakeAgent, central: FakeCentral, sign: Sign, tmp_path: Path) -> None:
    """GIVEN a kiosk on version 1 with version 2 staged
    WHEN another process applying it is killed (SIGKILL) right after the swap
    THEN the restarted agent finds version 2 half-done and puts version 1 back"""
    agent = make_agent()
    first = applied_v1(agent, central, sign)
    central.serve(sign(2))
    agent.poll_once()
    child = subprocess.run(
        [sys.executable, "-c", KILLED_CHILD, str(agent.slots.folder), "current_replaced"],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
        capture_output=True, timeout=30)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    assert agent.slots.current_version() == 2  # the crash left the new one in place
    restarted = make_agent()
    assert restarted.recover() == 2
    assert restarted.slots.read("current") == first


def test_reports_are_kept_while_central_is_away(
        make_agent: MakeAgent, central: FakeCentral, sign: Sign) -> None:
    """GIVEN a staged bundle and central gone away
    WHEN it is applied, the kiosk restarts, and central comes back
    THEN the 'applied' report survives in state.json and is delivered at the next poll,
    exactly once"""
    agent = make_agent()
    central.serve(sign(1))
    agent.poll_once()
    central.stop()
    result = agent.apply_pending()
    assert result is not None and result.applied
    assert [r.outcome for r in agent.unreported()] == ["applied"]
    assert agent.poll_once().outcome == "error"

    restarted = make_agent()
    assert [r.version for r in restarted.unreported()] == [1]
    central.start()
    assert restarted.poll_once().outcome == "unchanged"
    assert central.outcomes() == [(1, "applied", "")]
    assert restarted.unreported() == []


def test_pending_newer_bundle_replaces_an_older_staged_one(
        make_agent: MakeAgent, central: FakeCentral, kiosk: Kiosk, sign: Sign) -> None:
    """GIVEN version 1 staged during a long session
    WHEN central moves on to version 2 before the session ends
    THEN version 2 replaces it in the pending slot, and only version 2 is applied"""
    agent = make_agent()
    kiosk.in_session = True
    central.serve(sign(1))
    agent.poll_once()
    central.serve(sign(2))
    assert agent.poll_once().outcome == "staged"
    assert agent.pending() == 2
    kiosk.in_session = False
    agent.apply_pending()
    assert agent.current_version() == 2
    assert central.outcomes() == [(2, "applied", "")]


def test_slots_survive_in_the_data_dir(tmp_path: Path) -> None:
    """GIVEN a data folder
    WHEN slots are made for it
    THEN they live in its config subfolder"""
    assert ConfigSlots.in_data_dir(tmp_path).folder == tmp_path / "config"

"""Central's out-of-service mark reaches the kiosk (issue 14): an admin takes a kiosk out
of service from the console, central says so in the heartbeat's answer, the kiosk's
runtime obeys (reported in its next heartbeat and in the audit trail) and comes back
when the mark is lifted. Over the whole loopback system: central over HTTP on
127.0.0.1, the kiosk's real sync client and heartbeat thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.devtools.loopback import System, running_system
from kiosk.sync.wire import WireModel
from tests.integration.central.console_helpers import form_token, http_sign_in
from tests.integration.central.qr_helpers import eventually
from tests.integration.central.test_sync_heartbeat import fleet_entry
from tests.patience import PATIENCE_S

BEAT_S = 0.2  # the kiosk's heartbeat interval here: "within a heartbeat" is quick


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    with running_system(tmp_path, background=True, heartbeat_interval_s=BEAT_S) as running:
        yield running


def console_action(system: System, action: str, **form: str) -> None:
    """An admin's form on the kiosk's console page, as the browser posts it."""
    http = http_sign_in(system.central_url, system.admin_token)
    page = http.get(f"{system.central_url}/admin/kiosks/{system.config.kiosk.id}",
                    timeout=PATIENCE_S)
    assert page.status_code == 200, page.text
    answer = http.post(f"{system.central_url}/admin/kiosks/{system.config.kiosk.id}/{action}",
                       data={"csrf": form_token(page.text), **form}, timeout=PATIENCE_S,
                       allow_redirects=False)
    assert answer.status_code == 303, answer.text


def kiosk_page(system: System) -> str:
    http = http_sign_in(system.central_url, system.admin_token)
    page = http.get(f"{system.central_url}/admin/kiosks/{system.config.kiosk.id}",
                    timeout=PATIENCE_S)
    assert page.status_code == 200, page.text
    return page.text


def kiosk_in_fleet(system: System) -> dict[str, Any]:
    found = fleet_entry(system.central_url, system.config.kiosk.id, system.admin_token)
    assert found is not None
    return found


def fleet_saying(system: System, *, out_of_service: bool) -> dict[str, Any] | None:
    """The kiosk in the fleet once its last heartbeat says ``out_of_service``."""
    kiosk = kiosk_in_fleet(system)
    return kiosk if kiosk["out_of_service"] is out_of_service else None


def kiosk_events(system: System) -> list[str]:
    answer = requests.get(f"{system.central_url}/v1/admin/audit/events",
                          params={"kiosk_id": system.config.kiosk.id}, timeout=PATIENCE_S,
                          headers=system.admin_headers())
    assert answer.status_code == 200, answer.text
    return [event["action"] for event in answer.json()["events"]]


def test_an_admins_mark_takes_the_kiosk_out_within_a_heartbeat_and_lifting_it_brings_it_back(
        system: System) -> None:
    """GIVEN the loopback kiosk beating every 0.2 s, in service, with nobody using it
    WHEN an admin takes it out of service on the console (the reason typed: a name)
    THEN within a heartbeat the kiosk is out of service by central's mark (the
    technician's switch untouched), its next heartbeat says so (out of service, by
    central), and the audit trail has the kiosk's kiosk.out_of_service_by_central;
    WHEN the admin puts it back in service
    THEN the kiosk is in service again, its heartbeat says so, and the trail has
    kiosk.back_in_service_by_central."""
    technician = system.runtime.technician
    assert technician is not None and technician.central_mark is not None
    mark = technician.central_mark
    eventually(lambda: fleet_entry(system.central_url, system.config.kiosk.id,
                                   system.admin_token))  # its first beat has come
    assert not mark.active

    console_action(system, "out-of-service", reason="screen cracked, told by 王先生")

    eventually(lambda: mark.active)
    assert not technician.out_of_service.active  # the technician's own switch stays off
    assert mark.reason_code == "admin"
    kiosk = eventually(lambda: fleet_saying(system, out_of_service=True))
    assert kiosk["out_of_service_by"] == ["central"]
    assert kiosk["out_of_service_since"] is not None
    eventually(lambda: "kiosk.out_of_service_by_central" in kiosk_events(system))
    assert "The kiosk obeys" in kiosk_page(system)

    console_action(system, "in-service")

    eventually(lambda: not mark.active)
    kiosk = eventually(lambda: fleet_saying(system, out_of_service=False))
    assert kiosk["out_of_service_by"] == [] and kiosk["out_of_service_since"] is None
    eventually(lambda: "kiosk.back_in_service_by_central" in kiosk_events(system))


def test_a_kiosk_in_use_keeps_serving_until_it_rests(system: System) -> None:
    """GIVEN the loopback kiosk whose person is in the middle of something (its idle
    test says no)
    WHEN an admin takes it out of service and several heartbeats pass
    THEN the kiosk has heard the mark but not obeyed it: in service, and its heartbeats
    say in service; WHEN it rests again THEN it obeys at once."""
    technician = system.runtime.technician
    assert technician is not None and technician.central_mark is not None
    mark = technician.central_mark
    in_use = True
    mark.idle = lambda: not in_use
    eventually(lambda: fleet_entry(system.central_url, system.config.kiosk.id,
                                   system.admin_token))

    console_action(system, "out-of-service", reason="maintenance visit")

    eventually(lambda: mark.pending)
    beats = system.runtime.heartbeat
    assert beats is not None
    seen = beats.beats_sent
    eventually(lambda: beats.beats_sent >= seen + 3)
    assert not mark.active and kiosk_in_fleet(system)["out_of_service"] is False
    assert "Not yet obeyed" in kiosk_page(system)

    in_use = False
    mark.settle()
    assert mark.active
    eventually(lambda: kiosk_in_fleet(system)["out_of_service"])


class HeartbeatAckBeforeServiceMarks(WireModel):
    """The heartbeat's answer as kiosks before the mark read it (forbids extras)."""

    kiosk_id: str
    received_at: str
    first_seen: bool


def test_a_kiosk_that_does_not_ask_for_marks_gets_the_answer_it_knows(system: System) -> None:
    """GIVEN a kiosk taken out of service by an admin
    WHEN a beat comes without the header that asks for the mark (an older kiosk)
    THEN the answer has exactly the fields older kiosks read, and their strict model
    takes it; WHEN it asks THEN the answer carries the mark with a reason code and
    never the admin's words."""
    eventually(lambda: fleet_entry(system.central_url, system.config.kiosk.id,
                                   system.admin_token))
    console_action(system, "out-of-service", reason="screen cracked, told by 王先生")
    url = f"{system.central_url}/v1/heartbeats"
    body: dict[str, Any] = {"app_version": "0.9.0", "config_version": "7", "outbox_depth": 0,
            "disk_free_bytes": 2**30}
    headers = {**system.kiosk_headers(), "X-Kiosk-Id": system.config.kiosk.id}

    old = requests.post(url, json=body, headers=headers, timeout=PATIENCE_S)

    assert old.status_code == 200, old.text
    assert set(old.json()) == {"kiosk_id", "received_at", "first_seen"}
    HeartbeatAckBeforeServiceMarks.model_validate_json(old.content)

    new = requests.post(url, json=body, timeout=PATIENCE_S,
                        headers={**headers, "X-Kiosk-Accepts": "service_mark"})
    assert new.status_code == 200, new.text
    answer = new.json()["service_mark"]
    assert answer["out_of_service"] is True and answer["reason_code"] == "admin"
    assert answer["since"] is not None and "王" not in new.text

"""Central's out-of-service mark on the real UI (offscreen, the shared App over the
loopback system): an admin's mark shows the out-of-service screen within a heartbeat,
in every language, never in the middle of a person's payment, and lifting it brings
the attract loop back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.devtools.loopback import System
from kiosk.domain.clock import machine_timestamp
from kiosk.services.contract import View
from kiosk.ui.driver import Driver
from kiosk.ui.walkthrough import (
    choose_card_if_offered,
    current_flow,
    start_bill_payment,
    type_account,
)
from tests.integration.central.console_helpers import form_token, http_sign_in
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.ui


def console_action(system: System, action: str, **form: str) -> None:
    """An admin's form on the kiosk's console page, as the browser posts it."""
    http = http_sign_in(system.central_url, system.admin_token)
    kiosk_page = f"{system.central_url}/admin/kiosks/{system.config.kiosk.id}"
    page = http.get(kiosk_page, timeout=PATIENCE_S)
    assert page.status_code == 200, page.text
    answer = http.post(f"{kiosk_page}/{action}", data={"csrf": form_token(page.text), **form},
                       timeout=PATIENCE_S, allow_redirects=False)
    assert answer.status_code == 303, answer.text


def heartbeat(system: System) -> None:
    """One heartbeat now (the shared system beats every minute on its own too)."""
    sender = system.runtime.heartbeat
    assert sender is not None
    assert sender.beat_once()


@pytest.fixture
def marked(driver: Driver, system: System) -> Iterator[Driver]:
    """The shared App in service; afterwards central's mark is lifted and obeyed."""
    heartbeat(system)  # a kiosk central has seen, so its console page exists
    try:
        yield driver
    finally:
        console_action(system, "in-service")
        heartbeat(system)
        driver.wait_until(lambda: not driver.app.out_of_service, PATIENCE_S,
                          "central's mark lifted")
        driver.app.end_session()
        driver.wait_for_screen("attract")


def test_central_mark_shows_the_out_of_service_screen_in_every_language(
        marked: Driver, system: System) -> None:
    """GIVEN the kiosk on its attract screen
    WHEN an admin takes it out of service on the console and the kiosk beats once
    THEN the out-of-service screen shows, its message in English and in Chinese (and
    the other languages), a programmatic session start is refused, and the technician
    screen says central's mark holds the kiosk (its switch stays off);
    WHEN the admin puts it back in service and the kiosk beats again
    THEN the attract screen comes back and the technician screen says nothing of it."""
    console_action(system, "out-of-service", reason="glass cracked")
    heartbeat(system)

    marked.wait_for_screen("out_of_service", timeout=PATIENCE_S)
    texts = [w.text for w in marked.app.screen("out_of_service").ids.messages.children]
    assert (f"This kiosk is out of service. Please use another kiosk or call "
            f"{system.config.kiosk.hotline}.") in texts
    assert any("本机暂停服务" in text for text in texts) and len(texts) == 8
    marked.app.start_session("en")
    marked.settle(0.2)
    assert marked.app.root.current == "out_of_service" and marked.app.session is None
    technician = marked.app.technician
    assert technician is not None and technician.central_mark is not None
    assert not technician.out_of_service.active
    technician_screen = marked.app.screen("technician")
    technician_screen.refresh()
    since = machine_timestamp(technician.central_mark.since)  # type: ignore[arg-type]
    assert since in technician_screen.ids.central_mark.text

    console_action(system, "in-service")
    heartbeat(system)

    marked.wait_for_screen("attract", timeout=PATIENCE_S)
    technician_screen.refresh()
    assert technician_screen.ids.central_mark.text == ""


def test_a_person_paying_is_not_cut_off_and_the_mark_follows_the_session(
        marked: Driver, system: System) -> None:
    """GIVEN a person on the card screen, the terminal waiting for their card
    WHEN an admin takes the kiosk out of service and the kiosk beats
    THEN the payment goes on to its receipt, the kiosk is not out of service yet;
    WHEN the person finishes THEN the out-of-service screen shows, not attract."""
    system.restart_central(fresh_data=True)  # a water bill due, whatever ran before
    heartbeat(system)  # the fresh central knows the kiosk
    system.payment.card_wait_s = 3.0  # the card comes a moment after the prompt
    try:
        start_bill_payment(marked, "zh-Hans", "sh-water")
        type_account(marked, "3100012345")
        marked.tap(marked.find("account", "submit"))
        marked.wait_for_screen("review")
        marked.tap(marked.find("review", "pay"))
        choose_card_if_offered(marked)
        marked.wait_for_screen("paying")

        console_action(system, "out-of-service", reason="glass cracked")
        heartbeat(system)
        marked.settle(0.3)

        technician = marked.app.technician
        assert technician is not None and technician.central_mark is not None
        assert technician.central_mark.pending and not marked.app.out_of_service
        assert marked.app.root.current == "paying"
        flow = current_flow(marked)
        marked.wait_until(lambda: flow.view in (View.PAID, View.FAILED) and not flow.busy,
                          60, "the payment to finish")
    finally:
        system.payment.card_wait_s = None
    assert flow.view is View.PAID
    marked.wait_for_screen("done")
    assert not marked.app.out_of_service

    marked.app.end_session()  # the person touches Finish

    marked.wait_for_screen("out_of_service", timeout=PATIENCE_S)
    assert marked.app.out_of_service and technician.central_mark.active

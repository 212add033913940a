"""Check your answers: Change on a row of the accommodation registration's summary goes
to that question and, once answered, straight back to the summary, walking only the
questions the change opened (stay_world.py's fakes)."""

from __future__ import annotations

from datetime import date, time

from kiosk.services.flow import View
from kiosk.services.stay import StayFlow, StayStep
from stay_world import STAY, World, choose_path, run, to_summary


def rows(flow: StayFlow) -> dict[str, str]:
    return {row.label: row.value for row in flow.summary_rows()}


def changes(flow: StayFlow) -> dict[str, str]:
    return {row.label: row.change for row in flow.summary_rows() if row.change}


def at_summary() -> tuple[World, StayFlow]:
    world = World()
    flow = world.flow()
    to_summary(world, flow)
    assert flow.step is StayStep.SUMMARY, (flow.step, flow.error)
    return world, flow


def test_every_answer_on_the_summary_can_be_changed_and_the_document_cannot() -> None:
    """GIVEN the summary of a passport holder's registration in a rented room
    WHEN its rows are read
    THEN each row that comes from an answer names its question (the address names the
    address), and what the reader read (name, birth, nationality, number) names none."""
    _world, flow = at_summary()
    assert changes(flow) == {
        "Visa or permit": "entry_status_type", "Visa or permit number": "entry_status_number",
        "Valid until": "entry_status_valid_until", "Date of entry": "date_of_entry",
        "Port of entry": "port_of_entry", "Address": "address", "Arrival": "arrival_date",
        "Planned departure": "planned_departure", "Whose home": "accommodation_type",
        "Host": "host_name", "Host's document": "host_id_type",
        "Host's document number": "host_id_number", "Host's phone": "host_phone",
        "Purpose of stay": "purpose", "Your phone": "phone", "Lease contract": "lease_contract"}
    for label in ("Name", "Sex", "Date of birth", "Nationality", "Document number"):
        assert label not in changes(flow)


def test_change_returns_to_the_summary_after_the_one_answer() -> None:
    """GIVEN the summary
    WHEN Change on the phone row is touched and a new number given
    THEN the phone question shows with the old number, and after the new one the
    summary shows again at once, with the new number and every other answer kept."""
    _world, flow = at_summary()
    before = rows(flow)
    flow.change("phone")
    assert flow.step is StayStep.STAY and flow.view is View.QUESTION
    assert flow.form is not None and flow.form.current.key == "phone"
    assert flow.form.current_value() == STAY["phone"]
    flow.answer("13700001111")
    assert flow.step is StayStep.SUMMARY and flow.view is View.SUMMARY
    assert rows(flow) == {**before, "Your phone": "13700001111"}


def test_a_changed_visa_type_that_opens_questions_walks_them_then_returns() -> None:
    """GIVEN the summary of a visa-free entry (no visa number asked)
    WHEN the visa type is changed to a Z visa
    THEN the visa number and the number of entries (opened by the change) are asked,
    then the summary shows again: no address level and no stay question is asked again,
    and the stay answers are kept."""
    world = World()
    flow = world.flow()
    to_summary(world, flow, entry={"entry_status_type": "VISA_FREE",
                                   "entry_status_valid_until": date(2026, 12, 20)},
               stay={"planned_departure": date(2026, 12, 10)})
    assert "Visa or permit number" not in rows(flow)
    calls = len(world.addresses.calls)
    flow.change("entry_status_type")
    assert flow.step is StayStep.ENTRY and flow.form is not None
    assert flow.form.current.key == "entry_status_type"
    flow.answer("Z")
    assert flow.form.current.key == "entry_status_number"
    flow.answer("Z12345678")
    assert flow.form.current.key == "number_of_entries"
    flow.skip()
    run(flow)
    assert flow.step is StayStep.SUMMARY, (flow.step, flow.error)
    shown = rows(flow)
    assert shown["Visa or permit"] == "Z visa (work)"
    assert shown["Visa or permit number"] == "Z12345678"
    assert shown["Your phone"] == STAY["phone"] and shown["Host"] == STAY["host_name"]
    assert len(world.addresses.calls) == calls


def test_a_changed_visa_type_that_voids_a_question_forgets_its_answer() -> None:
    """GIVEN the summary of a Z visa with its number
    WHEN the visa type is changed to visa-free
    THEN the summary shows again at once, without the visa number, and the submitted
    record carries none."""
    world, flow = at_summary()
    flow.change("entry_status_type")
    flow.answer("VISA_FREE")
    assert flow.step is StayStep.SUMMARY, (flow.step, flow.form and flow.form.current.key)
    assert "Visa or permit number" not in rows(flow)
    flow.submit()
    run(flow)
    payload = world.submissions.submitted[0][3]
    assert payload["entry_status_type"] == "VISA_FREE"
    assert payload["entry_status_number"] is None


def test_the_arrival_asks_its_day_and_its_time() -> None:
    """GIVEN the summary
    WHEN Change on the arrival is touched
    THEN the day and then the time are asked (both make the arrival), each with its
    kept answer, and the summary shows the new arrival."""
    _world, flow = at_summary()
    flow.change("arrival_date")
    assert flow.form is not None and flow.form.current.key == "arrival_date"
    flow.answer(STAY["arrival_date"])
    assert flow.form.current.key == "arrival_time"
    assert flow.form.current_value() == STAY["arrival_time"]
    flow.answer(time(9, 15))
    assert flow.step is StayStep.SUMMARY
    assert "09:15" in rows(flow)["Arrival"]


def test_back_from_the_question_returns_to_the_summary_unchanged() -> None:
    """GIVEN the port of entry question reached by Change
    WHEN Back is touched
    THEN the summary shows again with every answer as it was."""
    _world, flow = at_summary()
    before = rows(flow)
    flow.change("port_of_entry")
    assert flow.step is StayStep.ENTRY
    flow.back()
    assert flow.step is StayStep.SUMMARY and rows(flow) == before


def test_another_room_is_chosen_and_the_summary_shows_again() -> None:
    """GIVEN the summary with room 1201
    WHEN Change on the address is touched
    THEN the district list shows (already fetched: central is not asked for it), and
    after another room is chosen the summary shows it, the stay answers kept."""
    world, flow = at_summary()
    calls = len(world.addresses.calls)
    flow.change("address")
    assert flow.step is StayStep.ADDRESS
    assert flow.choice_list().heading == "In which district do you stay?"
    assert len(world.addresses.calls) == calls
    choose_path(flow, ("310105", "310105-hongqiao", "310105-hongqiao-n2270",
                       "310105-hongqiao-n2270-b2", "310105-hongqiao-n2270-b2-808"))
    assert flow.step is StayStep.SUMMARY, (flow.step, flow.error)
    shown = rows(flow)
    assert "808" in shown["Address"] and shown["Your phone"] == STAY["phone"]


def test_back_from_the_districts_keeps_the_room() -> None:
    """GIVEN the district list reached by Change on the address
    WHEN Back is touched
    THEN the summary shows the room chosen before."""
    _world, flow = at_summary()
    before = rows(flow)
    flow.change("address")
    flow.back()
    assert flow.step is StayStep.SUMMARY and rows(flow) == before


def test_change_is_ignored_away_from_the_summary() -> None:
    """GIVEN the phone question reached by Change
    WHEN another change() arrives (a late second touch on the summary)
    THEN nothing moves."""
    _world, flow = at_summary()
    flow.change("phone")
    flow.change("address")
    assert flow.step is StayStep.STAY and flow.form is not None
    assert flow.form.current.key == "phone"

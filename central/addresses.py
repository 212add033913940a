"""The Shanghai address book (docs/spec/accommodation.md#address): browse level by level,
resolve a room to its full address and police station. Works inside the caller's
transaction."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.models import AddressNodeRow, PoliceStationRow
from kiosk.domain.stay import in_shanghai_division
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import AddressNodeOut, AddressOut, PoliceStationOut

LEVELS = ("district", "street", "lane", "building", "room")


def node_out(row: AddressNodeRow) -> AddressNodeOut:
    return AddressNodeOut(id=row.id, level=row.level,  # type: ignore[arg-type]
                          name_zh=row.name_zh, name_en=row.name_en, is_hotel=row.is_hotel)


def children(session: Session, parent_id: str | None) -> list[AddressNodeOut]:
    """Districts when ``parent_id`` is None, else the nodes under it (E_ADDRESS_UNRESOLVED
    for an unknown parent)."""
    if parent_id is not None and session.get(AddressNodeRow, parent_id) is None:
        raise KioskError(ErrorCode.ADDRESS_UNRESOLVED, "no such address node")
    query = select(AddressNodeRow).where(
        AddressNodeRow.parent_id.is_(None) if parent_id is None
        else AddressNodeRow.parent_id == parent_id)
    return [node_out(row) for row in
            session.scalars(query.order_by(AddressNodeRow.sort_key, AddressNodeRow.id))]


def chain_to_room(room_id: str, node_of: Callable[[str], AddressNodeRow | None]
                  ) -> list[AddressNodeRow]:
    """District ... room for a room id, its nodes got by ``node_of`` (from the database,
    or from the nodes loaded for a batch); E_ADDRESS_UNRESOLVED for anything else."""
    room = node_of(room_id)
    if room is None or room.level != "room":
        raise KioskError(ErrorCode.ADDRESS_UNRESOLVED, "not a room of the address book")
    nodes, seen = [room], {room.id}
    while nodes[-1].parent_id is not None:
        parent = node_of(nodes[-1].parent_id)
        if parent is None or parent.id in seen:  # a broken tree is unresolvable, not a hang
            raise KioskError(ErrorCode.ADDRESS_UNRESOLVED, "address tree broken")
        seen.add(parent.id)
        nodes.append(parent)
    return list(reversed(nodes))


def room_chain(session: Session, room_id: str) -> list[AddressNodeRow]:
    return chain_to_room(room_id, lambda node_id: session.get(AddressNodeRow, node_id))


def station_of(parts: list[AddressNodeRow],
               station_by_id: Callable[[str], PoliceStationRow | None]) -> PoliceStationRow:
    """The station of the nearest node that names one (streets do)."""
    for node in reversed(parts):
        if node.police_station_id is not None:
            station = station_by_id(node.police_station_id)
            if station is not None:
                return station
    raise KioskError(ErrorCode.ADDRESS_UNRESOLVED, "no police station for this address")


def police_station_of(session: Session, parts: list[AddressNodeRow]) -> PoliceStationRow:
    return station_of(parts, lambda station_id: session.get(PoliceStationRow, station_id))


def division_of(parts: list[AddressNodeRow]) -> str:
    return next((node.division_code for node in parts if node.division_code), "")


def is_hotel(parts: list[AddressNodeRow]) -> bool:
    return any(node.is_hotel for node in parts)


def resolve(session: Session, room_id: str) -> AddressOut:
    parts = room_chain(session, room_id)
    station = police_station_of(session, parts)
    in_shanghai = in_shanghai_division(division_of(parts))
    return AddressOut(
        room_id=room_id, parts=[node_out(node) for node in parts],
        text_zh=("上海市" if in_shanghai else "") + "".join(node.name_zh for node in parts),
        text_en=", ".join(node.name_en for node in reversed(parts))
        + (", Shanghai" if in_shanghai else ""),
        police_station=PoliceStationOut(name_zh=station.name_zh, name_en=station.name_en,
                                        phone=station.phone))

"""Choosing the address of a stay level by level from central's address book: district,
street, lane or number, building, room. Nobody types or reads Chinese: every level is a
list with the Chinese name and its English or pinyin. Back goes up one level and shows
the list already fetched; only going down asks central.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.domain.records import Address, AddressNode
from kiosk.domain.stay import check_address, in_shanghai_division
from kiosk.errors import ErrorCode
from kiosk.services.ports import AddressBook, CallContext

ROOM = "room"


def in_shanghai(address: Address) -> bool:
    """The district (first part) carries its GB/T 2260 code, e.g. 310105 for Changning."""
    return bool(address.parts) and in_shanghai_division(address.parts[0].id)


def address_problem(address: Address, chosen: list[AddressNode]) -> ErrorCode | None:
    """What is wrong with a resolved room for a registration
    (docs/spec/accommodation.md#address)."""
    hotel = any(part.is_hotel for part in (*address.parts, *chosen))
    return check_address(node_is_hotel=hotel, resolved=True, in_shanghai=in_shanghai(address))


@dataclass
class AddressPicker:
    """``levels[i]`` is the list shown at depth i; ``path[i]`` was chosen from it. While
    choosing, there is one more level than chosen nodes."""

    levels: list[list[AddressNode]] = field(default_factory=list)
    path: list[AddressNode] = field(default_factory=list)
    address: Address | None = None  # the room, resolved with its police station

    @property
    def needs_children(self) -> bool:
        """The list under the last choice (or the districts) is still to be fetched."""
        return len(self.levels) == len(self.path) and (
            not self.path or self.path[-1].level != ROOM)

    @property
    def room_chosen(self) -> bool:
        return bool(self.path) and self.path[-1].level == ROOM

    @property
    def choices(self) -> list[AddressNode]:
        return self.levels[-1] if len(self.levels) > len(self.path) else []

    def fetch(self, book: AddressBook, ctx: CallContext) -> None:
        """Fetch the next level (raises KioskError: E_CENTRAL_UNAVAILABLE,
        E_ADDRESS_UNRESOLVED)."""
        parent = self.path[-1].id if self.path else None
        self.levels.append(book.children(ctx, parent))

    def find(self, node_id: str) -> AddressNode | None:
        return next((node for node in self.choices if node.id == node_id), None)

    def choose(self, node: AddressNode) -> None:
        self.path.append(node)

    def undo_choice(self) -> None:
        """Forget the last choice (its level is shown again)."""
        if len(self.path) == len(self.levels) and self.path:
            self.path.pop()
        self.address = None

    def up(self) -> bool:
        """Back from a list to the one above it; False at the districts."""
        if len(self.levels) <= 1:
            return False
        self.levels.pop()
        self.path.pop()
        return True

    def trail(self) -> str:
        """What was chosen so far, Chinese and English: "长宁区 Changning District › ..."."""
        return " › ".join(f"{node.name_zh} {node.name_en}" for node in self.path)

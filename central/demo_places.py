"""Demo address book, police stations and companies (docs/central.md lists them).

A small, deterministic subset of Shanghai: Changning with four streets, Xuhui with one,
and one hotel so the kiosk can show E_HOTEL_ADDRESS. Street and district names are real;
house numbers, hotel, companies, people and every phone number are invented.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.cn import uscc as stdnum_uscc

from central.models import AddressNodeRow, CompanyRow, PoliceStationRow


@dataclass(frozen=True)
class Station:
    id: str
    name_zh: str
    name_en: str
    phone: str


@dataclass(frozen=True)
class Node:
    key: str  # appended to the parent's id with "-"
    name_zh: str
    name_en: str
    children: tuple[Node, ...] = ()
    is_hotel: bool = False
    division_code: str | None = None  # districts
    police_station: str | None = None  # streets


@dataclass(frozen=True)
class DemoCompany:
    uscc: str
    name_zh: str
    name_en: str
    address: str
    legal_representative: str
    representative_title: str
    phone: str
    district: str


STATIONS: tuple[Station, ...] = (
    Station("xianxia", "仙霞路派出所", "Xianxia Road Police Station", "021-62190110"),
    Station("hongqiao", "虹桥路派出所", "Hongqiao Road Police Station", "021-62090110"),
    Station("tianshan", "天山路派出所", "Tianshan Road Police Station", "021-62590110"),
    Station("xinhua", "新华路派出所", "Xinhua Road Police Station", "021-62800110"),
    Station("xujiahui", "徐家汇派出所", "Xujiahui Police Station", "021-64870110"),
)


def _rooms(*numbers: str) -> tuple[Node, ...]:
    return tuple(Node(number, f"{number}室", f"Room {number}") for number in numbers)


def _building(number: str, *rooms: str) -> Node:
    return Node(f"b{number}", f"{number}号楼", f"Building {number}", _rooms(*rooms))


ADDRESS_TREE: tuple[Node, ...] = (
    Node("310105", "长宁区", "Changning District", division_code="310105", children=(
        Node("xianxia", "仙霞路", "Xianxia Road", police_station="xianxia", children=(
            Node("l88", "88弄", "Lane 88", (_building("3", "101", "1201"),
                                            _building("5", "502"))),
            Node("n350", "350号", "No. 350", (_building("1", "1803"),)),
        )),
        Node("hongqiao", "虹桥路", "Hongqiao Road", police_station="hongqiao", children=(
            Node("l2000", "2000弄", "Lane 2000", (_building("12", "601", "602"),)),
            Node("n2270", "2270号", "No. 2270", (
                Node("hotel", "虹桥示例大酒店", "Hongqiao Example Hotel", _rooms("808"),
                     is_hotel=True),)),
        )),
        Node("tianshan", "天山路", "Tianshan Road", police_station="tianshan", children=(
            Node("l600", "600弄", "Lane 600", (_building("2", "1101", "1102"),)),
            Node("n120", "120号", "No. 120", (_building("1", "301"),)),
        )),
        Node("yananxi", "延安西路", "West Yan'an Road", police_station="xinhua", children=(
            Node("l2299", "2299弄", "Lane 2299", (_building("1", "2001"),)),
        )),
    )),
    Node("310104", "徐汇区", "Xuhui District", division_code="310104", children=(
        Node("caoxibei", "漕溪北路", "North Caoxi Road", police_station="xujiahui", children=(
            Node("l200", "200弄", "Lane 200", (_building("2", "301"),)),
        )),
    )),
)

LEVELS = ("district", "street", "lane", "building", "room")

# GB 11714 organization code check (characters 9-17 of a USCC;
# docs/spec/checks.md#unified-social-credit-code).
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check(body: str) -> str:
    total = sum(int(char, 36) * weight for char, weight in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(authority_and_type: str, division: str, org_body: str) -> str:
    """A USCC with valid GB 11714 and GB 32100 check characters, e.g.
    make_uscc("91", "310105", "MA1G2K4P")."""
    first17 = authority_and_type + division + org_body + org_code_check(org_body)
    return first17 + stdnum_uscc.calc_check_digit(first17)


COMPANIES: tuple[DemoCompany, ...] = (
    DemoCompany("91310110666007217T", "上海长宁示例科技有限公司",
                "Shanghai Changning Example Technology Co., Ltd.",
                "上海市长宁区仙霞路350号18楼", "王建国", "执行董事 Executive Director",
                "021-62001234", "长宁区"),
    DemoCompany(make_uscc("91", "310105", "MA1G2K4P"), "上海虹桥示例人力资源有限公司",
                "Shanghai Hongqiao Example Human Resources Co., Ltd.",
                "上海市长宁区虹桥路2000弄12号", "李梅", "总经理 General Manager",
                "021-62005678", "长宁区"),
    DemoCompany(make_uscc("91", "310104", "MA1FR7D3"), "上海徐汇示例餐饮管理有限公司",
                "Shanghai Xuhui Example Catering Management Co., Ltd.",
                "上海市徐汇区漕溪北路200号", "陈刚", "董事长 Chairman",
                "021-64001234", "徐汇区"),
    DemoCompany(make_uscc("91", "310115", "MA1HB9E2"), "上海浦东示例国际贸易有限公司",
                "Shanghai Pudong Example International Trade Co., Ltd.",
                "上海市浦东新区世纪大道100号", "赵敏", "执行董事 Executive Director",
                "021-58001234", "浦东新区"),
)


def _add_nodes(session: Session, nodes: tuple[Node, ...], parent_id: str | None,
               depth: int) -> int:
    count = 0
    for order, node in enumerate(nodes):
        node_id = node.key if parent_id is None else f"{parent_id}-{node.key}"
        session.add(AddressNodeRow(
            id=node_id, parent_id=parent_id, level=LEVELS[depth], name_zh=node.name_zh,
            name_en=node.name_en, is_hotel=node.is_hotel, division_code=node.division_code,
            police_station_id=node.police_station, sort_key=order))
        session.flush()  # parents before children (self-referencing foreign key)
        count += 1 + _add_nodes(session, node.children, node_id, depth + 1)
    return count


def seed_places(session: Session) -> int:
    """Police stations and the address tree, if there are none yet; returns the nodes."""
    if session.scalar(select(func.count()).select_from(AddressNodeRow)):
        return 0
    for station in STATIONS:
        if session.get(PoliceStationRow, station.id) is None:
            session.add(PoliceStationRow(id=station.id, name_zh=station.name_zh,
                                         name_en=station.name_en, phone=station.phone))
    session.flush()
    return _add_nodes(session, ADDRESS_TREE, None, 0)


def seed_companies(session: Session) -> int:
    if session.scalar(select(func.count()).select_from(CompanyRow)):
        return 0
    for company in COMPANIES:
        session.add(CompanyRow(uscc=company.uscc, name_zh=company.name_zh,
                               name_en=company.name_en, address=company.address,
                               legal_representative=company.legal_representative,
                               representative_title=company.representative_title,
                               phone=company.phone, district=company.district))
    return len(COMPANIES)

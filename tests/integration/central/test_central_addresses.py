"""The address book and the company registry over real HTTP
(docs/spec/accommodation.md#address, docs/spec/arbitration.md#respondents)."""

from __future__ import annotations

import pytest
from stdnum.cn import uscc as stdnum_uscc

from central.demo_places import COMPANIES
from tests.patience import PATIENCE_S

TIMEOUT = PATIENCE_S
ROOM = "310105-xianxia-l88-b3-1201"


def children(http, url, parent=None):
    params = {} if parent is None else {"parent": parent}
    return http.get(f"{url}/v1/addresses", params=params, timeout=TIMEOUT)


def test_districts_then_each_level_down_to_a_room(http, central_url):
    """GIVEN the demo address book
    WHEN the kiosk walks it from the districts down
    THEN Changning and Xuhui come first, Changning has Xianxia, Hongqiao, Tianshan and
    West Yan'an Roads, and Xianxia Road leads through lane and building to rooms."""
    districts = children(http, central_url).json()
    assert [(d["name_zh"], d["level"]) for d in districts] == [
        ("长宁区", "district"), ("徐汇区", "district")]
    streets = children(http, central_url, "310105").json()
    assert [s["name_en"] for s in streets] == [
        "Xianxia Road", "Hongqiao Road", "Tianshan Road", "West Yan'an Road"]
    lanes = children(http, central_url, "310105-xianxia").json()
    assert [(n["name_zh"], n["level"]) for n in lanes] == [("88弄", "lane"), ("350号", "lane")]
    buildings = children(http, central_url, "310105-xianxia-l88").json()
    assert [b["level"] for b in buildings] == ["building", "building"]
    rooms = children(http, central_url, "310105-xianxia-l88-b3").json()
    assert [(r["id"], r["level"]) for r in rooms] == [
        ("310105-xianxia-l88-b3-101", "room"), (ROOM, "room")]
    assert children(http, central_url, ROOM).json() == []


def test_the_hotel_is_marked_at_building_level(http, central_url):
    """GIVEN No. 2270 Hongqiao Road, a hotel
    WHEN its buildings are listed
    THEN the hotel building has is_hotel true (the kiosk shows E_HOTEL_ADDRESS)."""
    buildings = children(http, central_url, "310105-hongqiao-n2270").json()
    assert [(b["name_en"], b["is_hotel"]) for b in buildings] == [
        ("Hongqiao Example Hotel", True)]


def test_room_resolves_to_full_address_and_police_station(http, central_url):
    """GIVEN a room on Xianxia Road
    WHEN it is resolved
    THEN the parts run district to room, the texts read in Chinese and English order,
    and the police station is 仙霞路派出所 with a 021 number."""
    answer = http.get(f"{central_url}/v1/addresses/{ROOM}", timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    address = answer.json()
    assert [p["level"] for p in address["parts"]] == [
        "district", "street", "lane", "building", "room"]
    assert address["text_zh"] == "上海市长宁区仙霞路88弄3号楼1201室"
    assert address["text_en"] == ("Room 1201, Building 3, Lane 88, Xianxia Road, "
                                  "Changning District, Shanghai")
    assert address["police_station"]["name_zh"] == "仙霞路派出所"
    assert address["police_station"]["phone"].startswith("021-")


def test_xuhui_room_has_its_own_station(http, central_url):
    """GIVEN the Xuhui demo room  WHEN resolved  THEN its station is 徐家汇派出所."""
    address = http.get(f"{central_url}/v1/addresses/310104-caoxibei-l200-b2-301",
                       timeout=TIMEOUT).json()
    assert address["police_station"]["name_zh"] == "徐家汇派出所"
    assert address["text_zh"].startswith("上海市徐汇区漕溪北路")


@pytest.mark.parametrize("node_id", ["nowhere", "310105-xianxia", "310105-xianxia-l88-b3"])
def test_unknown_ids_and_non_rooms_are_unresolved(http, central_url, node_id):
    """GIVEN an unknown id, a street or a building
    WHEN resolved as a room
    THEN 404 E_ADDRESS_UNRESOLVED."""
    answer = http.get(f"{central_url}/v1/addresses/{node_id}", timeout=TIMEOUT)
    assert (answer.status_code, answer.json()["code"]) == (404, "E_ADDRESS_UNRESOLVED")


def test_children_of_an_unknown_parent_are_unresolved(http, central_url):
    """GIVEN an unknown parent id  WHEN its children are asked  THEN 404 E_ADDRESS_UNRESOLVED."""
    answer = children(http, central_url, "999999")
    assert (answer.status_code, answer.json()["code"]) == (404, "E_ADDRESS_UNRESOLVED")


def test_company_by_uscc(http, central_url):
    """GIVEN the demo registry
    WHEN 91310110666007217T is asked
    THEN it is the Changning example company with its legal representative."""
    answer = http.get(f"{central_url}/v1/companies/91310110666007217T", timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    company = answer.json()
    assert company["name_zh"] == "上海长宁示例科技有限公司"
    assert company["name_en"] == "Shanghai Changning Example Technology Co., Ltd."
    assert company["district"] == "长宁区"
    assert company["legal_representative"] and company["representative_title"]


def test_demo_companies_have_valid_codes_and_one_is_in_pudong(http, central_url):
    """GIVEN the other demo companies (generated codes)
    WHEN each is fetched
    THEN every USCC passes python-stdnum's GB 32100 check and one is in 浦东新区."""
    districts = set()
    for listed in COMPANIES:
        assert stdnum_uscc.is_valid(listed.uscc), listed.uscc
        company = http.get(f"{central_url}/v1/companies/{listed.uscc}", timeout=TIMEOUT).json()
        districts.add(company["district"])
    assert len(COMPANIES) >= 3
    assert "浦东新区" in districts


@pytest.mark.parametrize("uscc", ["91310110666007218T", "91350211M00013FA1N", "x"])
def test_unknown_company_is_respondent_not_found(http, central_url, uscc):
    """GIVEN a USCC not in the registry (valid or not)
    WHEN it is asked
    THEN 404 E_RESPONDENT_NOT_FOUND."""
    answer = http.get(f"{central_url}/v1/companies/{uscc}", timeout=TIMEOUT)
    assert (answer.status_code, answer.json()["code"]) == (404, "E_RESPONDENT_NOT_FOUND")

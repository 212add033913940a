"""Central's inputs are bounded to what its database holds, and its refusals keep the
headers HTTP gives them (issue 10, items 8 and 9). Real HTTP, on SQLite and PostgreSQL
(a PostgreSQL INTEGER is 32 bits: 2**31 is already too large there)."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.sync.wire import SQL_BIGINT_MAX, SQL_INT_MAX
from tests.patience import PATIENCE_S

TIMEOUT = PATIENCE_S
TOO_LARGE = (2**31, 2**63)  # past INTEGER (PostgreSQL), past BIGINT / SQLite's INTEGER
# Integers that land in BIGINT columns (everything else lands in INTEGER).
BIGINT_INPUTS = {"HeartbeatIn.disk_free_bytes"}


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    ref = schema.get("$ref")
    if ref is None:
        return None, schema
    name = ref.rsplit("/", 1)[-1]
    return name, spec["components"]["schemas"][name]


def _is_integer(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "integer" or any(
        option.get("type") == "integer" for option in schema.get("anyOf", ()))


def _integer_schemas(spec: dict[str, Any], schema: dict[str, Any], where: str,
                     seen: set[str]) -> list[tuple[str, dict[str, Any]]]:
    """Every integer schema reachable from ``schema``, named Model.field."""
    name, schema = _resolve(spec, schema)
    if name is not None:
        if name in seen:
            return []
        seen = seen | {name}
        where = name
    found: list[tuple[str, dict[str, Any]]] = []
    if _is_integer(schema):
        found.append((where, schema))
    for field, sub in schema.get("properties", {}).items():
        found += _integer_schemas(spec, sub, f"{where}.{field}", seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            found += _integer_schemas(spec, schema[key], where, seen)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, ()):
            found += _integer_schemas(spec, sub, where, seen)
    return found


def _bounds(schema: dict[str, Any]) -> tuple[int | None, int | None]:
    """(minimum, maximum) of an integer schema, looking into anyOf for the integer."""
    options = [schema, *[o for o in schema.get("anyOf", ()) if o.get("type") == "integer"]]
    low = next((o["minimum"] for o in options if "minimum" in o), None)
    high = next((o["maximum"] for o in options if "maximum" in o), None)
    return low, high


def integer_inputs(spec: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(method, path, Model.field or in.name, schema) of every integer a client sends."""
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", ()):
                if _is_integer(parameter["schema"]):
                    found.append((method, path, f"{parameter['in']}.{parameter['name']}",
                                  parameter["schema"]))
            for media in operation.get("requestBody", {}).get("content", {}).values():
                for where, schema in _integer_schemas(spec, media["schema"], "body", set()):
                    found.append((method, path, where, schema))
    return found


def test_every_integer_input_is_bounded_to_its_column(http, central_url):
    """GIVEN central's OpenAPI document
    WHEN every integer a client can send (path, query, header, body at any depth) is
    walked
    THEN each declares a minimum and a maximum that its database column holds (INTEGER:
    32 bits; BIGINT for the few named here), so no number reaches the database too big."""
    spec = http.get(f"{central_url}/openapi.json", timeout=TIMEOUT).json()
    inputs = integer_inputs(spec)
    assert {where for _m, _p, where, _s in inputs} >= {
        "ConfigReportIn.version", "ConfigBundle.version", "path.rollout_id",
        "query.limit", "HeartbeatIn.outbox_depth"}  # the walk does reach them
    unbounded = []
    for method, path, where, schema in inputs:
        low, high = _bounds(schema)
        ceiling = SQL_BIGINT_MAX if where in BIGINT_INPUTS else SQL_INT_MAX
        if low is None or high is None or low < -ceiling - 1 or high > ceiling:
            unbounded.append(f"{method.upper()} {path} {where}: [{low}, {high}]")
    assert unbounded == []


def test_too_large_integers_in_paths_and_queries_are_refused(http, central_url):
    """GIVEN every route with an integer in its path or query
    WHEN 2**31 and 2**63 are sent there
    THEN 422 E_REQUEST_REJECTED naming that parameter, never a 500."""
    spec = http.get(f"{central_url}/openapi.json", timeout=TIMEOUT).json()
    checked = 0
    for method, path, where, _schema in integer_inputs(spec):
        place, _, name = where.partition(".")
        if place not in ("path", "query"):
            continue
        for number in TOO_LARGE:
            url = central_url + path.replace("{" + name + "}", str(number))
            params = {name: str(number)} if place == "query" else None
            answer = http.request(method.upper(), url, params=params, json={},
                                  timeout=TIMEOUT)
            assert answer.status_code == 422, (method, path, where, answer.text)
            body = answer.json()
            assert body["code"] == "E_REQUEST_REJECTED"
            assert f"{place}.{name}" in body["detail"], body
            checked += 1
    assert checked >= 6  # rollout id, two limits, each twice


def _signed(version: int) -> dict[str, Any]:
    return {"bundle": {"version": version, "issued_at": "2026-01-15T10:30:00+08:00",
                       "settings": {"ui": {"idle_timeout_s": 90}}},
            "key_id": "0123456789abcdef", "signature": "c2lnbmF0dXJl"}


@pytest.mark.parametrize("number", TOO_LARGE)
def test_too_large_versions_and_rollout_ids_are_refused_not_500(http, central_url, number):
    """GIVEN an enrolled kiosk and an admin
    WHEN a config report names version 2**31 or 2**63, a push carries a bundle of that
    version, and a rollout of that id is asked for
    THEN each is 422 E_REQUEST_REJECTED naming the field (the database never sees it)."""
    report = http.post(f"{central_url}/v1/config/reports", timeout=TIMEOUT,
                       json={"version": number, "outcome": "applied"})
    push = http.post(f"{central_url}/v1/admin/config/pushes", timeout=TIMEOUT,
                     json={"signed": _signed(number), "target": "all"})
    rollout = http.get(f"{central_url}/v1/admin/rollouts/{number}", timeout=TIMEOUT)
    for answer, field in ((report, "body.version"), (push, "body.signed.bundle.version"),
                          (rollout, "path.rollout_id")):
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] == "E_REQUEST_REJECTED"
        assert field in answer.json()["detail"], answer.json()


def test_the_largest_version_the_database_holds_is_taken(http, central_url):
    """GIVEN the bounds
    WHEN a config report names version 2**31 - 1 (the largest INTEGER)
    THEN it is not refused as input: central answers 404 (never released to this kiosk)."""
    answer = http.post(f"{central_url}/v1/config/reports", timeout=TIMEOUT,
                       json={"version": SQL_INT_MAX, "outcome": "applied"})
    assert answer.status_code == 404, answer.text


def test_a_wrong_method_answers_405_with_allow(http, central_url):
    """GIVEN every path of the OpenAPI document
    WHEN it is called with a method it does not take
    THEN 405 E_REQUEST_REJECTED with an Allow header listing the methods it takes."""
    spec = http.get(f"{central_url}/openapi.json", timeout=TIMEOUT).json()
    for path, item in spec["paths"].items():
        taken = {method.upper() for method in item}
        wrong = "PUT" if "PUT" not in taken else "PATCH"
        url = central_url + path.replace("{", "").replace("}", "")
        answer = http.request(wrong, url, timeout=TIMEOUT)
        assert answer.status_code == 405, (path, answer.status_code)
        assert answer.json()["code"] == "E_REQUEST_REJECTED"
        allowed = {m.strip() for m in answer.headers.get("Allow", "").split(",") if m.strip()}
        assert taken <= allowed, (path, answer.headers)

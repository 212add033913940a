"""Revocation against a real central (SQLite and PostgreSQL), driven as operators and
technicians do it: `kiosk-admin token list|revoke`, `kiosk-admin kiosk revoke`,
`kiosk-admin enroll` and `kiosk enroll --token`. A revoked admin token or kiosk is refused
from the next request on; an enrollment spends every older token of its kiosk."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import requests

from central import admin
from kiosk import cli as kiosk_cli
from kiosk.sync.enrollment import read_credential
from tests.patience import PATIENCE_S

TIMEOUT = PATIENCE_S
KIOSK = "SH-CN-0042"
BEAT = {"app_version": "0.1.0", "config_version": "local-aaaabbbbcccc", "devices": {},
        "outbox_depth": 0, "last_error": None, "disk_free_bytes": 2**30}


def run_admin(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = admin.main(list(argv), out=out)
    return status, out.getvalue()


def make_enrollment(url: str, kiosk_id: str = KIOSK) -> str:
    status, text = run_admin("enroll", kiosk_id, "--central", url)
    assert status == 0, text
    return text.strip()


def spend(url: str, token: str, kiosk_id: str = KIOSK) -> requests.Response:
    return requests.post(f"{url}/v1/enroll", json={"kiosk_id": kiosk_id, "token": token},
                         timeout=TIMEOUT)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def beat(url: str, credential: str) -> requests.Response:
    return requests.post(f"{url}/v1/heartbeats", json=BEAT, headers=bearer(credential),
                         timeout=TIMEOUT)


def site_file(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(f'[kiosk]\nid = "{KIOSK}"\ndata_dir = "{tmp_path / "data"}"\n'
                    f'[central]\nurl = "{url}"\n', encoding="utf-8")
    return path


def kiosk_enroll(site: Path, token: str) -> int:
    return kiosk_cli.main(["enroll", f"--token={token}", "--config", str(site)])


# --- admin tokens ----------------------------------------------------------------------------

def test_token_list_shows_every_token_and_never_a_secret(central_url, keys):
    """GIVEN the test's admin token (label "tests") and a second one labelled "ops"
    WHEN `kiosk-admin token list` and `kiosk-admin token list --json` run
    THEN both list the two tokens by id with label, created and revoked ("-"), the one
    used marked "*" / current; neither secret appears anywhere."""
    ops = keys.enrollment.create_admin_token("ops")
    status, text = run_admin("token", "list", "--central", central_url)
    assert status == 0, text
    lines = text.splitlines()
    assert lines[0].split() == ["id", "label", "created", "revoked"]
    rows = [line.split() for line in lines[1:3]]
    assert [(row[0], row[1], row[-1]) for row in rows] == [("*1", "tests", "-"),
                                                           ("2", "ops", "-")]
    assert lines[-1].startswith("2 admin token(s), 2 not revoked")
    status, printed = run_admin("token", "list", "--json", "--central", central_url)
    assert status == 0
    tokens = json.loads(printed)["tokens"]
    assert [(t["id"], t["label"], t["current"], t["revoked_at"]) for t in tokens] == [
        (1, "tests", True, None), (2, "ops", False, None)]
    for secret in (keys.admin_token, ops):
        assert secret not in text and secret not in printed


def test_a_revoked_admin_token_is_refused_at_once(central_url, keys, capsys):
    """GIVEN a second admin token "ops" that works
    WHEN `kiosk-admin token revoke 2` runs (with the test's token), then again
    THEN ops is refused 401 E_UNAUTHORIZED on its next call (kiosk-admin with it exits 1),
    the list shows when it was revoked, and revoking it again changes nothing."""
    ops = keys.enrollment.create_admin_token("ops")
    assert requests.get(f"{central_url}/v1/admin/fleet", headers=bearer(ops),
                        timeout=TIMEOUT).status_code == 200
    status, text = run_admin("token", "revoke", "2", "--central", central_url)
    assert status == 0, text
    assert text.startswith("admin token 2 (ops) revoked at 2026-01-15 10:30")
    refused = requests.get(f"{central_url}/v1/admin/fleet", headers=bearer(ops),
                           timeout=TIMEOUT)
    assert refused.status_code == 401 and refused.json()["code"] == "E_UNAUTHORIZED"
    assert run_admin("fleet", "--central", central_url, "--token", ops)[0] == 1
    assert "E_UNAUTHORIZED" in capsys.readouterr().err
    assert run_admin("token", "revoke", "2", "--central", central_url)[0] == 0
    tokens = json.loads(run_admin("token", "list", "--json", "--central", central_url)[1])
    assert [(t["id"], t["revoked_at"]) for t in tokens["tokens"]] == [
        (1, None), (2, "2026-01-15T10:30:00+08:00")]


def test_the_last_admin_token_and_unknown_ids_are_refused(central_url, keys, capsys):
    """GIVEN the test's admin token as the only one
    WHEN `kiosk-admin token revoke` is asked for it, and for an id that does not exist
    THEN both exit 1 (409 E_REQUEST_REJECTED saying to make another first; 404
    E_NOT_FOUND) and the token still works."""
    assert run_admin("token", "revoke", "1", "--central", central_url)[0] == 1
    err = capsys.readouterr().err
    assert "E_REQUEST_REJECTED" in err and "kiosk-central admin-token" in err
    assert run_admin("token", "revoke", "99", "--central", central_url)[0] == 1
    assert "E_NOT_FOUND" in capsys.readouterr().err
    assert run_admin("fleet", "--central", central_url)[0] == 0


# --- enrollment tokens ---------------------------------------------------------------------

def test_enrolling_spends_every_older_token_of_the_kiosk(central_url, tmp_path):
    """GIVEN two enrollment tokens made for SH-CN-0042, and one for SH-CN-0043
    WHEN the kiosk enrolls with the second (`kiosk enroll --token`)
    THEN the first can no longer take the kiosk over (401 E_ENROLL_TOKEN) and the
    kiosk's credential still works; SH-CN-0043's token is left alone."""
    older = make_enrollment(central_url)
    newer = make_enrollment(central_url)
    other = make_enrollment(central_url, "SH-CN-0043")
    site = site_file(tmp_path, central_url)
    assert kiosk_enroll(site, newer) == 0
    takeover = spend(central_url, older)
    assert takeover.status_code == 401 and takeover.json()["code"] == "E_ENROLL_TOKEN"
    stored = read_credential(tmp_path / "data")
    assert stored is not None and beat(central_url, stored.credential).status_code == 200
    assert spend(central_url, other, "SH-CN-0043").status_code == 200


# --- kiosks ----------------------------------------------------------------------------------

def test_a_revoked_kiosk_is_refused_at_once_and_needs_a_new_token(central_url, tmp_path,
                                                                   capsys):
    """GIVEN SH-CN-0042 enrolled with `kiosk enroll`, beating, with a token made after its
    enrollment still unused
    WHEN `kiosk-admin kiosk revoke SH-CN-0042` runs
    THEN it says so (1 token spent); the kiosk's next call, a rotation and the unused
    token are refused; `kiosk-admin fleet` shows it revoked (and --json its revoked_at);
    only a new token from `kiosk-admin enroll` brings it back."""
    site = site_file(tmp_path, central_url)
    assert kiosk_enroll(site, make_enrollment(central_url)) == 0
    stolen = read_credential(tmp_path / "data")
    assert stolen is not None and beat(central_url, stolen.credential).status_code == 200
    outstanding = make_enrollment(central_url)

    status, text = run_admin("kiosk", "revoke", KIOSK, "--central", central_url)
    assert status == 0, text
    assert text.splitlines()[0] == (f"kiosk {KIOSK} revoked at 2026-01-15 10:30: its "
                                    "credential is refused from now on; 1 outstanding "
                                    "enrollment token(s) spent")
    refused = beat(central_url, stolen.credential)
    assert refused.status_code == 401 and refused.json()["code"] == "E_UNAUTHORIZED"
    rotation = requests.post(f"{central_url}/v1/credential/rotate", timeout=TIMEOUT,
                             headers=bearer(stolen.credential))
    assert rotation.status_code == 401
    assert spend(central_url, outstanding).status_code == 401
    assert kiosk_cli.main(["enroll", "--rotate", "--config", str(site)]) == 1
    assert "E_UNAUTHORIZED" in capsys.readouterr().err

    status, table = run_admin("fleet", "--central", central_url)
    row = next(line for line in table.splitlines() if line.startswith(KIOSK))
    assert row.split()[2] == "revoked"
    fleet = json.loads(run_admin("fleet", "--json", "--central", central_url)[1])
    assert fleet["kiosks"][0]["revoked_at"] == "2026-01-15T10:30:00+08:00"

    assert kiosk_enroll(site, make_enrollment(central_url)) == 0
    back = read_credential(tmp_path / "data")
    assert back is not None and beat(central_url, back.credential).status_code == 200
    assert beat(central_url, stolen.credential).status_code == 401
    fleet = json.loads(run_admin("fleet", "--json", "--central", central_url)[1])
    assert fleet["kiosks"][0]["revoked_at"] is None


def test_revoking_a_kiosk_that_never_enrolled_spends_its_tokens(central_url):
    """GIVEN a token made for SH-CN-0042, which never enrolled, and no trace of SH-CN-0099
    WHEN both are revoked
    THEN SH-CN-0042's token is spent (exit 0, "it had not enrolled") and SH-CN-0099 is
    unknown: exit 1 with E_NOT_FOUND."""
    token = make_enrollment(central_url)
    status, text = run_admin("kiosk", "revoke", KIOSK, "--central", central_url)
    assert status == 0 and "it had not enrolled; 1 outstanding" in text
    assert spend(central_url, token).status_code == 401
    assert run_admin("kiosk", "revoke", "SH-CN-0099", "--central", central_url)[0] == 1


@pytest.mark.parametrize("path", ["/v1/admin/tokens/0/revoke",
                                  f"/v1/admin/tokens/{2**63}/revoke",
                                  "/v1/admin/kiosks/a%1Bb/revoke"])
def test_revocation_paths_are_bounded(central_url, keys, path):
    """GIVEN an admin
    WHEN a revocation names an id out of range or a kiosk id with a control character
    THEN 422 E_REQUEST_REJECTED (never a 500)."""
    answer = requests.post(f"{central_url}{path}", headers=keys.admin_headers(),
                           timeout=TIMEOUT)
    assert answer.status_code == 422 and answer.json()["code"] == "E_REQUEST_REJECTED"


def test_a_revoked_kiosk_is_left_out_of_new_rollouts(central_url, central_db):
    """GIVEN two enrolled lobby kiosks, one of them revoked
    WHEN a config push targets group:lobby
    THEN the rollout holds only the other kiosk (a revoked one could never report and
    would hold its wave for ever)."""
    from test_central_rollouts import enroll as enroll_rows, push

    enroll_rows(central_db, "lobby", "SH-L-0001", "SH-L-0002")
    assert run_admin("kiosk", "revoke", "SH-L-0002", "--central", central_url)[0] == 0
    answer = push(central_url, 1, "group:lobby")
    assert answer.status_code == 201, answer.text
    assert [k["kiosk_id"] for k in answer.json()["kiosks"]] == ["SH-L-0001"]

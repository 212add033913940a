"""`kiosk-admin keys`, `config push` and `rollout status` against a real central over HTTP
(central.admin.main, as the console script calls it)."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from central import admin
from central.admin_config import KEY_FILE
from kiosk.sync.wire_config import key_id, parse_public_key, parse_signed, verify_signed
from test_central_rollouts import enroll, fetch, report
from tests.patience import PATIENCE_S

TIMEOUT = PATIENCE_S


def run_admin(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = admin.main(list(argv), out=out)
    return status, out.getvalue()


def printed_public_key(text: str) -> str:
    return next(line.split(":", 1)[1].strip() for line in text.splitlines()
                if line.startswith("public key:"))


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "admin-keys"
    status, text = run_admin("keys", "init", "--dir", str(folder))
    assert status == 0, text
    return folder


def test_keys_init_writes_a_private_key_only_its_owner_reads_and_never_overwrites(
        tmp_path: Path) -> None:
    """GIVEN an empty key folder
    WHEN `keys init` runs twice, then `keys show`
    THEN the first writes a PKCS8 PEM Ed25519 key with mode 0600 and prints its public key
    and key id; the second refuses (exit 2) and leaves the key; show prints the same."""
    folder = tmp_path / "keys"
    status, text = run_admin("keys", "init", "--dir", str(folder))
    assert status == 0, text
    path = folder / KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    pem = path.read_bytes()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    key = load_pem_private_key(pem, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    public = parse_public_key(printed_public_key(text))
    assert f"key id:     {key_id(public)}" in text
    assert key_id(public) == key_id(key.public_key())

    assert run_admin("keys", "init", "--dir", str(folder))[0] == 2
    assert path.read_bytes() == pem
    status, shown = run_admin("keys", "show", "--dir", str(folder))
    assert status == 0
    assert printed_public_key(shown) == printed_public_key(text)


def test_keys_dir_defaults_to_the_environment(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN $KIOSK_ADMIN_KEYS set to a folder
    WHEN `keys init` runs without --dir
    THEN the key is written in that folder."""
    monkeypatch.setenv("KIOSK_ADMIN_KEYS", str(tmp_path / "env-keys"))
    assert run_admin("keys", "init")[0] == 0
    assert (tmp_path / "env-keys" / KEY_FILE).is_file()


def test_config_push_signs_with_the_admin_key_and_starts_a_rollout(
        central_url: str, central_db: str, keys_dir: Path, tmp_path: Path) -> None:
    """GIVEN three enrolled lobby kiosks, a signing key and a settings file
    WHEN `config push FILE --target group:lobby --wave 34` runs twice
    THEN the versions are 1 then 2 (from central), the output names the rollout, its 2
    waves and wave 1's kiosks, and a wave-1 kiosk is served a bundle that verifies with
    the printed public key and carries the file's settings."""
    enroll(central_db, "lobby", "SH-L-0001", "SH-L-0002", "SH-L-0003")
    settings = tmp_path / "push.toml"
    settings.write_text('[ui]\nidle_timeout_s = 75\n\n[services]\ntax_record = false\n')
    status, text = run_admin("config", "push", str(settings), "--target", "group:lobby",
                             "--wave", "34", "--note", "shorter idle", "--dir",
                             str(keys_dir), "--central", central_url)
    assert status == 0, text
    lines = text.splitlines()
    assert lines[0] == "rollout 1: version 1 to group:lobby, 3 kiosk(s) in 2 wave(s) of 34%"
    first = lines[1].removeprefix("wave 1: ").split(", ")
    assert len(first) == 2

    public = parse_public_key(printed_public_key(run_admin("keys", "show", "--dir",
                                                           str(keys_dir))[1]))
    bundle = verify_signed(parse_signed(fetch(central_url, first[0]).content),
                           {key_id(public): public})
    assert bundle.settings == {"ui": {"idle_timeout_s": 75}, "services": {"tax_record": False}}
    assert bundle.note == "shorter idle"

    status, text = run_admin("config", "push", str(settings), "--target", "kiosk:SH-L-0001",
                             "--dir", str(keys_dir), "--central", central_url)
    assert status == 0, text
    assert text.startswith("rollout 2: version 2 to kiosk:SH-L-0001, 1 kiosk(s) in 1 wave(s)")


@pytest.mark.parametrize("content", ['[ui\nidle = 1', 'idle_timeout_s = 75\n',
                                     '[central]\ntoken = "x"\n'],
                         ids=["not-toml", "not-sections", "forbidden-key"])
def test_config_push_of_an_unusable_file_sends_nothing(
        central_url: str, central_db: str, keys_dir: Path, tmp_path: Path, content: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN an enrolled kiosk and a file that is not TOML, not section-shaped, or carries
    a setting a push may not carry
    WHEN `config push` runs
    THEN it exits 2 with a message naming the file, and central has no version."""
    enroll(central_db, None, "SH-L-0001")
    settings = tmp_path / "bad.toml"
    settings.write_text(content)
    status, _ = run_admin("config", "push", str(settings), "--target", "all",
                          "--dir", str(keys_dir), "--central", central_url)
    assert status == 2
    assert str(settings) in capsys.readouterr().err
    version = requests.get(
        f"{central_url}/v1/admin/config/version", timeout=TIMEOUT,
        headers={"Authorization": f"Bearer {os.environ['KIOSK_ADMIN_TOKEN']}"}).json()
    assert version == {"version": 0}


@pytest.mark.parametrize(("content", "named"), [
    ('[ui]\nidle_timout_s = 75\n', "ui.idle_timout_s: unknown key"),
    ('[ui]\nidle_timeout_s = 1\n',
     "ui.idle_timeout_s: Input should be greater than or equal to 10"),
    ('[ui]\nidle_timeout_s = "soon"\n', "ui.idle_timeout_s: Input should be a valid integer"),
    ('[printers]\nurl = "tcp://10.0.0.5:9100"\n', "printers: unknown key"),
    ('[kiosk]\ndefault_language = "ar"\n', "kiosk.default_language: Input should be"),
], ids=["typo-in-key", "out-of-bounds", "wrong-type", "typo-in-section", "not-a-language"])
def test_config_push_refuses_what_the_kiosks_schema_refuses_and_pushes_nothing(
        central_url: str, central_db: str, keys_dir: Path, tmp_path: Path, content: str,
        named: str, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN an enrolled kiosk and a settings file the kiosks' own schema refuses (a typo
    in a key or a section, a value out of bounds or of the wrong type)
    WHEN `config push` runs
    THEN it exits 2 naming the file, the key and the reason, signs nothing, and central
    has no version (no rollout that every kiosk would refuse)."""
    enroll(central_db, None, "SH-L-0001")
    settings = tmp_path / "typo.toml"
    settings.write_text(content)
    status, out = run_admin("config", "push", str(settings), "--target", "all",
                            "--dir", str(keys_dir), "--central", central_url)
    err = capsys.readouterr().err
    assert status == 2 and out == ""
    assert f"{settings}: {named}" in err and "nothing signed or pushed" in err
    version = requests.get(
        f"{central_url}/v1/admin/config/version", timeout=TIMEOUT,
        headers={"Authorization": f"Bearer {os.environ['KIOSK_ADMIN_TOKEN']}"}).json()
    assert version == {"version": 0}


def test_rollout_status_names_the_keys_a_kiosks_site_file_overrides(
        central_url: str, central_db: str, keys_dir: Path, tmp_path: Path) -> None:
    """GIVEN a push to two kiosks, one of which reports it applied with a key its site
    file overrides, the other applied with none
    WHEN `rollout status` runs (table and --json)
    THEN the first kiosk's row says applied and names the overridden key, the other's
    names none; the rollout completed."""
    enroll(central_db, "lobby", "SH-L-0001", "SH-L-0002")
    settings = tmp_path / "push.toml"
    settings.write_text('[ui]\nidle_timeout_s = 75\n[kiosk]\nhotline = "962288"\n')
    assert run_admin("config", "push", str(settings), "--target", "group:lobby",
                     "--dir", str(keys_dir), "--central", central_url)[0] == 0
    report(central_url, "SH-L-0001", 1, "applied", overridden=["kiosk.hotline"])
    report(central_url, "SH-L-0002", 1, "applied")

    status, text = run_admin("rollout", "status", "--central", central_url)
    assert status == 0 and "state: completed" in text
    rows = {line.split()[0]: line for line in text.splitlines() if line.startswith("SH-L-")}
    assert "applied" in rows["SH-L-0001"]
    assert "overridden by its site file (no effect): kiosk.hotline" in rows["SH-L-0001"]
    assert rows["SH-L-0002"].split()[2:] == ["applied", "-"]
    data = json.loads(run_admin("rollout", "status", "--json", "--central", central_url)[1])
    assert {k["kiosk_id"]: k["overridden"] for k in data["kiosks"]} == {
        "SH-L-0001": ["kiosk.hotline"], "SH-L-0002": []}


def test_config_push_refused_by_central_exits_1(central_url: str, central_db: str,
                                                keys_dir: Path, tmp_path: Path) -> None:
    """GIVEN a settings file but no enrolled kiosk in group "nobody"
    WHEN `config push --target group:nobody` runs
    THEN central refuses with E_CONFIG_TARGET and kiosk-admin exits 1."""
    enroll(central_db, None, "SH-L-0001")
    settings = tmp_path / "push.toml"
    settings.write_text("[ui]\nidle_timeout_s = 75\n")
    assert run_admin("config", "push", str(settings), "--target", "group:nobody",
                     "--dir", str(keys_dir), "--central", central_url)[0] == 1


def test_rollout_status_says_why_a_rollout_halted_and_exits_1(
        central_url: str, central_db: str, keys_dir: Path, tmp_path: Path) -> None:
    """GIVEN a single-wave push to two kiosks, one of which fails its health check
    WHEN `rollout status` runs (latest, by id, and --json)
    THEN it prints the halted state, wave 1 of 1, the thresholds, the reason and one row
    per kiosk with its status and reason, and exits 1; before the failure it exited 0."""
    enroll(central_db, "lobby", "SH-L-0001", "SH-L-0002")
    settings = tmp_path / "push.toml"
    settings.write_text("[ui]\nidle_timeout_s = 75\n")
    assert run_admin("config", "push", str(settings), "--target", "group:lobby",
                     "--dir", str(keys_dir), "--central", central_url)[0] == 0
    assert run_admin("rollout", "status", "--central", central_url)[0] == 0
    report(central_url, "SH-L-0002", 1, "failed", "health check: printer offline")

    status, text = run_admin("rollout", "status", "--central", central_url)
    assert status == 1, text
    assert "state: halted, wave 1 of 1 (100% each)" in text
    assert "thresholds: next wave at >= 90% applied, halt at > 20% failed" in text
    assert ("reason: wave 1: 1 of 2 kiosks failed (>20%): SH-L-0002 failed: health check: "
            "printer offline") in text
    table = text[text.index("kiosk "):].splitlines()
    assert table[0].split() == ["kiosk", "wave", "status", "reason"]
    assert table[1].split() == ["SH-L-0001", "1", "offered", "-"]
    assert table[2].split()[:3] == ["SH-L-0002", "1", "failed"]

    assert run_admin("rollout", "status", "1", "--central", central_url) == (status, text)
    status, raw = run_admin("rollout", "status", "--json", "--central", central_url)
    assert status == 1
    assert json.loads(raw)["state"] == "halted"

"""Installing a release beside the running one: a real venv, real pip, real wheels."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.update.install import InstallFailed, install_beside
from kiosk.update.switch import Releases, SwitchError
from kiosk.update.wire import ReleaseRejected
from tests.release_wheels import make_wheel, signed_release

KEY = Ed25519PrivateKey.generate()


def test_a_release_installs_into_its_own_venv_and_can_be_switched_to(tmp_path: Path) -> None:
    """GIVEN a release of two wheels, the app (with a console script) and its dependency
    WHEN it is installed beside
    THEN releases/<version>/venv runs the app's command, the release is marked installed
    with its signed manifest, and the kiosk can switch to it"""
    wheels = tmp_path / "download"
    files = [make_wheel(wheels, "probeapp", "0.2.0", requires=("probedep",),
                        script="probeapp"),
             make_wheel(wheels, "probedep", "1.0")]
    releases = Releases(tmp_path / "kiosk")
    signed = signed_release("0.2.0", files, KEY)

    installed = install_beside(releases, signed, wheels)

    command = releases.release_dir("0.2.0") / "venv" / "bin" / "probeapp"
    assert subprocess.run([str(command)], capture_output=True, text=True,
                          check=True).stdout.strip() == "0.2.0"
    assert releases.is_installed("0.2.0")
    assert (releases.release_dir("0.2.0") / "installed.json").read_text() == \
        signed.model_dump_json(indent=1)
    assert installed.bytes_on_disk > 1_000_000  # a venv with pip in it
    print(f"\ninstalled in {installed.seconds:.1f} s, {installed.bytes_on_disk / 2**20:.1f} MB")


def test_a_release_missing_a_dependency_is_not_installed(tmp_path: Path) -> None:
    """GIVEN a release whose app requires a wheel the release does not carry
    WHEN it is installed beside
    THEN it fails naming the missing requirement (nothing comes from an index), and the
    release cannot be switched to"""
    wheels = tmp_path / "download"
    files = [make_wheel(wheels, "probeapp", "0.2.0", requires=("probedep",))]
    releases = Releases(tmp_path / "kiosk")
    with pytest.raises(InstallFailed, match="probedep"):
        install_beside(releases, signed_release("0.2.0", files, KEY), wheels)
    assert not releases.is_installed("0.2.0")
    with pytest.raises(SwitchError):
        releases.switch_to("0.2.0")


def test_a_file_changed_after_download_is_refused_before_pip_reads_it(tmp_path: Path) -> None:
    """GIVEN a release whose wheel was replaced after it was signed
    WHEN it is installed beside
    THEN it is refused as tampered and no folder for it is made"""
    wheels = tmp_path / "download"
    files = [make_wheel(wheels, "probeapp", "0.2.0")]
    signed = signed_release("0.2.0", files, KEY)
    make_wheel(wheels, "probeapp", "0.2.0", code="print('not what was signed')\n")
    releases = Releases(tmp_path / "kiosk")
    with pytest.raises(ReleaseRejected) as caught:
        install_beside(releases, signed, wheels)
    assert caught.value.reason == "tampered"
    assert not releases.release_dir("0.2.0").exists()

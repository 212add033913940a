"""What `kiosk install` puts where: a plan of steps (users, folders, files), made from the
packaged templates without touching the disk, so --dry-run prints exactly what an
install does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import PurePosixPath

from kiosk.paths import config_file

KIOSK_USER = "kiosk"
CENTRAL_USER = "kiosk-central"
# What the kiosk user reaches beyond its own files: serial devices, a touch panel read
# directly, the GPU. Groups the machine lacks are left out.
KIOSK_GROUPS = ("dialout", "input", "video", "render")
SITE_FILE = PurePosixPath("/etc/kiosk/site.toml")
CENTRAL_ENV = PurePosixPath("/etc/kiosk/central.env")
STATE_DIR = PurePosixPath("/var/lib/kiosk")
CENTRAL_STATE_DIR = PurePosixPath("/var/lib/kiosk-central")
UNIT_DIR = PurePosixPath("/etc/systemd/system")
LIBEXEC_DIR = PurePosixPath("/usr/local/lib/kiosk")
DISPLAY = ":0"
VT = 1

_PLACEHOLDER = re.compile(r"@([A-Z_]+)@")


@dataclass(frozen=True)
class User:
    name: str
    home: PurePosixPath
    groups: tuple[str, ...]
    comment: str


@dataclass(frozen=True)
class Folder:
    path: PurePosixPath
    mode: int
    owner: str  # "root" or a user made by this plan


@dataclass(frozen=True)
class File:
    path: PurePosixPath
    text: str
    mode: int
    owner: str = "root"
    group: str = "root"
    # A file the site edits (site.toml, central.env) is written once and then kept;
    # the installer's own files (units, scripts) are brought up to date.
    keep_existing: bool = False
    source: str = ""


Step = User | Folder | File


@dataclass(frozen=True)
class Options:
    venv: PurePosixPath
    """The virtual environment the wheel is installed in: its bin/kiosk runs."""
    with_central: bool = False
    """Also the reference central service on this machine."""
    software_root: PurePosixPath | None = None
    """Where signed releases are installed and switched (releases/, current, previous):
    the unit then runs current/venv/bin/kiosk, after the update guard."""


def template(name: str) -> str:
    return (resources.files("kiosk.install.files") / name).read_text(encoding="utf-8")


def site_example() -> str:
    """The annotated example site file, a starting point the installer copies once."""
    return config_file("site.example.toml").read_text(encoding="utf-8")


def update_guard() -> str:
    """kiosk/update/switch.py as a script: standard library only, so it runs with the
    system's python3 whatever a release broke. Read as package data (the package's
    __init__ is a docstring): nothing of the kiosk is imported to lay it out."""
    source = (resources.files("kiosk.update") / "switch.py").read_text(encoding="utf-8")
    return "#!/usr/bin/python3\n" + source


def render(name: str, values: dict[str, str]) -> str:
    """A packaged template with its @NAME@ marks filled; a mark left unfilled is a bug
    in the installer, never written to a machine."""
    text = template(name)
    missing = sorted({m for m in _PLACEHOLDER.findall(text) if m not in values})
    if missing:
        raise KeyError(f"{name}: no value for {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def plan(options: Options) -> list[Step]:
    values = {
        "VENV": str(options.venv), "LIBEXEC": str(LIBEXEC_DIR), "SITE": str(SITE_FILE),
        "DISPLAY": DISPLAY, "VT": f"tty{VT}", "VTNR": str(VT), "CENTRAL_ENV": str(CENTRAL_ENV),
    }
    steps: list[Step] = [
        User(KIOSK_USER, STATE_DIR, KIOSK_GROUPS, "Self-service kiosk"),
        Folder(PurePosixPath("/etc/kiosk"), 0o755, "root"),
        File(SITE_FILE, site_example(), 0o640, group=KIOSK_USER, keep_existing=True,
             source="the packaged example"),
        Folder(STATE_DIR, 0o700, KIOSK_USER),
        Folder(LIBEXEC_DIR, 0o755, "root"),
        File(LIBEXEC_DIR / "kiosk-xsession", render("kiosk-xsession.sh", values), 0o755),
        File(LIBEXEC_DIR / "kiosk-wait-display", render("kiosk-wait-display.sh", values),
             0o755),
        File(PurePosixPath("/etc/pam.d/kiosk-display"), render("kiosk-display.pam", values),
             0o644),
        File(PurePosixPath("/etc/X11/xorg.conf.d/50-kiosk.conf"),
             render("xorg-kiosk.conf", values), 0o644),
        File(UNIT_DIR / "kiosk-display.service", render("kiosk-display.service", values),
             0o644),
        File(UNIT_DIR / "kiosk.service", render("kiosk.service", values), 0o644),
    ]
    if options.software_root is not None:
        values["ROOT"] = str(options.software_root)
        steps += [
            Folder(options.software_root, 0o755, KIOSK_USER),
            File(LIBEXEC_DIR / "kiosk-update-guard", update_guard(), 0o755),
            Folder(UNIT_DIR / "kiosk.service.d", 0o755, "root"),
            File(UNIT_DIR / "kiosk.service.d" / "software-updates.conf",
                 render("kiosk-updates.conf", values), 0o644),
        ]
    if options.with_central:
        steps += [
            User(CENTRAL_USER, CENTRAL_STATE_DIR, (), "Kiosk central service"),
            File(CENTRAL_ENV, render("central.env", values), 0o600, keep_existing=True),
            Folder(CENTRAL_STATE_DIR, 0o700, CENTRAL_USER),
            File(UNIT_DIR / "kiosk-central.service", render("kiosk-central.service", values),
                 0o644),
        ]
    return steps


def units(options: Options) -> list[str]:
    """The units to enable, in the order they start."""
    names = ["kiosk-display.service", "kiosk.service"]
    return (["kiosk-central.service"] if options.with_central else []) + names


def next_steps(options: Options) -> list[str]:
    kiosk = (f"{options.software_root}/current/venv/bin/kiosk" if options.software_root
             else f"{options.venv}/bin/kiosk")
    lines = [(f"edit {SITE_FILE}: kiosk.id, central.url, sync.config_keys, the devices "
             "(ui.fullscreen stays true)")]
    if options.with_central:
        lines.append(f"central: set its database in {CENTRAL_ENV}, then `systemctl enable "
                     "--now kiosk-central.service` and make an admin token: sudo -u "
                     f"{CENTRAL_USER} {options.venv}/bin/kiosk-central admin-token --db URL")
    lines += [
        (f"enroll at central (a token from `kiosk-admin enroll ID --group G`): sudo -u "
        f"{KIOSK_USER} {kiosk} enroll --config {SITE_FILE} --token TOKEN"),
        ("systemctl daemon-reload && systemctl set-default graphical.target && "
        f"systemctl enable --now {' '.join(units(options))}"),
        (f"check: systemctl status kiosk; journalctl -u kiosk -f; sudo -u {KIOSK_USER} "
        f"{kiosk} diag --config {SITE_FILE}"),
    ]
    return lines

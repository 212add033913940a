"""Pin every run-time dependency of the kiosk at the version installed in this venv.

    python -m kiosk.devtools.constraints > constraints.txt

Walks the requirements of the installed distribution (and of its extras that are
installed) down to the leaves, so a fleet image installs exactly what CI tested:
``pip install -c constraints.txt shanghai_selfservice_kiosk-*.whl``. Test-only
dependencies are left out; tests/unit/test_constraints.py fails when the file and this
venv differ.
"""

from __future__ import annotations

import importlib.metadata as metadata
import sys

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from kiosk import DISTRIBUTION

# Extras a site may install, each pinned in its own section when installed here.
EXTRAS = {"postgres": "central on PostgreSQL", "usb": "USB receipt printers"}

HEADER = """\
# The exact versions of every run-time dependency, as installed and tested by CI
# (setup.sh installs with this file). A fleet image installs the kiosk the same way:
#     pip install -c constraints.txt shanghai_selfservice_kiosk-VERSION-py3-none-any.whl
# Written by `python -m kiosk.devtools.constraints > constraints.txt` after a dependency
# changed; tests/unit/test_constraints.py fails when this file and the venv differ."""


def _wanted(requirement: Requirement, extras: frozenset[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in extras or {""})


def closure(name: str, extras: frozenset[str] = frozenset()) -> dict[str, str]:
    """Every installed distribution ``name[extras]`` needs, by canonical name -> version
    (``name`` itself excluded). Raises PackageNotFoundError for a missing one."""
    found: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(name, extras)]
    while todo:
        current, current_extras = todo.pop()
        key = canonicalize_name(current)
        if (key, current_extras) in seen:
            continue
        seen.add((key, current_extras))
        distribution = metadata.distribution(current)
        if key != canonicalize_name(name):
            found[key] = distribution.version
        for line in distribution.requires or []:
            requirement = Requirement(line)
            if _wanted(requirement, current_extras):
                todo.append((requirement.name, frozenset(requirement.extras)))
    return found


def _installed(extra: str) -> bool:
    try:
        closure(DISTRIBUTION, frozenset({extra}))
    except metadata.PackageNotFoundError:
        return False
    return True


def constraints() -> str:
    """The constraints file for this venv, as text."""
    runtime = closure(DISTRIBUTION)
    lines = [HEADER, ""]
    lines.extend(f"{name}=={version}" for name, version in sorted(runtime.items()))
    for extra, purpose in EXTRAS.items():
        lines.append("")
        if not _installed(extra):
            lines.append(f"# [{extra}] ({purpose}): not installed where this was written, "
                         "so not pinned")
            continue
        lines.append(f"# [{extra}]: {purpose}")
        added = closure(DISTRIBUTION, frozenset({extra})).items() - runtime.items()
        lines.extend(f"{name}=={version}" for name, version in sorted(added))
    return "\n".join(lines) + "\n"


def main() -> int:
    sys.stdout.write(constraints())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

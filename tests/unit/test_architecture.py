"""The dependency rule (docs/architecture.md#the-dependency-rule) and the typing bar
(docs/architecture.md#style), checked on every run."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ARCHITECTURE = ROOT / "docs" / "architecture.md"
# The third-party libraries docs/architecture.md allows the domain: pure data, no I/O.
PURE_DATA_LIBRARIES = frozenset({"stdnum", "pycountry", "babel", "phonenumbers", "budoux"})


def test_import_contracts_are_kept(tmp_path: Path) -> None:
    """GIVEN the import-linter contracts in pyproject.toml (the dependency rule)
    WHEN lint-imports checks the code
    THEN every contract is kept."""
    done = subprocess.run([str(BIN / "lint-imports"), "--no-logo", "--no-cache"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_core_is_strictly_typed(tmp_path: Path) -> None:
    """GIVEN the domain, the services and the device protocols
    WHEN mypy --strict checks them
    THEN it finds nothing."""
    done = subprocess.run(
        [str(BIN / "mypy"), "--strict", "--cache-dir", str(tmp_path / "mypy"),
         "kiosk/domain", "kiosk/services", "hardware/base.py", "hardware/document.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def _contract_names() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as project:
        contracts = tomllib.load(project)["tool"]["importlinter"]["contracts"]
    return [contract["name"] for contract in contracts]


def _documented_rules() -> list[str]:
    """The rules docs/architecture.md lists under "The dependency rule", each a list
    item that opens with its contract's name in bold."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("\n## The dependency rule\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^- \*\*(.+?)\*\*", section, flags=re.MULTILINE)


def test_the_architecture_document_lists_every_import_contract() -> None:
    """GIVEN the import-linter contracts in pyproject.toml and the dependency rule written
    in docs/architecture.md
    WHEN the contracts' names are compared with the rules the document lists
    THEN each contract is listed once by its exact name, and no rule is listed that
    lint-imports does not check."""
    documented = _documented_rules()
    assert documented, "docs/architecture.md lists no rule under 'The dependency rule'"
    assert Counter(documented) == Counter(_contract_names())


def _imported_modules(package: Path) -> set[str]:
    """Every module the package's files import by absolute name (as written)."""
    found: set[str] = set()
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module)
    return found


def test_the_domain_imports_only_the_standard_library_and_pure_data_libraries() -> None:
    """GIVEN the rule that kiosk.domain uses the standard library and the pure data
    libraries of docs/architecture.md only
    WHEN every import statement in kiosk/domain is read
    THEN each names the domain itself, kiosk.errors, the standard library or one of
    those libraries."""
    allowed = PURE_DATA_LIBRARIES | sys.stdlib_module_names
    outside = sorted(
        name for name in _imported_modules(ROOT / "kiosk" / "domain")
        if name != "kiosk.errors" and name != "kiosk.domain"
        and not name.startswith("kiosk.domain.") and name.split(".")[0] not in allowed)
    assert outside == []


def test_ui_is_typed_against_the_service_contract(tmp_path: Path) -> None:
    """GIVEN the UI (screens, App, walkthroughs), which knows a flow only through
    kiosk.services.contract
    WHEN mypy --strict checks it (Kivy's untyped classes may be subclassed)
    THEN it finds nothing: every state, view model and command a screen uses is declared
    by the contract."""
    done = subprocess.run(
        [str(BIN / "mypy"), "--strict", "--cache-dir", str(tmp_path / "mypy"), "kiosk/ui"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def _ui_sources() -> list[Path]:
    return sorted((ROOT / "kiosk" / "ui").rglob("*.py"))


def _names_a_flow(node: ast.AST) -> bool:
    """``flow``, ``self.flow``, ``app.flow``...: an expression that holds the flow."""
    name = node.id if isinstance(node, ast.Name) else (
        node.attr if isinstance(node, ast.Attribute) else "")
    return name == "flow" or name.endswith("_flow")


def test_ui_never_probes_a_flow_nor_names_a_command() -> None:
    """GIVEN the UI's modules and kv files
    WHEN their code is read
    THEN nothing imports hardware (device events reach the UI as the services' view
    models), nothing asks a flow at run time what it can do (hasattr, getattr or
    isinstance on a flow; the walkthroughs' one typed narrowing excepted), and no kv
    rule names a flow or a command as a string: screens call the contract's methods."""
    problems: list[str] = []
    for path in _ui_sources():
        where = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hardware"):
                problems.append(f"{where}:{node.lineno} imports {node.module}")
            if isinstance(node, ast.Import):
                problems += [f"{where}:{node.lineno} imports {alias.name}"
                             for alias in node.names if alias.name.startswith("hardware")]
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("hasattr", "getattr", "isinstance") and node.args
                    and _names_a_flow(node.args[0])
                    and not (path.name == "walkthrough.py" and node.func.id == "isinstance")):
                problems.append(f"{where}:{node.lineno} {node.func.id}() on a flow")
    for path in sorted((ROOT / "kiosk" / "ui").rglob("*.kv")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "flow" in line.split("#", 1)[0]:
                problems.append(f"{path.relative_to(ROOT)}:{number} names the flow: {line.strip()}")
    assert problems == []

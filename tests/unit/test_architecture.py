"""The dependency rule and the typing bar of ARCHITECTURE.md, checked on every run."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


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

"""The package's layout keeps its design: the maths import no grading, benchmark or framework
code, and no module grows past what a reader takes in at once."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "nnscratch"
SUBPACKAGES = ("frameworks", "grade", "bench", "book")
MATHS = sorted(p for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
MAX_LINES = 400


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", MATHS, ids=lambda p: p.name)
def test_the_maths_import_no_subpackage(path):
    forbidden = {f"nnscratch.{name}" for name in SUBPACKAGES}
    bad = {m for m in imported_modules(path) if any(m.startswith(f) for f in forbidden)}
    assert not bad, (
        f"nnscratch/{path.name} imports {sorted(bad)}: the maths must not depend on them"
    )


def test_the_maths_load_without_the_frameworks():
    names = ", ".join(f"nnscratch.{p.stem}" for p in MATHS)
    code = (
        f"import sys, {names}; print(sorted({{'torch', 'tensorflow', 'keras'}} & set(sys.modules)))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]", f"importing the maths loaded {run.stdout.strip()}"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_no_module_is_too_long(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE.parent)} has {lines} lines: split it"

"""The layers of ARCHITECTURE.md hold, and say so when they are broken.

The contracts are import-linter's, in pyproject.toml; `make test` (and so CI)
runs them here.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]


def _lint(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=where, capture_output=True, text=True, timeout=120, env={"PATH": ""}
    )


def test_the_import_contracts_hold():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    "module, wrong_import, broken",
    [
        ("core/wrong.py", "from relais.models import Relais", "core is not allowed to import relais"),
        ("relais/wrong.py", "from devtools import builder", "relais is not allowed to import devtools"),
        ("privacy/wrong.py", "from remontees.models import Remontee", "privacy"),
        ("reunions/wrong.py", "from remontees import services", "reunions"),
    ],
)
def test_an_import_against_the_layers_breaks_the_contracts(tmp_path, module, wrong_import, broken):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / module).write_text(f"{wrong_import}  # noqa: F401\n")
    done = _lint(tmp_path)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout and broken in done.stdout.replace("\n", " ")


def _local_imports_without_a_reason(path: Path) -> list[str]:
    """Imports of the project's own packages inside a function, with no comment on
    their line or the line before that says why they cannot be at the top."""
    source = path.read_text()
    lines = source.splitlines()
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if not any(name.split(".")[0] in PACKAGES for name in names):
                continue
            here = lines[node.lineno - 1]
            # The reason may head a block of imports: look above the block.
            above = node.lineno - 2
            while above >= 0 and lines[above].strip().startswith(("from ", "import ")):
                above -= 1
            if "#" not in here and not (above >= 0 and lines[above].strip().startswith("#")):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {here.strip()}")
    return found


def test_no_import_hides_inside_a_function_without_saying_why():
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                offenders += _local_imports_without_a_reason(path)
    assert offenders == [], "\n".join(offenders)

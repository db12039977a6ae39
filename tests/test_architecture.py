"""Layering rules of docs/architecture.md, checked on the source itself.

`clinical/` and `stats/` are the pure core: they import nothing from Django, the EDC, the reports or
the CLI, and do no file or network I/O (the boundaries read files and call them).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parent.parent / "src" / "haictrial"
CORE_FILES = sorted([*SRC.joinpath("clinical").rglob("*.py"), *SRC.joinpath("stats").rglob("*.py")])
FORBIDDEN_MODULES = (
    "django",
    "ninja",
    "haictrial.edc",
    "haictrial.reports",
    "haictrial.commands",
    "haictrial.cli",
    "haictrial.synth",
    "haictrial.interop",
    "pathlib",
    "shutil",
    "subprocess",
    "socket",
    "requests",
    "urllib",
    "sqlite3",
)
FORBIDDEN_CALLS = ("open",)


def imported_modules(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_core_module_is_pure(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for module in imported_modules(tree):
        assert not any(module == bad or module.startswith(bad + ".") for bad in FORBIDDEN_MODULES), (
            f"{path.name} imports {module}: the core must stay free of Django and I/O"
        )
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in FORBIDDEN_CALLS, f"{path.name} calls {node.func.id}(): no file I/O in the core"


def test_the_core_has_modules():
    assert len(CORE_FILES) >= 3

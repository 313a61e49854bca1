"""The rooms stay apart: the core knows no connector, connectors know only the core's public door."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE_INTERNALS = ("flowhub.runner", "flowhub.state", "flowhub.cli", "flowhub.plugins", "flowhub.pipeline",
                  "flowhub.prepare", "flowhub.workspace")


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_the_core_imports_no_connector() -> None:
    for path in (ROOT / "src" / "flowhub").rglob("*.py"):
        bad = [name for name in _imports(path) if name.startswith("flowhub_")]
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_connectors_import_neither_each_other_nor_core_internals() -> None:
    for package in (ROOT / "connectors").glob("*/src/flowhub_*"):
        own = package.name
        for path in package.rglob("*.py"):
            for name in _imports(path):
                assert not (name.startswith("flowhub_") and name.split(".")[0] != own), \
                    f"{path.relative_to(ROOT)} imports another connector: {name}"
                assert not name.startswith(CORE_INTERNALS), f"{path.relative_to(ROOT)} imports {name}"

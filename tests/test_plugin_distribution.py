"""A third party's connector, shipped as its own distribution, works with no change to the core."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

PLUGIN = '''
"""A throwaway connector: numbers as records."""
from flowhub import ApiRecord, ConnectionSettings, Connector, Entity, ReadQuery, hookimpl


class Number(ApiRecord):
    id: int
    square: int | None = None


class Numbers(Entity):
    name = "numbers"
    model = Number

    def read(self, query: ReadQuery):
        for i in range(1, self.connector.settings.count + 1):
            yield Number(id=i, square=i * i)


class NumbersSettings(ConnectionSettings):
    count: int = 5


class Counting(Connector):
    name = "counting"
    title = "Counting numbers"
    settings_model = NumbersSettings
    entities = (Numbers,)


@hookimpl
def register_connectors(register):
    register(Counting)
'''


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("flowhub-counting")
    (root / "src" / "flowhub_counting").mkdir(parents=True)
    (root / "src" / "flowhub_counting" / "__init__.py").write_text(PLUGIN)
    (root / "pyproject.toml").write_text(textwrap.dedent("""\
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "flowhub-counting"
        version = "0.0.1"
        dependencies = ["flowhub"]
        [project.entry-points.flowhub]
        counting = "flowhub_counting"
        [tool.setuptools.packages.find]
        where = ["src"]
        """))
    site = root / "site"  # installed beside, not into, the test environment
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
                    "--target", str(site), str(root)], check=True, timeout=300)
    yield site


def _flowhub(*args: str, cwd: Path, site: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FLOWHUB_HOME": str(cwd / ".flowhub"), "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, "-m", "flowhub", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120)


def test_an_installed_plugin_is_listed_by_flowhub_connectors(installed_plugin: Path, tmp_path: Path) -> None:
    done = _flowhub("connectors", "--json", cwd=tmp_path, site=installed_plugin)
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert listed["counting"]["distribution"] == "flowhub-counting"
    assert listed["counting"]["entities"]["numbers"]["read"] is True
    assert listed["counting"]["entities"]["numbers"]["create"] is False


def test_an_installed_plugin_runs_in_a_flow(installed_plugin: Path, tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "connections.yaml").write_text(textwrap.dedent(f"""\
        numbers: {{connector: counting, count: 7}}
        db: {{connector: sql, url: "sqlite:///{tmp_path / 'out.db'}"}}
        """))
    (tmp_path / "squares.yaml").write_text('fields:\n  id: "{{ source.id }}"\n  square: "{{ source.square }}"\n')
    (tmp_path / "flows" / "squares.yaml").write_text(textwrap.dedent("""\
        source: {connection: numbers, entity: numbers}
        target: {connection: db, entity: squares}
        mapping: ../squares.yaml
        match: [link, {field: id}]
        """))
    done = _flowhub("run", "squares", "--json", cwd=tmp_path, site=installed_plugin)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["counts"]["created"] == 7
    import sqlite3

    with sqlite3.connect(tmp_path / "out.db") as db:
        assert db.execute("select sum(square) from squares").fetchone()[0] == 140

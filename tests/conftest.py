"""Core test fixtures: a throwaway flowhub project folder (files -> sql) and a CLI runner."""

from __future__ import annotations

import json
import sqlite3
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import flowhub.plugins
from flowhub.cli import cli
from flowhub.settings import FlowhubSettings
from flowhub.workspace import Workspace
from tests.memory_plugin import DATA, MemoryPlugin

ORDER_MAPPING = """\
fields:
  id: "{{ source.id }}"
  number: "{{ source.number }}"
  status: "{{ source.status | value_map('status') }}"
  email: "{{ source.email | lower }}"
  total: "{{ source.total | decimal }}"
  modified: "{{ source.modified }}"
create:
  origin: files
value_maps:
  status:
    map: {completed: Completed, refunded: Completed, cancelled: Cancelled, failed: Cancelled}
    unmapped: default
    default: Pending
"""

ORDER_FLOW = """\
name: orders
source:
  connection: inbox
  entity: orders
target:
  connection: db
  entity: orders
mapping: ../mappings/orders.yaml
match:
  - link
  - field: id
existing: update
chunk: 10
"""


def order(i: int, **extra: Any) -> dict[str, Any]:
    """An order-like source record; `modified` is the incremental cursor."""
    return {"id": i, "number": f"N{i:05d}", "status": "processing", "email": f"Buyer{i}@Example.com",
            "total": f"{i}.50", "modified": f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}", **extra}


@dataclass
class Project:
    """A flowhub project in a temp folder; helpers to write inputs and read the target db."""

    root: Path

    @property
    def db(self) -> Path:
        return self.root / "target.db"

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    def source(self, records: list[dict[str, Any]], name: str = "orders") -> None:
        path = self.root / "data" / f"{name}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in records))

    def rows(self, table: str = "orders") -> list[dict[str, Any]]:
        if not self.db.exists():
            return []
        with sqlite3.connect(self.db) as conn:
            conn.row_factory = sqlite3.Row
            try:
                rows = [dict(r) for r in conn.execute(f"select * from {table} order by id")]
            except sqlite3.OperationalError:
                return []
        for row in rows:
            row.pop("_synced_at", None)  # when it was written, which differs between runs
        return rows


    def workspace(self) -> Workspace:
        return Workspace(settings=FlowhubSettings(home=self.root / ".flowhub"),
                         connections=self.root / "connections.yaml", flows_dir=self.root / "flows")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLOWHUB_HOME", str(tmp_path / ".flowhub"))
    monkeypatch.delenv("FLOWHUB_CONNECTIONS", raising=False)
    p = Project(tmp_path)
    DATA.clear()
    p.write("connections.yaml", f"""\
        inbox:
          connector: files
          directory: {tmp_path / 'data'}
          format: jsonl
          cursor: modified
        db:
          connector: sql
          url: sqlite:///{p.db}
          tables:
            orders: {{key: id}}
            customers: {{key: id}}
        crm:
          connector: memory
          token: ${{CRM_TOKEN}}
        """)
    monkeypatch.setenv("CRM_TOKEN", "tok-very-secret-4711")
    p.write("mappings/orders.yaml", ORDER_MAPPING)
    p.write("flows/orders.yaml", ORDER_FLOW)
    yield p
    flowhub.plugins._default = None


@pytest.fixture
def run_cli(project: Project) -> Callable[..., tuple[int, str]]:
    """Invoke the `flowhub` command in-process; answers (exit code, stdout+stderr)."""

    def invoke(*args: str) -> tuple[int, str]:
        plugins = flowhub.plugins.Plugins()  # loaded afresh per invocation, like a new process
        plugins.add(MemoryPlugin(), "memory", distribution="tests")
        flowhub.plugins._default = plugins
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        return result.exit_code, result.output

    return invoke

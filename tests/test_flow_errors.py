"""Broken flow and mapping files: one line naming file:line and field, exit code 2, no traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable

import pytest

from tests.conftest import ORDER_FLOW, ORDER_MAPPING, Project

# (case id, file to break, text replaced, replacement, expected message regex)
CASES = [
    ("unknown_key", "flows/orders.yaml", "existing: update", "exsisting: update",
     r"flows/orders\.yaml:12: exsisting: unknown key 'exsisting' \(did you mean 'existing'\?\)"),
    ("wrong_type", "flows/orders.yaml", "chunk: 10", "chunk: lots",
     r"flows/orders\.yaml:13: chunk: input should be a valid integer.*\(got 'lots'\)"),
    ("bad_enum", "flows/orders.yaml", "existing: update", "existing: overwrite",
     r"flows/orders\.yaml:12: existing: input should be 'update', 'skip' or 'fail' \(got 'overwrite'\)"),
    ("unknown_connection", "flows/orders.yaml", "connection: inbox", "connection: inbx",
     r"flows/orders\.yaml:3: source\.connection: unknown connection 'inbx' .*\(did you mean 'inbox'\?\)"),
    ("unknown_connector", "connections.yaml", "connector: sql", "connector: sqll",
     r"connections\.yaml:6: db\.connector: unknown connector 'sqll' \(did you mean 'sql'\?\)"),
    ("unknown_entity", "flows/orders.yaml", "connection: db\n  entity: orders", "connection: crm\n  entity: contcts",
     r"flows/orders\.yaml:7: target\.entity: connector memory has no entity 'contcts' \(did you mean 'contacts'\?\)"),
    ("unknown_target_field", "flows/orders.yaml", "connection: db\n  entity: orders",
     "connection: crm\n  entity: contacts",
     r"mappings/orders\.yaml:\d+: fields\.(number|status|total|modified|origin): unknown target field"),
    ("missing_mapping_file", "flows/orders.yaml", "../mappings/orders.yaml", "../mappings/nope.yaml",
     r"flows/orders\.yaml:8: mapping: mapping file not found: \.\./mappings/nope\.yaml"),
    ("jinja_syntax_error", "mappings/orders.yaml", '"{{ source.number }}"', '"{{ source.number }"',
     r"mappings/orders\.yaml:3: fields\.number: .*"),
    ("undefined_variable", "mappings/orders.yaml", '"{{ source.number }}"', '"{{ sorce.number }}"',
     r"mappings/orders\.yaml:3: fields\.number: .*sorce"),
    ("inline_secret", "connections.yaml", "format: jsonl", "format: jsonl\n  password: hunter2secret",
     r"connections\.yaml:\d+: .*"),
    ("bad_yaml", "flows/orders.yaml", "match:\n", "match: [\n",
     r"flows/orders\.yaml:\d+: invalid YAML: .*"),
    ("unknown_lookup_table", "mappings/orders.yaml", '"{{ source.number }}"',
     "\"{{ lookup('countries', source.number) }}\"", r"mappings/orders\.yaml:3: fields\.number: .*countries"),
    ("unknown_value_map", "mappings/orders.yaml", "value_map('status')", "value_map('statuz')",
     r"mappings/orders\.yaml:4: fields\.status: .*statuz"),
    ("sandbox_escape", "mappings/orders.yaml", '"{{ source.number }}"', "\"{{ ''.__class__.__mro__ }}\"",
     r"mappings/orders\.yaml:3: fields\.number: .*__class__"),
    ("unknown_filter_key", "flows/orders.yaml", "  entity: orders\ntarget", "  entity: orders\n  lookback: 5 minutes\ntarget",
     r"flows/orders\.yaml:5: source\.lookback: '5 minutes' is not a duration"),
    ("cyclic_dependency", "flows/orders.yaml", "existing: update\n", """existing: update
requires:
  - {name: a, key: "{{ source.email }}", entity: customers, missing: fail, after: [b]}
  - {name: b, key: "{{ source.email }}", entity: customers, missing: fail, after: [a]}
""", r"flows/orders\.yaml:\d+: requires\[\d\]\.after: cyclic dependency: (a -> b -> a|b -> a -> b)"),
]


@pytest.mark.parametrize(("file", "old", "new", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_file_gives_one_line_with_file_line_and_field(
    project: Project, run_cli: Callable[..., tuple[int, str]], file: str, old: str, new: str, expected: str
) -> None:
    path = project.root / file
    text = path.read_text()
    assert old in text, f"test setup: {old!r} not in {file}"
    path.write_text(text.replace(old, new, 1))
    code, output = run_cli("validate", "flows/orders.yaml")
    lines = output.strip().splitlines()
    assert code == 2, output
    assert len(lines) == 1, output
    assert "Traceback" not in output
    assert re.match(r"^error: " + expected, lines[0]), lines[0]


def test_inline_secret_is_refused_with_the_env_variable_to_use(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    conn = project.root / "connections.yaml"
    conn.write_text(conn.read_text().replace("url: sqlite", "password: hunter2secret\n  url: sqlite"))
    code, output = run_cli("validate", "flows/orders.yaml")
    assert code == 2
    assert "db.password: inline secret" in output
    assert "${DB_PASSWORD}" in output
    assert "hunter2secret" not in output


def test_valid_flow_validates(project: Project, run_cli: Callable[..., tuple[int, str]]) -> None:
    code, output = run_cli("validate", "flows/orders.yaml")
    assert code == 0, output
    assert output.startswith("ok: orders (inbox/orders -> db/orders)")


def test_a_real_process_exits_2_without_traceback(project: Project) -> None:
    flow = project.root / "flows/orders.yaml"
    flow.write_text(ORDER_FLOW.replace("existing: update", "existing: maybe"))
    done = subprocess.run([sys.executable, "-m", "flowhub", "validate", str(flow)], capture_output=True,
                          text=True, cwd=project.root, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.startswith("error: flows/orders.yaml:12: existing:")


def test_mapping_text_is_unchanged_by_the_fixture() -> None:
    assert "value_map('status')" in ORDER_MAPPING

"""One bad record, a broken stream, a slow target: the runner isolates them; write-back works."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.conftest import Project
from tests.memory_plugin import DATA

CONTACT_MAPPING = """\
fields:
  id: "{{ source.id }}"
  email: "{{ source.email | lower }}"
  status: "{{ source.status }}"
"""


def _contacts_flow(project: Project, entity: str = "contacts", extra: str = "") -> None:
    project.write("mappings/contacts.yaml", CONTACT_MAPPING)
    project.write("flows/contacts.yaml", f"""\
        source: {{connection: crm, entity: {entity}}}
        target: {{connection: db, entity: customers}}
        mapping: ../mappings/contacts.yaml
        match: [link, {{field: id}}]
        concurrency: 3
        chunk: 4
        """ + extra)


def _seed(n: int, **per_key: dict) -> None:
    rows = DATA.setdefault("contacts", {})
    for i in range(1, n + 1):
        key = f"c{i:02d}"
        rows[key] = {"id": key, "email": f"P{i}@X.NO", "status": "new", "modified": f"2026-01-01T00:00:{i:02d}",
                     **per_key.get(key, {})}
    DATA["hostile"] = rows


def test_writeback_sets_the_source_status_after_transfer(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    _seed(3)
    _contacts_flow(project, extra="writeback: {set: {status: exported}}\n")
    code, out = run_cli("run", "contacts", "--json")
    assert code == 0, out
    assert {r["status"] for r in DATA["contacts"].values()} == {"exported"}
    code, out = run_cli("run", "contacts", "--json")
    assert json.loads(out)["counts"]["created"] == 0


def test_a_stream_that_breaks_midway_keeps_what_was_done_and_resumes(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    _seed(9)
    _contacts_flow(project, entity="hostile")
    code, out = run_cli("run", "contacts", "--json")
    summary = json.loads(out)
    assert code == 1
    assert summary["status"] == "failed" or summary["status"] == "interrupted"
    assert "the stream broke" in summary["error"]
    assert summary["counts"]["created"] == 4  # the first full chunk was done and checkpointed
    DATA["_hostile_calm"] = {"calm": True}
    code, out = run_cli("run", "contacts", "--json")
    assert code == 0, out
    assert len(project.rows("customers")) == 9


def test_malformed_records_fail_alone_and_slow_answers_do_not_stop_the_run(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    DATA["_hostile_calm"] = {"calm": True}
    _seed(8, c03={"malformed": True})
    _contacts_flow(project, entity="hostile")
    code, out = run_cli("run", "contacts", "--json")
    summary = json.loads(out)
    assert code == 1
    assert summary["counts"]["created"] == 7 and summary["counts"]["failed"] == 1
    assert "no key" in summary["failures"][0]["reason"]


def test_a_rejected_record_fails_alone_and_its_reason_hides_the_secret(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    conn = project.root / "connections.yaml"
    conn.write_text(conn.read_text() + "  reject_email: p2@x.no\n")
    _seed(4)
    project.write("mappings/back.yaml", CONTACT_MAPPING)
    project.write("flows/back.yaml", """\
        source: {connection: db, entity: customers}
        target: {connection: crm, entity: contacts}
        mapping: ../mappings/back.yaml
        match: [link, {field: email}]
        """)
    _contacts_flow(project)
    assert run_cli("run", "contacts")[0] == 0
    DATA["contacts"].clear()
    code, out = run_cli("run", "back", "--json")
    summary = json.loads(out)
    assert code == 1
    assert summary["counts"]["created"] == 3 and summary["failures"][0]["record"] == "c02"
    assert "422 invalid email" in summary["failures"][0]["reason"]
    assert "tok-very-secret-4711" not in out
    code, log = run_cli("log", "back", "c02", "--json")
    assert "422 invalid email" in log and "tok-very-secret-4711" not in log

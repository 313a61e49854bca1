"""The runner on a real files -> sql flow: idempotent, incremental, isolating, retryable."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from tests.conftest import Project, order


def _summary(output: str) -> dict:
    return json.loads(output)


def test_first_run_creates_every_record_and_a_second_run_writes_nothing(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    project.source([order(i) for i in range(1, 26)])
    code, out = run_cli("run", "orders", "--json")
    assert code == 0, out
    first = _summary(out)["counts"]
    assert (first["read"], first["created"], first["failed"]) == (25, 25, 0)
    rows = project.rows()
    assert [r["id"] for r in rows] == list(range(1, 26))
    assert rows[0]["email"] == "buyer1@example.com" and rows[0]["origin"] == "files"

    code, out = run_cli("run", "orders", "--json")
    second = _summary(out)["counts"]
    assert code == 0
    assert (second["created"], second["updated"], second["failed"]) == (0, 0, 0)
    assert project.rows() == rows


def test_next_run_picks_up_only_changed_records_and_sends_only_changed_fields(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    records = [order(i) for i in range(1, 11)]
    project.source(records)
    run_cli("run", "orders")
    records[3] = {**records[3], "status": "completed", "modified": "2026-02-01T00:00:00"}
    project.source(records)
    code, out = run_cli("run", "orders", "--json")
    counts = _summary(out)["counts"]
    assert code == 0
    assert counts["read"] == 1
    assert (counts["updated"], counts["created"]) == (1, 0)
    assert project.rows()[3]["status"] == "Completed"
    entries = project.workspace().log("orders", "4", limit=1)
    assert entries[0].payload == {"status": "Completed", "modified": "2026-02-01T00:00:00"}


def test_full_reimport_rewrites_every_record_from_the_source_without_duplicates(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    import sqlite3

    project.source([order(i) for i in range(1, 8)])
    run_cli("run", "orders")
    with sqlite3.connect(project.db) as db:  # someone edits the local copy
        db.execute("update orders set status = 'edited locally' where id = 3")
    code, out = run_cli("run", "orders", "--json")
    assert _summary(out)["counts"]["read"] == 0
    code, out = run_cli("run", "orders", "--full", "--json")
    counts = _summary(out)["counts"]
    assert code == 0
    assert (counts["read"], counts["updated"], counts["created"]) == (7, 7, 0)
    rows = project.rows()
    assert len(rows) == 7 and rows[2]["status"] == "Pending"  # the source is the truth again (K3)


def test_a_record_that_fails_mapping_is_reported_and_the_others_are_written(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    records = [order(i) for i in range(1, 6)]
    records[2]["total"] = "twelve"
    project.source(records)
    code, out = run_cli("run", "orders", "--json")
    summary = _summary(out)
    assert code == 1
    assert summary["counts"]["created"] == 4 and summary["counts"]["failed"] == 1
    failure = summary["failures"][0]
    assert failure["record"] == "3" and failure["stage"] == "map"
    assert "mappings/orders.yaml" in failure["reason"] and "total" in failure["reason"]
    assert [r["id"] for r in project.rows()] == [1, 2, 4, 5]

    mapping = project.root / "mappings/orders.yaml"
    fixed = "(source.total | decimal) if source.total != 'twelve' else 12"
    mapping.write_text(mapping.read_text().replace("source.total | decimal", fixed))
    code, out = run_cli("retry", "orders", "--json")
    assert code == 0, out
    assert _summary(out)["counts"]["created"] == 1
    assert [r["id"] for r in project.rows()] == [1, 2, 3, 4, 5]
    code, out = run_cli("retry", "orders", "--json")
    assert _summary(out)["counts"]["read"] == 0


def test_a_link_the_state_store_refuses_fails_its_record_and_a_retry_finds_what_was_written(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    project.source([])
    run_cli("run", "orders")  # the state database, before its trigger
    with sqlite3.connect(project.root / ".flowhub" / "state.db") as db:
        db.execute("CREATE TRIGGER no_link BEFORE INSERT ON links WHEN NEW.source_key = '3' "
                   "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    project.source([order(i) for i in range(1, 6)])
    code, out = run_cli("run", "orders", "--json")
    summary = _summary(out)
    assert code == 1 and (summary["counts"]["created"], summary["counts"]["failed"]) == (4, 1)
    failure = summary["failures"][0]
    assert failure["record"] == "3" and failure["stage"] == "link"
    assert "its link could not be stored" in failure["reason"] and "disk full" in failure["reason"]
    assert [r["id"] for r in project.rows()] == [1, 2, 3, 4, 5]  # the target has it all the same
    with sqlite3.connect(project.root / ".flowhub" / "state.db") as db:
        db.execute("DROP TRIGGER no_link")
    code, out = run_cli("retry", "orders", "--json")
    counts = _summary(out)["counts"]
    assert code == 0 and (counts["created"], counts["failed"]) == (0, 0), out  # found by the match rule
    assert [r["id"] for r in project.rows()] == [1, 2, 3, 4, 5]
    code, out = run_cli("retry", "orders", "--json")
    assert _summary(out)["counts"]["read"] == 0


def test_a_create_goes_out_only_once_its_write_intent_is_committed_and_a_found_record_keeps_none(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    # The intent is queued while the match rules look. To see that it is committed before the
    # row is written, the sql target shares the state database and a trigger of its own refuses
    # a row whose intent it cannot see (another connection sees only what was committed).
    state = project.root / ".flowhub" / "state.db"
    connections = project.root / "connections.yaml"
    connections.write_text(connections.read_text().replace(f"sqlite:///{project.db}", f"sqlite:///{state}"))
    project.source([order(1)])
    assert run_cli("run", "orders")[0] == 0  # the table, before its triggers
    with sqlite3.connect(state) as db:
        db.execute("CREATE TRIGGER intent_first BEFORE INSERT ON orders WHEN NOT EXISTS (SELECT 1 FROM "
                   "intents WHERE source_key = CAST(NEW.id AS TEXT)) BEGIN SELECT RAISE(ABORT, 'no intent'); END")
    project.source([order(i) for i in range(1, 9)])
    code, out = run_cli("run", "orders", "--json")
    assert code == 0 and _summary(out)["counts"]["created"] == 7, out
    with sqlite3.connect(state) as db:
        assert db.execute("SELECT count(*) FROM intents").fetchone() == (0,)  # each link cleared its own
        db.execute("DELETE FROM links")  # a fresh installation: every record is found by its id
        db.execute("CREATE TRIGGER refuse_3 BEFORE UPDATE ON orders WHEN NEW.id = 3 "
                   "BEGIN SELECT RAISE(ABORT, 'locked'); END")
    code, out = run_cli("run", "orders", "--full", "--json")
    counts = _summary(out)["counts"]
    assert (counts["created"], counts["updated"], counts["failed"]) == (0, 7, 1), out
    with sqlite3.connect(state) as db:  # found, so nothing was going to be created: no intent stays
        assert db.execute("SELECT count(*) FROM intents").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM orders").fetchone() == (8,)


def test_plan_shows_what_would_be_created_and_writes_nothing(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    project.source([order(i) for i in range(1, 4)])
    code, out = run_cli("plan", "orders", "--json")
    planned = _summary(out)["planned"]
    assert code == 0
    assert [p["action"] for p in planned] == ["create"] * 3
    assert planned[0]["payload"]["status"] == "Pending"
    assert project.rows() == []
    code, out = run_cli("run", "orders", "--json")
    assert _summary(out)["counts"]["created"] == 3


def test_plan_of_an_update_shows_old_and_new_value_of_each_changed_field(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    records = [order(1), order(2)]
    project.source(records)
    run_cli("run", "orders")
    project.source([records[0], {**records[1], "status": "cancelled", "modified": "2026-03-01T00:00:00"}])
    code, out = run_cli("plan", "orders")
    assert code == 0
    assert "update    2 -> 2" in out
    assert "    status: 'Pending' -> 'Cancelled'" in out
    assert project.rows()[1]["status"] == "Pending"


def test_disabled_flow_does_nothing(project: Project, run_cli: Callable[..., tuple[int, str]]) -> None:
    flow = project.root / "flows/orders.yaml"
    flow.write_text(flow.read_text() + "enabled: false\n")
    project.source([order(1)])
    code, out = run_cli("run", "orders")
    assert code == 0
    assert "disabled" in out
    assert project.rows() == []


def _require_customer(project: Project) -> None:
    """The orders flow requires each buyer as a customer row, made once per e-mail."""
    project.write("mappings/customer.yaml", """\
        fields:
          id: "{{ source.email | lower }}"
          email: "{{ source.email | lower }}"
        """)
    mapping = project.root / "mappings/orders.yaml"
    mapping.write_text(mapping.read_text().replace("create:\n", "  customer: \"{{ refs.customer }}\"\ncreate:\n"))
    flow = project.root / "flows/orders.yaml"
    flow.write_text(flow.read_text() + """\
requires:
  - name: customer
    key: "{{ source.email | lower }}"
    entity: customers
    mapping: ../mappings/customer.yaml
    match: [link, {field: email}]
""")


def test_dependency_is_created_once_and_linked_from_every_order(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    _require_customer(project)
    project.source([order(1, email="a@x.no"), order(2, email="A@x.no"), order(3, email="b@x.no")])
    code, out = run_cli("run", "orders", "--json")
    assert code == 0, out
    assert [r["customer"] for r in project.rows()] == ["a@x.no", "a@x.no", "b@x.no"]
    assert [r["email"] for r in project.rows("customers")] == ["a@x.no", "b@x.no"]


def test_a_requirement_s_link_is_read_from_the_state_store_once_per_run(
    project: Project, run_cli: Callable[..., tuple[int, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowhub.state import StateStore

    _require_customer(project)
    asked: list[tuple[str, str]] = []
    real_get_link = StateStore.get_link

    def counting_get_link(self: StateStore, scope: str, source_key: str) -> object:
        asked.append((scope, source_key))
        return real_get_link(self, scope, source_key)

    monkeypatch.setattr(StateStore, "get_link", counting_get_link)
    project.source([order(i, email="a@x.no") for i in range(1, 7)])
    code, out = run_cli("run", "orders", "--json")
    assert code == 0, out
    assert [r["customer"] for r in project.rows()] == ["a@x.no"] * 6
    assert [key for _scope, key in asked].count("a@x.no") == 1  # six orders, one look-up of the link
    project.source([order(i, email="a@x.no", status="cancelled", modified="2026-03-01T00:00:00") for i in range(1, 4)])
    asked.clear()
    code, out = run_cli("run", "orders", "--json")  # the next run asks the database again, once
    assert code == 0, out
    assert [key for _scope, key in asked].count("a@x.no") == 1


def test_record_waits_for_a_missing_dependency_and_goes_through_once_it_exists(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    flow = project.root / "flows/orders.yaml"
    flow.write_text(flow.read_text() + """\
requires:
  - name: customer
    key: "{{ source.email | lower }}"
    entity: customers
    match: [{field: email, value: "{{ source.email | lower }}"}]
    missing: wait
""")
    project.source([order(1, email="known@x.no"), order(2, email="later@x.no")])
    import sqlite3

    with sqlite3.connect(project.db) as db:
        db.execute("create table customers (id text primary key, email text, _deleted_at text, _synced_at text)")
        db.execute("insert into customers (id, email) values ('c1', 'known@x.no')")
    code, out = run_cli("run", "orders", "--json")
    summary = _summary(out)
    assert code == 0, out
    assert (summary["counts"]["created"], summary["counts"]["waiting"]) == (1, 1)
    with sqlite3.connect(project.db) as db:
        db.execute("insert into customers (id, email) values ('c2', 'later@x.no')")
    code, out = run_cli("run", "orders", "--json")
    assert _summary(out)["counts"]["created"] == 1
    assert [r["id"] for r in project.rows()] == [1, 2]


def test_a_waiting_record_in_the_look_back_window_is_checked_once_per_run(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    flow = project.root / "flows/orders.yaml"
    text = flow.read_text().replace("  entity: orders\ntarget", "  entity: orders\n  lookback: 10m\ntarget", 1)
    flow.write_text(text + """\
requires:
  - name: customer
    key: "{{ source.email | lower }}"
    entity: customers
    match: [{field: email, value: "{{ source.email | lower }}"}]
    missing: wait
""")
    project.source([order(1, email="later@x.no")])
    import sqlite3

    with sqlite3.connect(project.db) as db:
        db.execute("create table customers (id text primary key, email text, _deleted_at text, _synced_at text)")
    assert _summary(run_cli("run", "orders", "--json")[1])["counts"]["waiting"] == 1
    counts = _summary(run_cli("run", "orders", "--json")[1])["counts"]
    assert (counts["read"], counts["waiting"]) == (1, 1)  # re-checked from the queue, not again from the read
    with sqlite3.connect(project.db) as db:
        db.execute("insert into customers (id, email) values ('c1', 'later@x.no')")
    counts = _summary(run_cli("run", "orders", "--json")[1])["counts"]
    assert (counts["read"], counts["created"], counts["waiting"]) == (1, 1, 0)
    assert [r["id"] for r in project.rows()] == [1]


def test_retry_of_a_record_that_is_gone_from_the_source_clears_it(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    records = [order(1), order(2, total="twelve")]
    project.source(records)
    assert run_cli("run", "orders")[0] == 1
    project.source([records[0]])  # the bad record was deleted at the source
    code, out = run_cli("retry", "orders", "--json")
    assert code == 0, out
    assert _summary(out)["counts"]["skipped"] == 1
    code, out = run_cli("retry", "orders", "--json")
    assert (_summary(out)["counts"]["read"], _summary(out)["counts"]["skipped"]) == (0, 0)


def test_flow_templates_can_use_the_built_in_mapping_functions(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    flow = project.root / "flows/orders.yaml"
    flow.write_text(flow.read_text().replace("  - field: id\n", "  - {field: number, value: \"N{{ digits(source.number) }}\"}\n"))
    project.source([order(1)])
    assert run_cli("run", "orders")[0] == 0
    import shutil

    shutil.rmtree(project.root / ".flowhub")  # no id links left: only the match rule can find the row
    code, out = run_cli("run", "orders", "--json")
    assert code == 0, out
    assert (_summary(out)["counts"]["created"], _summary(out)["counts"]["updated"]) == (0, 1)


def test_an_update_only_flow_skips_records_the_target_does_not_have(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    project.source([order(1), order(2)])
    assert run_cli("run", "orders")[0] == 0
    flow = project.root / "flows/orders.yaml"
    flow.write_text(flow.read_text() + "missing: skip\n")
    project.source([order(1, status="completed", modified="2026-05-01T00:00:00"),
                    order(3, modified="2026-05-01T00:00:01")])
    code, out = run_cli("run", "orders", "--json")
    counts = _summary(out)["counts"]
    assert code == 0
    assert (counts["updated"], counts["skipped"], counts["created"]) == (1, 1, 0)
    assert [r["id"] for r in project.rows()] == [1, 2]


def test_a_requirement_on_create_is_resolved_only_for_new_records(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    project.write("mappings/customer.yaml", """\
        fields:
          id: "{{ source.email | lower }}"
          email: "{{ source.email | lower }}"
        """)
    mapping = project.root / "mappings/orders.yaml"
    mapping.write_text(mapping.read_text().replace("create:\n", "create:\n  customer: \"{{ refs.customer }}\"\n"))
    flow = project.root / "flows/orders.yaml"
    flow.write_text(flow.read_text() + """\
requires:
  - name: customer
    on: create
    key: "{{ source.email | lower }}"
    entity: customers
    mapping: ../mappings/customer.yaml
    match: [link, {field: email}]
""")
    project.source([order(1, email="a@x.no")])
    assert run_cli("run", "orders")[0] == 0
    project.source([order(1, email="changed@x.no", modified="2026-05-01T00:00:00"),
                    order(2, email="b@x.no", modified="2026-05-01T00:00:01")])
    code, out = run_cli("run", "orders", "--json")
    assert code == 0, out
    assert (_summary(out)["counts"]["created"], _summary(out)["counts"]["updated"]) == (1, 1)
    assert [r["email"] for r in project.rows("customers")] == ["a@x.no", "b@x.no"]  # none for the update
    assert [r["customer"] for r in project.rows()] == ["a@x.no", "b@x.no"]


def test_a_mapping_can_write_a_field_only_when_the_target_record_lacks_it(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    mapping = project.root / "mappings/orders.yaml"
    mapping.write_text(mapping.read_text().replace(
        "create:\n", "  note: \"{{ source.get('note') if not (target and target.note) else omit }}\"\ncreate:\n"))
    project.source([order(1), order(2, note="first")])
    assert run_cli("run", "orders")[0] == 0
    assert [r["note"] for r in project.rows()] == [None, "first"]
    project.source([order(1, note="late", modified="2026-05-01T00:00:00"),
                    order(2, note="second", modified="2026-05-01T00:00:01")])
    code, out = run_cli("run", "orders", "--json")
    assert code == 0, out
    assert [r["note"] for r in project.rows()] == ["late", "first"]  # the one already there is kept


def test_a_dependency_key_may_join_two_expressions(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    project.write("mappings/customer.yaml", """\
        fields:
          id: "{{ source.number }}-{{ source.id }}"
          email: "{{ source.email | lower }}"
        """)
    flow = project.root / "flows/orders.yaml"
    flow.write_text(flow.read_text() + """\
requires:
  - name: customer
    key: "{{ source.number }}-{{ source.id }}"
    entity: customers
    mapping: ../mappings/customer.yaml
""")
    project.source([order(1)])
    code, out = run_cli("run", "orders", "--json")
    assert code == 0, out
    assert [r["id"] for r in project.rows("customers")] == ["N00001-1"]


def test_compare_target_sends_only_what_differs_from_the_target_as_it_is_now(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    project.source([order(1), order(2)])
    assert run_cli("run", "orders")[0] == 0
    flow = project.root / "flows/orders.yaml"
    flow.write_text(flow.read_text() + "compare: target\n")
    import sqlite3

    with sqlite3.connect(project.db) as db:  # someone else already wrote the new status of order 1
        db.execute("update orders set status = 'Completed', modified = '2026-05-01T00:00:00' where id = 1")
    project.source([order(1, status="completed", modified="2026-05-01T00:00:00"),
                    order(2, status="completed", total="9.99", modified="2026-05-01T00:00:01")])
    code, out = run_cli("run", "orders", "--json")
    counts = _summary(out)["counts"]
    assert code == 0, out
    assert (counts["unchanged"], counts["updated"]) == (1, 1)
    assert [(r["status"], float(r["total"])) for r in project.rows()] == [("Completed", 1.5), ("Completed", 9.99)]


def test_records_that_share_a_unique_key_fail_and_none_of_them_is_written(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    flow = project.root / "flows/orders.yaml"
    flow.write_text(flow.read_text() + 'unique: {field: number, value: "{{ source.number }}"}\n')
    project.source([order(1), order(2, number="N00001"), order(3)])
    code, out = run_cli("run", "orders", "--json")
    summary = _summary(out)
    assert code == 1
    assert summary["counts"]["failed"] == 2 and all("must be unique" in f["reason"] for f in summary["failures"])
    assert [r["id"] for r in project.rows()] == [3]


def test_a_look_up_only_requirement_lets_the_mapping_skip_what_it_finds(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    import sqlite3

    with sqlite3.connect(project.db) as db:
        db.execute("create table customers (id text primary key, email text, _deleted_at text, _synced_at text)")
        db.execute("insert into customers (id, email) values ('c1', 'blocked@x.no')")
    mapping = project.root / "mappings/orders.yaml"
    mapping.write_text("when: \"{{ not refs.get('blocked') }}\"\n" + mapping.read_text())
    flow = project.root / "flows/orders.yaml"
    flow.write_text(flow.read_text() + """\
requires:
  - name: blocked
    key: "{{ source.email | lower }}"
    entity: customers
    match: [{field: email, value: "{{ source.email | lower }}"}]
    missing: skip
""")
    project.source([order(1, email="blocked@x.no"), order(2)])
    code, out = run_cli("run", "orders", "--json")
    assert code == 0, out
    assert (_summary(out)["counts"]["skipped"], _summary(out)["counts"]["created"]) == (1, 1)
    assert [r["id"] for r in project.rows()] == [2]
    assert [r["id"] for r in project.rows("customers")] == ["c1"]  # looked up, never created


def test_a_change_in_the_same_second_as_the_last_is_not_taken_for_the_overlap(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    flow = project.root / "flows/orders.yaml"
    flow.write_text(flow.read_text().replace("  entity: orders\ntarget", "  entity: orders\n  lookback: 10m\ntarget", 1))
    project.source([order(1)])
    assert run_cli("run", "orders")[0] == 0
    project.source([order(1, status="completed")])  # same modified second, other content
    code, out = run_cli("run", "orders", "--json")
    assert code == 0, out
    assert _summary(out)["counts"]["updated"] == 1
    assert project.rows()[0]["status"] == "Completed"

"""The CLI's looking-around commands: connectors, runs, log, schema, test, check, help."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.conftest import Project, order


def test_connectors_json_lists_each_connector_with_its_distribution_and_capabilities(
    run_cli: Callable[..., tuple[int, str]]
) -> None:
    code, out = run_cli("connectors", "--json")
    listed = json.loads(out)
    assert code == 0
    assert listed["sql"]["distribution"] == "flowhub-sql" and listed["sql"]["dynamic_entities"] is True
    assert listed["memory"]["entities"]["contacts"]["find_by_key"] == ["id", "email"]


def test_connectors_table_names_entities_and_what_they_can_do(run_cli: Callable[..., tuple[int, str]]) -> None:
    code, out = run_cli("connectors")
    assert code == 0
    assert "memory  In-memory test store  (tests" in out
    assert "contacts: read, incremental, server_side_since, create, update, writeback, find by id/email" in out


def test_runs_and_log_show_history_and_per_record_activity(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    project.source([order(1), order(2)])
    run_cli("run", "orders")
    run_cli("run", "orders")
    code, out = run_cli("runs", "orders", "--json")
    history = json.loads(out)
    assert code == 0
    assert [r["counts"]["created"] for r in history] == [0, 2]
    code, out = run_cli("log", "orders", "2", "--json")
    [entry] = json.loads(out)
    assert entry["outcome"] == "created" and entry["source"]["number"] == "N00002"
    assert entry["payload"]["status"] == "Pending"
    code, out = run_cli("log", "orders")
    assert "record 1: created" in out


def test_schema_prints_json_schema_for_flows_and_mappings(run_cli: Callable[..., tuple[int, str]]) -> None:
    flow = json.loads(run_cli("schema", "flow")[1])
    mapping = json.loads(run_cli("schema", "mapping")[1])
    assert {"source", "target", "mapping", "match"} <= set(flow["properties"])
    assert "path" not in flow["properties"]
    assert {"fields", "create", "update", "value_maps", "lookups"} <= set(mapping["properties"])


def test_test_command_runs_golden_tests_and_fails_on_a_wrong_expectation(
    project: Project, run_cli: Callable[..., tuple[int, str]]
) -> None:
    project.write("mappings/tests/orders/one.yaml", """\
        source: {id: 1, number: N1, status: completed, email: A@B.no, total: "2.50", modified: x}
        expect: {id: 1, number: N1, status: Completed, email: a@b.no, total: "2.50", modified: x, origin: files}
        """)
    code, out = run_cli("test", "mappings/orders.yaml")
    assert code == 0, out
    assert out.strip().endswith("1 passed, 0 failed")
    project.write("mappings/tests/orders/two.yaml", """\
        source: {id: 2, number: N2, status: failed, email: c@d.no, total: "1", modified: x}
        expect: {id: 2, number: N2, status: Completed, email: c@d.no, total: "1", modified: x, origin: files}
        """)
    code, out = run_cli("test", "mappings/orders.yaml")
    assert code == 1
    assert "FAIL" in out and "Cancelled" in out


def test_check_answers_green_for_a_reachable_database(run_cli: Callable[..., tuple[int, str]]) -> None:
    code, out = run_cli("check", "db")
    assert code == 0, out
    assert out.startswith("OK: ")


def test_every_command_has_help_with_an_example(run_cli: Callable[..., tuple[int, str]]) -> None:
    from flowhub.cli import cli

    for name in cli.commands:
        code, out = run_cli(name, "--help")
        assert code == 0 and "Example:" in out, name

"""A secret given to a connection never shows up: logs, activity log, errors, --json, the state db."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Project
from tests.memory_plugin import DATA

SECRET = "tok-very-secret-4711"


def _everything_written(project: Project) -> bytes:
    blobs = []
    for path in (project.root / ".flowhub").rglob("*"):
        if path.is_file():
            blobs.append(path.read_bytes())
    return b"".join(blobs)


def test_secret_is_masked_everywhere_even_when_the_api_echoes_it(
    project: Project, run_cli: Callable[..., tuple[int, str]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    conn = project.root / "connections.yaml"
    conn.write_text(conn.read_text() + "  reject_email: p1@x.no\n")
    project.write("mappings/back.yaml", 'fields:\n  id: "{{ source.id | to_str }}"\n  email: "{{ source.email }}"\n')
    project.write("flows/back.yaml", """\
        source: {connection: db, entity: orders}
        target: {connection: crm, entity: contacts}
        mapping: ../mappings/back.yaml
        match: [link, {field: email}]
        """)
    from tests.conftest import order

    project.source([order(1, email="p1@x.no"), order(2, email="p2@x.no")])
    assert run_cli("run", "orders")[0] == 0
    outputs = [run_cli("--debug", "run", "back", "--json"), run_cli("runs", "--json"),
               run_cli("log", "back", "--json"), run_cli("log", "back", "1"), run_cli("retry", "back", "--json")]
    assert outputs[0][0] == 1  # one record was refused, with the secret in the API's message
    assert "422 invalid email" in outputs[0][1]
    for _, text in outputs:
        assert SECRET not in text
    assert SECRET not in caplog.text
    assert SECRET.encode() not in _everything_written(project)
    assert DATA["contacts"]  # the other record went through


def test_repr_of_settings_and_connector_hides_the_secret(project: Project) -> None:
    from flowhub.connections import environment, load_connections, open_connector
    from tests.memory_plugin import Memory

    defn = load_connections(Path("connections.yaml"))["crm"]
    connector = open_connector(defn, Memory, environment([]))
    assert SECRET not in repr(connector.settings) and SECRET not in repr(connector)
    assert SECRET not in str(connector.settings.model_dump())

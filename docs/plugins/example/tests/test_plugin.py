"""The plugin is found through its entry point, like any third party's, and offers all it has."""

from __future__ import annotations

import json

from click.testing import CliRunner

from flowhub.cli import cli
from flowhub.plugins import Plugins


def test_connector_is_found_through_its_entry_point() -> None:
    result = CliRunner().invoke(cli, ["connectors", "--json"], catch_exceptions=False)
    listed = json.loads(result.output)
    assert listed["example_notes"]["distribution"] == "flowhub-example-notes"
    assert listed["example_notes"]["version"] == "0.1.0"


def test_capabilities_follow_the_methods_the_entity_overrides() -> None:
    result = CliRunner().invoke(cli, ["connectors", "--json"], catch_exceptions=False)
    note = json.loads(result.output)["example_notes"]["entities"]["note"]
    assert {name for name, can in note.items() if can is True} == {
        "read", "incremental", "server_side_since", "create", "update"}
    assert note["find_by_key"] == ["title"]
    assert note["filters"] == ["tag"]


def test_mapping_function_and_sandbox_are_registered() -> None:
    plugins = Plugins()
    assert plugins.functions()["hashtags"]("Buy #Milk") == ["milk"]
    assert "example_notes" in plugins.sandboxes()
    assert not [b for b in plugins.broken() if b.distribution == "flowhub-example-notes"]

"""Plugin loading: entry points, broken plugins reported not fatal, misspelt hooks, clashes, block-list."""

from __future__ import annotations

from typing import Any

import pytest

from flowhub import Connector, hookimpl
from flowhub.errors import ConfigError
from flowhub.plugins import Plugins
from tests.memory_plugin import Memory, MemoryPlugin


def test_built_in_connectors_are_found_through_their_entry_points() -> None:
    found = Plugins().connectors()
    assert found["files"].distribution == "flowhub-files"
    assert found["sql"].distribution == "flowhub-sql"


def test_a_plugin_with_a_misspelt_hook_is_reported_and_the_rest_still_load() -> None:
    class Typo:
        @hookimpl
        def register_conectors(self, register: Any) -> None:
            register(Memory)

    plugins = Plugins(load_entry_points=False)
    plugins.add(Typo(), "typo", distribution="flowhub-typo")
    plugins.add(MemoryPlugin(), "memory", distribution="tests")
    assert list(plugins.connectors()) == ["memory"]
    [broken] = plugins.broken()
    assert str(broken) == ("plugin flowhub-typo: unknown hook(s) register_conectors (known: record_outcome, "
                           "register_connectors, register_functions, register_sandboxes)")


def test_a_second_connector_with_the_same_name_is_rejected_naming_both_plugins() -> None:
    class Again:
        @hookimpl
        def register_connectors(self, register: Any) -> None:
            register(type("Memory2", (Memory,), {}))

    plugins = Plugins(load_entry_points=False)
    plugins.add(MemoryPlugin(), "memory", distribution="flowhub-memory")
    plugins.add(Again(), "again", distribution="flowhub-again")
    assert plugins.connectors()["memory"].distribution == "flowhub-memory"
    assert [str(b) for b in plugins.broken()] == [
        "plugin flowhub-again: connector name 'memory' is already registered by flowhub-memory"]


def test_registering_something_that_is_not_a_connector_is_rejected() -> None:
    class Wrong:
        @hookimpl
        def register_connectors(self, register: Any) -> None:
            register(dict)

    plugins = Plugins(load_entry_points=False)
    plugins.add(Wrong(), "wrong", distribution="flowhub-wrong")
    assert "is not a flowhub.Connector" in str(plugins.broken()[0])
    assert plugins.connectors() == {}


def test_a_plugin_function_may_not_replace_a_built_in() -> None:
    class Clash:
        @hookimpl
        def register_functions(self, register: Any) -> None:
            register(lambda x: x, name="money")

    plugins = Plugins(load_entry_points=False)
    plugins.add(Clash(), "clash", distribution="flowhub-clash")
    assert plugins.functions() == {}
    assert "plugin function 'money' clashes with the built-in" in str(plugins.broken()[0])


def test_blocked_plugins_are_not_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWHUB_DISABLE_PLUGINS", "sql")
    plugins = Plugins()
    assert "sql" not in plugins.connectors() and "files" in plugins.connectors()
    with pytest.raises(ConfigError, match=r"^unknown connector 'sql' \(known: .*files"):
        plugins.connector("sql")


def test_an_unknown_connector_name_suggests_the_close_one() -> None:
    with pytest.raises(ConfigError, match=r"^unknown connector 'fils' \(did you mean 'files'\?\)$"):
        Plugins().connector("fils")


def test_capabilities_follow_the_methods_a_connector_overrides() -> None:
    caps = Memory.entity_class("contacts").capabilities()
    assert (caps.read, caps.create, caps.update, caps.delete, caps.writeback) == (True, True, True, False, True)
    assert caps.find_by_key == ("id", "email") and caps.incremental
    assert issubclass(Memory, Connector)

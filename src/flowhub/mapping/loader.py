"""Read a mapping YAML file and compile it into a FieldMapping, or fail at file:line: field."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from flowhub.errors import MappingError, did_you_mean
from flowhub.functions import merge_functions
from flowhub.mapping.builder import SectionCompiler
from flowhub.mapping.checks import Names
from flowhub.mapping.environment import build_environment
from flowhub.mapping.expressions import ExpressionCompiler
from flowhub.mapping.fieldmapping import FieldMapping
from flowhub.mapping.runtime import object_builder
from flowhub.mapping.tables import POLICIES, Lookup, ValueMap, key_text
from flowhub.yamlfile import YamlDoc, field_path, load_yaml

__all__ = ["load_mapping"]

TOP_LEVEL_KEYS = ("description", "fields", "create", "update", "defaults", "value_maps", "lookups", "when")
SECTIONS = ("fields", "create", "update")
VARIABLES = frozenset({"source", "refs", "flow", "now", "omit", "target"})
_VALUE_MAP_KEYS = ("map", "unmapped", "default")


def load_mapping(path: Path, *, functions: Mapping[str, Callable[..., Any]] | None = None,
                 target_fields: Collection[str] | None = None, now: datetime | None = None) -> FieldMapping:
    """Compile the mapping at ``path`` once; every expression is parsed and checked here.

    ``functions`` are the plugins' extra functions; ``target_fields`` (when known) are the fields
    the target accepts, so a misspelt target field fails now rather than at the API.
    """
    doc = load_yaml(path, error=MappingError)
    data = _top_level(doc)
    try:
        calls = merge_functions(functions or {})
    except ValueError as exc:
        raise MappingError(doc.name, None, None, str(exc)) from None
    value_maps = _value_maps(doc, data.get("value_maps", {}))
    lookups = _lookups(doc, data.get("lookups", {}))
    mapping = _compile(doc, data, calls, value_maps, lookups)
    if target_fields is not None:
        _check_targets(doc, data, set(target_fields))
    if now is not None:
        mapping.now = now
    return mapping


def _error(doc: YamlDoc, loc: tuple[str | int, ...], problem: str) -> MappingError:
    return MappingError(doc.name, doc.line_of(loc), field_path(loc) or None, problem)


def _top_level(doc: YamlDoc) -> dict[str, Any]:
    data = doc.data
    if not isinstance(data, dict):
        raise MappingError(doc.name, doc.line_of(()), None,
                           "a mapping file is a YAML mapping with 'fields:' and friends")
    for key, value in data.items():
        if key not in TOP_LEVEL_KEYS:
            raise _error(doc, (key,), f"unknown key '{key}' ({did_you_mean(str(key), TOP_LEVEL_KEYS)})")
        if key in ("description", "when"):
            continue
        if not isinstance(value, dict):
            raise _error(doc, (key,), f"expected a mapping, got {_kind(value)}")
    return data


def _kind(value: Any) -> str:
    return "nothing" if value is None else f"a {type(value).__name__}"


def _value_maps(doc: YamlDoc, spec: dict[Any, Any]) -> dict[str, ValueMap]:
    out: dict[str, ValueMap] = {}
    for name, entry in spec.items():
        loc = ("value_maps", name)
        if not isinstance(entry, dict):
            raise _error(doc, loc, f"expected a mapping with 'map:' and 'unmapped:', got {_kind(entry)}")
        for key in entry:
            if key not in _VALUE_MAP_KEYS:
                hint = did_you_mean(str(key), _VALUE_MAP_KEYS)
                raise _error(doc, (*loc, key), f"unknown key '{key}' ({hint})")
        if not isinstance(entry.get("map"), dict):
            raise _error(doc, (*loc, "map"), "expected a mapping of source values to target values")
        policy = entry.get("unmapped", "default" if "default" in entry else "fail")
        if policy not in POLICIES:
            raise _error(doc, (*loc, "unmapped"), f"expected one of {', '.join(POLICIES)}, got {policy!r}")
        if (policy == "default") != ("default" in entry):
            problem = ("'unmapped: default' needs a 'default:' value" if policy == "default"
                       else f"'default:' is only used with 'unmapped: default', not '{policy}'")
            raise _error(doc, loc, problem)
        table = _table(doc, entry["map"], (*loc, "map"))
        out[str(name)] = ValueMap(str(name), table, policy, entry.get("default"))
    return out


def _lookups(doc: YamlDoc, spec: dict[Any, Any]) -> dict[str, Lookup]:
    out: dict[str, Lookup] = {}
    for name, table in spec.items():
        if not isinstance(table, dict):
            raise _error(doc, ("lookups", name), f"expected a mapping of keys to values, got {_kind(table)}")
        out[str(name)] = Lookup(str(name), _table(doc, table, ("lookups", name)))
    return out


def _table(doc: YamlDoc, table: dict[Any, Any], loc: tuple[str | int, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        try:
            out[key_text(key)] = value
        except TypeError as exc:
            raise _error(doc, (*loc, key), str(exc)) from None
    return out


Functions = dict[str, Callable[..., Any]]


def _table_functions(value_maps: dict[str, ValueMap],
                     lookups: dict[str, Lookup]) -> tuple[Functions, Functions]:
    """``lookup``/``value_map`` as calls (table name first) and as filters (value first)."""

    def lookup(table: str, key: Any, default: Any = _NO_DEFAULT) -> Any:
        return _named(lookups, table, "lookup table")(key, *(() if default is _NO_DEFAULT else (default,)))

    def lookup_filter(key: Any, table: str, default: Any = _NO_DEFAULT) -> Any:
        return lookup(table, key, default)

    def value_map(name: str, value: Any) -> Any:
        return _named(value_maps, name, "value map")(value)

    def value_map_filter(value: Any, name: str) -> Any:
        return value_map(name, value)

    calls: Functions = {"lookup": lookup, "value_map": value_map}
    return calls, {"lookup": lookup_filter, "value_map": value_map_filter}


_NO_DEFAULT: Any = object()


def _named(tables: Mapping[str, Any], name: Any, kind: str) -> Any:
    try:
        return tables[name]
    except (KeyError, TypeError):
        raise LookupError(f"unknown {kind} {name!r} ({did_you_mean(str(name), tables)})") from None


def _compile(doc: YamlDoc, data: dict[str, Any], functions: dict[str, Callable[..., Any]],
             value_maps: dict[str, ValueMap], lookups: dict[str, Lookup]) -> FieldMapping:
    table_calls, table_filters = _table_functions(value_maps, lookups)
    calls, filters = {**functions, **table_calls}, {**functions, **table_filters}
    env = build_environment(calls, filters)
    names = Names(VARIABLES, frozenset(calls), frozenset(lookups), frozenset(value_maps))
    compiler = SectionCompiler(doc, env, ExpressionCompiler(env, calls, filters), names)
    sections = {name: data.get(name, {}) for name in SECTIONS}
    _check_sections(doc, sections)
    defaults = data.get("defaults", {})
    written = {key: name for name in SECTIONS for key in sections[name]}
    compiler.check_defaults(defaults, written, ("defaults",), "fields, create or update")
    entries = {name: compiler.entries(sections[name], (name,), VARIABLES, (), defaults, ("defaults",),
                                       check=False)
               for name in SECTIONS}
    when = compiler.condition(data["when"], ("when",), VARIABLES) if "when" in data else None
    modes = ("create", "update")
    return FieldMapping(
        path=doc.path, name=doc.name,
        builders={mode: object_builder(entries["fields"] + entries[mode]) for mode in modes},
        written={mode: frozenset(sections["fields"]) | frozenset(sections[mode]) for mode in modes},
        lines=compiler.lines, value_maps=value_maps, when=when,
        when_text=str(data.get("when", "")), when_line=doc.line_of(("when",)),
    )


def _check_sections(doc: YamlDoc, sections: dict[str, dict[Any, Any]]) -> None:
    """A field lives in ``fields`` or in ``create``/``update``, never twice: which would win?"""
    for mode in ("create", "update"):
        for key in sections[mode]:
            if key in sections["fields"]:
                raise _error(doc, (mode, key), f"'{key}' is already written by fields; "
                                               f"move it to create and update instead")


def _check_targets(doc: YamlDoc, data: dict[str, Any], targets: set[str]) -> None:
    for name in (*SECTIONS, "defaults"):
        for key in data.get(name, {}):
            if key not in targets:
                hint = did_you_mean(str(key), targets)
                raise _error(doc, (name, key), f"unknown target field '{key}' ({hint})")

"""Turn a flow file into a ready-to-run plan: connectors opened, mappings and templates compiled.

Every check that can fail before a record is touched happens here, and names file, line and field:
unknown connection, connector or entity, a filter or match key the connector cannot do, a write the
target cannot take, a missing or broken mapping, a cyclic dependency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowhub.connections import (
    ConnectionDef,
    environment,
    find_connections_file,
    inline_connections,
    load_connections,
    open_connector,
)
from flowhub.connector import ApiRecord, Connector, Entity
from flowhub.errors import ConfigError, FlowFileError, did_you_mean
from flowhub.flowfile import Flow, MatchRule, Requirement, load_flow
from flowhub.mapping import FieldMapping, load_mapping
from flowhub.plugins import Plugins
from flowhub.templates import Template, compile_template
from flowhub.yamlfile import YamlDoc

__all__ = ["Dependency", "PreparedFlow", "Rule", "prepare", "topological"]

TEMPLATE_NAMES = ("source", "payload", "refs", "flow")


@dataclass(frozen=True)
class Rule:
    """One match rule: the id link (field None) or a target field and the value to look for."""

    field: str | None
    value: Template | None = None


@dataclass
class Dependency:
    """A requirement, compiled: how to find or create the record this one needs."""

    spec: Requirement
    scope: str
    target: Entity
    mapping: FieldMapping | None
    rules: list[Rule]
    key: Template
    when: Template | None
    each: Template | None = None


@dataclass
class PreparedFlow:
    """Everything the runner needs, checked and compiled once per run."""

    flow: Flow
    doc: YamlDoc
    source: Entity
    target: Entity
    mapping: FieldMapping
    rules: list[Rule]
    deps: list[Dependency]
    writeback: dict[str, Template] | None
    writeback_when: Template | None
    scope: str
    connectors: list[Connector] = field(default_factory=list)
    unique: Rule | None = None  # the source key records must not share (S11)

    @property
    def name(self) -> str:
        return self.flow.name

    def close(self) -> None:
        for connector in self.connectors:
            connector.close()


class _Preparer:
    """Builds a PreparedFlow; one instance per flow file."""

    def __init__(self, flow: Flow, doc: YamlDoc, plugins: Plugins, connections_file: Path | None) -> None:
        self.flow, self.doc, self.plugins = flow, doc, plugins
        self.functions = dict(plugins.functions())
        self.defs = self._connection_defs(connections_file)
        self.env = environment([flow.path.parent, *{d.doc.path.parent for d in self.defs.values()}])
        self.opened: dict[str, Connector] = {}

    def fail(self, loc: Sequence[str | int], problem: str) -> FlowFileError:
        from flowhub.yamlfile import field_path

        return FlowFileError(self.doc.name, self.doc.line_of(loc), field_path(loc), problem)

    def _connection_defs(self, connections_file: Path | None) -> dict[str, ConnectionDef]:
        defs: dict[str, ConnectionDef] = {}
        path = connections_file or find_connections_file(self.flow.path)
        if path is not None:
            defs.update(load_connections(path))
        if isinstance(self.doc.data, dict) and isinstance(self.doc.data.get("connections"), dict):
            defs.update(inline_connections(self.doc, self.doc.data["connections"]))
        return defs

    def connector(self, name: str, loc: Sequence[str | int]) -> Connector:
        if name in self.opened:
            return self.opened[name]
        if name not in self.defs:
            where = "in connections.yaml or the flow's connections:"
            raise self.fail(loc, f"unknown connection '{name}' {where} ({did_you_mean(name, self.defs)})")
        defn = self.defs[name]
        try:
            cls = self.plugins.connector(defn.connector)
        except ConfigError as exc:
            raise FlowFileError(defn.doc.name, defn.line,
                                f"{name}.connector", str(exc)) from None
        self.opened[name] = open_connector(defn, cls, self.env)
        return self.opened[name]

    def entity(self, connector: Connector, name: str, loc: Sequence[str | int]) -> Entity:
        try:
            return connector.entity(name)
        except ConfigError as exc:
            raise self.fail(loc, str(exc)) from None

    def template(self, text: Any, loc: Sequence[str | int], names: Sequence[str] = TEMPLATE_NAMES) -> Template:
        from flowhub.yamlfile import field_path

        from flowhub.functions import BUILTIN_FUNCTIONS

        return compile_template(text, file=self.doc.name, line=self.doc.line_of(loc), field=field_path(loc),
                                names=names, functions={**BUILTIN_FUNCTIONS, **self.functions})

    def mapping(self, relative: str, loc: Sequence[str | int], target: Entity) -> FieldMapping:
        path = self.flow.resolve(relative)
        if not path.is_file():
            raise self.fail(loc, f"mapping file not found: {relative}")
        return load_mapping(path, functions=self.functions, target_fields=target_fields(target))

    def rules(self, rules: Sequence[Any], loc: Sequence[str | int], target: Entity,
              names: Sequence[str] = TEMPLATE_NAMES) -> list[Rule]:
        out: list[Rule] = []
        caps = target.capabilities()
        for i, rule in enumerate(rules):
            if rule == "link":
                out.append(Rule(None))
                continue
            assert isinstance(rule, MatchRule)
            if not type(target.connector).dynamic_entities and rule.field not in caps.find_by_key:
                raise self.fail((*loc, i, "field"), f"{target.connector.name}/{target.name} cannot find "
                                f"records by '{rule.field}' ({did_you_mean(rule.field, caps.find_by_key)})")
            value = rule.value if rule.value is not None else "{{ payload['" + rule.field + "'] }}"
            out.append(Rule(rule.field, self.template(value, (*loc, i, "value"), names)))
        return out


def target_fields(entity: Entity) -> set[str] | None:
    """The fields a mapping may write, or None when the entity takes any (files, tables)."""
    model = entity.model
    if model is ApiRecord or not model.model_fields:
        return None
    return {info.alias or name for name, info in model.model_fields.items()} | set(model.model_fields)


def prepare(path: Path, *, plugins: Plugins, connections_file: Path | None = None) -> PreparedFlow:
    """Load, check and compile one flow file."""
    flow, doc = load_flow(path)
    p = _Preparer(flow, doc, plugins, connections_file)
    try:
        return _build(p)
    except BaseException:
        for connector in p.opened.values():
            connector.close()
        raise


def _build(p: _Preparer) -> PreparedFlow:
    flow = p.flow
    src_conn = p.connector(flow.source.connection, ("source", "connection"))
    source = p.entity(src_conn, flow.source.entity, ("source", "entity"))
    tgt_conn = p.connector(flow.target.connection, ("target", "connection"))
    target = p.entity(tgt_conn, flow.target.entity, ("target", "entity"))
    _check_source(p, source)
    _check_target(p, target)
    mapping = p.mapping(flow.mapping, ("mapping",), target)
    rules = p.rules(flow.match, ("match",), target)
    deps = [_dependency(p, req, i, target) for i, req in topological(p, flow.requires)]
    writeback, when = _writeback(p, source)
    scope = f"{flow.source.connection}/{flow.source.entity}->{flow.target.connection}/{flow.target.entity}"
    unique = _unique(p, source)
    return PreparedFlow(flow, p.doc, source, target, mapping, rules, deps, writeback, when, scope,
                        list(p.opened.values()), unique)


def _unique(p: _Preparer, source: Entity) -> Rule | None:
    """``unique:``: the source must be able to find its records by that field."""
    rule = p.flow.unique
    if rule is None:
        return None
    if rule.value is None:
        raise p.fail(("unique",), 'give the value to look for, e.g. value: "{{ source.number }}"')
    caps = source.capabilities()
    if not type(source.connector).dynamic_entities and rule.field not in caps.find_by_key:
        raise p.fail(("unique", "field"), f"{source.connector.name}/{source.name} cannot find records by "
                     f"'{rule.field}' ({did_you_mean(rule.field, caps.find_by_key)})")
    return Rule(rule.field, p.template(rule.value, ("unique", "value")))


def _check_source(p: _Preparer, source: Entity) -> None:
    caps = source.capabilities()
    if not caps.read:
        raise p.fail(("source", "entity"), f"{source.connector.name}/{source.name} cannot be read")
    if not type(source.connector).dynamic_entities:
        for key in p.flow.source.where:
            if key not in caps.filters:
                raise p.fail(("source", "where", key), f"{source.connector.name}/{source.name} has no filter "
                             f"'{key}' ({did_you_mean(key, caps.filters)})")
    if p.flow.source.since and not caps.incremental:
        raise p.fail(("source", "since"), f"{source.connector.name}/{source.name} has no cursor to read from")


def _check_target(p: _Preparer, target: Entity) -> None:
    caps, flow, name = target.capabilities(), p.flow, f"{target.connector.name}/{target.name}"
    if flow.missing == "create" and not caps.create:
        raise p.fail(("target", "entity"), f"{name} cannot create records (use missing: skip for updates only)")
    if flow.existing == "update" and not caps.update:
        raise p.fail(("existing",), f"{name} cannot update records (use existing: skip)")
    if flow.deleted == "soft" and not caps.soft_delete:
        raise p.fail(("deleted",), f"{name} cannot soft-delete records (use deleted: ignore or hard)")
    if flow.deleted == "hard" and not caps.delete:
        raise p.fail(("deleted",), f"{name} cannot delete records (use deleted: ignore)")


def _dependency(p: _Preparer, req: Requirement, i: int, main_target: Entity) -> Dependency:
    loc: tuple[str | int, ...] = ("requires", i)
    if req.target is not None:
        conn = p.connector(req.target.connection, (*loc, "target", "connection"))
        target = p.entity(conn, req.target.entity, (*loc, "target", "entity"))
    else:
        target = p.entity(main_target.connector, str(req.entity), (*loc, "entity"))
    mapping = p.mapping(req.mapping, (*loc, "mapping"), target) if req.mapping else None
    if req.missing == "create" and not target.capabilities().create:
        raise p.fail((*loc, "missing"), f"{target.connector.name}/{target.name} cannot create records")
    src = req.source_entity or req.name
    scope = f"{p.flow.source.connection}/{src}->{target.connector.connection_name}/{target.name}"
    names = ("source", "refs", "flow")
    key_names = (*names, "item") if req.each else names
    rule_names = (*TEMPLATE_NAMES, "item", "key")
    return Dependency(req, scope, target, mapping, p.rules(req.match, (*loc, "match"), target, rule_names),
                      p.template(req.key, (*loc, "key"), key_names),
                      p.template(req.when, (*loc, "when"), names) if req.when else None,
                      p.template(req.each, (*loc, "each"), names) if req.each else None)


def _writeback(p: _Preparer, source: Entity) -> tuple[dict[str, Template] | None, Template | None]:
    wb = p.flow.writeback
    if wb is None:
        return None, None
    if not source.capabilities().writeback:
        raise p.fail(("writeback",), f"{source.connector.name}/{source.name} cannot take a write-back")
    names = (*TEMPLATE_NAMES, "target_key", "outcome")  # what was written, and how it went
    values = {k: p.template(v, ("writeback", "set", k), names) for k, v in wb.set.items()}
    return values, p.template(wb.when, ("writeback", "when"), names) if wb.when else None


def topological(p: _Preparer, reqs: Sequence[Requirement]) -> list[tuple[int, Requirement]]:
    """Requirements in an order that honours ``after``; a cycle is a FlowFileError naming it."""
    by_name = {r.name: (i, r) for i, r in enumerate(reqs)}
    for i, r in enumerate(reqs):
        for j, other in enumerate(r.after):
            if other not in by_name:
                raise p.fail(("requires", i, "after", j), f"unknown requirement '{other}' "
                             f"({did_you_mean(other, by_name)})")
    order: list[tuple[int, Requirement]] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = " -> ".join([*path[path.index(name):], name])
            raise p.fail(("requires", by_name[name][0], "after"), f"cyclic dependency: {cycle}")
        state[name] = "visiting"
        for other in by_name[name][1].after:
            visit(other, [*path, name])
        state[name] = "done"
        order.append(by_name[name])

    for r in reqs:
        visit(r.name, [])
    return [(i, r) for i, r in order if r.enabled]

"""Load-time checks of one parsed expression: sandbox escapes, unknown names, filters and tables."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

from jinja2 import meta, nodes
from jinja2.exceptions import TemplateError

from flowhub.errors import did_you_mean
from flowhub.mapping.environment import MappingEnvironment

__all__ = ["Names", "problem_in"]

_TABLE_FUNCTIONS = {"lookup": "lookup table", "value_map": "value map"}


@dataclass(frozen=True)
class Names:
    """What an expression may refer to at one place in the mapping."""

    variables: frozenset[str]
    functions: frozenset[str]
    lookups: frozenset[str]
    value_maps: frozenset[str]


def problem_in(tree: nodes.Template, env: MappingEnvironment, names: Names) -> str | None:
    """The first problem of ``tree`` as a sentence for a person, or ``None`` when it is fine."""
    for check in (_underscore_access, _unknown_filter_or_test):
        problem = check(tree, env)
        if problem:
            return problem
    return _unknown_name(tree, env, names) or _unknown_table(tree, names)


def _underscore_access(tree: nodes.Template, env: MappingEnvironment) -> str | None:
    """Reject ``x._y``, ``x['_y']`` and ``x | attr('_y')``: the classic ways out of the sandbox."""
    found = [_accessed_name(node) for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter))]
    for name in reversed(found):  # innermost first: ''.__class__.__mro__ names __class__
        if name is not None and name.startswith("_"):
            return (f"'{name}' is off limits: mappings may only read the record, "
                    "not names starting with '_' (sandbox)")
    return None


def _accessed_name(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Getattr):
        return node.attr
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return node.arg.value if isinstance(node.arg.value, str) else None
    if isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
        first = node.args[0]
        return first.value if isinstance(first, nodes.Const) and isinstance(first.value, str) else None
    return None


def _unknown_filter_or_test(tree: nodes.Template, env: MappingEnvironment) -> str | None:
    for node in tree.find_all((nodes.Filter, nodes.Test)):
        known = env.filters if isinstance(node, nodes.Filter) else env.tests
        if node.name not in known:
            kind = "filter" if isinstance(node, nodes.Filter) else "test"
            return f"unknown {kind} '{node.name}' ({did_you_mean(node.name, known)})"
    return None


def _unknown_name(tree: nodes.Template, env: MappingEnvironment, names: Names) -> str | None:
    try:
        used = meta.find_undeclared_variables(tree)
    except TemplateError as exc:
        return f"template error: {exc.message}"
    unknown = sorted(used - names.variables - names.functions)
    if not unknown:
        return None
    name = unknown[0]
    if name in _called_names(tree):
        return f"unknown function '{name}' ({did_you_mean(name, names.functions)})"
    return f"unknown variable '{name}' ({did_you_mean(name, names.variables)})"


def _called_names(tree: nodes.Template) -> set[str]:
    return {call.node.name for call in tree.find_all(nodes.Call) if isinstance(call.node, nodes.Name)}


def _unknown_table(tree: nodes.Template, names: Names) -> str | None:
    """``lookup('name', ...)``, ``x | lookup('name')`` and the same for ``value_map``."""
    known: Mapping[str, Collection[str]] = {"lookup": names.lookups, "value_map": names.value_maps}
    for function, table in _table_references(tree):
        if table not in known[function]:
            kind = _TABLE_FUNCTIONS[function]
            return f"unknown {kind} '{table}' ({did_you_mean(table, known[function])})"
    return None


def _table_references(tree: nodes.Template) -> Iterator[tuple[str, str]]:
    for node in tree.find_all((nodes.Call, nodes.Filter)):
        if isinstance(node, nodes.Call):
            function = node.node.name if isinstance(node.node, nodes.Name) else None
            args = node.args
        else:
            function, args = node.name, node.args  # type: ignore[attr-defined]
        if function in _TABLE_FUNCTIONS and args and isinstance(args[0], nodes.Const):
            yield function, str(args[0].value)

"""Closure factories for compiled expressions: fast paths through dicts and direct function calls."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from jinja2 import Undefined, nodes

from flowhub.mapping.environment import OMIT, MappingEnvironment

__all__ = [
    "BINARY",
    "COMPARE",
    "UNARY",
    "Evaluator",
    "caller",
    "check",
    "fast_path",
    "path_of",
    "text_renderer",
]

Evaluator = Callable[[dict[str, Any]], Any]

_MISS = (KeyError, IndexError, TypeError)
COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "gteq": operator.ge,
    "lt": operator.lt, "lteq": operator.le,
    "in": lambda a, b: a in b, "notin": lambda a, b: a not in b,
}
BINARY: dict[type[nodes.Node], Callable[[Any, Any], Any]] = {
    nodes.Add: operator.add, nodes.Sub: operator.sub, nodes.Mul: operator.mul,
    nodes.Div: operator.truediv, nodes.FloorDiv: operator.floordiv, nodes.Mod: operator.mod,
    nodes.Pow: operator.pow,
}
UNARY: dict[type[nodes.Node], Callable[[Any], Any]] = {
    nodes.Not: operator.not_, nodes.Neg: operator.neg, nodes.Pos: operator.pos,
}



def check(value: Any) -> Any:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    return value



Path = tuple[str, tuple[tuple[str | int, bool], ...]]


def path_of(node: nodes.Node, env: MappingEnvironment) -> Path | None:
    """``source.lines[0].sku`` -> ("source", (("lines", True), (0, False), ("sku", True)))."""
    keys: list[tuple[str | int, bool]] = []
    while isinstance(node, nodes.Getattr | nodes.Getitem):
        if isinstance(node, nodes.Getattr):
            keys.append((node.attr, True))
        elif (isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str | int)
              and not isinstance(node.arg.value, bool)):
            keys.append((node.arg.value, False))
        else:
            return None
        node = node.node
    if not isinstance(node, nodes.Name) or node.name in env.globals:
        return None
    return node.name, tuple(reversed(keys))


def fast_path(base: str, keys: tuple[str | int, ...], slow: Evaluator) -> Evaluator:
    """Index straight through dicts and lists; any miss replays the path through the sandbox."""
    if len(keys) == 1:
        (k1,) = keys

        def get1(scope: dict[str, Any]) -> Any:
            try:
                return scope[base][k1]
            except _MISS:
                return slow(scope)

        return get1
    if len(keys) == 2:
        k1, k2 = keys

        def get2(scope: dict[str, Any]) -> Any:
            try:
                return scope[base][k1][k2]
            except _MISS:
                return slow(scope)

        return get2

    def get(scope: dict[str, Any]) -> Any:
        try:
            value = scope[base]
            for key in keys:
                value = value[key]
            return value
        except _MISS:
            return slow(scope)

    return get


def caller(function: Callable[..., Any], positional: list[Evaluator],
           keywords: dict[str, Evaluator]) -> Evaluator:
    """A call of ``function`` with evaluated arguments; the common one- and two-argument cases unrolled."""
    if not keywords and len(positional) == 1:
        (first,) = positional
        return lambda scope: function(first(scope))
    if not keywords and len(positional) == 2:
        first, second = positional
        return lambda scope: function(first(scope), second(scope))

    def call(scope: dict[str, Any]) -> Any:
        return function(*[arg(scope) for arg in positional], **{k: v(scope) for k, v in keywords.items()})

    return call


def _shown(value: Any) -> str:
    """How a value prints in mixed text: as Jinja's ``str()``, but ``None`` and ``omit`` as nothing."""
    return "" if value is None or value is OMIT else str(value)


def text_renderer(fill: Callable[..., str], parts: list[Evaluator]) -> Evaluator:
    """Mixed text: ``fill`` (a bound ``str.format``) given each expression's text."""
    if len(parts) == 1:
        (first,) = parts
        return lambda scope: fill(_shown(first(scope)))
    if len(parts) == 2:
        first, second = parts
        return lambda scope: fill(_shown(first(scope)), _shown(second(scope)))
    return lambda scope: fill(*[_shown(part(scope)) for part in parts])

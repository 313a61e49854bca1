"""Compile one parsed Jinja template into a plain Python closure, keeping the sandbox's semantics.

Jinja's own render machinery costs microseconds per call (a context, a generator, a join), which
is most of the time a mapping spends. The common node kinds (paths, constants, filters and calls of
mapping functions, comparisons, boolean and arithmetic operators) are turned into closures here;
attribute access still goes through the sandboxed environment whenever it is not a plain key read
of a dict. Anything else (method calls, ``{% if %}`` blocks, slices, filters that want the context)
falls back to Jinja itself, for the whole expression, so both routes share one meaning.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import nodes
from jinja2.environment import TemplateExpression
from jinja2.nodes import EvalContext

from flowhub.mapping.closures import (
    BINARY,
    COMPARE,
    UNARY,
    Evaluator,
    caller,
    check,
    fast_path,
    path_of,
    text_renderer,
)
from flowhub.mapping.environment import MappingEnvironment

__all__ = ["Evaluator", "ExpressionCompiler", "Unsupported", "is_single_expression"]

_NONE: Mapping[str, Callable[..., Any]] = {}


class Unsupported(Exception):
    """This node is left to Jinja."""


def is_single_expression(tree: nodes.Template) -> bool:
    """``"{{ expr }}"`` and nothing else: the value keeps its type (int, Decimal, None, dict)."""
    body = tree.body
    return (len(body) == 1 and isinstance(body[0], nodes.Output) and len(body[0].nodes) == 1
            and not isinstance(body[0].nodes[0], nodes.TemplateData))


class ExpressionCompiler:
    """Turns templates into closures over a scope dict (``source``, ``refs``, loop variables...)."""

    def __init__(self, env: MappingEnvironment, calls: Mapping[str, Callable[..., Any]],
                 filters: Mapping[str, Callable[..., Any]]) -> None:
        self.env = env
        # the mapping's own functions, called directly with undefined arguments refused first
        self.calls, self.filters = calls, filters
        self._eval_context = EvalContext(env)

    def template(self, tree: nodes.Template) -> Evaluator:
        """The closure for a whole template: native value for one expression, text otherwise."""
        if is_single_expression(tree):
            return self.root(tree.body[0].nodes[0])  # type: ignore[attr-defined]
        parts = self._output_parts(tree)
        try:
            if parts is None:
                raise Unsupported
            return self._text(parts)
        except Unsupported:
            compiled = self.env.from_string(tree)
            return compiled.render

    def root(self, node: nodes.Expr) -> Evaluator:
        """A field's whole value: fails on a missing value instead of handing back an undefined.

        Checking here, once per expression and only where an undefined can come out, keeps
        the check off the per-field loop.
        """
        try:
            return self._defined(node)
        except Unsupported:
            evaluate = self.with_jinja(node)
        return lambda scope: check(evaluate(scope))

    def _defined(self, node: nodes.Node) -> Evaluator:
        """``node`` compiled so that it fails on an undefined value rather than returning it."""
        path = path_of(node, self.env)
        if path is not None:
            return self._path(*path, checked=True)
        evaluate = self.compile_node(node)
        if self._always_defined(node):
            return evaluate
        return lambda scope: check(evaluate(scope))

    def _always_defined(self, node: nodes.Node) -> bool:
        if isinstance(node, nodes.Filter):
            return node.name in self.filters  # the mapping's own functions refuse undefined input
        return not isinstance(node, nodes.Getattr | nodes.Getitem | nodes.And | nodes.Or | nodes.CondExpr)

    def with_jinja(self, node: nodes.Expr) -> Evaluator:
        body = [nodes.Assign(nodes.Name("result", "store"), node, lineno=1)]
        tree = nodes.Template(body, lineno=1)
        tree.set_environment(self.env)
        compiled = TemplateExpression(self.env.from_string(tree), undefined_to_none=False)
        return compiled

    @staticmethod
    def _output_parts(tree: nodes.Template) -> list[nodes.Node] | None:
        parts: list[nodes.Node] = []
        for item in tree.body:
            if not isinstance(item, nodes.Output):
                return None
            parts.extend(item.nodes)
        return parts

    def _text(self, parts: list[nodes.Node]) -> Evaluator:
        """Mixed text as one ``str.format`` over the expressions' text (``None``/``omit`` as nothing).

        The format string is built from the template's literal text with braces doubled, and has
        only positional ``{}`` fields, so nothing in it is ever looked up.
        """
        texts, evaluators = [], []
        for part in parts:
            if isinstance(part, nodes.TemplateData):
                texts.append(part.data.replace("{", "{{").replace("}", "}}"))
            else:
                texts.append("{}")
                evaluators.append(self.compile_node(part))
        return text_renderer("".join(texts).format, evaluators)

    def compile_node(self, node: nodes.Node) -> Evaluator:
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise Unsupported
        return handler(self, node)

    # -- leaves and paths ---------------------------------------------------------------------

    def _const(self, node: nodes.Const) -> Evaluator:
        value = node.value
        return lambda scope: value

    def _name(self, node: nodes.Name) -> Evaluator:
        name = node.name
        if name in self.env.globals:
            function = self.env.globals[name]
            return lambda scope: function
        return lambda scope: scope[name]

    def _access(self, node: nodes.Getattr | nodes.Getitem) -> Evaluator:
        path = path_of(node, self.env)
        if path is not None:
            return self._path(*path)
        if isinstance(node, nodes.Getitem):
            return self._getitem(node)
        return self._getattr(self.compile_node(node.node), node.attr)

    def _getattr(self, target: Evaluator, attr: str) -> Evaluator:
        sandboxed = self.env.getattr

        def get(scope: dict[str, Any]) -> Any:
            obj = target(scope)
            if type(obj) is dict and attr in obj:
                return obj[attr]
            return sandboxed(obj, attr)

        return get

    def _getitem(self, node: nodes.Getitem) -> Evaluator:
        if isinstance(node.arg, nodes.Slice):
            raise Unsupported
        target, key, sandboxed = self.compile_node(node.node), self.compile_node(node.arg), self.env.getitem
        return lambda scope: sandboxed(target(scope), key(scope))

    def _path(self, base: str, keys: tuple[tuple[str | int, bool], ...], checked: bool = False) -> Evaluator:
        """``source.billing.email``: plain indexing when every step is a dict key, else the sandbox."""
        env = self.env

        def slow(scope: dict[str, Any]) -> Any:
            value = scope[base]
            for key, is_attr in keys:
                value = env.getattr(value, key) if is_attr else env.getitem(value, key)  # type: ignore[arg-type]
            return check(value) if checked else value

        return fast_path(base, tuple(k for k, _ in keys), slow)

    # -- calls ----------------------------------------------------------------------------------

    def _callable(self, name: str, own: Mapping[str, Callable[..., Any]],
                  jinja: Mapping[str, Any]) -> tuple[Callable[..., Any], bool]:
        """The function to call and whether undefined arguments must be refused first."""
        if name in own:
            return own[name], True
        function = jinja[name]
        passes = getattr(function, "jinja_pass_arg", None)
        if passes is None:
            return function, False
        if passes.name == "environment":
            return functools.partial(function, self.env), False
        if passes.name == "eval_context":
            return functools.partial(function, self._eval_context), False
        raise Unsupported

    def _filter(self, node: nodes.Filter) -> Evaluator:
        if node.node is None:
            raise Unsupported
        function, strict = self._callable(node.name, self.filters, self.env.filters)
        return self._call_with(function, strict, [node.node, *node.args], node)

    def _test(self, node: nodes.Test) -> Evaluator:
        function, _ = self._callable(node.name, _NONE, self.env.tests)
        return self._call_with(function, False, [node.node, *node.args], node)

    def _call(self, node: nodes.Call) -> Evaluator:
        if not isinstance(node.node, nodes.Name) or node.node.name not in self.calls:
            raise Unsupported  # method calls go through Jinja's sandboxed call
        return self._call_with(self.calls[node.node.name], True, list(node.args), node)

    def _call_with(self, function: Callable[..., Any], strict: bool, args: list[nodes.Node],
                   node: nodes.Filter | nodes.Test | nodes.Call) -> Evaluator:
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            raise Unsupported
        compile_arg = self._defined if strict else self.compile_node
        positional = [compile_arg(arg) for arg in args]
        keywords: dict[str, Evaluator] = {}
        for keyword in node.kwargs:
            assert isinstance(keyword, nodes.Keyword)
            keywords[keyword.key] = compile_arg(keyword.value)
        return caller(function, positional, keywords)

    # -- operators and literals ----------------------------------------------------------------

    def _compare(self, node: nodes.Compare) -> Evaluator:
        first = self.compile_node(node.expr)
        ops = [(COMPARE[op.op], self.compile_node(op.expr)) for op in node.ops]
        if len(ops) == 1:
            (compare, right), = ops
            return lambda scope: compare(first(scope), right(scope))

        def chain(scope: dict[str, Any]) -> Any:
            left, result = first(scope), True
            for compare, evaluate in ops:
                right = evaluate(scope)
                result = compare(left, right)
                if not result:
                    return result
                left = right
            return result

        return chain

    def _binary(self, node: nodes.BinExpr) -> Evaluator:
        left, right, op = self.compile_node(node.left), self.compile_node(node.right), BINARY[type(node)]
        return lambda scope: op(left(scope), right(scope))

    def _unary(self, node: nodes.UnaryExpr) -> Evaluator:
        inner, op = self.compile_node(node.node), UNARY[type(node)]
        return lambda scope: op(inner(scope))

    def _and(self, node: nodes.And) -> Evaluator:
        left, right = self.compile_node(node.left), self.compile_node(node.right)
        return lambda scope: left(scope) and right(scope)

    def _or(self, node: nodes.Or) -> Evaluator:
        left, right = self.compile_node(node.left), self.compile_node(node.right)
        return lambda scope: left(scope) or right(scope)

    def _concat(self, node: nodes.Concat) -> Evaluator:
        parts = [self.compile_node(part) for part in node.nodes]
        return lambda scope: "".join([str(part(scope)) for part in parts])

    def _cond(self, node: nodes.CondExpr) -> Evaluator:
        if node.expr2 is None:
            raise Unsupported  # Jinja builds a helpful undefined for the missing else
        test, yes = self.compile_node(node.test), self.compile_node(node.expr1)
        no = self.compile_node(node.expr2)
        return lambda scope: yes(scope) if test(scope) else no(scope)

    def _list(self, node: nodes.List | nodes.Tuple) -> Evaluator:
        items = [self.compile_node(item) for item in node.items]
        if isinstance(node, nodes.Tuple):
            return lambda scope: tuple([item(scope) for item in items])
        return lambda scope: [item(scope) for item in items]

    def _dict(self, node: nodes.Dict) -> Evaluator:
        pairs = [(self.compile_node(pair.key), self.compile_node(pair.value)) for pair in node.items]
        return lambda scope: {key(scope): value(scope) for key, value in pairs}


_HANDLERS: dict[type[nodes.Node], Callable[[ExpressionCompiler, Any], Evaluator]] = {
    nodes.Const: ExpressionCompiler._const,
    nodes.Name: ExpressionCompiler._name,
    nodes.Getattr: ExpressionCompiler._access,
    nodes.Getitem: ExpressionCompiler._access,
    nodes.Filter: ExpressionCompiler._filter,
    nodes.Test: ExpressionCompiler._test,
    nodes.Call: ExpressionCompiler._call,
    nodes.Compare: ExpressionCompiler._compare,
    nodes.And: ExpressionCompiler._and,
    nodes.Or: ExpressionCompiler._or,
    nodes.Concat: ExpressionCompiler._concat,
    nodes.CondExpr: ExpressionCompiler._cond,
    nodes.List: ExpressionCompiler._list,
    nodes.Tuple: ExpressionCompiler._list,
    nodes.Dict: ExpressionCompiler._dict,
    **{kind: ExpressionCompiler._binary for kind in BINARY},
    **{kind: ExpressionCompiler._unary for kind in UNARY},
}

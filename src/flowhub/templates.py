"""Small templates inside flow files (match values, dependency keys, conditions), sandboxed."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from flowhub.errors import FlowFileError, RecordError

__all__ = ["Template", "compile_template"]

_SINGLE = re.compile(r"^\s*\{\{((?:(?!\}\}).)*)\}\}\s*$", re.S)  # one {{ expr }} and nothing else
_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


@dataclass(frozen=True)
class Template:
    """A compiled value: a constant, or a Jinja expression evaluated against a context."""

    text: Any
    where: str  # "file:line: field" for messages
    _fn: Callable[[Mapping[str, Any]], Any] | None = None

    def __call__(self, context: Mapping[str, Any]) -> Any:
        if self._fn is None:
            return self.text
        try:
            return self._fn(context)
        except SecurityError:
            raise RecordError(f"{self.where}: the template tried to reach an unsafe attribute") from None
        except (TemplateError, TypeError, ValueError, ArithmeticError) as exc:
            raise RecordError(f"{self.where}: {exc}") from None


def compile_template(text: Any, *, file: str, line: int | None, field: str, names: Collection[str],
                     functions: Mapping[str, Callable[..., Any]] | None = None) -> Template:
    """Compile ``text``; ``"{{ expr }}"`` gives a native value, other strings with ``{{`` give text."""
    where = f"{file}:{line}: {field}" if line else f"{file}: {field}"
    if not isinstance(text, str) or "{{" not in text and "{%" not in text:
        return Template(text, where)
    env = _ENV.overlay() if functions else _ENV
    if functions:
        env.globals.update(functions)
        env.filters.update(functions)
    single = _SINGLE.match(text)
    source = single.group(1) if single else text
    try:
        ast = env.parse("{{ " + source + " }}" if single else source)
    except TemplateError as exc:
        raise FlowFileError(file, line, field, f"template syntax error: {exc}") from None
    _check_names(ast, env, names, file, line, field)
    if single:
        expr = env.compile_expression(source, undefined_to_none=False)
        return Template(text, where, lambda ctx: expr(**ctx))
    template = env.from_string(text)
    return Template(text, where, lambda ctx: template.render(**ctx))


def _check_names(ast: nodes.Template, env: ImmutableSandboxedEnvironment, names: Collection[str],
                 file: str, line: int | None, field: str) -> None:
    for node in ast.find_all((nodes.Getattr,)):
        if node.attr.startswith("_"):
            raise FlowFileError(file, line, field, f"'{node.attr}' is not allowed: templates may only "
                                                   "read record fields (names starting with _ are blocked)")
    unknown = meta.find_undeclared_variables(ast) - set(names) - set(env.globals)
    if unknown:
        raise FlowFileError(file, line, field, f"unknown variable '{sorted(unknown)[0]}' "
                                               f"(available: {', '.join(sorted(names))})")

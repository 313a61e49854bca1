"""Compile the field sections of a mapping file into builder closures, checking every value once."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from jinja2 import meta
from jinja2.exceptions import TemplateError, TemplateSyntaxError

from flowhub.errors import MappingError, did_you_mean
from flowhub.mapping.checks import Names, problem_in
from flowhub.mapping.environment import MappingEnvironment
from flowhub.mapping.expressions import Evaluator, ExpressionCompiler, is_single_expression
from flowhub.mapping.runtime import Entry, list_builder, list_literal, object_builder
from flowhub.yamlfile import YamlDoc, field_path

__all__ = ["MISSING", "RESERVED_NAMES", "SectionCompiler", "is_template"]

Loc = tuple[str | int, ...]
Payload = tuple[str, ...]
MISSING: Any = object()
RESERVED_NAMES = frozenset({"source", "refs", "flow", "now", "omit", "loop", "target"})
_EACH_KEYS = ("each", "as", "when", "fields", "value")


def is_template(text: str) -> bool:
    return "{{" in text or "{%" in text or "{#" in text


class SectionCompiler:
    """Walks ``fields``/``create``/``update``/``defaults`` and returns closures; fails at file:line."""

    def __init__(self, doc: YamlDoc, env: MappingEnvironment, expressions: ExpressionCompiler,
                 names: Names) -> None:
        self.doc, self.env, self.expressions, self.names = doc, env, expressions, names
        self.lines: dict[Payload, int] = {}  # payload path (no list indices) -> line in the file
        self._used: list[set[str]] = [set()]

    def error(self, loc: Loc, problem: str) -> MappingError:
        return MappingError(self.doc.name, self.doc.line_of(loc), field_path(loc) or None, problem)

    # -- expressions ---------------------------------------------------------------------------

    def template(self, text: str, loc: Loc, variables: frozenset[str]) -> tuple[Evaluator, bool]:
        """Parse, check and compile one template; also says whether it keeps its native type."""
        try:
            tree = self.env.parse(text)
        except TemplateSyntaxError as exc:
            raise self.error(loc, f"template syntax error: {exc.message}") from None
        problem = problem_in(tree, self.env, replace(self.names, variables=variables))
        if problem:
            raise self.error(loc, problem)
        self._used[-1].update(meta.find_undeclared_variables(tree))
        try:
            return self.expressions.template(tree), is_single_expression(tree)
        except TemplateError as exc:
            raise self.error(loc, f"template error: {exc.message}") from None

    def condition(self, spec: Any, loc: Loc, variables: frozenset[str]) -> Evaluator:
        """A ``when:``: one ``{{ expression }}`` (or a plain true/false)."""
        if isinstance(spec, bool):
            return lambda scope: spec
        if isinstance(spec, str) and is_template(spec):
            evaluate, single = self.template(spec, loc, variables)
            if single:
                return evaluate
        raise self.error(loc, "expected one {{ expression }} that is true or false")

    # -- values ----------------------------------------------------------------------------------

    def value(self, spec: Any, loc: Loc, variables: frozenset[str], payload: Payload) -> Evaluator:
        """Any field value: template, constant, nested object, YAML list or ``each`` list."""
        if isinstance(spec, dict):
            if "each" in spec:
                return self.each(spec, loc, variables, payload, None, ())
            return object_builder(self.entries(spec, loc, variables, payload, {}, ()))
        if isinstance(spec, list):
            return list_literal([self.value(item, (*loc, i), variables, payload)
                                 for i, item in enumerate(spec)])
        if isinstance(spec, str) and is_template(spec):
            return self.template(spec, loc, variables)[0]
        return lambda scope: spec

    def entries(self, spec: dict[Any, Any], loc: Loc, variables: frozenset[str], payload: Payload,
                defaults: dict[Any, Any], defaults_loc: Loc, *, check: bool = True) -> list[Entry]:
        """One entry per target field of an object, each with its compiled default if any."""
        if check:
            self.check_defaults(defaults, spec, defaults_loc, field_path(loc))
        out: list[Entry] = []
        for key, sub in spec.items():
            if not isinstance(key, str):
                raise MappingError(self.doc.name, self.doc.line_of((*loc, key)), field_path((*loc, str(key))),
                                   f"field names must be text; write '{key}' in quotes")
            self.lines[(*payload, key)] = self.doc.line_of((*loc, key)) or 0
            out.append(self.entry(key, sub, (*loc, key), variables, (*payload, key),
                                  defaults.get(key, MISSING), (*defaults_loc, key)))
        return out

    def entry(self, key: str, spec: Any, loc: Loc, variables: frozenset[str], payload: Payload,
              default: Any, default_loc: Loc) -> Entry:
        nested = isinstance(spec, dict)
        if nested and "each" not in spec:
            if default is not MISSING and not isinstance(default, dict):
                raise self.error(default_loc, "defaults of an object are a mapping of its fields")
            inner = self.entries(spec, loc, variables, payload, {} if default is MISSING else default,
                                 default_loc)
            return key, object_builder(inner), None
        if nested and isinstance(default, dict):
            return key, self.each(spec, loc, variables, payload, default, default_loc), None
        compiled = self.each(spec, loc, variables, payload, None, ()) if nested else \
            self.value(spec, loc, variables, payload)
        fallback = None if default is MISSING else self.value(default, default_loc, variables, payload)
        return key, compiled, fallback

    def check_defaults(self, defaults: Any, known: dict[Any, Any], loc: Loc, where: str) -> None:
        if not isinstance(defaults, dict):
            kind = type(defaults).__name__
            raise self.error(loc, f"expected a mapping of field names to values, got {kind}")
        for key in defaults:
            if key not in known:
                hint = did_you_mean(str(key), [k for k in known if isinstance(k, str)])
                raise self.error((*loc, key), f"no field '{key}' in {where} ({hint})")

    # -- lists built from a source list -----------------------------------------------------------

    def each(self, spec: dict[Any, Any], loc: Loc, variables: frozenset[str], payload: Payload,
             item_defaults: dict[Any, Any] | None, defaults_loc: Loc) -> Evaluator:
        for key in spec:
            if key not in _EACH_KEYS:
                raise self.error((*loc, key), f"unknown key '{key}' in an each list "
                                              f"({did_you_mean(str(key), _EACH_KEYS)})")
        source = self._each_source(spec["each"], (*loc, "each"), variables)
        var = self._loop_variable(spec.get("as", "item"), (*loc, "as"), variables)
        inner = variables | {var, "loop"}
        self._used.append(set())
        when = self.condition(spec["when"], (*loc, "when"), inner - {"loop"}) if "when" in spec else None
        item = self._each_item(spec, loc, inner, payload, item_defaults, defaults_loc)
        needs_loop = "loop" in self._used.pop()
        return list_builder(source, var, when, item, needs_loop)

    def _each_source(self, spec: Any, loc: Loc, variables: frozenset[str]) -> Evaluator:
        if isinstance(spec, str) and is_template(spec):
            evaluate, single = self.template(spec, loc, variables)
            if single:
                return evaluate
        raise self.error(loc, "expected one {{ expression }} that gives a list")

    def _loop_variable(self, name: Any, loc: Loc, variables: frozenset[str]) -> str:
        if not isinstance(name, str) or not name.isidentifier():
            raise self.error(loc, f"expected a variable name such as 'line', got {name!r}")
        if name in RESERVED_NAMES or name in self.names.functions or name in variables:
            raise self.error(loc, f"'{name}' is already a name in mappings; choose another")
        return name

    def _each_item(self, spec: dict[Any, Any], loc: Loc, variables: frozenset[str], payload: Payload,
                   item_defaults: dict[Any, Any] | None, defaults_loc: Loc) -> Evaluator:
        if ("fields" in spec) == ("value" in spec):
            raise self.error(loc, "an each list needs exactly one of 'fields' (objects) or 'value'")
        if "value" in spec:
            if item_defaults is not None:
                raise self.error(defaults_loc, "this list is built with 'value'; it has no fields to default")
            return self.value(spec["value"], (*loc, "value"), variables, payload)
        fields = spec["fields"]
        if not isinstance(fields, dict):
            raise self.error((*loc, "fields"), "expected a mapping of field names to values")
        return object_builder(self.entries(fields, (*loc, "fields"), variables, payload,
                                           item_defaults or {}, defaults_loc))

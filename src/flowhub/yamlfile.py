"""Load YAML keeping line numbers, and turn validation errors into file:line: field messages."""

from __future__ import annotations

import os
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from flowhub.errors import did_you_mean

__all__ = ["YamlDoc", "display_path", "field_path", "interpolate", "known_keys", "load_yaml", "located_error", "validate"]

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]


@dataclass
class YamlDoc:
    """A parsed YAML file: plain data plus the line of every key and list item."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """The line of ``loc``, or of its nearest ancestor that has one."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)

    @property
    def name(self) -> str:
        return display_path(self.path)


def display_path(path: Path) -> str:
    """The path as a person wants to see it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def field_path(loc: Sequence[str | int]) -> str:
    """``("match", 0, "field")`` -> ``match[0].field``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_yaml(path: Path, *, error: type[Any]) -> YamlDoc:
    """Parse ``path``; a missing file or bad YAML raises ``error(file, line, None, problem)``."""
    name = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(name, None, None, "file not found") from None
    except OSError as exc:
        raise error(name, None, None, f"cannot read file: {exc.strerror}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise error(name, line, None, f"invalid YAML: {exc.problem or exc.context}") from None
    doc = YamlDoc(path=path, data=None)
    if node is None:
        doc.data = {}
        return doc
    doc.data = _construct(node, (), doc.lines)
    return doc


def _construct(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> Any:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            lines[(*loc, key)] = key_node.start_mark.line + 1
            out[key] = _construct(value_node, (*loc, key), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*loc, i), lines) for i, item in enumerate(node.value)]
    return _scalar(node)


_RESOLVER = yaml.SafeLoader("")


def _scalar(node: yaml.Node) -> Any:
    """Construct one scalar with YAML's safe rules (ints, floats, bools, null, dates stay strings)."""
    if not isinstance(node, yaml.ScalarNode):
        return str(node.value)
    tag = node.tag
    if tag == "tag:yaml.org,2002:timestamp":
        return node.value
    if tag == "tag:yaml.org,2002:bool" and node.value.lower() not in ("true", "false"):
        return node.value  # YAML 1.2: NO is Norway's country code, yes/no/on/off are words
    return _RESOLVER.construct_object(node, deep=True)


def validate(doc: YamlDoc, model: type[M], *, error: type[Any], data: Any = None,
             context: Mapping[str, Any] | None = None) -> M:
    """Validate ``doc`` (or ``data`` taken from it) with ``model``; the first error as file:line: field."""
    try:
        return model.model_validate(doc.data if data is None else data, context=context)
    except ValidationError as exc:
        raise located_error(doc, exc, model, error=error) from None


def located_error(doc: YamlDoc, exc: ValidationError, model: type[BaseModel], *, error: type[Any],
                  prefix: Loc = ()) -> Exception:
    """The first pydantic error of ``exc`` as ``error(file, line, field, problem)``."""
    errors = exc.errors(include_url=False)
    first = max(errors, key=lambda e: (len(_clean_loc(e["loc"])), e["type"] == "extra_forbidden"))
    loc = _clean_loc(first["loc"])
    problem = _problem(first, model, loc)
    full = (*prefix, *loc)
    return error(doc.name, doc.line_of(full), field_path(full) or None, problem)


def _clean_loc(loc: Sequence[Any]) -> Loc:
    """Drop pydantic's union/tag markers so the location is a path in the file."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, int) or (isinstance(part, str) and not _is_marker(part)):
            out.append(part)
    return tuple(out)


def _is_marker(part: str) -> bool:
    return bool(re.match(r"^(function-|json-or-python|list\[|dict\[|tagged-union|literal\[|str$|int$|"
                         r"[A-Z]\w*$|chain\[|is-instance)", part))


def _problem(err: Mapping[str, Any], model: type[BaseModel], loc: Loc) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden" and loc:
        siblings = known_keys(model, loc[:-1])
        return f"unknown key '{loc[-1]}' ({did_you_mean(str(loc[-1]), siblings)})"
    if kind == "missing":
        return "required key is missing"
    if kind.startswith("value_error"):
        return msg.removeprefix("Value error, ")
    got = err.get("input")
    shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
    return f"{msg[0].lower()}{msg[1:]}{shown}"


def known_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys a model accepts at ``loc`` (following fields, list items and dict values)."""
    candidates: list[Any] = [model]
    for part in loc:
        nxt: list[Any] = []
        for tp in candidates:
            for inner in _unwrap(tp):
                if isinstance(part, str) and isinstance(inner, type) and issubclass(inner, BaseModel):
                    info = inner.model_fields.get(part) or _by_alias(inner, part)
                    if info is not None:
                        nxt.append(info.annotation)
                elif isinstance(part, int) or not (isinstance(inner, type) and issubclass(inner, BaseModel)):
                    nxt.extend(typing.get_args(inner)[-1:])
        candidates = nxt
    keys: list[str] = []
    for tp in candidates:
        for inner in _unwrap(tp):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                keys += [f.alias or n for n, f in inner.model_fields.items()]
    return keys


def _by_alias(model: type[BaseModel], alias: str) -> Any:
    return next((f for f in model.model_fields.values() if f.alias == alias), None)


def _unwrap(tp: Any) -> list[Any]:
    """Union members and Annotated bases of a type, flattened."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [x for arg in typing.get_args(tp) for x in _unwrap(arg)]
    return [tp]


def interpolate(value: str, env: Mapping[str, str] | None = None) -> str:
    """Replace ``${NAME}`` and ``${NAME:-default}`` from the environment; unknown -> KeyError(NAME)."""
    env = os.environ if env is None else env

    def repl(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(3)
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise KeyError(name)

    return _ENV_REF.sub(repl, value)


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}")

"""The closures that build a payload at run time: objects, lists from ``each``, and failure paths.

These loops run once per field per record, so they avoid anything that is not needed on the
common path: no dict merges, no per-call setup, exceptions only when something is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from jinja2.exceptions import SecurityError, UndefinedError

from flowhub.mapping.environment import OMIT, SANDBOX_MESSAGE, fail_if_undefined
from flowhub.mapping.expressions import Evaluator
from flowhub.mapping.tables import SkipSignal

__all__ = ["FieldFailure", "describe", "list_builder", "list_literal", "object_builder"]

Entry = tuple[str, Evaluator, Evaluator | None]


class FieldFailure(Exception):
    """A field could not be evaluated; ``path`` grows as the error passes up through objects."""

    def __init__(self, reason: str, path: list[str | int]) -> None:
        super().__init__(reason)
        self.reason, self.path = reason, path


def describe(exc: BaseException) -> str:
    """A person's sentence for what went wrong inside an expression."""
    if isinstance(exc, SecurityError):
        return SANDBOX_MESSAGE
    if isinstance(exc, UndefinedError | ValueError | TypeError | ArithmeticError) or type(exc) is LookupError:
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


_PASSING_UP = (FieldFailure, SkipSignal)


def _settle(value: Any, default: Evaluator | None, scope: dict[str, Any]) -> Any:
    """A value that is missing, ``None`` or ``omit``: fail, or take the default when there is one."""
    fail_if_undefined(value)
    if default is None:
        return value
    value = default(scope)
    fail_if_undefined(value)
    return value


def object_builder(entries: Sequence[Entry]) -> Evaluator:
    """One target object: each key's value, its default when the value is None/omit, omit dropped."""
    items = tuple(entries)

    def build(scope: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value, default in items:
            try:
                result = value(scope)
                if result is None or result is OMIT:  # roots never return undefined (expressions.root)
                    result = _settle(result, default, scope)
                    if result is OMIT:
                        continue
            except _PASSING_UP as exc:
                exc.path.insert(0, key)
                raise
            except Exception as exc:
                raise FieldFailure(describe(exc), [key]) from exc
            out[key] = result
        return out

    return build


def _as_items(items: Any) -> Sequence[Any]:
    if isinstance(items, list | tuple):
        return items
    fail_if_undefined(items)
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Iterable):
        raise TypeError(f"each: expected a list, got {type(items).__name__}")
    return list(items)


def _kept(items: Sequence[Any], when: Evaluator, var: str, inner: dict[str, Any]) -> list[tuple[int, Any]]:
    """The (source index, item) pairs that ``when`` lets through."""
    kept = []
    for index, element in enumerate(items):
        inner[var] = element
        try:
            if when(inner):
                kept.append((index, element))
        except _PASSING_UP as exc:
            exc.path.insert(0, index)
            raise
        except Exception as exc:
            raise FieldFailure("when: " + describe(exc), [index]) from exc
    return kept


def list_builder(each: Evaluator, var: str, when: Evaluator | None, item: Evaluator,
                 needs_loop: bool) -> Evaluator:
    """A list with one entry per source item (``each``/``as``), minus those ``when`` turns away.

    ``loop.index`` counts the items that are kept, as in Jinja's ``{% for ... if ... %}``; error
    paths use the index in the source list, which is where a person looks.
    """

    def build(scope: dict[str, Any]) -> Any:
        items = each(scope)
        if items is None or items is OMIT:
            return items
        items, inner, out = _as_items(items), dict(scope), []
        pairs = enumerate(items) if when is None else _kept(items, when, var, inner)
        count = len(items) if when is None else len(pairs)  # type: ignore[arg-type]
        for position, (index, element) in enumerate(pairs):
            inner[var] = element
            if needs_loop:
                inner["loop"] = {"index": position + 1, "index0": position, "first": position == 0,
                                 "last": position == count - 1, "length": count}
            try:
                result = item(inner)
                if result is OMIT:
                    continue
                fail_if_undefined(result)
            except _PASSING_UP as exc:
                exc.path.insert(0, index)
                raise
            except Exception as exc:
                raise FieldFailure(describe(exc), [index]) from exc
            out.append(result)
        return out

    return build


def list_literal(elements: Sequence[Evaluator]) -> Evaluator:
    """A YAML list in the mapping: each element evaluated, ``omit`` elements left out."""
    items = tuple(elements)

    def build(scope: dict[str, Any]) -> list[Any]:
        out = []
        for index, element in enumerate(items):
            try:
                result = element(scope)
                if result is OMIT:
                    continue
                fail_if_undefined(result)
            except _PASSING_UP as exc:
                exc.path.insert(0, index)
                raise
            except Exception as exc:
                raise FieldFailure(describe(exc), [index]) from exc
            out.append(result)
        return out

    return build

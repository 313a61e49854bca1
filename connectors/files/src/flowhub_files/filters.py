"""How a record in a file is matched against a flow's `where` and `since`, and ordered by cursor."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["after", "cursor_order", "is_truthy", "lookup", "matches", "same"]

INCLUDE_DELETED = "include_deleted"


def lookup(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (``billing.email``); a field literally named so wins."""
    if path in record:
        return record[path]
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _text(value: Any) -> str:
    """Values compared as text, so ``5`` (JSON) equals ``"5"`` (CSV or YAML)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def same(value: Any, wanted: Any) -> bool:
    """Equality for `where` and `find`: a list means "any of these"."""
    if isinstance(wanted, list | tuple | set | frozenset):
        return any(same(value, one) for one in wanted)
    return _text(value) == _text(wanted)


def matches(record: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    """True when every `where` field equals its value (``include_deleted`` is not a field)."""
    return all(
        same(lookup(record, name), wanted) for name, wanted in where.items() if name != INCLUDE_DELETED
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def after(value: Any, since: str) -> bool:
    """``value > since``: numerically when both are numbers, else as text (ISO dates sort so)."""
    if value is None:
        return False
    left, right = _number(value), _number(since)
    if left is not None and right is not None:
        return left > right
    return _text(value) > since


def cursor_order(value: Any) -> tuple[int, float, str]:
    """A sort key putting missing cursors first, then numbers, then text."""
    if value is None:
        return (0, 0.0, "")
    number = _number(value)
    if number is not None:
        return (1, number, "")
    return (2, 0.0, _text(value))


def is_truthy(value: Any) -> bool:
    """A flag as JSON (true) or CSV ("true", "1", "yes") spells it."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "y"}
    return bool(value)

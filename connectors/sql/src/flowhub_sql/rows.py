"""Records as rows and back: plain payload values, and flow values fitted to a column's type."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from sqlalchemy import JSON, Column, Table

__all__ = ["coerce", "fit_row", "key_text", "plain_row"]

_SCALARS = (str, int, float, bool, Decimal, datetime, date)
_TRUE = {"true", "1", "yes", "y", "on"}


def key_text(value: Any) -> str:
    """A key as text, the way ``Entity.key_of`` spells it."""
    return str(value)


def plain_row(payload: BaseModel, *, only_set: bool) -> dict[str, Any]:
    """A payload as column values by alias; for updates only the fields it sets.

    Scalars keep their type (it picks the column type); anything else becomes JSON-able.
    """
    data = payload.model_dump(mode="python", by_alias=True, exclude_unset=only_set)
    return {name: _plain(value) for name, value in data.items()}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, _SCALARS):
        return value
    return to_jsonable_python(value)


def fit_row(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """Objects and lists bound for a column that is not JSON are stored as JSON text."""
    fitted = dict(row)
    for name, value in row.items():
        if isinstance(value, dict | list) and not isinstance(table.c[name].type, JSON):
            fitted[name] = json.dumps(value, ensure_ascii=False, default=str)
    return fitted


def coerce(column: Column[Any], value: Any) -> Any:
    """A value from a flow (often text from YAML or a URL) as the column's Python type.

    Raises ValueError when it cannot be one (``"abc"`` for an integer column).
    """
    if value is None:
        return None
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return value
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    return _convert(kind, value)


def _convert(kind: type, value: Any) -> Any:
    text = str(value).strip()
    if kind is bool:
        return text.lower() in _TRUE
    if kind is int:
        number = Decimal(_decimal(text))
        if number != number.to_integral_value():
            raise ValueError(f"{text!r} is not a whole number")
        return int(number)
    if kind is float:
        return float(text)
    if kind is Decimal:
        return _decimal(text)
    if kind is datetime:
        return datetime.fromisoformat(text)
    if kind is date:
        return date.fromisoformat(text)
    if kind is str:
        return str(value)
    return value


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None

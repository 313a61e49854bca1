"""Is a value the target already has the one a flow would send? (``compare: target``, no echo)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["differing_fields", "same_value"]

_BLANK = (None, "")


def differing_fields(payload: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``payload`` whose value differs from the target record ``current``."""
    return {k: v for k, v in payload.items() if not same_value(v, current.get(k))}


def same_value(sent: Any, current: Any) -> bool:
    """Equal as the target would store it: numbers by value, blanks alike, objects by the sent keys.

    An API answers more than it is sent (an object with extra keys, a price as "299.00" for
    a sent 299), so a sent object is compared only on the keys it carries, and a number with a
    number or with text holding the same number.
    """
    if sent in _BLANK or current in _BLANK:
        return sent in _BLANK and current in _BLANK
    if isinstance(sent, Mapping):
        return isinstance(current, Mapping) and all(same_value(v, current.get(k)) for k, v in sent.items())
    if isinstance(sent, list | tuple):
        return (isinstance(current, list | tuple) and len(sent) == len(current)
                and all(same_value(s, c) for s, c in zip(sent, current, strict=True)))
    if isinstance(sent, bool) or isinstance(current, bool):
        return isinstance(sent, bool) and isinstance(current, bool) and sent == current
    if isinstance(sent, int | float | Decimal) or isinstance(current, int | float | Decimal):
        a, b = _number(sent), _number(current)
        return a is not None and a == b
    if isinstance(sent, datetime | date) or isinstance(current, datetime | date):
        return _text(sent) == _text(current)
    return str(sent) == str(current)


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime | date) else str(value)

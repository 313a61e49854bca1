"""The built-in transform functions that every mapping can call or use as a filter."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date as _date
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

__all__ = [
    "BUILTIN_FUNCTIONS",
    "coalesce",
    "date",
    "decimal",
    "digits",
    "iso",
    "join_nonempty",
    "lower",
    "merge_functions",
    "money",
    "split_street",
    "strip",
    "to_int",
    "to_str",
    "truncate_to",
    "upper",
]


def decimal(value: Any) -> Decimal | None:
    """An exact number from text, int or float; ``None`` and blank text give ``None``.

    Money must never pass through binary floats, so a float is read through its shortest text
    (``0.1`` -> ``Decimal('0.1')``). Text may use a decimal comma when it has no point ("12,50").
    """
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError(f"cannot read {value!r} as a decimal number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        return _decimal_from_text(value)
    raise TypeError(f"cannot read {type(value).__name__} {value!r} as a decimal number")


def _decimal_from_text(text: str) -> Decimal | None:
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if not cleaned:
        return None
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"cannot read {text!r} as a decimal number") from None
    if not number.is_finite():
        raise ValueError(f"cannot read {text!r} as a decimal number")
    return number


def money(value: Any, places: int = 2) -> Decimal | None:
    """A decimal rounded half-up to ``places`` decimals (2 by default), as invoices round."""
    number = decimal(value)
    if number is None:
        return None
    return number.quantize(_EXPONENTS.get(places) or Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


_EXPONENTS = {n: Decimal(1).scaleb(-n) for n in range(7)}


def to_int(value: Any) -> int | None:
    """A whole number from text, float or decimal; refuses to drop a fraction silently."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise TypeError(f"cannot read {value!r} as a whole number")
    if isinstance(value, int):
        return value
    number = decimal(value)
    if number is None or number != number.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number")
    return int(number)


def to_str(value: Any) -> str | None:
    """Text of a value: dates and times as ISO 8601, ``None`` stays ``None``."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, _date):
        return value.isoformat()
    return str(value)


def lower(value: Any) -> str | None:
    """Lower-case text; unlike Jinja's own filter, ``None`` stays ``None`` instead of "none"."""
    return None if value is None else str(value).lower()


def upper(value: Any) -> str | None:
    """Upper-case text; ``None`` stays ``None``."""
    return None if value is None else str(value).upper()


def strip(value: Any) -> str | None:
    """Text without surrounding whitespace; ``None`` stays ``None``."""
    return None if value is None else str(value).strip()


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | dict | tuple) and not value


def coalesce(*values: Any) -> Any:
    """The first value that is not empty (``None``, blank text, empty list or dict), else ``None``."""
    for value in values:
        if not _is_empty(value):
            return value
    return None


def join_nonempty(values: Iterable[Any] | None, sep: str = " ") -> str | None:
    """Join the non-empty values with ``sep``, trimmed: ``["Ola", None, "Nordmann"]`` -> "Ola Nordmann".

    ``None`` when nothing is left, so a default can take over.
    """
    if values is None:
        return None
    parts = [text for text in (to_str(v) for v in values if not _is_empty(v)) if text and text.strip()]
    return sep.join(part.strip() for part in parts) or None


_LETTER = r"[^\W\d_]"
_HOUSE_NUMBER = rf"\d+(?:\s?{_LETTER}(?!{_LETTER}))?(?:\s?[-/]\s?\d+(?:\s?{_LETTER}(?!{_LETTER}))?)?"
_NUMBER_LAST = re.compile(rf"^(?P<street>.*?{_LETTER}.*?)\s+(?P<number>{_HOUSE_NUMBER}(?:[\s,].*)?)$")
_NUMBER_FIRST = re.compile(rf"^(?P<number>{_HOUSE_NUMBER}),?\s+(?P<street>{_LETTER}.*)$")


def split_street(line: Any) -> dict[str, str | None]:
    """Street name and house number from one address line, as ERPs want them apart.

    Nordic and German style puts the number last ("Storgata 12B" -> "Storgata" / "12B",
    "Hauptstr. 5-7" -> "Hauptstr." / "5-7"); anything after the number stays with it
    ("Drottninggatan 1 lgh 1102" -> number "1 lgh 1102") so nothing is lost. English style puts
    it first ("12 Main St" -> "Main St" / "12"). Without a number the whole line is the street.
    """
    text = to_str(line)
    if text is None or not text.strip():
        return {"street": None, "number": None}
    text = " ".join(text.split())
    for pattern in (_NUMBER_LAST, _NUMBER_FIRST):
        match = pattern.match(text)
        if match:
            return {"street": match["street"].strip(" ,"), "number": match["number"].strip(" ,")}
    return {"street": text, "number": None}


def _parse_datetime(value: Any, what: str) -> datetime | _date | None:
    if value is None or isinstance(value, datetime | _date):
        return value
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"cannot read {value!r} as {what}") from None
    raise TypeError(f"cannot read {type(value).__name__} {value!r} as {what}")


def date(value: Any) -> str | None:
    """The ISO date part ("2024-05-01") of a date, a datetime or ISO text."""
    parsed = _parse_datetime(value, "a date")
    if isinstance(parsed, datetime):
        return parsed.date().isoformat()
    return None if parsed is None else parsed.isoformat()


def iso(value: Any) -> str | None:
    """ISO 8601 text of a datetime (or of ISO text, normalised): "2024-05-01T10:30:00+02:00"."""
    parsed = _parse_datetime(value, "a date and time")
    return None if parsed is None else parsed.isoformat()


def digits(value: Any) -> str | None:
    """Only the digits 0-9 ("NO 912 345 678 MVA" -> "912345678"); ``None`` when there are none."""
    if value is None:
        return None
    kept = re.sub(r"[^0-9]", "", str(value))
    return kept or None


def truncate_to(value: Any, length: int) -> str | None:
    """Text cut to at most ``length`` characters, without Jinja's "..." (ERP fields have hard limits)."""
    text = to_str(value)
    return None if text is None else text[:length]


BUILTIN_FUNCTIONS: dict[str, Callable[..., Any]] = {
    fn.__name__: fn
    for fn in (decimal, money, to_int, to_str, lower, upper, strip, coalesce, join_nonempty,
               split_street, date, iso, digits, truncate_to)
}
"""Every built-in, by the name used in mappings (as ``name(x)`` and as ``x | name``)."""


RESERVED_NAMES = frozenset({"source", "refs", "flow", "now", "omit", "loop", "lookup", "value_map", "target"})


def merge_functions(extra: Mapping[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """The built-ins plus plugin functions; a clashing or unusable name raises ValueError.

    A plugin may add names but never replace one: a mapping must mean the same thing on every
    installation, whichever plugins happen to be there.
    """
    from jinja2.filters import FILTERS

    merged = dict(BUILTIN_FUNCTIONS)
    for name, fn in extra.items():
        if name in BUILTIN_FUNCTIONS:
            problem = "clashes with the built-in function of that name"
        elif name in RESERVED_NAMES:
            problem = "is a reserved name in mappings"
        elif name in FILTERS:
            problem = "clashes with Jinja's built-in filter of that name"
        elif not (isinstance(name, str) and name.isidentifier() and not name.startswith("_")):
            problem = "is not usable in expressions (letters, digits and '_', not starting with '_')"
        elif not callable(fn):
            problem = "is not callable"
        else:
            merged[name] = fn
            continue
        raise ValueError(f"plugin function '{name}' {problem}; register it under another name")
    return merged

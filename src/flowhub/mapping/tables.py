"""Value maps and lookup tables: named tables a mapping reads, with the unmapped-value policies."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

__all__ = ["POLICIES", "Lookup", "SkipSignal", "ValueMap", "key_text"]

Policy = Literal["fail", "default", "keep", "skip"]
POLICIES: tuple[Policy, ...] = ("fail", "default", "keep", "skip")
_MISSING: Any = object()


class SkipSignal(Exception):
    """A value map with ``unmapped: skip`` met an unknown value: the whole record is skipped."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path: list[str | int] = []


def key_text(value: Any) -> str:
    """The text a table key is matched by: source values and YAML keys meet as text.

    Records carry ``5`` or ``"5"`` and YAML keys may be numbers, so both sides become text;
    booleans and null use YAML's spelling (``true``, ``null``).
    """
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    raise TypeError(f"tables are keyed by text or numbers, not by {type(value).__name__} {value!r}")


def _shown(keys: Any, limit: int = 8) -> str:
    names = sorted(str(k) for k in keys)
    more = f", ... ({len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


@dataclass
class ValueMap:
    """One ``value_maps`` entry; counts hits and misses for the run report."""

    name: str
    table: dict[str, Any]
    policy: Policy = "fail"
    default: Any = None
    hits: Counter[str] = field(default_factory=Counter)
    misses: Counter[str] = field(default_factory=Counter)

    def __call__(self, value: Any) -> Any:
        key = key_text(value)
        table = self.table
        if key in table:
            self.hits[key] += 1
            return table[key]
        self.misses[key] += 1
        return self._unmapped(value)

    def _unmapped(self, value: Any) -> Any:
        if self.policy == "default":
            return self.default
        if self.policy == "keep":
            return value
        problem = f"value {value!r} is not in value map '{self.name}'"
        if self.policy == "skip":
            raise SkipSignal(f"{problem} (unmapped: skip)")
        raise LookupError(f"{problem} (known: {_shown(self.table)})")

    def coverage(self) -> dict[str, Any]:
        return {"hits": dict(self.hits), "misses": dict(self.misses), "policy": self.policy}


@dataclass
class Lookup:
    """One ``lookups`` table; a missing key fails the record unless the call gives a default."""

    name: str
    table: Mapping[str, Any]

    def __call__(self, key: Any, default: Any = _MISSING) -> Any:
        text = key_text(key)
        if text in self.table:
            return self.table[text]
        if default is not _MISSING:
            return default
        raise LookupError(f"lookup table '{self.name}' has no key {key!r} (known: {_shown(self.table)})")

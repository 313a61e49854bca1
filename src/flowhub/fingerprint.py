"""Per-field fingerprints of what was last written, so an update sends only what changed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

__all__ = ["changed_fields", "dumps", "fingerprint", "jsonable"]


_AS_IS = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    """A JSON-ready copy: Decimal and dates as text, models as dicts."""
    kind = type(value)  # exact types first: every record's every value passes here
    if kind in _AS_IS:
        return value
    if kind is dict:
        return {str(k): jsonable(v) for k, v in value.items()}
    if kind is list:
        return [jsonable(v) for v in value]
    if isinstance(value, BaseModel):
        return jsonable(value.model_dump(mode="json", by_alias=True, exclude_unset=True))
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def dumps(value: Any) -> str:
    return json.dumps(jsonable(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(payload: Mapping[str, Any]) -> dict[str, str]:
    """A short hash per top-level field."""
    return {k: hashlib.blake2b(dumps(v).encode(), digest_size=6).hexdigest() for k, v in payload.items()}


def changed_fields(payload: Mapping[str, Any], last: Mapping[str, str] | None) -> dict[str, Any]:
    """The fields of ``payload`` whose fingerprint differs from the last written one."""
    if not last:
        return dict(payload)
    now = fingerprint(payload)
    return {k: v for k, v in payload.items() if last.get(k) != now[k]}

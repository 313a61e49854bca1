"""Turn what the runner hands us (models, Decimals, dates) into redacted JSON text, and back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import singledispatch
from typing import Any

from pydantic import BaseModel

from flowhub.redact import MASK, is_secret_field, might_hold_secret, redact_obj

__all__ = ["Rendered", "dumps_redacted", "loads", "render", "to_plain"]


@singledispatch
def to_plain(obj: Any) -> Any:
    """A JSON-ready copy of ``obj``: dicts, lists, strings, numbers, booleans and None.

    Unknown objects become their ``str``: a stored snapshot is for people to read, and
    refusing to store it would lose the evidence of a failure.
    """
    if is_dataclass(obj) and not isinstance(obj, type):
        return to_plain(asdict(obj))
    return str(obj)


@to_plain.register(str)
@to_plain.register(int)
@to_plain.register(float)
@to_plain.register(type(None))
def _as_is(obj: Any) -> Any:
    return obj


@to_plain.register(Mapping)
def _mapping(obj: Mapping[Any, Any]) -> dict[str, Any]:
    return {key if isinstance(key, str) else str(key): to_plain(value) for key, value in obj.items()}


@to_plain.register(list)
@to_plain.register(tuple)
@to_plain.register(set)
@to_plain.register(frozenset)
def _sequence(obj: Any) -> list[Any]:
    return [to_plain(item) for item in obj]


@to_plain.register(Decimal)
def _decimal(obj: Decimal) -> str:
    """A string, not a float: ``12.50`` must stay ``12.50`` in the log of an invoice."""
    return str(obj)


@to_plain.register(datetime)
@to_plain.register(date)
@to_plain.register(time)
def _temporal(obj: date | time) -> str:
    return obj.isoformat()


@to_plain.register(bytes)
def _bytes(obj: bytes) -> str:
    return obj.decode("utf-8", errors="replace")


@to_plain.register(BaseModel)
def _model(obj: BaseModel) -> Any:
    """``mode="json"`` masks ``SecretStr`` fields and renders Decimals and dates as text."""
    return to_plain(obj.model_dump(mode="json"))


class Rendered(str):
    """JSON text `render` already redacted: stored as it is, not encoded a second time."""

    __slots__ = ()


def render(obj: Any) -> Rendered | None:
    """`dumps_redacted` ahead of time, e.g. by a worker thread before the write transaction."""
    if isinstance(obj, Rendered):
        return obj
    text = dumps_redacted(obj)
    return None if text is None else Rendered(text)


def dumps_redacted(obj: Any) -> str | None:
    """Compact JSON of ``obj`` with every secret masked; ``None`` stays SQL NULL.

    Redaction runs on the plain form, after models are dumped, so a secret inside a
    pydantic model is seen by ``redact_obj`` like any other value.
    """
    if obj is None:
        return None
    if isinstance(obj, Rendered):
        return str(obj)
    plain = _plain_masked(obj)
    text = json.dumps(plain, ensure_ascii=False, separators=(",", ":"))
    if not might_hold_secret(text):  # the usual case: one scan of the text, not one per string
        return text
    return json.dumps(redact_obj(plain), ensure_ascii=False, separators=(",", ":"))


_AS_IS = frozenset({str, int, float, bool, type(None)})


def _plain_masked(obj: Any) -> Any:
    """`to_plain` with the values of secret-named fields masked, in one walk.

    Every record stored passes here, so plain types are told apart by their exact type
    first; the rest goes through `to_plain`.
    """
    kind = type(obj)
    if kind in _AS_IS:
        return obj
    if kind is dict or isinstance(obj, Mapping):
        return {
            key if type(key) is str else str(key):
                MASK if type(key) is str and value not in (None, "") and is_secret_field(key) else _plain_masked(value)
            for key, value in obj.items()
        }
    if kind is list or kind is tuple or isinstance(obj, set | frozenset):
        return [_plain_masked(item) for item in obj]
    if isinstance(obj, BaseModel):
        return _plain_masked(obj.model_dump(mode="json"))
    return _plain_masked(to_plain(obj))


def loads(text: str | None) -> Any:
    """The stored JSON text back as Python data; NULL reads as ``None``."""
    return None if text is None else json.loads(text)

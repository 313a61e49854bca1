"""The sandboxed Jinja environment mapping expressions run in: read-only and strict about gaps."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import StrictUndefined, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = ["OMIT", "SANDBOX_MESSAGE", "MappingEnvironment", "build_environment", "fail_if_undefined"]

SANDBOX_MESSAGE = "mapping tried to reach an unsafe attribute; mappings may only read the record"


class _Omit:
    """The value of ``omit``: a field that evaluates to it is left out of the payload."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "omit"


OMIT: Any = _Omit()


class MappingEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, where ``a.b`` on a mapping reads key ``b`` before any attribute.

    Records are plain dicts, so ``line.items`` must be the record's ``items`` field and not
    ``dict.items``; every other object keeps the sandbox's own attribute rules.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping):
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                pass
        return super().getattr(obj, attribute)


def _finalize(value: Any) -> Any:
    """In mixed text ``None`` and ``omit`` print as nothing, never as "None"."""
    return "" if value is None or value is OMIT else value


def fail_if_undefined(value: Any) -> None:
    """Raise the undefined error a missing value carries (``'dict object' has no attribute 'x'``)."""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()


def _strict(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn``, refusing undefined arguments with Jinja's message instead of a confusing one."""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        for arg in (*args, *kwargs.values()):
            fail_if_undefined(arg)
        return fn(*args, **kwargs)

    return call


def build_environment(globals_: Mapping[str, Callable[..., Any]],
                      filters: Mapping[str, Callable[..., Any]]) -> MappingEnvironment:
    """A fresh sandbox whose only globals are ``globals_`` and whose filters add ``filters``."""
    env = MappingEnvironment(undefined=StrictUndefined, autoescape=False, finalize=_finalize)
    env.globals.clear()
    env.globals.update({name: _strict(fn) for name, fn in globals_.items()})
    env.filters.update({name: _strict(fn) for name, fn in filters.items()})
    return env

"""The whole plugin contract: three hooks, each handed a ``register`` callable."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from flowhub.connector import Connector, Sandbox

__all__ = ["hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("flowhub")
hookimpl = pluggy.HookimplMarker("flowhub")


@hookspec
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    """Offer connector classes: call ``register(MyConnector)`` once per class.

    Called once, when the registry is first built. A duplicate name or a class that is not a
    ``flowhub.Connector`` is rejected with a PluginError naming this plugin.
    """


@hookspec
def register_functions(register: Callable[..., None]) -> None:
    """Offer functions for mappings: ``register(fn, name=None)``.

    A registered function is usable in every mapping both as a call, ``{{ fn(x) }}``, and as a
    filter, ``{{ x | fn }}``. Names must not clash with built-ins or other plugins.
    """


@hookspec
def register_sandboxes(register: Callable[[Sandbox], None]) -> None:
    """Offer local fakes of APIs: ``register(Sandbox(name, app, connection))``."""


@hookspec
def record_outcome(flow: str, source_key: str, outcome: str, reason: str | None,
                   detail: dict[str, Any]) -> None:
    """Observe one record's outcome (created, updated, unchanged, skipped, failed, waiting).

    Called after the outcome is stored; a plugin raising here never affects the run.
    """

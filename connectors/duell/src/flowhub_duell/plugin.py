"""The door flowhub knocks on: registers the DUELL connector and its sandbox."""

from __future__ import annotations

from collections.abc import Callable

from flowhub import Connector, Sandbox, hookimpl
from flowhub_duell.connector import Duell


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(Duell)


@hookimpl
def register_sandboxes(register: Callable[[Sandbox], None]) -> None:
    from flowhub_duell.sandbox import SANDBOX

    register(SANDBOX)

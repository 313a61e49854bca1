"""The door flowhub knocks on: register the Visma.net connector and its sandbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowhub.hookspecs import hookimpl

__all__ = ["register_connectors", "register_sandboxes"]


@hookimpl
def register_connectors(register: Callable[[Any], None]) -> None:
    from flowhub_visma_net.connector import VismaNet

    register(VismaNet)


@hookimpl
def register_sandboxes(register: Callable[[Any], None]) -> None:
    from flowhub_visma_net.sandbox import SANDBOX

    register(SANDBOX)

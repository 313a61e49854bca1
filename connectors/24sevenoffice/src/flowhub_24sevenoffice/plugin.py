"""The door flowhub knocks on: registers the 24sevenoffice connector and its sandbox."""

from __future__ import annotations

from collections.abc import Callable

from flowhub import Connector, Sandbox, hookimpl
from flowhub_24sevenoffice.connector import TwentyFourSevenOffice
from flowhub_24sevenoffice.sandbox import SANDBOX


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(TwentyFourSevenOffice)


@hookimpl
def register_sandboxes(register: Callable[[Sandbox], None]) -> None:
    register(SANDBOX)

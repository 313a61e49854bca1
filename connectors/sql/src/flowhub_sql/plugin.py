"""The door flowhub knocks on: registers the sql connector."""

from __future__ import annotations

from collections.abc import Callable

from flowhub import Connector, hookimpl
from flowhub_sql.connector import SqlConnector


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(SqlConnector)

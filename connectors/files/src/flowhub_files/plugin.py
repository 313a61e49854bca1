"""The door flowhub knocks on: registers the files connector."""

from __future__ import annotations

from collections.abc import Callable

from flowhub import Connector, hookimpl
from flowhub_files.connector import FilesConnector


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(FilesConnector)

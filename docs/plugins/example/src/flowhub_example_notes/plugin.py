"""The door flowhub knocks on: registers the notes connector, its mapping function and its sandbox."""

from __future__ import annotations

from collections.abc import Callable

from flowhub import Connector, Sandbox, hookimpl
from flowhub_example_notes.connector import NotesConnector
from flowhub_example_notes.functions import hashtags


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(NotesConnector)


@hookimpl
def register_functions(register: Callable[..., None]) -> None:
    register(hashtags)


@hookimpl
def register_sandboxes(register: Callable[[Sandbox], None]) -> None:
    from flowhub_example_notes.sandbox import SANDBOX  # starlette is imported only when needed

    register(SANDBOX)

"""The scratch project folder of an end-to-end test: a workspace on it, and a flow run in it as
`flowhub run` would (a fresh workspace each time, closed afterwards)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flowhub.plugins import Plugins
from flowhub.runner import RunSummary
from flowhub.settings import FlowhubSettings
from flowhub.workspace import Workspace


@contextmanager
def workspace(root: Path) -> Iterator[Workspace]:
    """The workspace of ``root``: its flows/, flows/connections.yaml and .flowhub/ state."""
    ws = Workspace(settings=FlowhubSettings(home=root / ".flowhub"), plugins=Plugins(),
                   connections=root / "flows" / "connections.yaml", flows_dir=root / "flows")
    try:
        yield ws
    finally:
        ws.close()


def run_flow(root: Path, flow: str, **options: Any) -> RunSummary:
    with workspace(root) as ws:
        return ws.run(flow, **options)

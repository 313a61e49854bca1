"""Test a named connection: green or red, with a reason a person can act on."""

from __future__ import annotations

from pathlib import Path

from flowhub.connections import environment, find_connections_file, load_connections, open_connector
from flowhub.connector import CheckResult
from flowhub.errors import ConfigError, ConnectorError, did_you_mean
from flowhub.workspace import Workspace

__all__ = ["check_connection"]


def check_connection(ws: Workspace, name: str, *, writes: bool = False) -> CheckResult:
    path = ws.connections or find_connections_file(Path("flows") / "_")
    if path is None:
        raise ConfigError("no connections.yaml found (give one with --connections)")
    defs = load_connections(path)
    if name not in defs:
        raise ConfigError(f"{path}: unknown connection '{name}' ({did_you_mean(name, defs)})")
    defn = defs[name]
    cls = ws.plugins.connector(defn.connector)
    with open_connector(defn, cls, environment([path.parent])) as connector:
        try:
            return connector.check(writes=writes)
        except ConnectorError as error:
            return CheckResult(False, str(error))

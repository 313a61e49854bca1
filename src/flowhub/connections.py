"""Connections: named connector settings from connections.yaml, with ${ENV} references and .env."""

from __future__ import annotations

import os
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import BaseModel, SecretStr, ValidationError

from flowhub.connector import Connector
from flowhub.errors import FlowFileError
from flowhub.redact import register_secret
from flowhub.settings import ConnectionSettings, secret_values
from flowhub.yamlfile import YamlDoc, interpolate, load_yaml, located_error

__all__ = ["ConnectionDef", "build_settings", "find_connections_file", "load_connections", "open_connector"]

CONNECTIONS_ENV = "FLOWHUB_CONNECTIONS"


@dataclass(frozen=True)
class ConnectionDef:
    """One named connection as written in a file: which connector, which settings, where."""

    name: str
    connector: str
    raw: Mapping[str, Any]
    doc: YamlDoc
    loc: tuple[str | int, ...]

    @property
    def line(self) -> int | None:
        return self.doc.line_of(self.loc)


def find_connections_file(flow_path: Path | None) -> Path | None:
    """FLOWHUB_CONNECTIONS, else connections.yaml next to the flow, its parent, or the cwd."""
    if os.environ.get(CONNECTIONS_ENV):
        return Path(os.environ[CONNECTIONS_ENV])
    places = [flow_path.parent, flow_path.parent.parent] if flow_path else []
    for folder in [*places, Path.cwd()]:
        candidate = folder / "connections.yaml"
        if candidate.is_file():
            return candidate
    return None


def load_connections(path: Path) -> dict[str, ConnectionDef]:
    doc = load_yaml(path, error=FlowFileError)
    if not isinstance(doc.data, dict):
        raise FlowFileError(doc.name, 1, None, "connections file must map names to connection settings")
    return _defs(doc, doc.data, ())


def inline_connections(doc: YamlDoc, data: Mapping[str, Any]) -> dict[str, ConnectionDef]:
    """Connections written inside a flow file under ``connections:``."""
    return _defs(doc, data, ("connections",))


def _defs(doc: YamlDoc, data: Mapping[str, Any], prefix: tuple[str | int, ...]) -> dict[str, ConnectionDef]:
    out: dict[str, ConnectionDef] = {}
    for name, raw in data.items():
        loc = (*prefix, name)
        if not isinstance(raw, dict):
            raise FlowFileError(doc.name, doc.line_of(loc), str(name), "a connection must be a mapping")
        connector = raw.get("connector")
        if not isinstance(connector, str):
            raise FlowFileError(doc.name, doc.line_of(loc), f"{name}.connector",
                                "required key is missing (the connector this connection uses)")
        settings = {k: v for k, v in raw.items() if k != "connector"}
        out[str(name)] = ConnectionDef(str(name), connector, settings, doc, loc)
    return out


def environment(extra_dirs: list[Path]) -> dict[str, str]:
    """os.environ over the .env files of the cwd and the given folders (the environment wins)."""
    env: dict[str, str] = {}
    for folder in [Path.cwd(), *extra_dirs]:
        dotenv = folder / ".env"
        if dotenv.is_file():
            env.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    env.update(os.environ)
    return env


def build_settings(defn: ConnectionDef, cls: type[Connector], env: Mapping[str, str]) -> ConnectionSettings:
    """Validate a connection's settings against its connector's model; secrets only from ${ENV}."""
    model = cls.settings_model
    values: dict[str, Any] = {}
    for key, value in defn.raw.items():
        loc = (*defn.loc, key)
        if isinstance(value, str) and _is_secret(model, key) and "${" not in value:
            raise FlowFileError(defn.doc.name, defn.doc.line_of(loc), f"{defn.name}.{key}",
                                "inline secret: put it in the environment or a .env file and write "
                                f"${{{_env_name(defn.name, key)}}} here")
        values[key] = _interpolate(value, env, defn, loc)
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise located_error(defn.doc, exc, model, error=FlowFileError, prefix=defn.loc) from None


def _env_name(connection: str, key: str) -> str:
    return f"{connection}_{key}".upper().replace("-", "_")


def _interpolate(value: Any, env: Mapping[str, str], defn: ConnectionDef, loc: tuple[str | int, ...]) -> Any:
    if isinstance(value, str):
        try:
            return interpolate(value, env)
        except KeyError as missing:
            raise FlowFileError(defn.doc.name, defn.doc.line_of(loc), ".".join(map(str, loc[-2:])),
                                f"environment variable {missing.args[0]} is not set "
                                "(set it, or put it in a .env file)") from None
    if isinstance(value, dict):
        return {k: _interpolate(v, env, defn, (*loc, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, env, defn, (*loc, i)) for i, v in enumerate(value)]
    return value


def _is_secret(model: type[BaseModel], key: str) -> bool:
    info = model.model_fields.get(key)
    if info is None:
        return False
    return _mentions_secret(info.annotation)


def _mentions_secret(tp: Any) -> bool:
    if tp is SecretStr:
        return True
    return any(_mentions_secret(arg) for arg in typing.get_args(tp))


def open_connector(defn: ConnectionDef, cls: type[Connector], env: Mapping[str, str]) -> Connector:
    """Build the connector instance for one connection; its secrets are masked everywhere from now on."""
    settings = build_settings(defn, cls, env)
    for value in secret_values(settings):
        register_secret(value)
    return cls(settings, connection_name=defn.name)

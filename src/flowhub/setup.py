"""Guided connection set-up: ask for each setting, keep secrets in .env, test the connection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import yaml
from dotenv import set_key
from pydantic import ValidationError

from flowhub.connections import _is_secret
from flowhub.errors import ConfigError
from flowhub.settings import ConnectionSettings
from flowhub.workspace import Workspace

__all__ = ["connect_interactively"]

_BASE_FIELDS = set(ConnectionSettings.model_fields)


def connect_interactively(ws: Workspace, connector: str, *, name: str, given: dict[str, str],
                          connections_file: Path, env_file: Path, interactive: bool, check: bool) -> bool:
    """Collect settings, validate them, write YAML (+ .env for secrets), then check the connection."""
    cls = ws.plugins.connector(connector)
    model = cls.settings_model
    values = dict(given)
    for field, info in model.model_fields.items():
        if field in values or field in _BASE_FIELDS or not info.is_required():
            continue  # optional settings keep their defaults unless given with --set
        if not interactive:
            raise ConfigError(f"connect {connector}: missing --set {field}=... ({info.description or field})")
        secret = _is_secret(model, field)
        values[field] = click.prompt(f"{field} ({info.description or 'value'})", hide_input=secret)
    try:
        settings = model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise ConfigError(f"connect {connector}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    with cls(settings, connection_name=name) as connection:
        if check:
            result = connection.check()
            click.secho(f"{'OK' if result.ok else 'FAILED'}: {result.message}", fg="green" if result.ok else "red")
            if not result.ok:
                return False
        ws.registry.bind(connection, ws.settings.tenant)  # refused when another tenant has it (G6)
    _write(connector, name, settings.model_dump(mode="json"), values, model, connections_file, env_file)
    click.echo(f"wrote connection '{name}' to {connections_file} (secrets in {env_file})")
    return True


def _write(connector: str, name: str, normalised: dict[str, Any], raw: dict[str, Any], model: Any,
           connections_file: Path, env_file: Path) -> None:
    entry: dict[str, Any] = {"connector": connector}
    for field in raw:
        if _is_secret(model, field):
            var = f"{name}_{field}".upper().replace("-", "_")
            env_file.touch(mode=0o600, exist_ok=True)
            set_key(str(env_file), var, str(raw[field]), quote_mode="never")
            entry[field] = f"${{{var}}}"
        else:
            entry[field] = normalised.get(field, raw[field])
    existing = yaml.safe_load(connections_file.read_text()) if connections_file.is_file() else {}
    existing = existing or {}
    existing[name] = entry
    connections_file.write_text(yaml.safe_dump(existing, sort_keys=False))

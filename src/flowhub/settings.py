"""Settings models: the base every connection extends, and flowhub's own settings."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = ["ConnectionSettings", "FlowhubSettings", "SecretStr", "secret_values"]


class ConnectionSettings(BaseModel):
    """Base of a connector's connection settings.

    Fields typed ``SecretStr`` are secrets: they must come from ``${ENV}`` references or a
    ``.env`` file, never inline in YAML, and their repr is masked.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    timeout: float = Field(30.0, description="Seconds to wait for one HTTP answer.")
    max_attempts: int = Field(6, description="Tries per request on 429/5xx/timeouts before giving up.")
    requests_per_second: float | None = Field(
        None, description="Rate budget for this host, shared by every flow talking to it."
    )


def secret_values(settings: BaseModel) -> list[str]:
    """The plain values of every secret in a settings object, for redaction."""
    found: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr) and value.get_secret_value():
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            found.extend(secret_values(value))
    return found


class FlowhubSettings(BaseModel):
    """Where flowhub keeps its state, and for how long it keeps payloads."""

    model_config = ConfigDict(extra="forbid")

    home: Path = Field(default_factory=lambda: Path(os.environ.get("FLOWHUB_HOME", ".flowhub")))
    database_url: str | None = Field(
        default_factory=lambda: os.environ.get("FLOWHUB_DATABASE_URL"),
        description="SQLAlchemy URL of the state store; default: sqlite file in FLOWHUB_HOME.",
    )
    activity_retention_days: int = Field(
        default_factory=lambda: int(os.environ.get("FLOWHUB_ACTIVITY_RETENTION_DAYS", "30"))
    )
    tenant: str = Field(
        default_factory=lambda: os.environ.get("FLOWHUB_TENANT", "default"),
        description="The account (agency) this installation works for; a shop belongs to one (G6).",
    )
    registry_url: str | None = Field(
        default_factory=lambda: os.environ.get("FLOWHUB_REGISTRY_URL"),
        description="SQLAlchemy URL of the tenant bindings shared by every installation of a service; "
        "default: the state store.",
    )

    @property
    def state_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'state.db'}"

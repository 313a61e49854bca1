"""flowhub: source -> mapper -> target flows. The plugin-facing API lives here."""

from __future__ import annotations

from flowhub.connector import (
    ApiRecord,
    Capabilities,
    CheckResult,
    Connector,
    Entity,
    Event,
    ReadQuery,
    Sandbox,
    WriteOp,
    WriteResult,
)
from flowhub.errors import (
    AuthError,
    ConfigError,
    ConflictError,
    ConnectorError,
    FlowhubError,
    NotFoundError,
    RecordError,
    RejectedError,
    RetryableError,
    WaitingError,
)
from flowhub.hookspecs import hookimpl
from flowhub.http import ApiClient
from flowhub.settings import ConnectionSettings, SecretStr

__version__ = "0.1.0"

__all__ = [
    "ApiClient",
    "ApiRecord",
    "AuthError",
    "Capabilities",
    "CheckResult",
    "ConfigError",
    "ConflictError",
    "ConnectionSettings",
    "Connector",
    "ConnectorError",
    "Entity",
    "Event",
    "FlowhubError",
    "NotFoundError",
    "ReadQuery",
    "RecordError",
    "RejectedError",
    "RetryableError",
    "Sandbox",
    "SecretStr",
    "WaitingError",
    "WriteOp",
    "WriteResult",
    "hookimpl",
]

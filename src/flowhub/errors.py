"""Every error a person can see, named by what happens next.

FlowhubError
├── ConfigError             stop before the run starts; exit code 2
│   ├── FlowFileError       a flow or connections file is wrong (file:line: field: problem)
│   ├── MappingError        a mapping file is wrong (file:line: field: problem)
│   └── ConnectionConfigError  a connection's settings are wrong or missing
├── PluginError             a plugin failed to load or register; fatal only to flows that need it
├── ConnectorError          something between us and an API
│   ├── AuthError           stop this flow: credentials rejected
│   ├── RetryableError      429 / 5xx / timeout: retried with backoff, then a record failure
│   ├── RejectedError       4xx for one record: that record fails, the run goes on
│   │   └── NotFoundError   404: the record is gone (a linked target record is created again)
│   └── ConflictError       the target changed under us (412 and friends): that record fails
└── RecordError             one record failed: reason + record id; stored, visible, retryable
    ├── MappingRecordError  the mapping could not be evaluated for this record
    └── WaitingError        a dependency is not there yet; the record waits for a later run
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AuthError",
    "ConfigError",
    "ConflictError",
    "ConnectionConfigError",
    "ConnectorError",
    "FlowFileError",
    "FlowhubError",
    "MappingError",
    "MappingRecordError",
    "NotFoundError",
    "PluginError",
    "RecordError",
    "RejectedError",
    "RetryableError",
    "WaitingError",
    "did_you_mean",
]


class FlowhubError(Exception):
    """Base of every error flowhub raises on purpose."""


class ConfigError(FlowhubError):
    """Configuration is wrong; nothing has been touched yet."""


class _LocatedError(ConfigError):
    """A configuration error at a place in a file: ``file:line: field: problem``."""

    def __init__(self, file: str, line: int | None, field: str | None, problem: str) -> None:
        self.file, self.line, self.field, self.problem = file, line, field, problem
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {field}: {problem}" if field else f"{where}: {problem}")


class FlowFileError(_LocatedError):
    """A flow file (or connections file) is invalid."""


class MappingError(_LocatedError):
    """A mapping file is invalid."""


class ConnectionConfigError(ConfigError):
    """A connection's settings are wrong or missing."""


class PluginError(FlowhubError):
    """A plugin could not be loaded or registered."""

    def __init__(self, distribution: str, problem: str) -> None:
        self.distribution, self.problem = distribution, problem
        super().__init__(f"plugin {distribution}: {problem}")


class ConnectorError(FlowhubError):
    """An API answered something we cannot take, or did not answer."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 detail: object = None) -> None:
        self.status, self.code, self.detail = status, code, detail
        super().__init__(message)


class AuthError(ConnectorError):
    """The credentials were rejected; retrying cannot help."""


class RetryableError(ConnectorError):
    """A transient failure (429, 5xx, timeout); worth another try after a pause."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class RejectedError(ConnectorError):
    """The API refused this one record; the others go on."""


class NotFoundError(RejectedError):
    """The record asked for does not exist (any more)."""


class ConflictError(RejectedError):
    """The target record changed since we read it; we do not overwrite it blindly."""


class RecordError(FlowhubError):
    """One record failed; the reason is stored with it and it can be retried."""

    def __init__(self, reason: str, *, record_id: str | None = None, stage: str = "write") -> None:
        self.reason, self.record_id, self.stage = reason, record_id, stage
        super().__init__(f"record {record_id}: {reason}" if record_id else reason)


class MappingRecordError(RecordError):
    """The mapping failed for one record (missing value, unmapped value, bad type)."""

    def __init__(self, reason: str, *, record_id: str | None = None) -> None:
        super().__init__(reason, record_id=record_id, stage="map")


class WaitingError(RecordError):
    """The record cannot go yet (e.g. its product does not exist); kept and retried later."""

    def __init__(self, reason: str, *, record_id: str | None = None) -> None:
        super().__init__(reason, record_id=record_id, stage="dependency")


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """A hint naming the closest known word, or listing the known ones."""
    import difflib

    choices = sorted(set(known))
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"known: {', '.join(choices)}" if choices else "nothing is known here"

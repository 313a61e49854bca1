"""The database behind one connection: its engine, its tables, and errors a person can read."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from flowhub import ConfigError, ConnectorError, FlowhubError, RejectedError, RetryableError
from flowhub_sql.schema import Schema
from flowhub_sql.settings import SqlSettings, mask_url

__all__ = ["Database", "is_transient", "translate"]

_TITLES = {
    "sqlite": "SQLite",
    "postgresql": "PostgreSQL",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "mssql": "SQL Server",
    "oracle": "Oracle",
}
_TRANSIENT = ("locked", "busy", "timeout", "timed out", "could not connect", "connection", "server closed")


class Database:
    """Opened lazily on first use; ``close`` returns every pooled connection."""

    def __init__(self, settings: SqlSettings) -> None:
        self.settings = settings
        self._engine: Engine | None = None
        self._schema: Schema | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self.errors("opening the database"):
                try:
                    self._engine = _make_engine(self.settings)
                except ImportError as error:  # the URL names a driver that is not installed
                    url = self.settings.safe_url
                    raise ConfigError(f"opening {url}: install its database driver ({error})") from None
        return self._engine

    @property
    def schema(self) -> Schema:
        if self._schema is None:
            self._schema = Schema(self.engine, self.settings.db_schema)
        return self._schema

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def describe(self) -> str:
        """``sqlite:///shop.db (SQLite 3.45.1)``: where we are connected, password hidden."""
        with self.errors("connecting"), self.engine.connect() as conn:
            if self.dialect == "sqlite":
                version = str(conn.exec_driver_sql("select sqlite_version()").scalar())
            else:
                conn.execute(text("SELECT 1"))
                version = ".".join(str(part) for part in conn.dialect.server_version_info or ())
        title = _TITLES.get(self.dialect, self.dialect)
        return f"{self.settings.safe_url} ({title} {version})".replace(" )", ")")

    def check_writes(self) -> None:
        """Create a table inside a transaction that is rolled back: proves DDL and writes work."""
        with self.errors("writing"), self.engine.connect() as conn:
            transaction = conn.begin()
            try:
                conn.exec_driver_sql("CREATE TABLE _flowhub_write_check (x INTEGER)")
                conn.exec_driver_sql("INSERT INTO _flowhub_write_check VALUES (1)")
            finally:
                transaction.rollback()

    @contextlib.contextmanager
    def errors(self, doing: str) -> Iterator[None]:
        """Turn database errors into flowhub's, with any password masked."""
        try:
            yield
        except SQLAlchemyError as error:
            raise translate(error, self.settings, doing) from None

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._engine, self._schema = None, None


def translate(error: Exception, settings: SqlSettings, doing: str) -> FlowhubError:
    """The flowhub error for a database error: retry, reject one record, or fix the config."""
    message = f"{doing} ({settings.safe_url}): {_reason(error, settings)}"
    if isinstance(error, NoSuchModuleError | ArgumentError):
        return ConfigError(message)
    if is_transient(error):
        return RetryableError(message)
    if isinstance(error, IntegrityError | DataError):
        return RejectedError(message)
    return ConnectorError(message)


def is_transient(error: Exception) -> bool:
    """Locked, busy, or a lost connection: worth another try later."""
    if not isinstance(error, OperationalError):
        return False
    reason = str(getattr(error, "orig", None) or error).lower()
    return any(word in reason for word in _TRANSIENT)


def _reason(error: Exception, settings: SqlSettings) -> str:
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines() or [type(cause).__name__]
    reason = f"{type(cause).__name__}: {lines[0]}"
    if settings.password is not None and settings.password.get_secret_value():
        reason = reason.replace(settings.password.get_secret_value(), "***")
    return mask_url(reason)


def _make_engine(settings: SqlSettings) -> Engine:
    url = settings.engine_url()
    if url.get_backend_name() != "sqlite":
        return create_engine(url, hide_parameters=True, pool_pre_ping=True)
    engine = create_engine(url, hide_parameters=True, connect_args={"timeout": settings.timeout})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: sqlite3.Connection, record: Any) -> None:
    """Let SQLAlchemy, not the driver, open transactions (savepoints work), and use WAL.

    WAL lets one connection stream a table while another writes to the same file.
    """
    dbapi_connection.isolation_level = None
    with contextlib.suppress(sqlite3.DatabaseError):
        dbapi_connection.execute("PRAGMA journal_mode=WAL")


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")

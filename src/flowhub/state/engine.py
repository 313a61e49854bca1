"""Build the one SQLAlchemy Engine of a state store: SQLite tuned for many threads, or PostgreSQL.

SQLite settings and why:

* ``journal_mode=WAL``: readers never block the writer and the writer never blocks readers,
  so worker threads can look up links while another thread commits.
* ``busy_timeout=30000``: a writer waits up to 30 s for the write lock instead of failing.
* ``BEGIN IMMEDIATE`` for every write transaction: the write lock is taken at the start, so
  the busy timeout applies. A deferred transaction that reads first and writes later can
  fail at once with "database is locked" when another writer got in between.
* ``synchronous=NORMAL``: in WAL mode a commit is written to the WAL file before it returns,
  so it survives the *process* being killed (SIGKILL, OOM) at any moment. Only a power cut
  or OS crash can lose the last few commits; it cannot corrupt the database, which reopens
  at an earlier, consistent state. The runner is idempotent over such a loss (write intents
  and links), so the fsync per commit that ``FULL`` would cost is not worth paying.
* ``foreign_keys=ON``: SQLite leaves them off unless asked, per connection.
* One writer at a time *within the process*, queued on a Python lock before BEGIN IMMEDIATE:
  SQLite's busy handler waits for a held lock by sleeping (1, 2, 5, 10, … ms), so threads of
  one process that met on the write lock would sleep far longer than the few hundred
  microseconds a flowhub write transaction holds it. The busy timeout still covers other
  processes (a second `flowhub run`, `flowhub serve`).
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from flowhub.errors import ConfigError

__all__ = ["make_engine", "read_connection", "safe_url", "write_transaction"]

BUSY_TIMEOUT_S = 30
_SQLITE_PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
)


def make_engine(url: str) -> Engine:
    """The engine for ``url``; a clear ``ConfigError`` for URLs flowhub cannot use."""
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        return _create(parsed, pool_pre_ping=True)
    raise ConfigError(
        f"state database {safe_url(parsed)}: flowhub keeps its state in SQLite or PostgreSQL, not {backend}"
    )


def safe_url(url: str | URL) -> str:
    """The URL as it may be shown to a person: password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as error:
        raise ConfigError(
            f"state database URL is not valid ({error}); expected e.g. sqlite:////abs/path/state.db"
        ) from None


def _create(url: URL, **kwargs: Any) -> Engine:
    try:
        return create_engine(url, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as error:
        raise ConfigError(
            f"state database {safe_url(url)}: the database driver is not installed ({error})"
        ) from None


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        raise ConfigError(
            f"state database {safe_url(url)}: an in-memory SQLite database cannot be shared by "
            f"worker threads and is lost at exit; give a file, e.g. sqlite:////abs/path/state.db"
        )
    if not database.startswith("file:"):
        folder = Path(database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(f"state database {safe_url(url)}: cannot create {folder}: {error}") from None
    engine = _create(
        url, connect_args={"timeout": BUSY_TIMEOUT_S}, pool_size=8, max_overflow=56, pool_timeout=60
    )
    event.listen(engine, "connect", _on_sqlite_connect)
    _WRITERS[engine] = threading.Lock()
    return engine


_WRITERS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Take BEGIN out of the sqlite3 driver's hands and apply the pragmas, once per connection."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction, committed on exit and rolled back on error.

    On SQLite the driver's own BEGIN is switched off (see ``_on_sqlite_connect``), so the
    transaction is opened here with BEGIN IMMEDIATE, straight on the driver connection. A
    ``begin`` event listener would do the same but makes SQLAlchemy dispatch events on every
    statement, which cost more than the statement itself.
    """
    writer = _WRITERS.get(engine)
    if writer is None:
        with engine.connect() as conn, conn.begin():
            yield conn
        return
    with writer, engine.connect() as conn, conn.begin():
        _begin_immediate(conn)
        yield conn


def _begin_immediate(conn: Connection) -> None:
    driver = conn.connection.driver_connection
    try:
        driver.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
    except sqlite3.Error as error:  # wrapped as SQLAlchemy would have: one error family for callers
        raise OperationalError("BEGIN IMMEDIATE", None, error) from error


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for reads; it takes no write lock and is handed back at once.

    On SQLite each statement is its own atomic read (autocommit mode); on PostgreSQL the
    reads share one transaction, rolled back on exit.
    """
    with engine.connect() as conn:
        yield conn

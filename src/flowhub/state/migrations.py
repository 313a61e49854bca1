"""Schema migrations: an ordered list of functions, the version kept in the ``meta`` table.

Rules for adding one: append a function, never edit or reorder an old one. Each migration
declares the tables it creates in its own frozen form (not ``schema.py``, which moves on), so
that a fresh database and an upgraded one end up the same. ``tests/test_state.py`` checks
that the migrated database matches ``schema.py``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
)

from flowhub.errors import ConfigError
from flowhub.state.engine import read_connection, write_transaction
from flowhub.state.schema import meta

__all__ = ["LATEST_VERSION", "MIGRATIONS", "migrate"]

Migration = Callable[[Connection], None]
VERSION_KEY = "schema_version"


def _v1_initial(conn: Connection) -> None:
    """Runs, cursors, id links, write intents, per-record states and the activity log."""
    md = MetaData()
    key, name = String(255), String(200)
    Table(
        "runs",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("flow", name, nullable=False),
        Column("mode", String(20), nullable=False),
        Column("status", String(20), nullable=False),
        Column("started_at", DateTime, nullable=False),
        Column("finished_at", DateTime),
        Column("counts", Text),
        Column("error", Text),
        Index("ix_runs_flow_id", "flow", "id"),
    )
    Table(
        "cursors",
        md,
        Column("flow", name, primary_key=True),
        Column("value", Text, nullable=False),
        Column("updated_at", DateTime, nullable=False),
    )
    Table(
        "links",
        md,
        Column("scope", name, primary_key=True),
        Column("source_key", key, primary_key=True),
        Column("target_key", key, nullable=False),
        Column("payload_hash", String(128), nullable=False),
        Column("once", Boolean, nullable=False),
        Column("updated_at", DateTime, nullable=False),
        Index("ix_links_scope_target", "scope", "target_key"),
    )
    Table(
        "intents",
        md,
        Column("scope", name, primary_key=True),
        Column("source_key", key, primary_key=True),
        Column("payload_hash", String(128), nullable=False),
        Column("created_at", DateTime, nullable=False),
    )
    Table(
        "record_states",
        md,
        Column("flow", name, primary_key=True),
        Column("source_key", key, primary_key=True),
        Column("status", String(20), nullable=False),
        Column("cursor", Text),
        Column("outcome", String(40)),
        Column("stage", String(40)),
        Column("reason", Text),
        Column("attempts", Integer, nullable=False),
        Column("first_failed_at", DateTime),
        Column("last_failed_at", DateTime),
        Column("source", Text),
        Column("payload", Text),
        Column("run_id", Integer, ForeignKey("runs.id", ondelete="SET NULL")),
        Column("updated_at", DateTime, nullable=False),
        Index("ix_record_states_problems", "flow", "status", "first_failed_at", "source_key"),
    )
    Table(
        "activity",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        Column("flow", name, nullable=False),
        Column("source_key", key, nullable=False),
        Column("outcome", String(40), nullable=False),
        Column("reason", Text),
        Column("source", Text),
        Column("payload", Text),
        Column("request", Text),
        Column("response", Text),
        Column("started_at", DateTime, nullable=False),
        Column("duration_ms", Float, nullable=False),
        Index("ix_activity_flow_key", "flow", "source_key", "id"),
        Index("ix_activity_started", "started_at"),
    )
    md.create_all(conn)


MIGRATIONS: tuple[Migration, ...] = (_v1_initial,)
LATEST_VERSION = len(MIGRATIONS)


def migrate(engine: Engine, where: str) -> int:
    """Bring the database at ``where`` up to ``LATEST_VERSION``; return the version it is at.

    An up-to-date database is only read, so opening the store takes no write lock. Otherwise
    all pending migrations run in one write transaction (BEGIN IMMEDIATE on SQLite), which
    also serialises two processes opening a new database at the same moment: the second
    one re-reads the version inside the lock and finds nothing left to do.
    """
    with read_connection(engine) as conn:
        version = _read_version(conn)
    _refuse_newer(version, where)
    if version == LATEST_VERSION:
        return version
    with write_transaction(engine) as conn:
        meta.create(conn, checkfirst=True)
        version = _read_version(conn)
        _refuse_newer(version, where)
        for number in range(version, LATEST_VERSION):
            MIGRATIONS[number](conn)
            _write_version(conn, number + 1)
    return LATEST_VERSION


def _read_version(conn: Connection) -> int:
    if not inspect(conn).has_table(meta.name):
        return 0
    value = conn.execute(select(meta.c.value).where(meta.c.key == VERSION_KEY)).scalar_one_or_none()
    return int(value) if value is not None else 0


def _write_version(conn: Connection, version: int) -> None:
    updated = conn.execute(meta.update().where(meta.c.key == VERSION_KEY).values(value=str(version))).rowcount
    if not updated:
        conn.execute(meta.insert().values(key=VERSION_KEY, value=str(version)))


def _refuse_newer(version: int, where: str) -> None:
    if version > LATEST_VERSION:
        raise ConfigError(
            f"state database {where} has schema version {version}, but this flowhub only knows "
            f"versions up to {LATEST_VERSION}: it was written by a newer flowhub. Upgrade flowhub "
            f"(pip install -U flowhub), or point FLOWHUB_DATABASE_URL at another database."
        )

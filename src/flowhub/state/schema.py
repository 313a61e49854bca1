"""The current shape of flowhub's tables, used by queries (migrations keep their own frozen copies)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

from flowhub.state.codec import dumps_redacted, loads

__all__ = [
    "RedactedJson",
    "UtcDateTime",
    "activity",
    "cursors",
    "intents",
    "links",
    "meta",
    "metadata",
    "record_states",
    "runs",
]


class UtcDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (sortable text on SQLite); always read back as an aware UTC datetime.

    A naive datetime handed in is taken to be UTC already.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class RedactedJson(TypeDecorator[Any]):
    """JSON text that is redacted on the way in, so no secret can reach the database file."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return dumps_redacted(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return loads(value)


KEY = String(255)
NAME = String(200)

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", NAME, primary_key=True),
    Column("value", Text, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("flow", NAME, nullable=False),
    Column("mode", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("counts", RedactedJson),
    Column("error", Text),
    Index("ix_runs_flow_id", "flow", "id"),
)

cursors = Table(
    "cursors",
    metadata,
    Column("flow", NAME, primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

links = Table(
    "links",
    metadata,
    Column("scope", NAME, primary_key=True),
    Column("source_key", KEY, primary_key=True),
    Column("target_key", KEY, nullable=False),
    Column("payload_hash", String(128), nullable=False),
    Column("once", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_links_scope_target", "scope", "target_key"),
)

intents = Table(
    "intents",
    metadata,
    Column("scope", NAME, primary_key=True),
    Column("source_key", KEY, primary_key=True),
    Column("payload_hash", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

record_states = Table(
    "record_states",
    metadata,
    Column("flow", NAME, primary_key=True),
    Column("source_key", KEY, primary_key=True),
    Column("status", String(20), nullable=False),
    Column("cursor", Text),
    Column("outcome", String(40)),
    Column("stage", String(40)),
    Column("reason", Text),
    Column("attempts", Integer, nullable=False),
    Column("first_failed_at", UtcDateTime),
    Column("last_failed_at", UtcDateTime),
    Column("source", RedactedJson),
    Column("payload", RedactedJson),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="SET NULL")),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_record_states_problems", "flow", "status", "first_failed_at", "source_key"),
)

activity = Table(
    "activity",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("flow", NAME, nullable=False),
    Column("source_key", KEY, nullable=False),
    Column("outcome", String(40), nullable=False),
    Column("reason", Text),
    Column("source", RedactedJson),
    Column("payload", RedactedJson),
    Column("request", RedactedJson),
    Column("response", RedactedJson),
    Column("started_at", UtcDateTime, nullable=False),
    Column("duration_ms", Float, nullable=False),
    Index("ix_activity_flow_key", "flow", "source_key", "id"),
    Index("ix_activity_started", "started_at"),
)

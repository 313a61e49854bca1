"""The store's SQL, built once per dialect, and the rows it reads turned into values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Integer, Row, and_, bindparam, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from flowhub.state.models import Intent, Link, RecordState, RunInfo
from flowhub.state.schema import cursors, intents, links, record_states

__all__ = ["PAGE", "Statements", "intent", "link", "record_state", "run_info"]

PAGE = 500  # rows per page when streaming problems


class Statements:
    """Every hot statement, built once with bound parameters.

    Building a statement and its cache key on each call cost more than running it; these are
    compiled once into the engine's statement cache and only re-bound afterwards.
    """

    def __init__(self, dialect: str) -> None:
        insert: Callable[..., Any] = postgresql.insert if dialect == "postgresql" else sqlite.insert
        scope_key = (links.c.scope == bindparam("scope"), links.c.source_key == bindparam("source_key"))
        self.get_cursor = select(cursors.c.value).where(cursors.c.flow == bindparam("flow"))
        self.set_cursor = _replace(insert, cursors, ["flow"])
        self.get_link = select(links).where(*scope_key)
        self.get_links = select(links).where(
            links.c.scope == bindparam("scope"), links.c.source_key.in_(bindparam("keys", expanding=True))
        )
        self.link_by_target = (
            select(links)
            .where(links.c.scope == bindparam("scope"), links.c.target_key == bindparam("target_key"))
            .order_by(links.c.updated_at.desc())
            .limit(1)
        )
        self.put_link = _replace(insert, links, ["scope", "source_key"])
        self.delete_link = delete(links).where(*scope_key)
        intent_key = (intents.c.scope == bindparam("scope"), intents.c.source_key == bindparam("source_key"))
        self.get_intent = select(intents).where(*intent_key)
        self.put_intent = _replace(insert, intents, ["scope", "source_key"])
        self.clear_intent = delete(intents).where(*intent_key)
        self._record_statements(insert)

    def _record_statements(self, insert: Callable[..., Any]) -> None:
        table = record_states
        of_flow = table.c.flow == bindparam("flow")
        self.record_state = select(table).where(of_flow, table.c.source_key == bindparam("source_key"))
        self.record_states = select(table).where(
            of_flow, table.c.source_key.in_(bindparam("keys", expanding=True))
        )
        self.mark_done = _replace(insert, table, ["flow", "source_key"])
        self.mark_problem = _problem_upsert(insert)
        problems = (
            select(table)
            .where(of_flow, table.c.status.in_(bindparam("statuses", expanding=True)))
            .order_by(table.c.first_failed_at, table.c.source_key)
            .limit(bindparam("page_size", type_=Integer))
        )
        self.problems_first = problems
        self.problems_after = problems.where(
            or_(
                table.c.first_failed_at > bindparam("after_at", type_=table.c.first_failed_at.type),
                and_(
                    table.c.first_failed_at == bindparam("after_at", type_=table.c.first_failed_at.type),
                    table.c.source_key > bindparam("after_key"),
                ),
            )
        )


def _replace(insert: Callable[..., Any], table: Any, keys: list[str]) -> Any:
    """An upsert that overwrites every non-key column with the new row's values."""
    statement = insert(table)
    columns = [column.name for column in table.columns if column.name not in keys]
    return statement.on_conflict_do_update(
        index_elements=keys, set_={name: statement.excluded[name] for name in columns}
    )


def _problem_upsert(insert: Callable[..., Any]) -> Any:
    """Store a problem: ``attempts`` counts up in SQL, the first failure time is kept."""
    table = record_states
    statement = insert(table)
    new = statement.excluded
    replaced = (
        "status",
        "cursor",
        "stage",
        "reason",
        "source",
        "payload",
        "run_id",
        "last_failed_at",
        "updated_at",
    )
    return statement.on_conflict_do_update(
        index_elements=["flow", "source_key"],
        set_={
            **{name: new[name] for name in replaced},
            "attempts": table.c.attempts + 1,
            "first_failed_at": func.coalesce(table.c.first_failed_at, new.first_failed_at),
        },
    )


def run_info(row: Row[Any]) -> RunInfo:
    return RunInfo(
        id=row.id,
        flow=row.flow,
        mode=row.mode,
        status=row.status,
        started_at=row.started_at,
        finished_at=row.finished_at,
        counts=dict(row.counts or {}),
        error=row.error,
    )


def link(row: Row[Any]) -> Link:
    return Link(
        scope=row.scope,
        source_key=row.source_key,
        target_key=row.target_key,
        payload_hash=row.payload_hash,
        once=bool(row.once),
        updated_at=row.updated_at,
    )


def intent(row: Row[Any]) -> Intent:
    return Intent(
        scope=row.scope, source_key=row.source_key, payload_hash=row.payload_hash, created_at=row.created_at
    )


def record_state(row: Row[Any]) -> RecordState:
    return RecordState(
        flow=row.flow,
        source_key=row.source_key,
        status=row.status,
        cursor=row.cursor,
        outcome=row.outcome,
        stage=row.stage,
        reason=row.reason,
        attempts=row.attempts,
        source=row.source,
        payload=row.payload,
        updated_at=row.updated_at,
        first_failed_at=row.first_failed_at,
        last_failed_at=row.last_failed_at,
        run_id=row.run_id,
    )

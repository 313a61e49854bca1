"""StateStore: the one door to flowhub's database (runs, cursors, id links, intents, record states)."""

from __future__ import annotations

import threading

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from flowhub.errors import ConfigError
from flowhub.redact import redact_text
from flowhub.state import queries
from flowhub.state.engine import make_engine, read_connection, safe_url, write_transaction
from flowhub.state.writer import GroupCommit, Statements
from flowhub.state.migrations import migrate
from flowhub.state.models import (
    PROBLEM_STATUSES,
    RUN_MODES,
    RUN_STATUSES,
    Intent,
    Link,
    ProblemStatus,
    RecordState,
    RunInfo,
)
from flowhub.state.schema import cursors, intents, links, record_states, runs

__all__ = ["StateStore"]

CHUNK = 500  # keys per IN (...) query: far below SQLite's limit on bound parameters


def _now() -> datetime:
    return datetime.now(UTC)


def _chunks(keys: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(keys), CHUNK):
        yield keys[start : start + CHUNK]


class StateStore:
    """The one door to flowhub's database.

    Safe to share between threads: every call is its own short transaction on a pooled
    connection (SQLite: WAL, so reads run beside the one writer; writes queue on the lock for
    up to 30 s). Every write is committed before the call returns, so a process killed at any
    moment leaves each call either fully done or not done at all.
    """

    def __init__(self, url: str) -> None:
        self.url = safe_url(url)
        self._engine = make_engine(url)
        try:
            self.schema_version: int = migrate(self._engine, self.url)
        except ConfigError:
            self._engine.dispose()
            raise
        except SQLAlchemyError as error:
            self._engine.dispose()
            reason = getattr(error, "orig", None) or error
            raise ConfigError(f"cannot open state database {self.url}: {reason}") from None
        self._sql = queries.Statements(self._engine.dialect.name)
        self._local = threading.local()
        self._group = GroupCommit(self._engine)

    def __repr__(self) -> str:
        return f"StateStore({self.url!r}, schema_version={self.schema_version})"

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Finish queued writes and return every pooled connection; the store must not be used afterwards."""
        self._group.close()
        self._engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction (SQLite: BEGIN IMMEDIATE), committed on exit, rolled back on error.

        Inside ``batch()`` on the same thread, it joins the batch's transaction instead.
        """
        joined = getattr(self._local, "conn", None)
        if joined is not None:
            yield joined
            return
        with write_transaction(self._engine) as conn:
            yield conn

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group this thread's writes into one transaction (the runner settles a chunk this way).

        All or nothing: a crash inside leaves none of the batch's writes, which is safe because
        the cursor moves only after the batch is committed.
        """
        if getattr(self._local, "conn", None) is not None:
            yield
            return
        with write_transaction(self._engine) as conn:
            self._local.conn = conn
            try:
                yield
            finally:
                self._local.conn = None

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads; takes no write lock (SQLite: each statement reads atomically)."""
        with read_connection(self._engine) as conn:
            yield conn

    # -- runs -------------------------------------------------------------------------------

    def start_run(self, flow: str, mode: str) -> int:
        """Record that a run begins; its id tags record states and activity entries."""
        if mode not in RUN_MODES:
            raise ValueError(f"run mode {mode!r} is not one of {sorted(RUN_MODES)}")
        with self.transaction() as conn:
            result = conn.execute(
                runs.insert(), {"flow": flow, "mode": mode, "status": "running", "started_at": _now()}
            )
            key = result.inserted_primary_key
            assert key is not None  # an INSERT into a table with an integer primary key
            return int(key[0])

    def finish_run(
        self, run_id: int, *, status: str, counts: Mapping[str, int], error: str | None = None
    ) -> None:
        if status not in RUN_STATUSES:
            raise ValueError(f"run status {status!r} is not one of {sorted(RUN_STATUSES)}")
        values = {
            "status": status,
            "finished_at": _now(),
            "counts": dict(counts),
            "error": redact_text(error) if error else None,
        }
        with self.transaction() as conn:
            conn.execute(update(runs).where(runs.c.id == run_id).values(**values))

    def interrupt_unfinished_runs(self, flow: str | None = None) -> int:
        """Mark runs still ``running`` (their process died) as ``interrupted``; how many.

        Call it only when no other process can be running the flow at the same time.
        """
        query = update(runs).where(runs.c.status == "running")
        if flow is not None:
            query = query.where(runs.c.flow == flow)
        with self.transaction() as conn:
            return conn.execute(query.values(status="interrupted", finished_at=_now())).rowcount

    def runs(self, flow: str | None = None, limit: int = 20) -> list[RunInfo]:
        """The last ``limit`` runs, newest first."""
        query = select(runs).order_by(runs.c.id.desc()).limit(limit)
        if flow is not None:
            query = query.where(runs.c.flow == flow)
        return [queries.run_info(row) for row in self._all(query)]

    # -- cursors ----------------------------------------------------------------------------

    def get_cursor(self, flow: str) -> str | None:
        value = self._scalar(self._sql.get_cursor, {"flow": flow})
        return None if value is None else str(value)

    def set_cursor(self, flow: str, value: str) -> None:
        self._write(self._sql.set_cursor, {"flow": flow, "value": value, "updated_at": _now()})

    def clear_cursor(self, flow: str) -> None:
        self._write(delete(cursors).where(cursors.c.flow == flow))

    # -- id links ---------------------------------------------------------------------------

    def get_link(self, scope: str, source_key: str) -> Link | None:
        row = self._first(self._sql.get_link, {"scope": scope, "source_key": source_key})
        return queries.link(row) if row else None

    def get_links(self, scope: str, source_keys: Sequence[str]) -> dict[str, Link]:
        """The links of a chunk of source keys, in one query per 500 keys; missing keys are absent."""
        found: dict[str, Link] = {}
        with self.reading() as conn:
            for part in _chunks(list(source_keys)):
                rows = conn.execute(self._sql.get_links, {"scope": scope, "keys": part})
                found.update((row.source_key, queries.link(row)) for row in rows)
        return found

    def find_link_by_target(self, scope: str, target_key: str) -> Link | None:
        """The link pointing at ``target_key`` (the most recent one if several sources match it)."""
        row = self._first(self._sql.link_by_target, {"scope": scope, "target_key": target_key})
        return queries.link(row) if row else None

    def put_link(
        self, scope: str, source_key: str, target_key: str, payload_hash: str, *, once: bool = False,
        wait: bool = True,
    ) -> Future[None]:
        """Store (or move) a link and clear the write intent for it, in one transaction.

        ``wait=False`` answers as soon as the write is queued, so a worker can send its next
        request meanwhile; it must wait on the answer before anything relies on the link.
        """
        values = {
            "scope": scope,
            "source_key": source_key,
            "target_key": target_key,
            "payload_hash": payload_hash,
            "once": once,
            "updated_at": _now(),
        }
        return self._commit([(self._sql.put_link, values),
                             (self._sql.clear_intent, {"scope": scope, "source_key": source_key})], wait=wait)

    def delete_link(self, scope: str, source_key: str) -> None:
        self._write(self._sql.delete_link, {"scope": scope, "source_key": source_key})

    def count_links(self, scope: str | None = None) -> int:
        query = select(func.count()).select_from(links)
        if scope is not None:
            query = query.where(links.c.scope == scope)
        return int(self._scalar(query) or 0)

    # -- write intents ----------------------------------------------------------------------

    def put_intent(self, scope: str, source_key: str, payload_hash: str, *, wait: bool = True) -> Future[None]:
        """Say "a create for this record is about to be sent"; committed before the call returns.

        ``wait=False`` only queues it: the caller must wait on the answer before the create goes out.
        """
        values = {
            "scope": scope,
            "source_key": source_key,
            "payload_hash": payload_hash,
            "created_at": _now(),
        }
        return self._commit([(self._sql.put_intent, values)], wait=wait)

    def get_intent(self, scope: str, source_key: str) -> Intent | None:
        row = self._first(self._sql.get_intent, {"scope": scope, "source_key": source_key})
        return queries.intent(row) if row else None

    def intents(self, scope: str) -> list[Intent]:
        """Every intent left in a scope, oldest first: creates whose outcome is unknown."""
        query = select(intents).where(intents.c.scope == scope).order_by(intents.c.created_at)
        return [queries.intent(row) for row in self._all(query)]

    def clear_intent(self, scope: str, source_key: str, *, wait: bool = True) -> Future[None]:
        return self._commit([(self._sql.clear_intent, {"scope": scope, "source_key": source_key})], wait=wait)

    # -- per-record state -------------------------------------------------------------------

    def mark_done(self, flow: str, source_key: str, cursor: str | None, outcome: str) -> None:
        """Remember that the record went through; any stored failure and its snapshots are deleted."""
        values = {
            "flow": flow,
            "source_key": source_key,
            "status": "done",
            "cursor": cursor,
            "outcome": outcome,
            "stage": None,
            "reason": None,
            "attempts": 0,
            "first_failed_at": None,
            "last_failed_at": None,
            "source": None,
            "payload": None,
            "run_id": None,
            "updated_at": _now(),
        }
        self._write(self._sql.mark_done, values)

    def mark_problem(
        self,
        flow: str,
        source_key: str,
        *,
        status: ProblemStatus,
        stage: str,
        reason: str,
        cursor: str | None,
        source: Mapping[str, Any] | None,
        payload: Mapping[str, Any] | None,
        run_id: int,
    ) -> None:
        """Store a failed or waiting record for the retry queue; snapshots are stored redacted.

        ``attempts`` is incremented in SQL, so concurrent calls cannot lose a count, and the
        first failure time survives later failures.
        """
        if status not in PROBLEM_STATUSES:
            raise ValueError(f"problem status {status!r} is not one of {sorted(PROBLEM_STATUSES)}")
        now = _now()
        values = {
            "flow": flow,
            "source_key": source_key,
            "status": status,
            "cursor": cursor,
            "outcome": None,
            "stage": stage,
            "reason": redact_text(reason),
            "attempts": 1,
            "first_failed_at": now,
            "last_failed_at": now,
            "source": source,
            "payload": payload,
            "run_id": run_id,
            "updated_at": now,
        }
        self._write(self._sql.mark_problem, values)

    def record_state(self, flow: str, source_key: str) -> RecordState | None:
        row = self._first(self._sql.record_state, {"flow": flow, "source_key": source_key})
        return queries.record_state(row) if row else None

    def record_states(self, flow: str, source_keys: Sequence[str]) -> dict[str, RecordState]:
        """The states of a chunk of records, in one query per 500 keys; unknown keys are absent."""
        found: dict[str, RecordState] = {}
        with self.reading() as conn:
            for part in _chunks(list(source_keys)):
                rows = conn.execute(self._sql.record_states, {"flow": flow, "keys": part})
                found.update((row.source_key, queries.record_state(row)) for row in rows)
        return found

    def problems(self, flow: str, status: str | None = None) -> Iterator[RecordState]:
        """Failed and waiting records (or only ``status``), oldest first failure first.

        Streamed in pages, each its own short read, so the caller may mark records done
        while iterating without holding a snapshot open.
        """
        if status is not None and status not in PROBLEM_STATUSES:
            raise ValueError(f"problem status {status!r} is not one of {sorted(PROBLEM_STATUSES)}")
        statuses = [status] if status else sorted(PROBLEM_STATUSES)
        return self._problem_pages(flow, statuses)

    def count_problems(self, flow: str) -> dict[str, int]:
        """``{"failed": n, "waiting": m}`` for the flow."""
        query = (
            select(record_states.c.status, func.count().label("number"))
            .where(record_states.c.flow == flow, record_states.c.status.in_(sorted(PROBLEM_STATUSES)))
            .group_by(record_states.c.status)
        )
        counts = dict.fromkeys(sorted(PROBLEM_STATUSES), 0)
        counts.update({row.status: int(row.number) for row in self._all(query)})
        return counts

    def forget_flow(self, flow: str) -> None:
        """Drop the flow's cursor and record states; links stay, they prevent duplicates."""
        with self.transaction() as conn:
            conn.execute(delete(cursors).where(cursors.c.flow == flow))
            conn.execute(delete(record_states).where(record_states.c.flow == flow))

    # -- plumbing ---------------------------------------------------------------------------

    def _problem_pages(self, flow: str, statuses: list[str]) -> Iterator[RecordState]:
        query = self._sql.problems_first
        size = queries.PAGE
        params: dict[str, Any] = {"flow": flow, "statuses": statuses, "page_size": size}
        while True:
            page = [queries.record_state(row) for row in self._all(query, params)]
            yield from page
            if len(page) < size:
                return
            last = page[-1]  # keyset: the next page starts after the last row seen
            query = self._sql.problems_after
            params = {**params, "after_at": last.first_failed_at, "after_key": last.source_key}

    def _write(self, statement: Any, values: Mapping[str, Any] | None = None) -> None:
        self._commit([(statement, values)])

    def _commit(self, statements: Statements, *, wait: bool = True) -> Future[None]:
        """Small writes: inside `batch()` they join it, otherwise the group writer commits them."""
        joined = getattr(self._local, "conn", None)
        if joined is None:
            pending = self._group.submit(statements)
            if wait:
                pending.result()
            return pending
        for statement, values in statements:
            joined.execute(statement, values)
        done: Future[None] = Future()
        done.set_result(None)
        return done

    def _all(self, query: Select[Any], params: Mapping[str, Any] | None = None) -> list[Row[Any]]:
        with self.reading() as conn:
            return list(conn.execute(query, params))

    def _first(self, query: Select[Any], params: Mapping[str, Any] | None = None) -> Row[Any] | None:
        with self.reading() as conn:
            return conn.execute(query, params).first()

    def _scalar(self, query: Select[Any], params: Mapping[str, Any] | None = None) -> Any:
        with self.reading() as conn:
            return conn.execute(query, params).scalar_one_or_none()

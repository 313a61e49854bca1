"""The per-record activity log: what came in, what was sent, what the target answered (A12, A14).

Every entry is redacted before it is stored (``RedactedJson`` columns run ``redact_obj`` over
the plain JSON form; the reason goes through ``redact_text``), and ``purge`` deletes entries
older than the retention period (``FlowhubSettings.activity_retention_days``).

``record`` is one committed insert; the runner renders each record's entry as the record
finishes (``entry``, in the worker thread) and stores a settled chunk's entries with one
``record_many`` inside the chunk's transaction, so the write lock is never held while records
are turned into redacted JSON. Nothing waits in a buffer outside the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, delete, select

from flowhub.redact import redact_text
from flowhub.state.codec import render
from flowhub.state.schema import activity

if TYPE_CHECKING:
    from flowhub.state import StateStore

__all__ = ["ActivityEntry", "ActivityLog"]


@dataclass(frozen=True)
class ActivityEntry:
    """One record's passage through one run, as stored (redacted, JSON-decoded)."""

    id: int
    run_id: int
    flow: str
    source_key: str
    outcome: str
    reason: str | None
    source: Any
    payload: Any
    request: Any
    response: Any
    started_at: datetime
    duration_ms: float


class ActivityLog:
    """Per record: what came from the source, what was sent, what the target answered (A12),
    purged after retention (A14)."""

    def __init__(self, store: StateStore) -> None:
        self._store = store

    def record(self, **fields: Any) -> None:
        """Store one entry (the fields of `entry`), committed before returning."""
        self.record_many([self.entry(**fields)])

    def record_many(self, entries: list[dict[str, Any]]) -> None:
        """Store entries made by `entry` in one statement; joins the caller's batch if any."""
        if entries:
            with self._store.transaction() as conn:
                conn.execute(activity.insert(), entries)

    @staticmethod
    def entry(
        *,
        run_id: int,
        flow: str,
        source_key: str,
        outcome: str,
        reason: str | None = None,
        source: Any = None,
        payload: Any = None,
        request: Any = None,
        response: Any = None,
        started_at: datetime,
        duration_ms: float,
    ) -> dict[str, Any]:
        """One entry, redacted and rendered to JSON now. Models, Decimals and dates are welcome."""
        return {
            "run_id": run_id,
            "flow": flow,
            "source_key": source_key,
            "outcome": outcome,
            "reason": redact_text(reason) if reason else reason,
            "source": render(source),
            "payload": render(payload),
            "request": render(request),
            "response": render(response),
            "started_at": started_at,
            "duration_ms": float(duration_ms),
        }

    def flush(self) -> None:
        """Nothing to do: entries are written as they come. Kept so callers need not care."""

    def entries(
        self, flow: str, source_key: str | None = None, *, run_id: int | None = None, limit: int = 50
    ) -> list[ActivityEntry]:
        """The flow's latest entries, newest first, optionally for one record and/or one run."""
        query = select(activity).where(activity.c.flow == flow)
        if source_key is not None:
            query = query.where(activity.c.source_key == source_key)
        if run_id is not None:
            query = query.where(activity.c.run_id == run_id)
        query = query.order_by(activity.c.id.desc()).limit(limit)
        with self._store.reading() as conn:
            return [_entry(row) for row in conn.execute(query)]

    def purge(self, *, older_than_days: int, now: datetime | None = None) -> int:
        """Delete entries that started more than ``older_than_days`` ago; how many went.

        Only activity entries: the snapshots of failed records stay until the record is done,
        because the retry queue needs them.
        """
        if older_than_days < 0:
            raise ValueError(f"older_than_days must be 0 or more, not {older_than_days}")
        limit = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
        with self._store.transaction() as conn:
            return conn.execute(delete(activity).where(activity.c.started_at < limit)).rowcount


def _entry(row: Row[Any]) -> ActivityEntry:
    return ActivityEntry(
        id=row.id,
        run_id=row.run_id,
        flow=row.flow,
        source_key=row.source_key,
        outcome=row.outcome,
        reason=row.reason,
        source=row.source,
        payload=row.payload,
        request=row.request,
        response=row.response,
        started_at=row.started_at,
        duration_ms=row.duration_ms,
    )

"""One batch of writes in one transaction: keyed upserts, numbered inserts, partial updates.

Every row runs inside its own savepoint when its group fails, so one bad row is rejected alone
and the others commit. Transient errors (locked, connection lost) fail the whole batch instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, UniqueConstraint, insert, update
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from flowhub import NotFoundError, RejectedError, WriteOp
from flowhub_sql.db import is_transient
from flowhub_sql.rows import coerce, fit_row, key_text
from flowhub_sql.schema import SYNCED_AT

__all__ = ["Outcome", "write_rows"]

Row = dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What happened to one op: the key of the row it wrote, or why it was rejected."""

    key: str | None = None
    error: Exception | None = None


@dataclass
class _Batch:
    conn: Connection
    table: Table
    key: str
    outcomes: list[Outcome | None]


def write_rows(
    engine: Engine, table: Table, key: str, soft_column: str, items: Sequence[tuple[WriteOp, Row]]
) -> list[Outcome]:
    """Apply creates (upsert by key) and updates; answer one Outcome per item, in order."""
    now = datetime.now(UTC)
    creates: dict[str, tuple[list[int], Row]] = {}
    keyless: list[tuple[int, Row]] = []
    updates: list[tuple[int, str, Row]] = []
    outcomes: list[Outcome | None] = [None] * len(items)
    for index, (op, row) in enumerate(items):
        row = fit_row(table, row)
        if op.key is not None:
            row.pop(key, None)
            updates.append((index, op.key, {**row, SYNCED_AT: now}))
            continue
        row = {**row, soft_column: None, SYNCED_AT: now}  # a create revives a soft-deleted row
        if row.get(key) in (None, ""):
            row.pop(key, None)
            keyless.append((index, row))
            continue
        try:
            row[key] = coerce(table.c[key], row[key])
        except ValueError as error:
            outcomes[index] = Outcome(error=RejectedError(f"{table.name}: {key} {error}"))
            continue
        indices, merged = creates.setdefault(key_text(row[key]), ([], {}))
        indices.append(index)
        merged.update(row)
    with engine.connect() as conn, conn.begin():
        batch = _Batch(conn, table, key, outcomes)
        _upsert_all(batch, creates)
        for index, row in keyless:
            _guarded(batch, [index], lambda row=row: _insert_numbered(batch, row))
        for index, wanted, row in updates:
            _guarded(batch, [index], lambda wanted=wanted, row=row: _update(batch, wanted, row))
    return [outcome or Outcome(error=RejectedError("not written")) for outcome in outcomes]


def _upsert_all(batch: _Batch, creates: dict[str, tuple[list[int], Row]]) -> None:
    """Rows with the same columns go in one statement; a failing group is retried row by row."""
    groups: dict[tuple[str, ...], list[tuple[str, list[int], Row]]] = {}
    for text, (indices, row) in creates.items():
        groups.setdefault(tuple(sorted(row)), []).append((text, indices, row))
    for group in groups.values():
        rows = [row for _, _, row in group]
        try:
            with batch.conn.begin_nested():
                _upsert(batch, rows)
        except SQLAlchemyError as error:
            if is_transient(error):
                raise
            for text, indices, row in group:
                _guarded(batch, indices, lambda text=text, row=row: _upsert_one(batch, text, row))
            continue
        for text, indices, _ in group:
            for index in indices:
                batch.outcomes[index] = Outcome(key=text)


def _guarded(batch: _Batch, indices: list[int], write: Any) -> None:
    """Run one row's write in a savepoint; record its key, or the error for that row only."""
    try:
        with batch.conn.begin_nested():
            outcome = Outcome(key=write())
    except RejectedError as error:
        outcome = Outcome(error=error)
    except SQLAlchemyError as error:
        if is_transient(error):
            raise
        outcome = Outcome(error=_rejected(batch.table, error))
    for index in indices:
        batch.outcomes[index] = outcome


def _upsert(batch: _Batch, rows: list[Row]) -> None:
    table, key, conn = batch.table, batch.key, batch.conn
    columns = [name for name in rows[0] if name != key]
    dialect = conn.dialect.name
    if _unique(table, key) and dialect in ("sqlite", "postgresql"):
        make = sqlite.insert if dialect == "sqlite" else postgresql.insert
        statement = make(table)
        excluded = {name: statement.excluded[name] for name in columns}
        conn.execute(statement.on_conflict_do_update(index_elements=[table.c[key]], set_=excluded), rows)
    elif _unique(table, key) and dialect in ("mysql", "mariadb"):
        duplicate = mysql.insert(table)
        conn.execute(duplicate.on_duplicate_key_update({n: duplicate.inserted[n] for n in columns}), rows)
    else:  # any other database, or a key without a unique constraint: update, else insert
        for row in rows:
            changes = {name: row[name] for name in columns}
            result = conn.execute(update(table).where(table.c[key] == row[key]).values(changes))
            if result.rowcount == 0:
                conn.execute(insert(table).values(row))


def _upsert_one(batch: _Batch, text: str, row: Row) -> str:
    _upsert(batch, [row])
    return text


def _insert_numbered(batch: _Batch, row: Row) -> str:
    """A create without a key: the database numbers the row (integer primary key only)."""
    column = batch.table.c[batch.key]
    if not column.primary_key or column.type.python_type is not int:
        raise RejectedError(
            f"{batch.table.name}: the record has no {batch.key}, and the table does not number rows"
        )
    numbered = batch.conn.execute(insert(batch.table).values(row)).inserted_primary_key
    if not numbered or numbered[0] is None:
        raise RejectedError(f"{batch.table.name}: the database did not number the new row")
    return key_text(numbered[0])


def _update(batch: _Batch, wanted: str, row: Row) -> str:
    column = batch.table.c[batch.key]
    missing = NotFoundError(f"{batch.table.name}: no row with {batch.key} {wanted}", status=404)
    try:
        value = coerce(column, wanted)
    except ValueError:
        raise missing from None
    if batch.conn.execute(update(batch.table).where(column == value).values(row)).rowcount == 0:
        raise missing
    return key_text(value)


def _unique(table: Table, key: str) -> bool:
    """True when ``key`` alone is the primary key or unique: ON CONFLICT needs that."""
    if [c.name for c in table.primary_key.columns] == [key]:
        return True
    for index in table.indexes:
        if index.unique and [c.name for c in index.columns] == [key]:
            return True
    return any(
        isinstance(constraint, UniqueConstraint) and [c.name for c in constraint.columns] == [key]
        for constraint in table.constraints
    )


def _rejected(table: Table, error: SQLAlchemyError) -> RejectedError:
    cause = getattr(error, "orig", None) or error
    first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return RejectedError(f"{table.name}: {type(cause).__name__}: {first}")

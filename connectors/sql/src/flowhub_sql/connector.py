"""The sql connector: every table of one database is an entity, read by streaming, written by upsert."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

import tenacity
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Table, delete, select, update
from sqlalchemy.exc import SQLAlchemyError

from flowhub import (
    CheckResult,
    ConfigError,
    ConnectionSettings,
    Connector,
    ConnectorError,
    Entity,
    ReadQuery,
    RejectedError,
    RetryableError,
    WriteOp,
    WriteResult,
)
from flowhub.errors import did_you_mean
from flowhub_sql.db import Database
from flowhub_sql.rows import coerce, key_text, plain_row
from flowhub_sql.schema import SYNCED_AT
from flowhub_sql.settings import SqlSettings, TableSettings
from flowhub_sql.writes import Outcome, write_rows

__all__ = ["SqlConnector", "SqlEntity"]

INCLUDE_DELETED = "include_deleted"
YIELD_PER = 500


class SqlEntity(Entity):
    """The rows of one table; the class listed in ``entities`` stands for any table ("*")."""

    name = "*"
    key = "id"  # per table: tables.<name>.key
    cursor = "<cursor setting>"  # per table: tables.<name>.cursor (None: no incremental reads)
    soft_delete_column: ClassVar[str] = "_deleted_at"
    server_side_since = True
    filters: ClassVar[dict[str, str]] = {
        "*": "any column: equal to a value, or IN a list of values",
        INCLUDE_DELETED: "true: also read soft-deleted rows (hidden by default)",
    }
    find_fields = ("*",)  # any column
    soft_delete = True
    batch_size = 500

    configured: ClassVar[bool] = False  # True: key and cursor come from the connection's settings

    def __init__(self, connector: Connector) -> None:
        super().__init__(connector)
        self.db: Database = cast(SqlConnector, connector).database
        if not self.configured:  # built from `entity_class` (placeholders): take the real settings
            self.__class__ = _entity_type(self.name, self.db.settings.table(self.name))

    # -- reading ---------------------------------------------------------------------------
    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        """Stream rows (``yield_per``), oldest cursor first; soft-deleted rows hidden by default."""
        table = self._table_or_error()
        statement = select(table).where(*self._conditions(table, query))
        order = [table.c[c] for c in (self.cursor, self.key) if c is not None and c in table.c]
        statement = statement.order_by(*order)
        with self.db.errors(f"reading {self.name}"), self.db.engine.connect() as conn:
            for row in conn.execution_options(yield_per=YIELD_PER).execute(statement):
                yield self._model(row._mapping)

    def _conditions(self, table: Table, query: ReadQuery) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        for name, wanted in query.where.items():
            if name == INCLUDE_DELETED:
                continue
            column = self._column(table, name)
            if isinstance(wanted, list | tuple | set | frozenset):
                conditions.append(column.in_([self._coerced(column, name, one) for one in wanted]))
            else:
                conditions.append(column == self._coerced(column, name, wanted))
        soft = self.soft_delete_column
        if soft in table.c and not _truthy(query.where.get(INCLUDE_DELETED)):
            conditions.append(table.c[soft].is_(None))
        if query.since is not None and self.cursor is not None:
            column = self._column(table, self.cursor)
            conditions.append(column > self._coerced(column, self.cursor, query.since))
        return conditions

    def get(self, key: str) -> BaseModel | None:
        """The row, soft-deleted or not (``is_deleted`` tells); None when there is none."""
        table = self._table()
        if table is None or self.key not in table.c:
            return None
        try:
            value = coerce(table.c[self.key], key)
        except ValueError:
            return None
        with self.db.errors(f"reading {self.name}"), self.db.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c[self.key] == value)).first()
        return None if row is None else self._model(row._mapping)

    def find(self, field: str, value: Any) -> list[BaseModel]:
        """Live rows whose column ``field`` equals ``value``; none when there is no such column."""
        table = self._table()
        if table is None or field not in table.c:
            return []
        column = table.c[field]
        try:
            wanted = coerce(column, value)
        except ValueError:
            return []
        statement = select(table).where(column == wanted).order_by(*table.primary_key.columns)
        if self.soft_delete_column in table.c:
            statement = statement.where(table.c[self.soft_delete_column].is_(None))
        with self.db.errors(f"finding {self.name}"), self.db.engine.connect() as conn:
            return [self._model(row._mapping) for row in conn.execute(statement)]

    def is_deleted(self, record: BaseModel) -> bool:
        return getattr(record, self.soft_delete_column, None) is not None

    # -- writing ---------------------------------------------------------------------------
    def create(self, payload: BaseModel) -> BaseModel:
        """Insert the row, or update it when its key exists (upsert): a rerun never duplicates."""
        return self._one(WriteOp(payload))

    def update(self, key: str, payload: BaseModel) -> BaseModel:
        """Change only the columns the payload sets."""
        return self._one(WriteOp(payload, key=key))

    def delete(self, key: str, *, soft: bool) -> None:
        """Soft: stamp the soft-delete column (once). Hard: DELETE. A missing key is a no-op."""
        table = self._table()
        if table is None:
            return
        if soft:
            table = self.db.schema.ensure(self.name, self.key, self.soft_delete_column, [])
        column = self._column(table, self.key)
        try:
            value = coerce(column, key)
        except ValueError:
            return
        if soft:
            now = datetime.now(UTC)
            mark = table.c[self.soft_delete_column]
            statement: Any = (
                update(table).where(column == value, mark.is_(None)).values({mark: now, SYNCED_AT: now})
            )
        else:
            statement = delete(table).where(column == value)
        with self.db.errors(f"deleting from {self.name}"), self.db.engine.begin() as conn:
            conn.execute(statement)

    def write_batch(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Creates upsert by key, updates change their columns; a bad row fails only itself."""
        rows = [plain_row(op.payload, only_set=op.key is not None) for op in ops]
        for row in rows:
            for bookkeeping in (self.soft_delete_column, SYNCED_AT):
                row.pop(bookkeeping, None)
        for attempt in _on_busy_database():  # another writer holds the lock (SQLite): wait, try again
            with attempt, self.db.errors(f"writing {self.name}"):
                table = self.db.schema.ensure(self.name, self.key, self.soft_delete_column, rows)
                outcomes = write_rows(
                    self.db.engine, table, self.key, self.soft_delete_column, list(zip(ops, rows, strict=True))
                )
                written = self._fetch(table, [o.key for o in outcomes if o.key is not None])
        return [self._result(op, outcome, written) for op, outcome in zip(ops, outcomes, strict=True)]

    def _result(self, op: WriteOp, outcome: Outcome, written: Mapping[str, BaseModel]) -> WriteResult:
        if outcome.error is not None:
            return WriteResult(op.ref, error=outcome.error)
        record = written.get(outcome.key or "")
        if record is None:
            return WriteResult(
                op.ref, error=RejectedError(f"{self.name}: the written row cannot be read back")
            )
        return WriteResult(op.ref, record=record)

    def _fetch(self, table: Table, keys: list[str]) -> dict[str, BaseModel]:
        column = table.c[self.key]
        found: dict[str, BaseModel] = {}
        with self.db.engine.connect() as conn:
            for start in range(0, len(keys), self.batch_size):
                chunk = [coerce(column, key) for key in keys[start : start + self.batch_size]]
                for row in conn.execute(select(table).where(column.in_(chunk))):
                    found[key_text(row._mapping[self.key])] = self._model(row._mapping)
        return found

    def _one(self, op: WriteOp) -> BaseModel:
        [result] = self.write_batch([op])
        if result.error is not None:
            raise result.error
        assert result.record is not None
        return result.record

    # -- helpers ---------------------------------------------------------------------------
    def _table(self) -> Table | None:
        with self.db.errors(f"looking up table {self.name}"):
            return self.db.schema.table(self.name)

    def _table_or_error(self) -> Table:
        table = self._table()
        if table is None:
            with self.db.errors("listing tables"):
                known = self.db.schema.names()
            raise ConnectorError(
                f"no table '{self.name}' in {self.db.settings.safe_url} ({did_you_mean(self.name, known)})"
            )
        return table

    def _column(self, table: Table, name: str) -> Any:
        if name not in table.c:
            raise ConfigError(
                f"table {self.name} has no column '{name}' ({did_you_mean(name, table.c.keys())})"
            )
        return table.c[name]

    def _coerced(self, column: Any, name: str, value: Any) -> Any:
        try:
            return coerce(column, value)
        except ValueError:
            raise ConfigError(
                f"table {self.name}: {value!r} does not fit column {name} ({column.type})"
            ) from None

    def _model(self, row: Mapping[Any, Any]) -> BaseModel:
        return self.model.model_validate(dict(row))


class SqlConnector(Connector):
    """One database reached through SQLAlchemy; the entity name is the table name."""

    name = "sql"
    title = "SQL database (SQLAlchemy; SQLite by default)"
    settings_model = SqlSettings
    entities = (SqlEntity,)
    dynamic_entities = True

    def __init__(self, settings: ConnectionSettings, *, connection_name: str | None = None) -> None:
        super().__init__(settings, connection_name=connection_name)
        self.database = Database(cast(SqlSettings, settings))

    @classmethod
    def entity_class(cls, name: str) -> type[Entity]:
        """An entity class for table ``name`` (key and cursor shown as placeholders)."""
        if name == SqlEntity.name:
            return SqlEntity
        placeholders = TableSettings(key=SqlEntity.key, cursor=SqlEntity.cursor)
        return _entity_type(name, placeholders, configured=False)

    def entity(self, name: str) -> Entity:
        """The entity of table ``name``, keyed and cursored by ``tables.<name>`` in the settings."""
        if not name:
            raise ConfigError("sql entity: name a table")
        if name not in self._entities:
            table = cast(SqlSettings, self.settings).table(name)
            self._entities[name] = _entity_type(name, table)(self)
        return self._entities[name]

    def check(self, *, writes: bool = False) -> CheckResult:
        """Connect (and with ``writes``, prove a rolled-back write works); never raises."""
        try:
            description = self.database.describe()
            if writes:
                self.database.check_writes()
        except ConnectorError as error:
            return CheckResult(False, str(error))
        except ConfigError as error:
            return CheckResult(False, str(error))
        except SQLAlchemyError as error:  # pragma: no cover - Database.errors translates these
            return CheckResult(False, type(error).__name__)
        return CheckResult(True, f"connected to {description}")

    def close(self) -> None:
        self.database.close()


def _entity_type(name: str, table: TableSettings, *, configured: bool = True) -> type[SqlEntity]:
    attrs = {
        "configured": configured,
        "name": name,
        "key": table.key,
        "cursor": table.cursor,
        "soft_delete_column": table.soft_delete_column,
        "__module__": SqlEntity.__module__,
    }
    return type(f"SqlEntity[{name}]", (SqlEntity,), attrs)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "y"}
    return bool(value)


def _on_busy_database() -> tenacity.Retrying:
    """A whole batch is one transaction, so trying it again after a lock timeout is safe."""
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(RetryableError),
        wait=tenacity.wait_random_exponential(multiplier=0.05, max=2.0),
        stop=tenacity.stop_after_attempt(8),
        reraise=True,
    )

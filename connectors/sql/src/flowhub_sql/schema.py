"""Tables as records shape them: reflect, create on first write, add columns, keep the views.

Column types follow the first value seen for a field: bool, int, float, Decimal (NUMERIC),
datetime, date, str; nested objects and lists are JSON. Every table flowhub writes to also
gets ``_deleted_at`` and ``_synced_at`` and a ``<table>_active`` view without soft-deleted rows.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    inspect,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["SYNCED_AT", "Schema", "type_for"]

SYNCED_AT = "_synced_at"


def type_for(values: Iterable[Any]) -> TypeEngine[Any]:
    """The column type for a field, from the first value that is not None."""
    for value in values:
        if value is None:
            continue
        if isinstance(value, bool):
            return Boolean()
        if isinstance(value, int):
            return BigInteger()
        if isinstance(value, float):
            return Float()
        if isinstance(value, Decimal):
            return Numeric()
        if isinstance(value, datetime):
            return DateTime(timezone=True)
        if isinstance(value, date):
            return Date()
        if isinstance(value, dict | list):
            return JSON(none_as_null=True)
        return Text()
    return Text()


def _key_type(values: Iterable[Any]) -> TypeEngine[Any]:
    """Integer keys (also when none are given: the database numbers the rows), else text keys."""
    present = [value for value in values if value is not None]
    if present and not isinstance(type_for(present), BigInteger):
        return String(255)
    return BigInteger().with_variant(Integer(), "sqlite")  # SQLite numbers only INTEGER PRIMARY KEY


class Schema:
    """The tables of one database as flowhub sees them, reflected once and kept current."""

    def __init__(self, engine: Engine, schema: str | None) -> None:
        self.engine, self.schema = engine, schema
        self._tables: dict[str, Table] = {}
        self._lock = threading.Lock()

    def table(self, name: str) -> Table | None:
        """The table called ``name`` as it is in the database, or None when there is none."""
        if name not in self._tables:
            if not inspect(self.engine).has_table(name, schema=self.schema):
                return None
            self._tables[name] = Table(
                name,
                MetaData(),
                schema=self.schema,
                autoload_with=self.engine,
                listeners=[("column_reflect", _lenient_types(self.engine.dialect.name))],
            )
        return self._tables[name]

    def names(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names(schema=self.schema))

    def ensure(self, name: str, key: str, soft_column: str, rows: Iterable[Mapping[str, Any]]) -> Table:
        """The table, created or widened so that every field of ``rows`` has a column."""
        rows = list(rows)
        with self._lock:
            table = self.table(name)
            if table is None:
                self._create(name, key, soft_column, rows)  # another writer may have won: check below
                table = self._reflected(name)
            for _ in range(3):
                if not _missing(table, soft_column, rows):
                    break
                table = self._reflected(name)  # another writer may have added them meanwhile
                missing = _missing(table, soft_column, rows)
                if missing:
                    try:
                        self._add_columns(table, missing, soft_column, rows)
                    except SQLAlchemyError as error:
                        if "duplicate column" not in str(error).lower() and "already exists" not in str(error):
                            raise
                    table = self._reflected(name)
            return table

    def _reflected(self, name: str) -> Table:
        self._tables.pop(name, None)
        table = self.table(name)
        if table is None:
            raise LookupError(f"table {name} vanished while being written")
        return table

    def _create(self, name: str, key: str, soft_column: str, rows: list[Mapping[str, Any]]) -> None:
        seen = dict.fromkeys(field for row in rows for field in row)
        fields = [field for field in seen if field not in (key, soft_column, SYNCED_AT)]
        columns = [
            Column(key, _key_type(row.get(key) for row in rows), primary_key=True),
            *(Column(field, type_for(row.get(field) for row in rows)) for field in fields),
            Column(soft_column, DateTime(timezone=True), index=True),
            Column(SYNCED_AT, DateTime(timezone=True)),
        ]
        table = Table(name, MetaData(), *columns, schema=self.schema)
        with self.engine.begin() as conn:
            table.create(conn, checkfirst=True)
            self._replace_view(conn, table, soft_column)

    def _add_columns(
        self, table: Table, names: list[str], soft_column: str, rows: list[Mapping[str, Any]]
    ) -> None:
        preparer = self.engine.dialect.identifier_preparer
        with self.engine.begin() as conn:
            for name in names:
                if name in (soft_column, SYNCED_AT):
                    kind: TypeEngine[Any] = DateTime(timezone=True)
                else:
                    kind = type_for(row.get(name) for row in rows)
                ddl = kind.compile(dialect=self.engine.dialect)
                conn.exec_driver_sql(
                    f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN {preparer.quote(name)} {ddl}"
                )
            table = Table(table.name, MetaData(), schema=self.schema, autoload_with=conn)
            self._replace_view(conn, table, soft_column)

    def _replace_view(self, conn: Connection, table: Table, soft_column: str) -> None:
        """``<table>_active``: the rows not soft-deleted (PostgreSQL fixes ``*`` at creation)."""
        if soft_column not in table.c:
            return
        preparer = conn.dialect.identifier_preparer
        view = preparer.quote(f"{table.name}_active")
        if self.schema:
            view = f"{preparer.quote_schema(self.schema)}.{view}"
        query = select(table).where(table.c[soft_column].is_(None))
        body = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name in ("postgresql", "mysql", "mariadb"):
            conn.exec_driver_sql(f"CREATE OR REPLACE VIEW {view} AS {body}")
        else:
            conn.exec_driver_sql(f"DROP VIEW IF EXISTS {view}")
            conn.exec_driver_sql(f"CREATE VIEW {view} AS {body}")


def _missing(table: Table, soft_column: str, rows: list[Mapping[str, Any]]) -> list[str]:
    wanted = [field for row in rows for field in row] + [soft_column, SYNCED_AT]
    return [field for field in dict.fromkeys(wanted) if field not in table.c]


class _LiteDecimal(TypeDecorator[Any]):
    """SQLite keeps NUMERIC as a float; answer it as the shortest Decimal, not 12.5000000000."""

    impl = Numeric(asdecimal=False)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else Decimal(str(value))


class _LiteDateTime(TypeDecorator[Any]):
    """SQLite keeps datetimes as text: written in UTC, read from any ISO-8601 spelling."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return value
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                value = value.astimezone(UTC).replace(tzinfo=None)
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value


def _lenient_types(dialect: str) -> Any:
    """Reflected types that read what is there: JSON NULL as NULL; SQLite decimals and dates."""

    def adjust(inspector: Any, table: Table, column: dict[str, Any]) -> None:
        kind = column["type"]
        if isinstance(kind, JSON):
            column["type"] = JSON(none_as_null=True)
        elif dialect == "sqlite" and isinstance(kind, DateTime):
            column["type"] = _LiteDateTime()
        elif dialect == "sqlite" and isinstance(kind, Numeric) and not isinstance(kind, Float | Integer):
            column["type"] = _LiteDecimal()

    return adjust

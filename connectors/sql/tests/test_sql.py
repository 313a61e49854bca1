"""The sql connector against real SQLite files in tmp_path: discovery, reads, upserts, schema, secrets."""

from __future__ import annotations

import json
import sqlite3
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy
import pytest
from flowhub_sql.connector import SqlConnector, SqlEntity
from flowhub_sql.settings import SqlSettings
from sqlalchemy import inspect

from flowhub import ApiRecord, ConfigError, ConnectorError, ReadQuery, RejectedError, WriteOp, hookspecs

SHOP = (
    {"id": 1, "status": "processing", "modified": "2024-03-02T10:00:00", "n": 10, "country": "NO"},
    {"id": 2, "status": "completed", "modified": "2024-03-01T09:00:00", "n": 9, "country": "SE"},
    {"id": 3, "status": "cancelled", "modified": "2024-03-03T08:00:00", "n": 100, "country": "NO"},
)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "shop.db"


def connect(db_path: Path, **tables: dict[str, Any]) -> SqlConnector:
    settings = SqlSettings.model_validate({"url": f"sqlite:///{db_path}", "tables": tables})
    return SqlConnector(settings, connection_name="db")


def table(db_path: Path, name: str = "orders", **options: Any) -> SqlEntity:
    entity = connect(db_path, **{name: options}).entity(name)
    assert isinstance(entity, SqlEntity)
    return entity


def seed(entity: SqlEntity, *records: dict[str, Any]) -> None:
    results = entity.write_batch(
        [WriteOp(ApiRecord(**record), ref=str(i)) for i, record in enumerate(records)]
    )
    assert [r.error for r in results] == [None] * len(records)


def ids(records: Any) -> list[int]:
    return [record.id for record in records]


def raw(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql).fetchall()


# -- discovery -------------------------------------------------------------------------------
def test_found_through_its_entry_point_like_any_plugin() -> None:
    (point,) = [point for point in entry_points(group="flowhub") if point.name == "sql"]
    assert point.dist is not None and point.dist.name == "flowhub-sql"
    manager = pluggy.PluginManager("flowhub")
    manager.add_hookspecs(hookspecs)
    manager.register(point.load())
    found: list[type] = []
    manager.hook.register_connectors(register=found.append)
    assert found == [SqlConnector]


def test_lists_a_representative_entity_whose_capabilities_come_from_its_methods() -> None:
    assert SqlConnector.dynamic_entities
    [entity] = SqlConnector.entities
    caps = entity.capabilities()
    assert entity.name == "*"
    assert (caps.read, caps.incremental, caps.server_side_since, caps.create, caps.update) == (True,) * 5
    assert (caps.delete, caps.soft_delete, caps.batch, caps.writeback) == (True, True, True, False)
    assert entity.batch_size == 500 and "include_deleted" in caps.filters


def test_each_table_takes_key_cursor_and_soft_delete_column_from_its_settings(db_path: Path) -> None:
    connector = connect(db_path, products={"key": "sku", "cursor": "changed", "soft_delete_column": "gone"})
    products = connector.entity("products")
    assert (products.key, products.cursor, products.soft_delete_column) == ("sku", "changed", "gone")
    other = connector.entity("customers")
    assert (other.key, other.cursor) == ("id", None)
    assert SqlConnector.entity_class("anything").name == "anything"


def test_an_entity_built_from_its_class_still_takes_the_table_settings(db_path: Path) -> None:
    connector = connect(db_path, products={"key": "sku"})
    entity = SqlConnector.entity_class("products")(connector)
    assert (entity.key, entity.cursor, entity.capabilities().incremental) == ("sku", None, False)


# -- reading ---------------------------------------------------------------------------------
def test_where_filters_by_equality_and_in(db_path: Path) -> None:
    entity = table(db_path)
    seed(entity, *SHOP)
    assert ids(entity.read(ReadQuery(where={"status": "completed"}))) == [2]
    assert ids(entity.read(ReadQuery(where={"status": ["processing", "cancelled"], "country": "NO"}))) == [
        1,
        3,
    ]
    assert ids(entity.read(ReadQuery(where={"id": "3"}))) == [3]  # text from YAML fits the integer column


def test_where_on_an_unknown_column_suggests_the_right_one(db_path: Path) -> None:
    entity = table(db_path)
    seed(entity, *SHOP)
    with pytest.raises(ConfigError, match=r"no column 'stauts' .*did you mean 'status'"):
        list(entity.read(ReadQuery(where={"stauts": "completed"})))


def test_read_of_a_missing_table_names_the_tables_there(db_path: Path) -> None:
    seed(table(db_path), SHOP[0])
    with pytest.raises(ConnectorError, match=r"no table 'ordres'.*did you mean 'orders'"):
        list(table(db_path, "ordres").read(ReadQuery()))


def test_since_on_a_text_cursor_reads_oldest_first(db_path: Path) -> None:
    entity = table(db_path, cursor="modified")
    seed(entity, *SHOP)
    assert ids(entity.read(ReadQuery())) == [2, 1, 3]
    assert ids(entity.read(ReadQuery(since="2024-03-01T09:00:00"))) == [1, 3]


def test_since_on_an_integer_cursor_compares_numbers(db_path: Path) -> None:
    entity = table(db_path, cursor="n")
    seed(entity, *SHOP)
    assert ids(entity.read(ReadQuery(since="9"))) == [1, 3]


def test_since_on_a_datetime_cursor_compares_instants_in_utc(db_path: Path) -> None:
    entity = table(db_path, cursor="changed")
    oslo = timezone(timedelta(hours=2))
    seed(
        entity,
        {"id": 1, "changed": datetime(2024, 3, 1, 12, 0, tzinfo=oslo)},  # 10:00 UTC
        {"id": 2, "changed": datetime(2024, 3, 1, 10, 30, tzinfo=UTC)},
    )
    assert ids(entity.read(ReadQuery(since="2024-03-01T10:15:00+00:00"))) == [2]
    assert ids(entity.read(ReadQuery())) == [1, 2]
    assert entity.cursor_of(next(iter(entity.read(ReadQuery())))) == "2024-03-01T10:00:00"


def test_streaming_20k_rows_uses_a_fraction_of_the_memory_of_loading_them(db_path: Path) -> None:
    entity = table(db_path)
    rows = [{"id": i, "text": "x" * 300, "n": i} for i in range(20_000)]
    for start in range(0, len(rows), entity.batch_size):
        seed(entity, *rows[start : start + entity.batch_size])
    del rows

    tracemalloc.start()
    everything = list(entity.read(ReadQuery()))
    _, loaded_peak = tracemalloc.get_traced_memory()
    del everything
    tracemalloc.stop()

    tracemalloc.start()
    count = sum(1 for _ in entity.read(ReadQuery()))
    _, streamed_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert count == 20_000
    assert streamed_peak < loaded_peak / 10


def test_a_streaming_read_does_not_block_writes_to_the_same_database(db_path: Path) -> None:
    connector = connect(db_path)
    source, target = connector.entity("orders"), connector.entity("copies")
    seed(source, *SHOP)
    for record in source.read(ReadQuery()):  # the read transaction stays open while we write
        target.create(record)
    assert ids(target.read(ReadQuery())) == [1, 2, 3]


def test_writers_on_several_threads_lose_nothing(db_path: Path) -> None:
    entity = table(db_path)

    def write(thread: int) -> None:
        for i in range(25):
            entity.create(ApiRecord(id=thread * 100 + i, thread=thread, **{f"field_{thread}": i}))
            entity.update(str(thread * 100 + i), ApiRecord(seen=True))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    assert raw(db_path, "select count(*), count(distinct id), sum(seen) from orders") == [(100, 100, 100)]


# -- writing ---------------------------------------------------------------------------------
def test_creating_an_existing_key_upserts_without_a_duplicate(db_path: Path) -> None:
    entity = table(db_path)
    entity.create(ApiRecord(id=7, status="processing", total="10.00"))
    again = entity.create(ApiRecord(id=7, status="completed"))
    assert raw(db_path, "select id, status, total from orders") == [(7, "completed", "10.00")]
    assert (again.status, again.total) == ("completed", "10.00")


def test_a_batch_upserts_and_a_key_twice_in_one_batch_is_one_row(db_path: Path) -> None:
    entity = table(db_path)
    seed(entity, *SHOP)
    results = entity.write_batch(
        [
            WriteOp(ApiRecord(id=2, status="refunded"), ref="a"),
            WriteOp(ApiRecord(id=4, status="new"), ref="b"),
            WriteOp(ApiRecord(id=4, status="newer"), ref="c"),
        ]
    )
    assert [r.record.status for r in results if r.record] == ["refunded", "newer", "newer"]
    assert raw(db_path, "select id, status from orders order by id") == [
        (1, "processing"),
        (2, "refunded"),
        (3, "cancelled"),
        (4, "newer"),
    ]


def test_update_changes_only_the_columns_it_sets(db_path: Path) -> None:
    entity = table(db_path)
    seed(entity, *SHOP)
    updated = entity.update("2", ApiRecord(status="refunded"))
    assert (updated.status, updated.modified, updated.n) == ("refunded", "2024-03-01T09:00:00", 9)


def test_update_of_a_missing_key_is_rejected_for_that_record(db_path: Path) -> None:
    entity = table(db_path)
    seed(entity, *SHOP)
    with pytest.raises(RejectedError, match="no row with id 99"):
        entity.update("99", ApiRecord(status="x"))


def test_a_bad_row_in_a_batch_fails_alone(db_path: Path) -> None:
    raw(db_path, "create table orders (id integer primary key, status text not null)")
    entity = table(db_path)
    results = entity.write_batch(
        [
            WriteOp(ApiRecord(id=1, status="a"), ref="ok"),
            WriteOp(ApiRecord(id=2, status=None), ref="null"),
            WriteOp(ApiRecord(id="abc", status="c"), ref="bad key"),
            WriteOp(ApiRecord(id=3, status="b"), ref="ok too"),
        ]
    )
    assert [r.error is None for r in results] == [True, False, False, True]
    assert isinstance(results[1].error, RejectedError) and "NOT NULL" in str(results[1].error)
    assert raw(db_path, "select id from orders order by id") == [(1,), (3,)]


def test_create_without_a_key_lets_the_database_number_the_row(db_path: Path) -> None:
    entity = table(db_path)
    first = entity.create(ApiRecord(status="a"))
    second = entity.create(ApiRecord(status="b"))
    assert [entity.key_of(first), entity.key_of(second)] == ["1", "2"]


def test_find_matches_any_column_and_skips_soft_deleted_rows(db_path: Path) -> None:
    entity = table(db_path)
    seed(entity, *SHOP, {"id": 4, "status": "completed", "country": "SE"})
    assert ids(entity.find("country", "SE")) == [2, 4]
    entity.delete("4", soft=True)
    assert ids(entity.find("country", "SE")) == [2]
    assert entity.find("no_such_column", "x") == []
    assert table(db_path, "nothing_yet").find("id", 1) == []


def test_soft_delete_marks_the_row_and_hides_it_unless_include_deleted(db_path: Path) -> None:
    entity = table(db_path)
    seed(entity, *SHOP)
    entity.delete("1", soft=True)
    assert ids(entity.read(ReadQuery())) == [2, 3]
    assert ids(entity.read(ReadQuery(where={"include_deleted": True}))) == [1, 2, 3]
    marked = entity.get("1")
    assert marked is not None and entity.is_deleted(marked)
    assert raw(db_path, "select id from orders_active order by id") == [(2,), (3,)]
    assert raw(db_path, "select count(*) from orders") == [(3,)]


def test_soft_deleting_twice_keeps_the_first_deletion_time(db_path: Path) -> None:
    entity = table(db_path)
    seed(entity, *SHOP)
    entity.delete("1", soft=True)
    first = raw(db_path, "select _deleted_at from orders where id = 1")
    entity.delete("1", soft=True)
    assert raw(db_path, "select _deleted_at from orders where id = 1") == first


def test_creating_a_soft_deleted_key_revives_it(db_path: Path) -> None:
    entity = table(db_path)
    seed(entity, *SHOP)
    entity.delete("1", soft=True)
    entity.create(ApiRecord(id=1, status="processing"))
    assert ids(entity.read(ReadQuery())) == [1, 2, 3]


def test_hard_delete_removes_the_row_and_a_missing_key_is_a_no_op(db_path: Path) -> None:
    entity = table(db_path)
    seed(entity, *SHOP)
    entity.delete("2", soft=False)
    entity.delete("2", soft=False)
    entity.delete("not-a-number", soft=True)
    table(db_path, "never_written").delete("1", soft=True)
    assert entity.get("2") is None
    assert raw(db_path, "select id from orders order by id") == [(1,), (3,)]


def test_a_table_without_a_unique_key_still_upserts(db_path: Path) -> None:
    raw(db_path, "create table legacy (sku text, name text)")
    entity = table(db_path, "legacy", key="sku")
    entity.create(ApiRecord(sku="A-1", name="first"))
    entity.create(ApiRecord(sku="A-1", name="second"))
    assert raw(db_path, "select sku, name from legacy") == [("A-1", "second")]


# -- schema ----------------------------------------------------------------------------------
def test_first_write_creates_the_table_with_types_from_the_payload(db_path: Path) -> None:
    entity = table(db_path)
    entity.create(
        ApiRecord(
            id=1,
            name="Ada",
            qty=2,
            weight=1.5,
            total=Decimal("12.50"),
            paid=True,
            at=datetime(2024, 3, 1, tzinfo=UTC),
            billing={"city": "Oslo"},
            tags=["a", "b"],
        )
    )
    columns = {c["name"]: str(c["type"]) for c in inspect(entity.db.engine).get_columns("orders")}
    assert columns == {
        "id": "INTEGER",
        "name": "TEXT",
        "qty": "BIGINT",
        "weight": "FLOAT",
        "total": "NUMERIC",
        "paid": "BOOLEAN",
        "at": "DATETIME",
        "billing": "JSON",
        "tags": "JSON",
        "_deleted_at": "DATETIME",
        "_synced_at": "DATETIME",
    }
    assert inspect(entity.db.engine).get_pk_constraint("orders")["constrained_columns"] == ["id"]
    assert "orders_active" in inspect(entity.db.engine).get_view_names()


def test_values_round_trip_and_nested_objects_are_stored_as_json_text(db_path: Path) -> None:
    entity = table(db_path)
    entity.create(ApiRecord(id=1, total=Decimal("12.50"), paid=False, billing={"city": "Oslo"}, tags=[1, 2]))
    got = entity.get("1")
    assert got is not None
    assert (got.total, got.paid, got.billing, got.tags) == (Decimal("12.5"), False, {"city": "Oslo"}, [1, 2])
    assert json.loads(raw(db_path, "select billing from orders")[0][0]) == {"city": "Oslo"}


def test_a_new_field_adds_a_column_and_the_view_shows_it(db_path: Path) -> None:
    entity = table(db_path)
    seed(entity, *SHOP)
    entity.create(ApiRecord(id=4, status="new", note={"gift": True}))
    entity.update("1", ApiRecord(coupon="SPRING"))
    columns = [row[1] for row in raw(db_path, "pragma table_info(orders)")]
    assert columns[-2:] == ["note", "coupon"]
    assert raw(db_path, "select id, coupon from orders_active where coupon is not null") == [(1, "SPRING")]
    got = entity.get("4")
    assert got is not None and got.note == {"gift": True}


def test_another_connection_s_new_columns_are_picked_up(db_path: Path) -> None:
    first, second = table(db_path), table(db_path)
    seed(first, SHOP[0])
    assert first.get("1") is not None
    seed(second, {"id": 2, "extra": "x"})
    seed(first, {"id": 3, "extra": "y"})  # first's cached table lacks `extra`; it must not ALTER twice
    assert raw(db_path, "select id, extra from orders order by id") == [(1, None), (2, "x"), (3, "y")]


# -- settings, check and secrets --------------------------------------------------------------
def test_check_names_the_database_and_its_version(db_path: Path) -> None:
    result = connect(db_path).check(writes=True)
    assert result.ok
    assert result.message.startswith(f"connected to sqlite:///{db_path} (SQLite 3.")
    assert raw(db_path, "select name from sqlite_master where name like '_flowhub%'") == []


def test_check_gives_the_reason_when_the_database_cannot_be_opened(tmp_path: Path) -> None:
    result = connect(tmp_path / "missing-folder" / "shop.db").check()
    assert not result.ok and "unable to open database file" in result.message


def test_a_password_in_the_url_becomes_a_secret() -> None:
    settings = SqlSettings(url="postgresql+psycopg://bob:hunter2@db.example/shop")
    assert settings.url == "postgresql+psycopg://bob@db.example/shop"
    assert settings.password is not None and settings.password.get_secret_value() == "hunter2"
    assert settings.engine_url().password == "hunter2"
    for shown in (repr(settings), str(settings), settings.model_dump_json(), settings.safe_url):
        assert "hunter2" not in shown


def test_a_separate_password_joins_the_url_only_when_connecting() -> None:
    settings = SqlSettings.model_validate(
        {"url": "postgresql+psycopg://bob@db.example/shop", "password": "hunter2", "schema": "sales"}
    )
    assert settings.db_schema == "sales"
    assert settings.engine_url().password == "hunter2"
    assert settings.safe_url == "postgresql+psycopg://bob:***@db.example/shop"


def test_the_password_never_appears_in_errors_or_reprs() -> None:
    connector = SqlConnector(SqlSettings(url="nosuchdb+nodriver://bob:hunter2@127.0.0.1:1/shop"))
    result = connector.check()
    assert not result.ok and "bob:***@127.0.0.1" in result.message and "hunter2" not in result.message
    with pytest.raises(ConfigError) as caught:
        list(connector.entity("orders").read(ReadQuery()))
    assert "hunter2" not in str(caught.value) and "hunter2" not in repr(connector.entity("orders"))
    assert "hunter2" not in repr(connector) + repr(connector.settings)


def test_an_unparsable_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="not a SQLAlchemy URL") as caught:
        SqlSettings(url="postgres ql:/bob:hunter2@db")
    assert "hunter2" not in str(caught.value)

"""The files connector against real files in tmp_path: discovery, reads, writes, crash safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy
import pytest
from flowhub_files.connector import FilesConnector, FilesEntity
from flowhub_files.settings import FilesSettings
from pydantic import ValidationError

from flowhub import ApiRecord, ConfigError, ConnectorError, ReadQuery, RejectedError, WriteOp, hookspecs

FORMATS = ["jsonl", "csv"]


def connect(directory: Path, fmt: str = "jsonl", **options: Any) -> FilesConnector:
    return FilesConnector(FilesSettings(directory=directory, format=fmt, **options), connection_name="inbox")


def orders(directory: Path, fmt: str = "jsonl", **options: Any) -> FilesEntity:
    entity = connect(directory, fmt, **options).entity("orders")
    assert isinstance(entity, FilesEntity)
    return entity


def seed(entity: FilesEntity, *records: dict[str, Any]) -> None:
    results = entity.write_batch(
        [WriteOp(ApiRecord(**record), ref=str(i)) for i, record in enumerate(records)]
    )
    assert [r.error for r in results] == [None] * len(records)


def ids(records: Any) -> list[str]:
    """Record keys in the order read (JSONL: order of each record's last version)."""
    return [str(record.id) for record in records]


def keys(records: Any) -> list[str]:
    """Record keys, order aside."""
    return sorted(ids(records))


SHOP = (
    {
        "id": 1,
        "status": "processing",
        "modified": "2024-03-02T10:00:00",
        "n": 10,
        "billing": {"country": "NO"},
    },
    {"id": 2, "status": "completed", "modified": "2024-03-01T09:00:00", "n": 9, "billing": {"country": "SE"}},
    {
        "id": 3,
        "status": "cancelled",
        "modified": "2024-03-03T08:00:00",
        "n": 100,
        "billing": {"country": "NO"},
    },
)


# -- discovery -------------------------------------------------------------------------------
def test_found_through_its_entry_point_like_any_plugin() -> None:
    (point,) = [point for point in entry_points(group="flowhub") if point.name == "files"]
    assert point.dist is not None and point.dist.name == "flowhub-files"
    manager = pluggy.PluginManager("flowhub")
    manager.add_hookspecs(hookspecs)
    manager.register(point.load())
    found: list[type] = []
    manager.hook.register_connectors(register=found.append)
    assert found == [FilesConnector]


def test_lists_a_representative_entity_whose_capabilities_come_from_its_methods() -> None:
    assert FilesConnector.dynamic_entities
    [entity] = FilesConnector.entities
    caps = entity.capabilities()
    assert entity.name == "*"
    assert (caps.read, caps.incremental, caps.create, caps.update, caps.delete) == (True,) * 5
    assert (caps.soft_delete, caps.batch, caps.writeback, caps.webhooks) == (True, True, False, False)
    assert caps.find_by_key == ("*",) and "include_deleted" in caps.filters


def test_entity_per_connection_takes_key_and_cursor_from_settings(tmp_path: Path) -> None:
    entity = connect(tmp_path, key="number", cursor="changed").entity("customers")
    assert (entity.name, entity.key, entity.cursor) == ("customers", "number", "changed")
    assert connect(tmp_path).entity("customers").capabilities().incremental is False
    assert FilesConnector.entity_class("customers").name == "customers"


def test_an_entity_built_from_its_class_still_takes_the_connection_settings(tmp_path: Path) -> None:
    connector = connect(tmp_path, key="number", cursor="changed")
    entity = FilesConnector.entity_class("customers")(connector)
    assert (entity.key, entity.cursor, entity.capabilities().incremental) == ("number", "changed", True)


@pytest.mark.parametrize("name", ["../etc/passwd", "sub/orders", ""])
def test_entity_name_must_be_a_plain_file_stem(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError, match="plain file stem"):
        connect(tmp_path).entity(name)


def test_entity_name_with_extension_says_which_stem_to_use(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'orders'"):
        connect(tmp_path).entity("orders.jsonl")


# -- reading ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_where_filters_by_equality_and_by_list_of_values(tmp_path: Path, fmt: str) -> None:
    entity = orders(tmp_path, fmt)
    seed(entity, *SHOP)
    assert ids(entity.read(ReadQuery(where={"status": "completed"}))) == ["2"]
    assert ids(entity.read(ReadQuery(where={"status": ["processing", "cancelled"]}))) == ["1", "3"]
    assert ids(entity.read(ReadQuery(where={"id": 3}))) == ["3"]  # 3 (YAML) equals "3" (CSV)
    assert ids(entity.read(ReadQuery(where={"status": "refunded"}))) == []


def test_where_reaches_into_nested_objects_by_dotted_path(tmp_path: Path) -> None:
    entity = orders(tmp_path)
    seed(entity, *SHOP)
    assert ids(entity.read(ReadQuery(where={"billing.country": "NO"}))) == ["1", "3"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_since_compares_iso_text_and_reads_oldest_cursor_first(tmp_path: Path, fmt: str) -> None:
    entity = orders(tmp_path, fmt, cursor="modified")
    seed(entity, *SHOP)
    assert ids(entity.read(ReadQuery())) == ["2", "1", "3"]
    assert ids(entity.read(ReadQuery(since="2024-03-01T09:00:00"))) == ["1", "3"]
    assert [entity.cursor_of(r) for r in entity.read(ReadQuery(since="2024-03-02"))] == [
        "2024-03-02T10:00:00",
        "2024-03-03T08:00:00",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_since_compares_numbers_numerically_not_as_text(tmp_path: Path, fmt: str) -> None:
    entity = orders(tmp_path, fmt, cursor="n")
    seed(entity, *SHOP)
    assert ids(entity.read(ReadQuery(since="9"))) == ["1", "3"]  # as text "10" < "9"
    assert ids(entity.read(ReadQuery())) == ["2", "1", "3"]


def test_read_of_a_missing_file_names_the_files_that_exist(tmp_path: Path) -> None:
    seed(orders(tmp_path), SHOP[0])
    with pytest.raises(ConnectorError, match="known: orders"):
        list(connect(tmp_path).entity("ordres").read(ReadQuery()))


def test_reads_a_hand_written_file_without_ids_or_trailing_newline(tmp_path: Path) -> None:
    (tmp_path / "orders.jsonl").write_text('{"sku": "a"}\n\n{"sku": "b"}', encoding="utf-8")
    assert [r.sku for r in orders(tmp_path).read(ReadQuery())] == ["a", "b"]


def test_read_streams_instead_of_loading_the_file(tmp_path: Path) -> None:
    entity = orders(tmp_path)
    seed(entity, *({"id": i, "text": "x" * 300} for i in range(20_000)))

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
    assert streamed_peak < loaded_peak / 5


# -- writing ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_creating_an_existing_key_updates_it_without_a_duplicate(tmp_path: Path, fmt: str) -> None:
    entity = orders(tmp_path, fmt)
    entity.create(ApiRecord(id=7, status="processing", total="10.00"))
    again = entity.create(ApiRecord(id=7, status="completed"))
    assert ids(entity.read(ReadQuery())) == ["7"]
    assert (again.status, again.total) == ("completed", "10.00")
    assert len(entity.find("id", 7)) == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_update_changes_only_the_fields_it_sets(tmp_path: Path, fmt: str) -> None:
    entity = orders(tmp_path, fmt)
    seed(entity, *SHOP)
    updated = entity.update("2", ApiRecord(status="refunded"))
    assert entity.key_of(updated) == "2"
    fresh = entity.get("2")
    assert fresh is not None
    assert (fresh.status, fresh.modified) == ("refunded", "2024-03-01T09:00:00")


@pytest.mark.parametrize("fmt", FORMATS)
def test_update_of_a_missing_key_is_rejected_for_that_record(tmp_path: Path, fmt: str) -> None:
    entity = orders(tmp_path, fmt)
    with pytest.raises(RejectedError, match="no record with id 99"):
        entity.update("99", ApiRecord(status="x"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_op_in_a_batch_fails_alone(tmp_path: Path, fmt: str) -> None:
    entity = orders(tmp_path, fmt)
    results = entity.write_batch(
        [
            WriteOp(ApiRecord(id=1, status="a"), ref="first"),
            WriteOp(ApiRecord(status="b"), key="404", ref="missing"),
            WriteOp(ApiRecord(id=2, status="c"), ref="last"),
        ]
    )
    assert [r.ref for r in results] == ["first", "missing", "last"]
    assert isinstance(results[1].error, RejectedError) and results[1].record is None
    assert ids(entity.read(ReadQuery())) == ["1", "2"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_create_without_a_key_gets_the_next_integer_key(tmp_path: Path, fmt: str) -> None:
    entity = orders(tmp_path, fmt)
    seed(entity, {"id": 41, "status": "a"})
    first = entity.create(ApiRecord(status="b"))
    second = entity.create(ApiRecord(status="c"))
    assert [entity.key_of(first), entity.key_of(second)] == ["42", "43"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_find_matches_any_field_and_skips_soft_deleted(tmp_path: Path, fmt: str) -> None:
    entity = orders(tmp_path, fmt)
    seed(entity, *SHOP, {"id": 4, "status": "completed"})
    assert keys(entity.find("status", "completed")) == ["2", "4"]
    entity.delete("4", soft=True)
    assert ids(entity.find("status", "completed")) == ["2"]
    assert entity.find("status", "nope") == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_soft_delete_hides_the_record_unless_include_deleted(tmp_path: Path, fmt: str) -> None:
    entity = orders(tmp_path, fmt)
    seed(entity, *SHOP)
    entity.delete("1", soft=True)
    assert ids(entity.read(ReadQuery())) == ["2", "3"]
    assert keys(entity.read(ReadQuery(where={"include_deleted": True}))) == ["1", "2", "3"]
    marked = entity.get("1")
    assert marked is not None and entity.is_deleted(marked)


@pytest.mark.parametrize("fmt", FORMATS)
def test_creating_a_soft_deleted_key_restores_it(tmp_path: Path, fmt: str) -> None:
    entity = orders(tmp_path, fmt)
    seed(entity, *SHOP)
    entity.delete("1", soft=True)
    entity.create(ApiRecord(id=1, status="processing"))
    restored = entity.get("1")
    assert restored is not None and not entity.is_deleted(restored)
    assert keys(entity.read(ReadQuery())) == ["1", "2", "3"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_hard_delete_removes_the_record_and_a_missing_key_is_a_no_op(tmp_path: Path, fmt: str) -> None:
    entity = orders(tmp_path, fmt)
    seed(entity, *SHOP)
    entity.delete("2", soft=False)
    entity.delete("2", soft=False)
    entity.delete("nobody", soft=True)
    assert entity.get("2") is None
    assert keys(entity.read(ReadQuery(where={"include_deleted": True}))) == ["1", "3"]


def test_another_writer_s_appends_are_seen_by_an_open_connection(tmp_path: Path) -> None:
    reader, writer = orders(tmp_path), orders(tmp_path)
    seed(writer, SHOP[0])
    assert ids(reader.read(ReadQuery())) == ["1"]
    seed(writer, SHOP[1])
    writer.update("1", ApiRecord(status="done"))
    assert ids(reader.read(ReadQuery())) == ["2", "1"]
    got = reader.get("1")
    assert got is not None and got.status == "done"


@pytest.mark.parametrize("fmt", FORMATS)
def test_writers_on_several_threads_lose_nothing(tmp_path: Path, fmt: str) -> None:
    entity = orders(tmp_path, fmt)

    def write(thread: int) -> None:
        for i in range(25):
            entity.create(ApiRecord(id=thread * 100 + i, thread=thread))
            assert entity.get(str(thread * 100 + i)) is not None

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    assert keys(orders(tmp_path, fmt).read(ReadQuery())) == sorted(
        str(t * 100 + i) for t in range(4) for i in range(25)
    )


# -- crash safety (JSONL: append-only log) ----------------------------------------------------
def test_a_torn_last_line_is_ignored_and_cut_off_by_the_next_write(tmp_path: Path) -> None:
    entity = orders(tmp_path)
    seed(entity, *SHOP[:2])
    path = tmp_path / "orders.jsonl"
    with path.open("ab") as fh:
        fh.write(b'{"id": 3, "status": "cancel')  # a write cut short by SIGKILL
    assert ids(entity.read(ReadQuery())) == ["1", "2"]
    entity.create(ApiRecord(id=4, status="new"))
    assert ids(orders(tmp_path).read(ReadQuery())) == ["1", "2", "4"]
    assert all(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())


def test_a_complete_last_record_without_newline_is_kept_when_appending(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_text('{"id": 1}\n{"id": 2}', encoding="utf-8")
    entity = orders(tmp_path)
    entity.create(ApiRecord(id=3))
    assert ids(entity.read(ReadQuery())) == ["1", "2", "3"]
    assert path.read_text(encoding="utf-8").splitlines()[1] == '{"id": 2}'


def test_a_corrupt_line_in_the_middle_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "orders.jsonl").write_text('{"id": 1}\n{"id": 2,,}\n{"id": 3}\n', encoding="utf-8")
    with pytest.raises(ConnectorError, match=r"orders\.jsonl:2: not a valid JSON line"):
        list(orders(tmp_path).read(ReadQuery()))


def test_compact_keeps_only_current_versions(tmp_path: Path) -> None:
    entity = orders(tmp_path)
    seed(entity, *SHOP)
    for status in ("a", "b", "c"):
        entity.update("1", ApiRecord(status=status))
    entity.delete("2", soft=False)
    entity.delete("3", soft=True)
    before = list(entity.read(ReadQuery(where={"include_deleted": True})))
    entity.compact()
    path = tmp_path / "orders.jsonl"
    assert len(path.read_text(encoding="utf-8").splitlines()) == 2
    assert list(entity.read(ReadQuery(where={"include_deleted": True}))) == before
    assert [p.name for p in tmp_path.iterdir()] == ["orders.jsonl"]  # no temp file left behind


def test_close_compacts_a_log_whose_old_versions_outnumber_live_records(tmp_path: Path) -> None:
    connector = connect(tmp_path)
    entity = connector.entity("orders")
    seed(entity, {"id": 1, "v": 0})
    for version in range(1, 1500):
        seed(entity, {"id": 1, "v": version})
    connector.close()
    lines = (tmp_path / "orders.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["v"] for line in lines] == [1499]


KILLED_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from flowhub import ApiRecord
    from flowhub_files.connector import FilesConnector
    from flowhub_files.settings import FilesSettings

    settings = FilesSettings(directory=Path(sys.argv[1]), format=sys.argv[2], fsync=False)
    entity = FilesConnector(settings).entity("orders")
    version = 0
    while True:
        version += 1
        key = version % 40
        entity.create(ApiRecord(id=key, version=version, text="x" * 2000))
        print(key, version, flush=True)
    """
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_sigkill_mid_write_keeps_every_acknowledged_record(tmp_path: Path, fmt: str) -> None:
    script = tmp_path / "writer.py"
    script.write_text(KILLED_WRITER, encoding="utf-8")
    data = tmp_path / "data"
    process = subprocess.Popen(
        [sys.executable, str(script), str(data), fmt], stdout=subprocess.PIPE, text=True
    )
    acknowledged: dict[str, int] = {}
    assert process.stdout is not None
    while len(acknowledged) < 40 or max(acknowledged.values()) < 300:
        key, version = process.stdout.readline().split()
        acknowledged[key] = int(version)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stdout.close()

    entity = orders(data, fmt)
    found = {entity.key_of(r): int(r.version) for r in entity.read(ReadQuery())}
    assert set(found) == set(acknowledged)
    assert all(found[key] >= version for key, version in acknowledged.items())
    entity.create(ApiRecord(id=0, version=-1))  # and the file takes writes again
    assert len(list(orders(data, fmt).read(ReadQuery()))) == 40


# -- CSV ---------------------------------------------------------------------------------------
def test_csv_new_fields_become_new_columns(tmp_path: Path) -> None:
    entity = orders(tmp_path, "csv")
    entity.create(ApiRecord(id=1, status="a"))
    entity.create(ApiRecord(id=2, status="b", note="gift"))
    header, first, second = (tmp_path / "orders.csv").read_text(encoding="utf-8").splitlines()
    assert (header, first, second) == ("id,status,note", "1,a,", "2,b,gift")
    assert [r.note for r in entity.read(ReadQuery())] == [None, "gift"]


def test_csv_values_with_quotes_commas_and_line_breaks_round_trip(tmp_path: Path) -> None:
    entity = orders(tmp_path, "csv")
    text = 'line one, "quoted"\nline two'
    seed(entity, {"id": 1, "note": text}, {"id": 2, "note": "plain"})
    entity.update("2", ApiRecord(note="changed"))
    assert [r.note for r in entity.read(ReadQuery())] == [text, "changed"]
    assert entity.get("2") is not None


def test_csv_reads_excel_style_files_with_bom_and_semicolons(tmp_path: Path) -> None:
    raw = "\ufeffid;name;city\r\n1;Ada;Oslo\r\n2;Bo;\r\n".encode()
    (tmp_path / "customers.csv").write_bytes(raw)
    entity = connect(tmp_path, "csv", delimiter=";").entity("customers")
    assert [r.model_dump() for r in entity.read(ReadQuery())] == [
        {"id": "1", "name": "Ada", "city": "Oslo"},
        {"id": "2", "name": "Bo", "city": None},
    ]


def test_csv_in_another_encoding_says_to_set_encoding(tmp_path: Path) -> None:
    (tmp_path / "customers.csv").write_bytes("id,name\n1,Bjørn\n".encode("latin-1"))
    with pytest.raises(ConnectorError, match=r"customers\.csv:2: not utf-8 text; set `encoding`"):
        list(connect(tmp_path, "csv").entity("customers").read(ReadQuery()))
    entity = connect(tmp_path, "csv", encoding="latin-1").entity("customers")
    assert [r.name for r in entity.read(ReadQuery())] == ["Bjørn"]


# -- settings and check -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"delimiter": ";;"}, "one character"),
        ({"encoding": "utf-16"}, "not ASCII-compatible"),
        ({"encoding": "klingon"}, "unknown encoding"),
        ({"format": "xlsx"}, "jsonl"),
    ],
)
def test_settings_refuse_what_cannot_work(tmp_path: Path, options: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        FilesSettings(directory=tmp_path, **options)


def test_check_answers_with_the_directory_or_the_reason(tmp_path: Path) -> None:
    seed(orders(tmp_path), SHOP[0])
    assert connect(tmp_path).check().message == f"directory {tmp_path} (1 jsonl files)"
    missing = connect(tmp_path / "later")
    assert missing.check().ok is False and "does not exist" in missing.check().message
    assert missing.check(writes=True).ok is True
    (tmp_path / "file").write_text("x")
    assert connect(tmp_path / "file").check().ok is False

"""The files connector: every `<entity>.<format>` file in one directory is an entity."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar, cast

from pydantic import BaseModel

from flowhub import (
    CheckResult,
    ConfigError,
    Connector,
    ConnectorError,
    Entity,
    ReadQuery,
    RejectedError,
    WriteOp,
    WriteResult,
)
from flowhub_files.csvfile import CsvStore
from flowhub_files.filters import INCLUDE_DELETED, after, cursor_order, is_truthy, lookup, matches, same
from flowhub_files.jsonl import JsonlStore
from flowhub_files.settings import FilesSettings
from flowhub_files.store import REMOVED, Batch, Record, Store, key_text

__all__ = ["FilesConnector", "FilesEntity"]

DELETED = "_deleted"
_STEM = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


class FilesEntity(Entity):
    """The records of one file; the class listed in ``entities`` stands for any file ("*")."""

    name = "*"
    key = "id"  # per connection: the `key` setting
    cursor = "<cursor setting>"  # per connection: the `cursor` setting (None: no incremental reads)
    server_side_since = False  # the whole file is scanned; `since` is applied while streaming
    filters: ClassVar[dict[str, str]] = {
        "*": "any field (dotted paths reach into objects): equal to a value, or to one of a list",
        INCLUDE_DELETED: "true: also read soft-deleted records (hidden by default)",
    }
    find_fields = ("*",)  # any field: `find` scans the file
    soft_delete = True
    batch_size = 500

    configured: ClassVar[bool] = False  # True: key and cursor come from the connection's settings

    def __init__(self, connector: Connector) -> None:
        super().__init__(connector)
        self.settings = cast(FilesSettings, connector.settings)
        if not self.configured:  # built from `entity_class` (placeholders): take the real settings
            self.__class__ = _entity_type(_checked_stem(self.name), self.settings.key, self.settings.cursor)
        self.store = _store(self.settings, self.name)

    # -- reading ---------------------------------------------------------------------------
    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        """Stream matching records; with a cursor, in cursor order (only offsets are sorted)."""
        if not self.store.exists():
            raise ConnectorError(f"no file {self.store.path} ({_known_files(self.settings)})")
        with self.store.reading() as snapshot:
            wanted = ((offset, rec) for offset, rec in snapshot.current() if self._wanted(rec, query))
            if self.cursor is None:
                for _, record in wanted:
                    yield self._model(record)
                return
            order = sorted((cursor_order(lookup(rec, self.cursor)), offset) for offset, rec in wanted)
            for _, offset in order:
                yield self._model(snapshot.load(offset))

    def _wanted(self, record: Record, query: ReadQuery) -> bool:
        if is_truthy(record.get(DELETED)) and not is_truthy(query.where.get(INCLUDE_DELETED)):
            return False
        since, cursor = query.since, self.cursor
        if since is not None and cursor is not None and not after(lookup(record, cursor), since):
            return False
        return matches(record, query.where)

    def get(self, key: str) -> BaseModel | None:
        """The record, soft-deleted or not (``is_deleted`` tells); None when there is none."""
        with self.store.reading() as snapshot:
            record = snapshot.get(key)
        return None if record is None else self._model(record)

    def find(self, field: str, value: Any) -> list[BaseModel]:
        """Live records whose ``field`` equals ``value``, by scanning the file."""
        with self.store.reading() as snapshot:
            return [
                self._model(record)
                for _, record in snapshot.current()
                if not is_truthy(record.get(DELETED)) and same(lookup(record, field), value)
            ]

    def is_deleted(self, record: BaseModel) -> bool:
        return is_truthy(getattr(record, DELETED, None))

    # -- writing ---------------------------------------------------------------------------
    def create(self, payload: BaseModel) -> BaseModel:
        """Write a record; an existing key is updated in place (never duplicated)."""
        return self._one(WriteOp(payload))

    def update(self, key: str, payload: BaseModel) -> BaseModel:
        return self._one(WriteOp(payload, key=key))

    def delete(self, key: str, *, soft: bool) -> None:
        """Soft: the record gets ``_deleted: true``. Hard: it is gone. A missing key is a no-op."""
        with self.store.writing() as batch:
            current = batch.get(key)
            if current is not None and soft:
                batch.put(key, {**current, DELETED: True})
            elif current is not None:
                batch.remove(key)

    def write_batch(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """All ops in one write; an op that cannot apply fails alone, the others are written."""
        done: list[tuple[str, Record | None, Exception | None]] = []
        with self.store.writing() as batch:
            for op in ops:
                try:
                    done.append((op.ref, self._apply(batch, op), None))
                except RejectedError as error:
                    done.append((op.ref, None, error))
        return [WriteResult(ref, record=self._written(record), error=error) for ref, record, error in done]

    def compact(self) -> None:
        """Drop old versions from a JSONL log (atomic rewrite); CSV is always compact."""
        self.store.compact()

    def _one(self, op: WriteOp) -> BaseModel:
        [result] = self.write_batch([op])
        if result.error is not None:
            raise result.error
        assert result.record is not None
        return result.record

    def _apply(self, batch: Batch, op: WriteOp) -> Record:
        if op.key is None:
            return self._create(batch, _fields(op.payload, only_set=False))
        return self._update(batch, op.key, _fields(op.payload, only_set=True))

    def _create(self, batch: Batch, data: Record) -> Record:
        data.pop(DELETED, None)
        data.pop(REMOVED, None)
        value = data.get(self.key)
        if value is None or value == "":
            data = {self.key: batch.next_key(), **{k: v for k, v in data.items() if k != self.key}}
        key = key_text(data[self.key])
        current = batch.get(key) or {}
        record = {**{k: v for k, v in current.items() if k != DELETED}, **data}
        batch.put(key, record)
        return record

    def _update(self, batch: Batch, key: str, changes: Record) -> Record:
        current = batch.get(key)
        if current is None:
            raise RejectedError(f"{self.store.path.name}: no record with {self.key} {key}", status=404)
        changes.pop(self.key, None)
        changes.pop(REMOVED, None)
        record = {**current, **changes}
        batch.put(key, record)
        return record

    def _written(self, record: Record | None) -> BaseModel | None:
        return None if record is None else self._model(self.store.as_stored(record))

    def _model(self, record: Record) -> BaseModel:
        return self.model.model_validate(record)


class FilesConnector(Connector):
    """CSV or JSON Lines files in one directory; the entity name is the file stem."""

    name = "files"
    title = "CSV and JSON Lines files"
    settings_model = FilesSettings
    entities = (FilesEntity,)
    dynamic_entities = True

    @classmethod
    def entity_class(cls, name: str) -> type[Entity]:
        """An entity class for the file stem ``name`` (key and cursor shown as placeholders)."""
        if name == FilesEntity.name:
            return FilesEntity
        return _entity_type(_checked_stem(name), FilesEntity.key, FilesEntity.cursor, configured=False)

    def entity(self, name: str) -> Entity:
        """The entity of ``<directory>/<name>.<format>``, keyed and cursored by the settings."""
        if name not in self._entities:
            settings = cast(FilesSettings, self.settings)
            self._entities[name] = _entity_type(_checked_stem(name), settings.key, settings.cursor)(self)
        return self._entities[name]

    def check(self, *, writes: bool = False) -> CheckResult:
        """The directory exists (or, for writes, can be created) and can be written to."""
        settings = cast(FilesSettings, self.settings)
        directory = settings.directory
        if directory.is_dir():
            problem = _write_problem(directory) if writes else None
            if problem:
                return CheckResult(False, problem)
            count = len(list(directory.glob(f"*.{settings.format}")))
            return CheckResult(True, f"directory {directory} ({count} {settings.format} files)")
        if directory.exists():
            return CheckResult(False, f"{directory} is not a directory")
        parent = _existing_ancestor(directory)
        if writes and os.access(parent, os.W_OK):
            return CheckResult(True, f"directory {directory} will be created on the first write")
        return CheckResult(False, f"directory {directory} does not exist")

    def close(self) -> None:
        """Compact the JSONL logs this run wrote to, when old versions outnumber live ones."""
        if not cast(FilesSettings, self.settings).compact_on_close:
            return
        for entity in self._entities.values():
            store = cast(FilesEntity, entity).store
            if store.needs_compaction():
                store.compact()


def _entity_type(name: str, key: str, cursor: str | None, *, configured: bool = True) -> type[FilesEntity]:
    attrs = {
        "name": name,
        "key": key,
        "cursor": cursor,
        "configured": configured,
        "__module__": FilesEntity.__module__,
    }
    return type(f"FilesEntity[{name}]", (FilesEntity,), attrs)


def _checked_stem(name: str) -> str:
    if name.endswith((".jsonl", ".csv")):
        raise ConfigError(f"files entity '{name}': name the file without its extension ('{Path(name).stem}')")
    if not _STEM.match(name) or ".." in name:
        raise ConfigError(
            f"files entity '{name}': use a plain file stem (letters, digits, _ . -), no folders"
        )
    return name


def _store(settings: FilesSettings, name: str) -> Store:
    path = settings.directory / f"{name}.{settings.format}"
    common: dict[str, Any] = {"key": settings.key, "encoding": settings.encoding, "fsync": settings.fsync}
    if settings.format == "csv":
        return CsvStore(path, delimiter=settings.delimiter, **common)
    return JsonlStore(path, **common)


def _fields(payload: BaseModel, *, only_set: bool) -> Record:
    """A payload as plain JSON values, spelt by alias; for updates only the fields it sets."""
    return payload.model_dump(mode="json", by_alias=True, exclude_unset=only_set)


def _known_files(settings: FilesSettings) -> str:
    if not settings.directory.is_dir():
        return f"directory {settings.directory} does not exist"
    stems = sorted(path.stem for path in settings.directory.glob(f"*.{settings.format}"))
    return f"known: {', '.join(stems)}" if stems else f"no .{settings.format} files there yet"


def _write_problem(directory: Path) -> str | None:
    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".flowhub-check-"):
            return None
    except OSError as error:
        return f"cannot write in {directory}: {error.strerror or error}"


def _existing_ancestor(path: Path) -> Path:
    for candidate in (path, *path.absolute().parents):
        if candidate.exists():
            return candidate
    return Path("/")

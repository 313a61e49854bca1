"""CSV with a header row; every write call rewrites the file atomically.

A cut-short CSV row can look complete (``5,Alice,12`` from ``5,Alice,123``), so CSV is never
appended to: a batch streams the current file into a temp file with the changes applied, then
swaps it in with ``os.replace``. A killed writer leaves the old file intact. New fields simply
become new columns. The price: each write call costs one pass over the file, so batch writes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from flowhub import ConnectorError
from flowhub_files.store import (
    Index,
    Line,
    Record,
    Snapshot,
    Store,
    key_text,
    remove_stale_temps,
    replace_atomically,
)

__all__ = ["CsvStore"]

_BOM = "\ufeff"


class CsvStore(Store):
    """``<entity>.csv``: a header row, then one record per row; empty cells read as None."""

    suffix = "csv"

    def __init__(self, *args: Any, delimiter: str = ",", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.delimiter = delimiter

    def lines(self, fh: IO[bytes], start: int, number: int, index: Index) -> Iterator[Line]:
        if start > 0 and index.header is None:
            index.header = self._read_header(fh)
        fh.seek(start)
        feed = _Feed(fh, start, self.encoding)
        reader = csv.reader(feed, delimiter=self.delimiter, strict=True)
        offset, seen = start, 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as error:
                raise ConnectorError(
                    f"{self.path}:{number + seen}: not {self.encoding} text; set `encoding` ({error.reason})"
                ) from error
            except csv.Error as error:
                if not feed.at_end:
                    raise ConnectorError(f"{self.path}:{number + seen}: not valid CSV ({error})") from error
                return  # a quoted value cut short at the end of the file: a torn tail
            first, seen = number + seen, reader.line_num
            yield Line(offset, feed.end, first, number + seen - 1, self._record(row, offset, first, index))
            offset = feed.end

    def _record(self, row: list[str], offset: int, number: int, index: Index) -> Record | None:
        if offset == 0:
            index.header = [name.strip() for name in row]
            return None
        if not row or not index.header:
            return None
        if len(row) > len(index.header):
            raise ConnectorError(
                f"{self.path}:{number}: {len(row)} values but the header names {len(index.header)} columns"
            )
        return {
            name: (value if value != "" else None) for name, value in zip(index.header, row, strict=False)
        }

    def _read_header(self, fh: IO[bytes]) -> list[str]:
        probe = Index()
        next(self.lines(fh, 0, 1, probe), None)
        return probe.header or []

    # -- writing -------------------------------------------------------------------------------
    def as_stored(self, record: Record) -> Record:
        return {
            name: (_cell(value) if value is not None and value != "" else None)
            for name, value in record.items()
        }

    def commit(self, fh: IO[bytes], snapshot: Snapshot, staged: Mapping[str, Record | None]) -> None:
        remove_stale_temps(self.path)
        header = _merged_header(snapshot.index.header or [], self.key, staged.values())

        def write(out: IO[bytes]) -> None:
            text = io.TextIOWrapper(out, encoding=self.encoding, newline="", write_through=True)
            writer = csv.writer(text, delimiter=self.delimiter)
            writer.writerow(header)
            pending = dict(staged)
            for _, current in snapshot.current():
                key = key_text(current.get(self.key))
                record = pending.pop(key) if key in pending else current
                if record is not None:
                    writer.writerow([_cell(record.get(name)) for name in header])
            for record in pending.values():
                if record is not None:
                    writer.writerow([_cell(record.get(name)) for name in header])
            text.detach()

        replace_atomically(self.path, write, durable=self.fsync)
        self._index = Index()


class _Feed:
    """Lines for the csv module, remembering how many bytes it has taken so far."""

    def __init__(self, fh: IO[bytes], start: int, encoding: str) -> None:
        self.fh, self.end, self.encoding = fh, start, encoding
        self.first = start == 0
        self.at_end = False

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self.fh.readline()
        if not raw:
            self.at_end = True
            raise StopIteration
        self.end += len(raw)
        text = raw.decode(self.encoding)
        if self.first:
            text, self.first = text.removeprefix(_BOM), False
        return text


def _merged_header(header: list[str], key: str, records: Iterable[Record | None]) -> list[str]:
    """The existing columns in their order, then new fields in order of appearance."""
    merged = list(header) or [key]
    seen = set(merged)
    for record in records:
        for name in record or ():
            if name not in seen:
                merged.append(name)
                seen.add(name)
    return merged


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return str(value)

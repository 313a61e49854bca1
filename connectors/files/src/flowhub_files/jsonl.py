"""JSON Lines as an append-only log of upserts: every write appends whole new versions.

A record's current version is its last line. Appending never touches earlier bytes, so a
process killed mid-write can only leave a torn last line, which readers ignore and the next
writer cuts off. Old versions pile up until ``compact()`` rewrites the file atomically.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator, Mapping
from typing import IO, Any

from flowhub import ConnectorError
from flowhub_files.store import (
    REMOVED,
    Index,
    Line,
    Record,
    Snapshot,
    Store,
    remove_stale_temps,
    replace_atomically,
)

__all__ = ["JsonlStore"]

_BOM = "\ufeff"


class JsonlStore(Store):
    """``<entity>.jsonl``: one JSON object per line, later lines win per key."""

    suffix = "jsonl"

    @property
    def _codec(self) -> str:
        # the BOM belongs at the start of a file, never in front of each appended line
        return "utf-8" if codecs.lookup(self.encoding).name == "utf-8-sig" else self.encoding

    def lines(self, fh: IO[bytes], start: int, number: int, index: Index) -> Iterator[Line]:
        fh.seek(start)
        offset = start
        for raw in fh:
            end = offset + len(raw)
            try:
                record = self._parse(raw, offset, number)
            except _TornError:
                return  # the tail of a write that was cut short: it was never acknowledged
            yield Line(offset, end, number, number, record)
            offset, number = end, number + 1

    def _parse(self, raw: bytes, offset: int, number: int) -> Record | None:
        complete = raw.endswith(b"\n")
        try:
            text = raw.decode(self._codec)
            value = json.loads(text.removeprefix(_BOM) if offset == 0 else text) if text.strip() else None
        except ValueError as error:  # UnicodeDecodeError and JSONDecodeError both
            if not complete:
                raise _TornError from error
            raise ConnectorError(f"{self.path}:{number}: not a valid JSON line ({error})") from error
        if value is None and not complete:
            raise _TornError
        if value is not None and not isinstance(value, dict):
            if not complete:
                raise _TornError
            raise ConnectorError(f"{self.path}:{number}: each line must be a JSON object")
        return value

    def commit(self, fh: IO[bytes], snapshot: Snapshot, staged: Mapping[str, Record | None]) -> None:
        index = snapshot.index
        fh.seek(0, 2)
        if fh.tell() > index.end:  # a torn tail left by a killed writer: drop it first
            fh.truncate(index.end)
        prefix = b""
        if index.end > 0:
            fh.seek(index.end - 1)
            if fh.read(1) != b"\n":  # a complete last record written without a newline
                prefix = b"\n"
        body = b"".join(self._encode(self._version(key, record)) for key, record in staged.items())
        fh.write(prefix + body)
        self.sync(fh)
        self.refresh(fh)

    def _version(self, key: str, record: Record | None) -> Record:
        return {self.key: key, REMOVED: True} if record is None else record

    def _encode(self, record: Mapping[str, Any]) -> bytes:
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)
        return (text + "\n").encode(self._codec)

    # -- compaction ----------------------------------------------------------------------------
    def needs_compaction(self) -> bool:
        """True when old versions outnumber live records (and there are enough to matter)."""
        index = self._index
        stale = index.records - len(index.offsets)
        return stale > 1000 and stale > len(index.offsets)

    def compact(self) -> None:
        """Rewrite the file with only current versions, atomically (temp file + os.replace)."""
        if not self.exists():
            return
        with self.writing() as batch:
            remove_stale_temps(self.path)

            def write(out: IO[bytes]) -> None:
                for _, record in batch.snapshot.current():
                    out.write(self._encode(record))

            replace_atomically(self.path, write, durable=self.fsync)
        self._index = Index()


class _TornError(Exception):
    """The last line has no newline and does not parse: a write cut short."""

"""The sandbox's company data: tables of records in Visma.net's GET shape, stamps and ETags.

One lock guards every change, so tests may read and poke the store from their own thread
while uvicorn serves it. Time stamps are strictly increasing, in the sandbox's zone, without
an offset (as the API sends them); ETags are rowversion-like counters (``timeStamp``).
"""

from __future__ import annotations

import base64
import copy
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flowhub_visma_net.sandbox.settings import SandboxSettings

__all__ = ["Store", "Table"]

Record = dict[str, Any]


class Table:
    """Records of one resource by key, in insertion (key) order.

    `where` looks records up through an index built on first use and kept by `put`, so a
    look-up by external reference or e-mail stays cheap with ten thousand records. A record
    changed in place must be `put` again to be re-indexed.
    """

    def __init__(self, name: str, key: str) -> None:
        self.name, self.key = name, key
        self.rows: dict[str, Record] = {}
        self._indexes: dict[str, _Index] = {}
        self._last_numbers: dict[str, int] = {}

    def get(self, key: Any) -> Record | None:
        return self.rows.get(str(key))

    def put(self, record: Record) -> Record:
        key = str(record[self.key])
        self.rows[key] = record
        for index in self._indexes.values():
            index.drop(key)
            index.add(key, record)
        return record

    def next_number(self, field: str, *, width: int, start: int = 1) -> str:
        """The number after the highest numeric ``field`` (the ERP's auto-numbering), remembered
        so that a new record does not scan them all; a number already taken is passed over."""
        if field not in self._last_numbers:
            numbers = (int(r[field]) for r in self.rows.values() if str(r.get(field, "")).isdigit())
            self._last_numbers[field] = max(numbers, default=start - 1)
        number = max(self._last_numbers[field], start - 1) + 1
        while self.where(field, str(number).zfill(width)):
            number += 1
        self._last_numbers[field] = number
        return str(number).zfill(width)

    def where(
        self, field: str, value: Any, *, values: Callable[[Record], Iterable[Any]] | None = None
    ) -> list[Record]:
        """The records whose ``field`` equals ``value`` (compared as text), in key order.

        With ``values``, the index named ``field`` holds every value it gives for a record (the
        e-mails of a customer's three contacts, say), normalised as ``value`` already is.
        """
        index = self._indexes.get(field)
        if index is None:
            index = self._indexes[field] = _Index(values or (lambda record: (record.get(field),)))
            for key, record in self.rows.items():
                index.add(key, record)
        wanted = str(value)
        found = [self.rows[k] for k in index.keys(wanted) if wanted in index.values_of(self.rows[k])]
        order = {k: n for n, k in enumerate(self.rows)} if len(found) > 1 else {}
        return sorted(found, key=lambda r: order.get(str(r[self.key]), 0))

    def __iter__(self) -> Iterator[Record]:
        return iter(list(self.rows.values()))

    def __len__(self) -> int:
        return len(self.rows)


class _Index:
    """Keys of a table's records by each value ``values`` gives for them (as text)."""

    def __init__(self, values: Callable[[Record], Iterable[Any]]) -> None:
        self._values = values
        self._by_value: dict[str, set[str]] = {}
        self._of_key: dict[str, list[str]] = {}

    def values_of(self, record: Record) -> list[str]:
        return [str(v) for v in self._values(record) if v is not None]

    def add(self, key: str, record: Record) -> None:
        self._of_key[key] = self.values_of(record)
        for value in self._of_key[key]:
            self._by_value.setdefault(value, set()).add(key)

    def drop(self, key: str) -> None:
        for value in self._of_key.pop(key, []):
            self._by_value[value].discard(key)

    def keys(self, value: str) -> set[str]:
        return self._by_value.get(value, set())


class Store:
    """Everything the sandbox knows, plus the counters that number new records."""

    def __init__(self, settings: SandboxSettings, now: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.lock = threading.RLock()
        self.zone = ZoneInfo(settings.timezone)
        self._now = now or (lambda: datetime.now(self.zone))
        self._last = datetime.min
        self._rowversion = itertools.count(2001)
        self.tables: dict[str, Table] = {}
        self.numbers: dict[str, itertools.count[int]] = {}
        self.stock: dict[tuple[str, str], float] = {}  # (inventoryNumber, warehouse) -> on hand
        self.stock_changed: dict[str, str] = {}  # inventoryNumber -> availability change stamp
        self.tokens: dict[str, dict[str, Any]] = {}
        self.calls: dict[tuple[str, str], list[float]] = {}
        self.log: list[tuple[str, str, int]] = []  # (method, path?query, status) of every ERP/v3 call

    def table(self, name: str, key: str = "id") -> Table:
        """The table ``name``; keyed by ``key`` (a table first touched without its key, e.g. by a
        number look-up before its first record, takes the key it is later given while empty)."""
        table = self.tables.setdefault(name, Table(name, key))
        if key != "id" and table.key != key and not table.rows:
            table.key = key
        return table

    def next_number(self, series: str, start: int, width: int = 0) -> str:
        counter = self.numbers.setdefault(series, itertools.count(start))
        number = next(counter)
        return str(number).zfill(width) if width else str(number)

    def next_free(self, table: str, start: int, width: int = 0) -> str:
        """The number after the highest numeric key of ``table`` (auto-numbering, as the ERP does)."""
        with self.lock:
            rows = self.table(table)
            return rows.next_number(rows.key, width=width, start=start)

    def stamp(self) -> str:
        """Now, strictly after the previous stamp, as ``yyyy-MM-ddTHH:mm:ss.FFF`` without offset."""
        with self.lock:
            moment = self._now().astimezone(self.zone).replace(tzinfo=None)
            moment = max(moment, self._last + timedelta(milliseconds=1))
            moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
            self._last = moment
            return moment.isoformat(timespec="milliseconds")

    def rowversion(self) -> str:
        return base64.b64encode(next(self._rowversion).to_bytes(8, "big")).decode()

    def touch(self, record: Record, *, created: bool = False, etag_field: str = "timeStamp") -> Record:
        """Stamp a record as changed now (and created, for a new one); give it a new ETag."""
        now = self.stamp()
        record["lastModifiedDateTime"] = now
        if created and "createdDateTime" not in record:
            record["createdDateTime"] = now
        record[etag_field] = self.rowversion()
        return record

    def stock_touched(self, inventory_number: str) -> None:
        self.stock_changed[inventory_number] = self.stamp()

    def snapshot(self, table: str) -> list[Record]:
        with self.lock:
            return copy.deepcopy(list(self.table(table).rows.values()))

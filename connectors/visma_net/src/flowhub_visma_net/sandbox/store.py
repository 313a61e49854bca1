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
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flowhub_visma_net.sandbox.settings import SandboxSettings

__all__ = ["Store", "Table"]

Record = dict[str, Any]


class Table:
    """Records of one resource by key, in insertion (key) order.

    `where` looks records up by a top-level field through an index built on first use and kept
    by `put`, so a look-up by external reference stays cheap with ten thousand orders. A record
    changed in place must be `put` again to be re-indexed.
    """

    def __init__(self, name: str, key: str) -> None:
        self.name, self.key = name, key
        self.rows: dict[str, Record] = {}
        self._indexes: dict[str, tuple[dict[str, set[str]], dict[str, str]]] = {}
        self._last_numbers: dict[str, int] = {}

    def get(self, key: Any) -> Record | None:
        return self.rows.get(str(key))

    def put(self, record: Record) -> Record:
        key = str(record[self.key])
        self.rows[key] = record
        for field, (by_value, of_key) in self._indexes.items():
            _unindex(by_value, of_key, key)
            _index(by_value, of_key, key, record.get(field))
        return record

    def next_number(self, field: str, *, width: int) -> str:
        """The number after the highest numeric ``field`` (the ERP's auto-numbering), remembered
        so that a new record does not scan them all; a number already taken is passed over."""
        if field not in self._last_numbers:
            numbers = (int(r[field]) for r in self.rows.values() if str(r.get(field, "")).isdigit())
            self._last_numbers[field] = max(numbers, default=0)
        number = self._last_numbers[field] + 1
        while self.where(field, str(number).zfill(width)):
            number += 1
        self._last_numbers[field] = number
        return str(number).zfill(width)

    def where(self, field: str, value: Any) -> list[Record]:
        """The records whose ``field`` equals ``value`` (compared as text), in key order."""
        if field not in self._indexes:
            by_value: dict[str, set[str]] = {}
            of_key: dict[str, str] = {}
            for key, record in self.rows.items():
                _index(by_value, of_key, key, record.get(field))
            self._indexes[field] = (by_value, of_key)
        keys = self._indexes[field][0].get(str(value), set())
        found = [self.rows[k] for k in keys if str(self.rows[k].get(field)) == str(value)]
        order = {k: n for n, k in enumerate(self.rows)} if len(found) > 1 else {}
        return sorted(found, key=lambda r: order.get(str(r[self.key]), 0))

    def __iter__(self) -> Iterator[Record]:
        return iter(list(self.rows.values()))

    def __len__(self) -> int:
        return len(self.rows)


def _index(by_value: dict[str, set[str]], of_key: dict[str, str], key: str, value: Any) -> None:
    if value is not None:
        by_value.setdefault(str(value), set()).add(key)
        of_key[key] = str(value)


def _unindex(by_value: dict[str, set[str]], of_key: dict[str, str], key: str) -> None:
    old = of_key.pop(key, None)
    if old is not None:
        by_value[old].discard(key)


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
            numbers = [int(k) for k in self.table(table).rows if k.isdigit()]
            number = max([start - 1, *numbers]) + 1
            return str(number).zfill(width) if width else str(number)

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

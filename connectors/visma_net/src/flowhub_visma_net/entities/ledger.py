"""Journal transactions: GL batches, the financial mutations a flow may post (feature A1)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from flowhub_visma_net.entities.base import VismaWriter, _same, _values_at, format_since
from flowhub_visma_net.models import JournalTransaction

if TYPE_CHECKING:
    from flowhub_visma_net.connector import VismaNet

__all__ = ["JournalTransactions"]

LINE_REFERENCE = "journalTransactionLines.referenceNumber"
# How far before the previous scan a refresh looks again: covers a clock of ours that runs ahead
# of Visma.net's and a batch stamped while the previous scan was still paging.
_RESCAN_MARGIN = timedelta(minutes=10)


class JournalTransactions(VismaWriter):
    """GL batches on ``/v2/journaltransaction`` by ``batchNumber``; found by a line's reference.

    The v2 list takes ``lastModifiedDateTime`` without a condition (read as ``>=``;
    unconfirmed). The write DTO is not in the published catalogue: it follows the read DTO
    and the v1 conventions (unconfirmed).

    Batches are auto-numbered and the list has no filter by reference, so ``referenceNumber``
    (a batch any of whose lines carries it) is answered from an index, reference -> batch
    numbers, built once per entity instance by paging the GL batches (``module=ModuleGL``)
    changed in the last ``journal_lookup_days`` and kept up to date by this instance's own
    creates. Only the reference strings are kept, never the batches. A POST whose answer was
    lost first rescans what changed since the index was built, then looks its reference up:
    a batch that landed is found and never sent twice.
    """

    name = "journal_transaction"
    model = JournalTransaction
    key = "batchNumber"
    cursor = "lastModifiedDateTime"
    path = "/v2/journaltransaction"
    since_condition = False
    write_dto = "JournalTransactionUpdateDto"
    filters: ClassVar[Mapping[str, str]] = {
        "periodId": "financial period",
        "module": "ModuleGL, …",
        "status": "Hold, Balanced, …",
        "branch": "branch number",
    }
    find_fields = ("batchNumber", "referenceNumber", LINE_REFERENCE)
    recover_by = (LINE_REFERENCE,)

    def __init__(self, connector: VismaNet) -> None:
        super().__init__(connector)
        self._lock = threading.RLock()
        self._index: dict[str, set[str]] | None = None  # line reference -> batch numbers
        self._scanned_at: datetime | None = None  # when the last scan started (our clock, UTC)

    # -- finding ---------------------------------------------------------------------------
    def find(self, field: str, value: Any) -> list[BaseModel]:
        """By ``batchNumber`` with one GET; by ``referenceNumber`` from the index (then a GET each)."""
        if field not in ("referenceNumber", LINE_REFERENCE):
            return super().find(field, value)
        wanted = str(value).strip()
        if not wanted:
            return []
        found: list[BaseModel] = []
        for number in self.batches_with(wanted):
            record = self.get(number)
            if record is None:  # deleted in Visma.net since the scan
                self._forget(wanted, number)
            elif any(_same(ref, wanted) for ref in _values_at(record, LINE_REFERENCE)):
                found.append(record)
        return found

    def batches_with(self, reference: str) -> list[str]:
        """Numbers of the batches whose lines carry ``reference`` (the index is built on first use)."""
        with self._lock:
            index = self._ensure_index()
            return sorted(index.get(_norm(reference), ()))

    def _ensure_index(self) -> dict[str, set[str]]:
        with self._lock:
            if self._index is None:
                started = datetime.now(UTC)
                days = self.connector.settings.journal_lookup_days
                index: dict[str, set[str]] = {}
                self._scan(index, started - timedelta(days=days) if days else None)
                self._index, self._scanned_at = index, started
            return self._index

    def refresh(self) -> None:
        """Add what changed since the last scan (a POST of ours may have landed unanswered)."""
        with self._lock:
            if self._index is None or self._scanned_at is None:
                self._ensure_index()
                return
            started = datetime.now(UTC)
            self._scan(self._index, self._scanned_at - _RESCAN_MARGIN)
            self._scanned_at = started

    def _scan(self, index: dict[str, set[str]], since: datetime | None) -> None:
        """Page the GL batches changed since ``since`` (all when None) into ``index``."""
        params: dict[str, Any] = {"module": "ModuleGL"}
        if since is not None:
            params["lastModifiedDateTime"] = format_since(since.isoformat(), self.connector.settings.timezone)
        for number, reference in _references(self.client.pages(self.api, self.path, params)):
            index.setdefault(reference, set()).add(number)

    def _remember(self, record: BaseModel) -> None:
        number = self.key_of(record)
        with self._lock:
            if self._index is None or number in ("", "None"):
                return  # a later build sees the batch in Visma.net itself
            for ref in _values_at(record, LINE_REFERENCE):
                if str(ref).strip():
                    self._index.setdefault(_norm(str(ref)), set()).add(number)

    def _forget(self, reference: str, number: str) -> None:
        with self._lock:
            if self._index is not None:
                self._index.get(_norm(reference), set()).discard(number)

    # -- writing ---------------------------------------------------------------------------
    def create(self, payload: BaseModel) -> BaseModel:
        created = super().create(payload)
        self._remember(created)
        return created

    def recover(self, payload: BaseModel) -> BaseModel | None:
        """The batch an unanswered POST of ``payload`` created: rescan the recent batches, then look."""
        self.refresh()
        return super().recover(payload)


def _norm(reference: str) -> str:
    """References are compared as Visma.net's filters compare text: trimmed, case-insensitive."""
    return reference.strip().lower()


def _references(items: Iterator[Mapping[str, Any]]) -> Iterator[tuple[str, str]]:
    """(batch number, line reference) of every referenced line, one page of batches at a time."""
    for item in items:
        number = item.get("batchNumber")
        if number in (None, ""):
            continue
        for line in item.get("journalTransactionLines") or []:
            ref = line.get("referenceNumber") if isinstance(line, Mapping) else None
            if ref not in (None, "") and str(ref).strip():
                yield str(number), _norm(str(ref))

"""Journal transactions: GL batches, the financial mutations a flow may post (feature A1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from flowhub_visma_net.entities.base import VismaWriter
from flowhub_visma_net.models import JournalTransaction

__all__ = ["JournalTransactions"]


class JournalTransactions(VismaWriter):
    """GL batches on ``/v2/journaltransaction`` by ``batchNumber``.

    The v2 list takes ``lastModifiedDateTime`` without a condition (read as ``>=``;
    unconfirmed). The write DTO is not in the published catalogue: it follows the read DTO
    and the v1 conventions (unconfirmed). Batches are auto-numbered, so a POST whose answer
    was lost cannot be looked up again: such a failure is reported, never re-sent.
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

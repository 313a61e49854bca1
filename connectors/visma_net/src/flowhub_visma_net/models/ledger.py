"""Journal transactions: the financial mutations (general-ledger batches) of the company."""

from __future__ import annotations

from typing import Any

from flowhub_visma_net.models.common import Amount, Attachment, RefOrId, VismaRecord, When

__all__ = ["JournalTransaction", "JournalTransactionLine"]


class JournalTransactionLine(VismaRecord):
    lineNumber: int | None = None
    operation: str | None = None  # Insert / Update / Delete on writes
    accountNumber: str | None = None
    subaccount: Any = None  # an object on GET, a list of segment values on writes
    description: str | None = None
    referenceNumber: str | None = None
    debitAmount: Amount = None
    debitAmountInCurrency: Amount = None
    creditAmount: Amount = None
    creditAmountInCurrency: Amount = None
    transactionDescription: str | None = None
    vatCode: RefOrId | None = None
    vatCodeId: str | None = None
    vat: RefOrId | None = None
    vatId: str | None = None
    branch: str | None = None
    customerSupplier: str | None = None
    module: str | None = None
    quantity: Amount = None
    uom: str | None = None
    inventoryNumber: str | None = None
    project: RefOrId | None = None
    projectTask: RefOrId | None = None
    attachments: list[Attachment] | None = None


class JournalTransaction(VismaRecord):
    """A GL batch (``/v2/journaltransaction``); ``batchNumber`` is its key."""

    module: str | None = None
    batchNumber: str | None = None
    status: str | None = None
    hold: bool | None = None
    transactionDate: When = None
    postPeriod: str | None = None
    financialPeriod: str | None = None
    ledger: str | None = None
    currencyId: str | None = None
    exchangeRate: Amount = None
    description: str | None = None
    debitTotal: Amount = None
    creditTotal: Amount = None
    debitTotalInCurrency: Amount = None
    creditTotalInCurrency: Amount = None
    controlTotalInCurrency: Amount = None
    createVatTransaction: bool | None = None
    skipVatAmountValidation: bool | None = None
    transactionCode: str | None = None
    branch: RefOrId | None = None
    journalTransactionLines: list[JournalTransactionLine] | None = None
    attachments: list[Attachment] | None = None
    lastModifiedDateTime: When = None
    timeStamp: str | None = None

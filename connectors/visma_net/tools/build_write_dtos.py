"""Build src/flowhub_visma_net/data/write_dtos.json from shared/apis/visma_net/dtos-derived.json.

The write DTO table says, per field of each create/update DTO the connector sends, whether
Visma.net wants it wrapped as ``{"value": X}`` and, for nested objects and lists, which DTO
the inner value follows. Run it again when the shared catalogue changes:

    python connectors/visma_net/tools/build_write_dtos.py ../shared/apis/visma_net/dtos-derived.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOTS = [
    "CustomerUpdateDto",
    "ContactUpdateDto",
    "InventoryUpdateDto",
    "InventoryCrossReferenceUpdateDto",
    "CustomerSalesPriceUpdateDto",
    "CustomerInvoiceUpdateDto",
    "PaymentUpdateDto",
    "SalesOrderUpdateDto",
    "InventoryReceiptUpdateDto",
    "InventoryIssueUpdateDto",
    "InventoryAdjustmentUpdateDto",
    "AttributeUpdateDto",
]
# The derived catalogue says only "array" for lists; the element DTOs, by field.
ARRAY_ITEMS = {
    ("CustomerUpdateDto", "attributeLines"): "AttributeLineUpdateDto",
    ("InventoryUpdateDto", "attributeLines"): "AttributeLineUpdateDto",
    ("InventoryUpdateDto", "crossReferences"): "InventoryCrossReferenceUpdateDto",
    ("CustomerInvoiceUpdateDto", "invoiceLines"): "CustomerInvoiceLinesUpdateDto",
    ("SalesOrderUpdateDto", "lines"): "SalesOrderLineUpdateDto",
    ("PaymentUpdateDto", "paymentLines"): "PaymentLinesUpdateDto",
    ("InventoryReceiptUpdateDto", "receiptLines"): "InventoryDocumentLineUpdateDto",
    ("InventoryIssueUpdateDto", "issueLines"): "InventoryDocumentLineUpdateDto",
    ("InventoryAdjustmentUpdateDto", "adjustmentLines"): "InventoryDocumentLineUpdateDto",
    ("JournalTransactionUpdateDto", "journalTransactionLines"): "JournalTransactionLineUpdateDto",
}
# Not in the derived catalogue (unconfirmed): shaped after the read DTOs and the v1 conventions.
HAND_WRITTEN: dict[str, list[dict[str, Any]]] = {
    "InventoryDocumentLineUpdateDto": [
        {"name": "operation", "type": "AttributeDetailUpdateOperationEnum"},
        *(
            {"name": n, "type": t, "wrapped_value": True}
            for n, t in [
                ("lineNumber", "int"),
                ("inventoryNumber", "string"),
                ("warehouseId", "string"),
                ("locationId", "string"),
                ("quantity", "decimal"),
                ("uom", "string"),
                ("unitCost", "decimal"),
                ("extCost", "decimal"),
                ("reasonCode", "string"),
                ("description", "string"),
            ]
        ),
    ],
    "JournalTransactionUpdateDto": [
        *(
            {"name": n, "type": t, "wrapped_value": True}
            for n, t in [
                ("transactionDate", "datetime"),
                ("postPeriod", "string"),
                ("financialPeriod", "string"),
                ("currencyId", "string"),
                ("exchangeRate", "decimal"),
                ("description", "string"),
                ("hold", "bool"),
                ("branch", "string"),
                ("ledger", "string"),
                ("transactionCode", "string"),
                ("createVatTransaction", "bool"),
                ("skipVatAmountValidation", "bool"),
                ("batchNumber", "string"),
                ("controlTotalInCurrency", "decimal"),
            ]
        ),
        {"name": "journalTransactionLines", "type": "array"},
    ],
    "JournalTransactionLineUpdateDto": [
        {"name": "operation", "type": "AttributeDetailUpdateOperationEnum"},
        {"name": "subaccount", "type": "array"},
        *(
            {"name": n, "type": t, "wrapped_value": True}
            for n, t in [
                ("lineNumber", "int"),
                ("accountNumber", "string"),
                ("description", "string"),
                ("referenceNumber", "string"),
                ("debitAmountInCurrency", "decimal"),
                ("creditAmountInCurrency", "decimal"),
                ("transactionDescription", "string"),
                ("vatCodeId", "string"),
                ("vatId", "string"),
                ("branch", "string"),
                ("customerSupplier", "string"),
                ("quantity", "decimal"),
                ("uom", "string"),
                ("inventoryNumber", "string"),
                ("project", "string"),
                ("projectTask", "string"),
            ]
        ),
    ],
}


def build(dtos: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, dict[str, Any]]]:
    known = {**dtos, **HAND_WRITTEN}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    pending = [*ROOTS, "JournalTransactionUpdateDto"]
    while pending:
        name = pending.pop()
        if name in out:
            continue
        fields: dict[str, dict[str, Any]] = {}
        for field in known[name]:
            entry: dict[str, Any] = {"type": field["type"], "wrapped": bool(field.get("wrapped_value"))}
            inner = ARRAY_ITEMS.get((name, field["name"])) or (
                field["type"] if field["type"] in known else None
            )
            if inner:
                entry["dto"] = inner
                pending.append(inner)
            fields[field["name"]] = entry
        out[name] = fields
    return dict(sorted(out.items()))


def main(source: str) -> None:
    dtos = json.loads(Path(source).read_text())["dtos"]
    target = Path(__file__).parents[1] / "src/flowhub_visma_net/data/write_dtos.json"
    target.write_text(json.dumps(build(dtos), indent=1, sort_keys=True) + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/apis/visma_net/dtos-derived.json")

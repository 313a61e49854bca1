"""The ERP resources the sandbox serves (v1/v2), with their filters and GET shapes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from flowhub_visma_net.sandbox.listing import Indexed
from flowhub_visma_net.sandbox.resources import Resource
from flowhub_visma_net.sandbox.stock import warehouse_details
from flowhub_visma_net.sandbox.store import Record, Store

__all__ = ["RESOURCES", "by_name"]


def _eq(path: str) -> Callable[[dict[str, Any], str], bool]:
    """Exact (case-insensitive) match of the value at a dotted path."""

    def keep(row: dict[str, Any], value: str) -> bool:
        found: Any = row
        for part in path.split("."):
            found = found.get(part) if isinstance(found, dict) else None
        return found is not None and str(found).strip().lower() == value.strip().lower()

    return keep


def _emails(row: dict[str, Any]) -> list[Any]:
    """✘ which e-mails the customer filter looks at: main, invoice and delivery contact here."""
    return [
        (row.get(block) or {}).get("email") for block in ("mainContact", "invoiceContact", "deliveryContact")
    ]


def _alternate(row: dict[str, Any], value: str) -> bool:
    return any(str(c.get("alternateID")) == value for c in row.get("crossReferences") or [])


def _category(row: dict[str, Any], value: str) -> bool:
    return any(str(c.get("categoryId")) == value for c in row.get("salesCategories") or [])


def _contains(path: str) -> Callable[[dict[str, Any], str], bool]:
    return lambda row, value: value.lower() in str(row.get(path) or "").lower()


def _render_item(store: Store, record: Record, request: Request) -> Record:
    """Lists leave out the expandable parts unless asked; a GET by number has them all."""
    query = request.query_params
    single = "key" in request.path_params
    record["warehouseDetails"] = warehouse_details(store, record) if record.get("stockItem") else []
    for flag, part in (
        ("expandCrossReference", "crossReferences"),
        ("expandAttribute", "attributes"),
        ("expandWarehouseDetail", "warehouseDetails"),
        ("expandSalesCategories", "salesCategories"),
        ("expandAttachment", "attachments"),
    ):
        if not single and query.get(flag, "").lower() != "true":
            record.pop(part, None)
    return record


def _render_document(store: Store, record: Record, request: Request) -> Record:
    lines = record.pop("lines", [])
    kind = request.url.path.split("/")[2].lower()
    field = {"inventoryreceipt": "receiptLines", "inventoryissue": "issueLines"}.get(kind, "adjustmentLines")
    record[field] = lines
    return record


RESOURCES: tuple[Resource, ...] = (
    Resource(
        "customer",
        "/v1/customer",
        "number",
        "Customer",
        "CustomerUpdateDto",
        filters={
            "name": _eq("name"),
            "status": _eq("status"),
            "corporateId": _eq("corporateId"),
            "vatRegistrationId": _eq("vatRegistrationId"),
            "email": Indexed(_emails),
            "phone": _eq("mainContact.phone1"),
        },
        numbering=(10000, 0),
    ),
    Resource(
        "contact",
        "/v1/contact",
        "contactId",
        "Contact",
        "ContactUpdateDto",
        key_type=int,
        filters={
            "displayName": _eq("displayName"),
            "active": _eq("active"),
            "firstName": _eq("firstName"),
            "lastName": _eq("lastName"),
            "businessAccount": _eq("businessAccount"),
            "email": _eq("email"),
        },
        numbering=(100, 0),
    ),
    Resource(
        "inventory",
        "/v1/inventory",
        "inventoryNumber",
        "Inventory item",
        "InventoryUpdateDto",
        filters={
            "inventoryNumber": _eq("inventoryNumber"),
            "alternateID": _alternate,
            "salesCategory": _category,
            "status": _eq("status"),
            "description": _contains("description"),
            "inventoryTypes": _eq("type"),
        },
        etag_field="timestamp",
        render=_render_item,
        max_page="inventory_max_page_size",
        availability=True,
    ),
    Resource(
        "customersalesprice",
        "/v1/customerSalesPrice",
        "recordId",
        "Sales price",
        "CustomerSalesPriceUpdateDto",
        key_type=int,
        numbering=(1, 0),
        filters={
            "priceType": _eq("priceType"),
            "priceCode": _eq("priceCode"),
            "inventoryId": _eq("inventoryId"),
        },
    ),
    Resource(
        "customerinvoice",
        "/v1/customerinvoice",
        "referenceNumber",
        "Invoice",
        "CustomerInvoiceUpdateDto",
        numbering=(1, 6),
        filters={
            "status": _eq("status"),
            "customer": _eq("customer.number"),
            "documentType": _eq("documentType"),
            "externalReference": _eq("externalReference"),
            "paymentReference": _eq("paymentReference"),
            "customerRefNumber": _eq("customerRefNumber"),
        },
    ),
    Resource(
        "customerpayment",
        "/v1/customerPayment",
        "refNbr",
        "Payment",
        "PaymentUpdateDto",
        numbering=(1, 6),
        filters={
            "paymentNbr": _eq("refNbr"),
            "paymentType": _eq("type"),
            "customer": _eq("customer.number"),
            "status": _eq("status"),
            "invoiceRefNbr": lambda row, v: any(x.get("refNbr") == v for x in row.get("paymentLines") or []),
        },
    ),
    Resource(
        "journaltransaction",
        "/v2/journaltransaction",
        "batchNumber",
        "Journal transaction",
        "JournalTransactionUpdateDto",
        numbering=(1, 6),
        since_condition=False,
        filters={
            "periodId": _eq("financialPeriod"),
            "module": _eq("module"),
            "status": _eq("status"),
            "branch": _eq("branch"),
        },
    ),
    Resource(
        "inventoryreceipt",
        "/v1/inventoryReceipt",
        "referenceNumber",
        "Receipt",
        "InventoryReceiptUpdateDto",
        numbering=(1, 6),
        filters={"status": _eq("status")},
        render=_render_document,
    ),
    Resource(
        "inventoryissue",
        "/v1/inventoryissue",
        "referenceNumber",
        "Issue",
        "InventoryIssueUpdateDto",
        numbering=(1, 6),
        filters={"status": _eq("status")},
        render=_render_document,
    ),
    Resource(
        "inventoryadjustment",
        "/v1/inventoryadjustment",
        "referenceNumber",
        "Adjustment",
        "InventoryAdjustmentUpdateDto",
        numbering=(1, 6),
        filters={"status": _eq("status")},
        render=_render_document,
    ),
    # read-only reference data
    Resource("paymentmethod", "/v1/paymentmethod", "paymentMethodID", "Payment method"),
    Resource(
        "creditterm",
        "/v1/creditTerm",
        "termsId",
        "Credit terms",
        shape="records",
        filters={"termsId": _eq("termsId")},
    ),
    Resource("vatcategory", "/v1/vatCategory", "vatCategoryId", "VAT category"),
    Resource("vatzone", "/v1/vatZone", "id", "VAT zone", since=None),
    Resource("carrier", "/v1/carrier", "carrierId", "Carrier"),
    Resource("attribute", "/v1/attribute", "attributeID", "Attribute", "AttributeUpdateDto"),
    Resource(
        "warehouse",
        "/v1/warehouse",
        "warehouseID",
        "Warehouse",
        since=None,
        filters={"active": _eq("active"), "branch": _eq("branch.number")},
    ),
    Resource("branch", "/v1/branch", "number", "Branch"),
    Resource(
        "discount",
        "/v1/discount",
        "discountCode",
        "Discount",
        shape="records",
        filters={"discountCode": _eq("discountCode"), "series": _eq("series")},
    ),
    Resource("customerclass", "/v1/customer/customerClass", "id", "Customer class", since=None, paged=False),
)


def by_name(name: str) -> Resource:
    return next(r for r in RESOURCES if r.table == name)

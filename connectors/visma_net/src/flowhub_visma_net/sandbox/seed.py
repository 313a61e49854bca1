"""Seed the sandbox with the demo company (``data/company.json``) or a caller's own seed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from flowhub_visma_net.sandbox.erp import RESOURCES
from flowhub_visma_net.sandbox.stock import apply_document
from flowhub_visma_net.sandbox.store import Store

__all__ = ["load_seed", "seed_store"]


def load_seed(seed: Path | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The seed document: a file, a mapping, or (None) the shipped demo company."""
    if isinstance(seed, Mapping):
        return dict(seed)
    if seed is not None:
        return dict(json.loads(Path(seed).read_text(encoding="utf-8")))
    text = resources.files("flowhub_visma_net").joinpath("data/company.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def seed_store(store: Store, seed: Mapping[str, Any]) -> None:
    """Fill an empty store: reference data first, then customers, items, stock, prices, orders."""
    with store.lock:
        _reference(store, seed)
        for number, data in enumerate(seed.get("customers", []), start=1):
            _customer(store, data, number)
        for number, data in enumerate(seed.get("items", []), start=1):
            _item(store, data, number)
        _opening_stock(store, seed.get("items", []))
        for data in seed.get("sales_prices", []):
            _price(store, data)
        for data in seed.get("open_orders", []):
            _order(store, data)
        for data in seed.get("journal_transactions", []):
            _journal(store, data)
        for res in RESOURCES:  # a table the seed left empty (invoices) still knows its key, so a
            store.table(res.table, res.key)  # list before the first POST does not give it "id"


def _put(store: Store, table: str, key: str, rows: list[dict[str, Any]], *, stamped: bool = True) -> None:
    for row in rows:
        record = dict(row)
        store.table(table, key).put(store.touch(record, created=True) if stamped else record)


def _reference(store: Store, seed: Mapping[str, Any]) -> None:
    _put(
        store,
        "country",
        "id",
        [{"id": k, "name": v} for k, v in seed.get("countries", {}).items()],
        stamped=False,
    )
    _put(store, "branch", "number", seed.get("branches", []))
    _put(store, "warehouse", "warehouseID", seed.get("warehouses", []), stamped=False)
    _put(
        store,
        "vat",
        "vatId",
        [
            {"vatId": c["vatId"], "description": c["description"], "rate": c["rate"]}
            for c in seed.get("vat_categories", [])
        ],
        stamped=False,
    )
    _put(store, "vatcategory", "vatCategoryId", [_vat_category(c) for c in seed.get("vat_categories", [])])
    _put(
        store,
        "vatzone",
        "id",
        [
            {k: v for k, v in z.items() if k != "countries"}
            | {"defaultTaxCategory": {"number": z["defaultVatCategory"]}}
            for z in seed.get("vat_zones", [])
        ],
        stamped=False,
    )
    _put(store, "paymentmethod", "paymentMethodID", seed.get("payment_methods", []), stamped=False)
    _put(store, "creditterm", "termsId", seed.get("credit_terms", []))
    _put(store, "carrier", "carrierId", seed.get("carriers", []))
    _put(store, "priceclass", "id", seed.get("price_classes", []))
    _put(store, "customerclass", "id", seed.get("customer_classes", []), stamped=False)
    _put(store, "salescategory", "categoryID", seed.get("sales_categories", []), stamped=False)
    _put(
        store,
        "attribute",
        "attributeID",
        [{"attributeID": a["id"], "description": a.get("description"), "controlType": a.get("controlType", "Text"),
          "internal": False, "details": a.get("details", [])} for a in seed.get("attributes", [])],
    )
    _put(
        store,
        "itemclass",
        "id",
        [{"id": "VARER", "description": "Handelsvarer"}, {"id": "TJENESTE", "description": "Tjenester"}],
        stamped=False,
    )
    _put(store, "postingclass", "id", [{"id": "STD", "description": "Standard"}], stamped=False)


def _vat_category(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "vatCategoryId": data["vatCategoryId"],
        "description": data["description"],
        "active": True,
        "excludeListedTaxes": False,
        "vatCategoryLines": [
            {
                "vatId": data["vatId"],
                "description": data["description"],
                "type": "Output",
                "vatRates": [{"vatRate": data["rate"]}],
            }
        ],
    }


def _ref(store: Store, table: str, key: str | None) -> dict[str, Any] | None:
    found = store.table(table).get(key) if key else None
    return {"id": key, "description": found.get("description")} if found else None


def _customer(store: Store, data: Mapping[str, Any], internal_id: int) -> None:
    klass = store.table("customerclass").get(data["customerClass"]) or {}
    country = store.table("country").get(data["country"]) or {"id": data["country"], "name": data["country"]}
    address = {
        "addressId": 4000 + internal_id,
        "addressLine1": data.get("address"),
        "postalCode": data.get("postalCode"),
        "city": data.get("city"),
        "country": {"id": country["id"], "name": country["name"]},
    }
    contact = {
        "contactId": 8000 + internal_id,
        "name": data["name"],
        "email": data.get("email"),
        "phone1": data.get("phone"),
    }
    record = {
        "internalId": internal_id,
        "number": data["number"],
        "name": data["name"],
        "status": data.get("status", "Active"),
        "mainAddress": address,
        "mainContact": contact,
        "invoiceAddress": dict(address),
        "invoiceContact": dict(contact),
        "deliveryAddress": dict(address),
        "deliveryContact": dict(contact),
        "customerClass": _ref(store, "customerclass", data["customerClass"]),
        "creditTerms": _ref(store, "creditterm", data.get("creditTerms", klass.get("creditTermsId"))),
        "currencyId": data.get("currencyId", "NOK"),
        "vatZone": _ref(store, "vatzone", data.get("vatZone", klass.get("taxZoneId"))),
        "priceClass": _ref(store, "priceclass", data.get("priceClass")),
        "corporateId": data.get("corporateId"),
        "vatRegistrationId": data.get("vatRegistrationId"),
        "defaultPaymentMethodId": klass.get("paymentMethodId"),
        "attributes": [],
        "paymentMethods": [],
        "note": data.get("note"),
    }
    store.table("customer", "number").put(store.touch(record, created=True))
    if "contact" in data:
        person = data["contact"]
        row = {
            "contactId": int(store.next_number("contact", 100)),
            "active": True,
            "firstName": person["firstName"],
            "lastName": person["lastName"],
            "displayName": f"{person['firstName']} {person['lastName']}",
            "email": person["email"],
            "businessAccount": data["number"],
            "businessAccountType": "Customer",
        }
        store.table("contact", "contactId").put(store.touch(row, created=True))


def _item(store: Store, data: Mapping[str, Any], internal_id: int) -> None:
    categories = {c["categoryID"]: c for c in _flat(store.table("salescategory"))}
    vat = store.table("vat").get(data["vatCode"]) or {}
    record = {
        "inventoryId": internal_id,
        "inventoryNumber": data["inventoryNumber"],
        "status": "Active",
        "type": data["type"],
        "description": data["description"],
        "itemClass": _ref(store, "itemclass", "VARER" if data["stockItem"] else "TJENESTE"),
        "postingClass": _ref(store, "postingclass", "STD"),
        "vatCode": {"id": data["vatCode"], "description": vat.get("description")},
        "defaultPrice": data["defaultPrice"],
        "recommendedPrice": data["defaultPrice"],
        "baseUnit": "STK",
        "salesUnit": "STK",
        "purchaseUnit": "STK",
        "stockItem": data["stockItem"],
        "kitItem": False,
        "crossReferences": (
            [{"alternateType": "Global", "alternateID": data["ean"], "description": "EAN"}] if data.get("ean") else []
        ),
        "attributes": [{**a, "description": a["id"].title()} for a in data.get("attributes", [])],
        "salesCategories": [
            {"categoryId": c, "description": categories.get(c, {}).get("description")}
            for c in data.get("salesCategories", [])
        ],
        "defaultWarehouse": {"id": "MAIN", "description": "Hovedlager Bergen"},
    }
    store.table("inventory", "inventoryNumber").put(store.touch(record, created=True, etag_field="timestamp"))


def _flat(nodes: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in nodes:
        out.append(node)
        out.extend(_flat(node.get("subCategories") or []))
    return out


def _opening_stock(store: Store, items: list[Mapping[str, Any]]) -> None:
    """Opening stock comes in as released receipts, one per warehouse, like a real take-on."""
    warehouses = sorted({w for item in items for w in item.get("stock", {})})
    for warehouse in warehouses:
        lines = [
            {
                "lineNumber": i,
                "inventoryNumber": item["inventoryNumber"],
                "warehouseId": warehouse,
                "quantity": item["stock"][warehouse],
                "uom": "STK",
            }
            for i, item in enumerate((x for x in items if x.get("stock", {}).get(warehouse)), start=1)
        ]
        document = {
            "referenceNumber": store.next_number("inventoryreceipt", 1, 6),
            "status": "Released",
            "hold": False,
            "date": store.stamp()[:10],
            "description": f"Inngående beholdning {warehouse}",
            "lines": lines,
            "totalQuantity": sum(x["quantity"] for x in lines),
        }
        apply_document(store, "receipt", document)
        store.table("inventoryreceipt", "referenceNumber").put(store.touch(document, created=True))


def _price(store: Store, data: Mapping[str, Any]) -> None:
    item = store.table("inventory").get(data["inventoryId"]) or {}
    record = {
        "recordId": int(store.next_number("customersalesprice", 1)),
        **data,
        "uoM": "STK",
        "description": item.get("description"),
        "currency": "NOK",
        "breakQty": 0,
        "promotion": False,
        "effectiveDate": "2026-01-01T00:00:00",
    }
    store.table("customersalesprice", "recordId").put(store.touch(record, created=True))


def _order(store: Store, data: Mapping[str, Any]) -> None:
    customer = store.table("customer").get(data["customer"]) or {}
    lines = []
    for i, (item_number, quantity, warehouse) in enumerate(data["lines"], start=1):
        item = store.table("inventory").get(item_number) or {}
        lines.append(
            {
                "lineId": i,
                "inventoryId": item_number,
                "quantity": quantity,
                "warehouseId": warehouse,
                "unitPrice": item.get("defaultPrice"),
                "description": item.get("description"),
                "uom": "STK",
                "shippedQuantity": 0,
            }
        )
    record = {
        "type": "SO",
        "id": store.next_number("salesorder", 1, 6),
        "status": "Open",
        "customer": {"id": data["customer"], "name": customer.get("name")},
        "customerRefNo": data.get("customerRefNo"),
        "orderDate": store.stamp()[:10] + "T00:00:00",
        "currencyId": "NOK",
        "shipping": {"preferredWarehouseId": "MAIN"},
        "orderLines": lines,
    }
    record["key"] = f"SO/{record['id']}"
    record["orderTotal"] = sum(float(x["unitPrice"] or 0) * x["quantity"] for x in lines)
    store.table("salesorder", "key").put(store.touch(record, created=True))
    for line in lines:
        store.stock_touched(line["inventoryId"])


def _journal(store: Store, data: Mapping[str, Any]) -> None:
    lines = [
        {
            "lineNumber": i,
            "accountNumber": account,
            "debitAmountInCurrency": debit,
            "creditAmountInCurrency": credit,
            "description": data["description"],
        }
        for i, (account, debit, credit) in enumerate(data["lines"], start=1)
    ]
    day = store.stamp()[:10]
    record = {
        "batchNumber": store.next_number("journaltransaction", 1, 6),
        "module": "ModuleGL",
        "status": "Released",
        "hold": False,
        "transactionDate": day + "T00:00:00",
        "financialPeriod": day[:4] + day[5:7],
        "postPeriod": day[:4] + day[5:7],
        "currencyId": "NOK",
        "description": data["description"],
        "journalTransactionLines": lines,
        "debitTotal": sum(x[1] for x in data["lines"]),
        "creditTotal": sum(x[2] for x in data["lines"]),
    }
    store.table("journaltransaction", "batchNumber").put(store.touch(record, created=True))

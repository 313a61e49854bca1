"""Apply a (plain, unwrapped) write body to a stored record, the way Visma.net turns an
UpdateDto into what GET answers: ids become references, lines follow their operation."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flowhub_visma_net.sandbox.errors import BusinessError
from flowhub_visma_net.sandbox.store import Record, Store

__all__ = ["APPLY", "apply_lines", "ref", "vat_rate"]

# write field -> (read field, table, label field of the referenced record)
_REFS: dict[str, tuple[str, str, str]] = {
    "customerClassId": ("customerClass", "customerclass", "description"),
    "creditTermsId": ("creditTerms", "creditterm", "description"),
    "vatZoneId": ("vatZone", "vatzone", "description"),
    "customerVatZoneId": ("customerVatZone", "vatzone", "description"),
    "priceClassId": ("priceClass", "priceclass", "description"),
    "paymentMethodId": ("paymentMethod", "paymentmethod", "description"),
    "paymentMethod": ("paymentMethod", "paymentmethod", "description"),
    "itemClass": ("itemClass", "itemclass", "description"),
    "postingClass": ("postingClass", "postingclass", "description"),
    "vatCode": ("vatCode", "vat", "description"),
    "vatCodeId": ("vatCode", "vat", "description"),
    "defaultWarehouse": ("defaultWarehouse", "warehouse", "description"),
}
_LABELS = {
    "creditTerms": "Credit Terms",
    "customerClass": "Customer Class",
    "vatZone": "VAT Zone",
    "priceClass": "Price Class",
    "paymentMethod": "Payment Method",
    "vatCode": "VAT",
    "defaultWarehouse": "Warehouse",
    "customerVatZone": "VAT Zone",
    "itemClass": "Item Class",
    "postingClass": "Posting Class",
}


def ref(store: Store, table: str, key: Any, label: str = "description", what: str = "") -> dict[str, Any]:
    """``{"id", "description"}`` of an existing record; a business error naming it otherwise."""
    found = store.table(table).get(key)
    if found is None:
        raise BusinessError(f"'{what or table}' cannot be found in the system: '{key}'.", code="10004")
    return {"id": str(key), "description": found.get(label) or found.get("name")}


def vat_rate(store: Store, vat_id: str | None) -> float:
    found = store.table("vat").get(vat_id) if vat_id else None
    return float(found.get("rate", 0.0)) if found else 0.0


def _copy_refs(store: Store, record: Record, body: Mapping[str, Any]) -> dict[str, Any]:
    """Set references from ``…Id`` fields; hand back the fields that are not references."""
    rest: dict[str, Any] = {}
    for name, value in body.items():
        if name in _REFS and not isinstance(value, Mapping):
            target, table, label = _REFS[name]
            record[target] = (
                None if value in (None, "") else ref(store, table, value, label, _LABELS.get(target, target))
            )
        else:
            rest[name] = value
    return rest


def _address(store: Store, current: Mapping[str, Any] | None, body: Mapping[str, Any]) -> dict[str, Any]:
    address = dict(current or {"addressId": store.next_number("address", 5000)})
    for name, value in body.items():
        if name == "countryId":
            country = store.table("country").get(value) if value else None
            if value and country is None:
                raise BusinessError(f"'Country' cannot be found in the system: '{value}'.", code="10004")
            address["country"] = {"id": value, "name": country["name"]} if country else None
        elif name not in ("overrideAddress",):
            address[name] = value
    return address


def _contact(store: Store, current: Mapping[str, Any] | None, body: Mapping[str, Any]) -> dict[str, Any]:
    contact = dict(current or {"contactId": int(store.next_number("contactinfo", 9000))})
    contact.update({k: v for k, v in body.items() if k != "overrideContact"})
    return contact


def apply_lines(
    current: list[Record],
    incoming: list[Mapping[str, Any]],
    key: str,
    build: Callable[[Mapping[str, Any], Record | None], Record],
) -> list[Record]:
    """Lines by ``operation``: Insert appends (numbered), Update/Delete find theirs by ``key``."""
    lines = [dict(line) for line in current]
    for line in incoming:
        operation = line.get("operation") or "Insert"
        number = line.get(key)
        found = next((x for x in lines if number is not None and str(x.get(key)) == str(number)), None)
        if operation == "Delete":
            if found is None:
                raise BusinessError(f"Line {number} cannot be found.", code="10005")
            lines.remove(found)
        elif operation == "Update":
            if found is None:
                raise BusinessError(f"Line {number} cannot be found.", code="10005")
            lines[lines.index(found)] = build(line, found)
        elif operation == "Insert":
            new = build(line, None)
            new[key] = number if number is not None else max([int(x.get(key) or 0) for x in lines] + [0]) + 1
            lines.append(new)
        else:
            raise BusinessError(f"Unknown operation '{operation}' (Insert, Update, Delete).", code="10006")
    return lines


# -- customers and contacts ----------------------------------------------------------------------
def customer(store: Store, record: Record, body: Mapping[str, Any], creating: bool) -> None:
    rest = _copy_refs(store, record, body)
    if rest.pop("overrideWithClassValues", False) and record.get("customerClass"):
        klass = store.table("customerclass").get(record["customerClass"]["id"]) or {}
        record.setdefault("creditTerms", ref(store, "creditterm", klass.get("creditTermsId", "0D")))
        record.setdefault("vatZone", ref(store, "vatzone", klass.get("taxZoneId", "01")))
        record.setdefault("defaultPaymentMethodId", klass.get("paymentMethodId"))
    for name, value in rest.items():
        if name.endswith("Address"):
            record[name] = None if value is None else _address(store, record.get(name), value)
        elif name.endswith("Contact"):
            record[name] = None if value is None else _contact(store, record.get(name), value)
        elif name == "parentRecordNumber":
            parent = store.table("customer").get(value)
            record["parentRecord"] = {"number": value, "name": parent.get("name")} if parent else None
        elif name == "defaultPaymentMethod":
            record["defaultPaymentMethodId"] = (value or {}).get("paymentMethodId")
        elif name == "attributeLines":
            record["attributes"] = _attributes(record.get("attributes") or [], value or [])
        elif name not in ("overrideNumberSeries", "glAccounts", "eInvoiceContract", "directDebitLines"):
            record[name] = value
    if creating and not record.get("name"):
        raise BusinessError("Customer name cannot be empty.", code="10007")


def _attributes(current: list[Record], lines: list[Mapping[str, Any]], store: Store | None = None) -> list[Record]:
    """The item's attribute values after ``lines``; with ``store``, each attribute must be defined.

    ✘ Visma.net's answer for an undefined attribute (a 400 IPPException is assumed), and that a
    Combo attribute takes only the values of its ``details``.
    """
    merged = {a["id"]: dict(a) for a in current}
    for line in lines:
        definition = store.table("attribute").get(line["attributeId"]) if store is not None else None
        if store is not None and definition is None:
            raise BusinessError(f"'Attribute' cannot be found in the system: '{line['attributeId']}'.", code="10004")
        allowed = [d.get("valueId") for d in (definition or {}).get("details") or []]
        if definition and definition.get("controlType") == "Combo" and line.get("attributeValue") not in allowed:
            raise BusinessError(
                f"'{line.get('attributeValue')}' is not a value of attribute '{line['attributeId']}'.", code="10004"
            )
        merged[line["attributeId"]] = {
            "id": line["attributeId"],
            "value": line.get("attributeValue"),
            "description": (definition or {}).get("description") or line["attributeId"].title(),
        }
    return list(merged.values())


def attribute(store: Store, record: Record, body: Mapping[str, Any], creating: bool) -> None:
    """An attribute definition (``AttributeUpdateDto``); ``details`` are the values of a Combo."""
    for name, value in body.items():
        record[name] = value
    record.setdefault("controlType", "Text")
    record.setdefault("internal", False)
    record.setdefault("details", [])


def contact(store: Store, record: Record, body: Mapping[str, Any], creating: bool) -> None:
    for name, value in body.items():
        if name == "address":
            record["address"] = None if value is None else _address(store, record.get("address"), value)
        elif name == "businessAccount":
            if value and store.table("customer").get(value) is None:
                raise BusinessError(
                    f"'Business Account' cannot be found in the system: '{value}'.", code="10004"
                )
            record["businessAccount"], record["businessAccountType"] = value, "Customer"
        else:
            record[name] = value
    record["displayName"] = " ".join(p for p in (record.get("firstName"), record.get("lastName")) if p)
    if creating and not record["displayName"]:
        raise BusinessError("Last Name cannot be empty.", code="10007")


# -- inventory and prices ------------------------------------------------------------------------
def inventory(store: Store, record: Record, body: Mapping[str, Any], creating: bool) -> None:
    rest = _copy_refs(store, record, body)
    for name, value in rest.items():
        if name == "crossReferences":
            record["crossReferences"] = _cross_references(record.get("crossReferences") or [], value or [])
        elif name == "attributeLines":
            record["attributes"] = _attributes(record.get("attributes") or [], value or [], store)
        elif name == "type":
            record["type"] = value
            record["stockItem"] = value not in (
                "NonStockItem",
                "ServiceItem",
                "LaborItem",
                "ChargeItem",
                "ExpenseItem",
            )
        else:
            record[name] = value
    if creating:
        if not record.get("inventoryNumber"):
            raise BusinessError("Inventory ID cannot be empty.", code="10007")
        if not record.get("description"):
            raise BusinessError("Description cannot be empty.", code="10007")


def _cross_references(current: list[Record], incoming: list[Mapping[str, Any]]) -> list[Record]:
    merged = {(c.get("alternateType"), c.get("alternateID")): dict(c) for c in current}
    for ref_in in incoming:
        entry = dict(ref_in)
        if isinstance(entry.get("bAccount"), str):
            entry["bAccount"] = {"number": entry["bAccount"]}
        merged[(entry.get("alternateType"), entry.get("alternateID"))] = entry
    return list(merged.values())


def sales_price(store: Store, record: Record, body: Mapping[str, Any], creating: bool) -> None:
    record.update(body)
    kind, code = record.get("priceType") or "Base", record.get("priceCode")
    record["priceType"] = kind
    if store.table("inventory").get(record.get("inventoryId")) is None:
        raise BusinessError(
            f"'Inventory ID' cannot be found in the system: '{record.get('inventoryId')}'.", code="10004"
        )
    table = {"Customer": "customer", "CustomerPriceClass": "priceclass"}.get(kind)
    if table and store.table(table).get(code) is None:
        raise BusinessError(f"'Price Code' cannot be found in the system: '{code}'.", code="10004")
    item = store.table("inventory").get(record["inventoryId"]) or {}
    record.setdefault("description", item.get("description"))
    record.setdefault("uoM", item.get("baseUnit", "STK"))
    record.setdefault("currency", "NOK")
    record.setdefault("breakQty", 0)


# -- customer ledger -----------------------------------------------------------------------------
def invoice(store: Store, record: Record, body: Mapping[str, Any], creating: bool) -> None:
    rest = _copy_refs(store, record, body)
    for name, value in rest.items():
        if name == "customerNumber":
            found = store.table("customer").get(value)
            if found is None:
                raise BusinessError(f"'Customer' cannot be found in the system: '{value}'.", code="10004")
            record["customer"] = {"number": value, "name": found["name"]}
            record.setdefault("creditTerms", found.get("creditTerms"))
        elif name == "invoiceLines":
            record["invoiceLines"] = apply_lines(
                record.get("invoiceLines") or [],
                value or [],
                "lineNumber",
                lambda line, old: _invoice_line(store, line, old),
            )
        elif name == "billingAddress":
            record["invoiceAddress"] = _address(store, record.get("invoiceAddress"), value or {})
        elif name == "invoiceContact":
            record["invoiceContact"] = _contact(store, record.get("invoiceContact"), value or {})
        elif name == "branchNumber":
            record["branchNumber"] = {"number": value}
        else:
            record[name] = value
    if creating and not record.get("customer"):
        raise BusinessError("'Customer' cannot be empty.", code="10007")
    _totals(store, record)


def _invoice_line(store: Store, line: Mapping[str, Any], old: Record | None) -> Record:
    new = dict(old or {})
    for name, value in line.items():
        if name == "vatCodeId":
            new["vatCode"] = ref(store, "vat", value, what="VAT") if value else None
        elif name == "inventoryNumber" and value:
            item = store.table("inventory").get(value)
            if item is None:
                raise BusinessError(f"'Inventory ID' cannot be found in the system: '{value}'.", code="10004")
            new["inventoryNumber"] = value
            new.setdefault("description", item.get("description"))
            new.setdefault("vatCode", item.get("vatCode"))
            new.setdefault("unitPriceInCurrency", item.get("defaultPrice"))
        elif name != "operation":
            new[name] = value
    quantity, price = float(new.get("quantity") or 0), float(new.get("unitPriceInCurrency") or 0)
    discount = float(new.get("discountPercent") or 0)
    manual = new.get("manualAmountInCurrency")
    new["amountInCurrency"] = round(
        float(manual) if manual is not None else quantity * price * (1 - discount / 100), 2
    )
    return new


def _totals(store: Store, record: Record) -> None:
    lines = record.get("invoiceLines") or []
    amount = round(sum(float(x.get("amountInCurrency") or 0) for x in lines), 2)
    vat = round(
        sum(
            float(x.get("amountInCurrency") or 0) * vat_rate(store, (x.get("vatCode") or {}).get("id")) / 100
            for x in lines
        ),
        2,
    )
    record.update(
        {
            "detailTotal": amount,
            "detailTotalInCurrency": amount,
            "vatTotal": vat,
            "vatTotalInCurrency": vat,
            "amount": amount + vat,
            "amountInCurrency": amount + vat,
        }
    )
    if record.get("status") in (None, "Hold", "Balanced"):
        record["balance"] = record["balanceInCurrency"] = amount + vat
        record["status"] = "Hold" if record.get("hold") else "Balanced"


def payment(store: Store, record: Record, body: Mapping[str, Any], creating: bool) -> None:
    for name, value in body.items():
        if name == "customer":
            found = store.table("customer").get(value)
            if found is None:
                raise BusinessError(f"'Customer' cannot be found in the system: '{value}'.", code="10004")
            record["customer"] = {"number": value, "name": found["name"]}
        elif name == "paymentMethod":
            record["paymentMethod"] = ref(store, "paymentmethod", value, what="Payment Method")
        elif name == "paymentLines":
            record["paymentLines"] = apply_lines(
                record.get("paymentLines") or [],
                value or [],
                "refNbr",
                lambda line, old: _payment_line(store, line, old),
            )
        elif name == "referenceNumber":
            record["refNbr"] = value or record.get("refNbr")
        else:
            record[name] = value
    record.setdefault("type", "Payment")
    if creating and not record.get("customer"):
        raise BusinessError("'Customer' cannot be empty.", code="10007")
    applied = sum(float(x.get("amountPaid") or 0) for x in record.get("paymentLines") or [])
    record["appliedToDocuments"] = applied
    record["availableBalance"] = float(record.get("paymentAmount") or 0) - applied
    if record.get("status") in (None, "Hold", "Balanced"):
        record["status"] = "Hold" if record.get("hold") else "Balanced"


def _payment_line(store: Store, line: Mapping[str, Any], old: Record | None) -> Record:
    new = {**(old or {}), **{k: v for k, v in line.items() if k != "operation"}}
    invoice_record = store.table("customerinvoice").get(new.get("refNbr"))
    if invoice_record is None:
        raise BusinessError(
            f"'Reference Nbr.' cannot be found in the system: '{new.get('refNbr')}'.", code="10004"
        )
    new.setdefault("documentType", "Invoice")
    new["balance"] = invoice_record.get("balance")
    return new


def journal(store: Store, record: Record, body: Mapping[str, Any], creating: bool) -> None:
    for name, value in body.items():
        if name == "journalTransactionLines":
            record[name] = apply_lines(
                record.get(name) or [],
                value or [],
                "lineNumber",
                lambda line, old: {**(old or {}), **{k: v for k, v in line.items() if k != "operation"}},
            )
        else:
            record[name] = value
    lines = record.get("journalTransactionLines") or []
    debit = _cents(x.get("debitAmountInCurrency") for x in lines)
    credit = _cents(x.get("creditAmountInCurrency") for x in lines)
    period = _period(record.get("transactionDate"))
    record.update(
        {
            "module": record.get("module") or "ModuleGL",
            "financialPeriod": record.get("financialPeriod") or period,
            "postPeriod": record.get("postPeriod") or record.get("financialPeriod") or period,
            "debitTotal": debit / 100,
            "creditTotal": credit / 100,
            "debitTotalInCurrency": debit / 100,
            "creditTotalInCurrency": credit / 100,
        }
    )
    if record.get("status") not in (None, "Hold", "Balanced"):
        return
    if body.get("hold") is False and debit != credit:  # ◐ as Visma.net (Acumatica) refuses it
        raise BusinessError(
            f"Batch is out of balance: debit {debit / 100:.2f}, credit {credit / 100:.2f}. "
            "Balance it or keep it on hold.",
            code="10031",
        )
    record["status"] = "Hold" if record.get("hold") or debit != credit else "Balanced"


def _cents(amounts: Iterable[Any]) -> int:
    """A sum of amounts in whole cents, so that a balance is exact."""
    return sum(round(float(a or 0) * 100) for a in amounts)


def _period(when: Any) -> str | None:
    """The financial period (``yyyyMM``) of a transaction date: calendar months, as the demo company."""
    text = str(when or "")
    if len(text) < 7 or not (text[:4].isdigit() and text[5:7].isdigit()):
        return None
    return text[:4] + text[5:7]


def inventory_document(store: Store, record: Record, body: Mapping[str, Any], creating: bool) -> None:
    for name, value in body.items():
        if name in ("receiptLines", "issueLines", "adjustmentLines"):
            record["lines"] = apply_lines(
                record.get("lines") or [],
                value or [],
                "lineNumber",
                lambda line, old: _document_line(store, line, old),
            )
        else:
            record[name] = value
    if record.get("status") in (None, "Hold", "Balanced"):
        record["status"] = "Hold" if record.get("hold") else "Balanced"


def _document_line(store: Store, line: Mapping[str, Any], old: Record | None) -> Record:
    new = {**(old or {}), **{k: v for k, v in line.items() if k != "operation"}}
    if store.table("inventory").get(new.get("inventoryNumber")) is None:
        raise BusinessError(
            f"'Inventory ID' cannot be found in the system: '{new.get('inventoryNumber')}'.", code="10004"
        )
    new["warehouseId"] = new.get("warehouseId") or "MAIN"
    if store.table("warehouse").get(new["warehouseId"]) is None:
        raise BusinessError(
            f"'Warehouse' cannot be found in the system: '{new['warehouseId']}'.", code="10004"
        )
    return new


APPLY: dict[str, Callable[[Store, Record, Mapping[str, Any], bool], None]] = {
    "customer": customer,
    "contact": contact,
    "attribute": attribute,
    "inventory": inventory,
    "customersalesprice": sales_price,
    "customerinvoice": invoice,
    "customerpayment": payment,
    "journaltransaction": journal,
    "inventoryreceipt": inventory_document,
    "inventoryissue": inventory_document,
    "inventoryadjustment": inventory_document,
}

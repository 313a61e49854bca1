"""The sandbox's order rules, shared by the REST sales orders and the SOAP invoice orders.

An order needs an existing customer (its snapshot is copied onto the order), known payment
method, sales type and dimension values, and lines before it can be invoiced; an invoiced
order gets an invoice number and cannot change any more.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flowhub_24sevenoffice.sandbox.answers import ApiProblem, bad_request, validation
from flowhub_24sevenoffice.sandbox.store import Organisation

__all__ = ["add_line", "create", "delete_line", "header", "line_of", "patch", "patch_line", "snapshot"]

STATUSES = ("Draft", "Web", "Proposal", "Confirmed", "Invoice", "AdvanceInvoice", "Inactive")
HEADER_FIELDS = (
    "deliveryCustomer",
    "deliveryDate",
    "date",
    "currency",
    "memo",
    "internalMemo",
    "yourReference",
    "ourReference",
    "paymentMethod",
    "salesType",
    "referenceNumber",
    "dimensions",
    "accrual",
)


def snapshot(customer: dict[str, Any]) -> dict[str, Any]:
    """What an order keeps of its customer (the order does not follow later changes)."""
    visit = ((customer.get("address") or {}).get("visit")) or {}
    billing = (customer.get("email") or {}).get("billing")
    return {
        "id": customer["id"],
        "name": customer.get("name"),
        "organizationNumber": customer.get("organizationNumber"),
        "invoiceEmailAddresses": [billing] if billing else [],
        "street": visit.get("street"),
        "postalCode": visit.get("postalCode"),
        "postalArea": visit.get("postalArea"),
        "city": visit.get("postalArea"),
        "countryCode": visit.get("countryCode"),
    }


def header(order: dict[str, Any]) -> dict[str, Any]:
    """The order as GET /salesorders shows it (lines are a sub-resource)."""
    return {k: v for k, v in order.items() if k != "lines"}


def check_references(org: Organisation, body: dict[str, Any]) -> None:
    """Payment method, sales type and dimension values must exist in the organisation."""
    method = (body.get("paymentMethod") or {}).get("id")
    if method is not None and not any(m["id"] == method for m in org.payment_methods):
        raise validation(("salesOrder.paymentMethod.id", "exists"))
    sales_type = (body.get("salesType") or {}).get("id")
    if sales_type is not None and not any(s["id"] == sales_type for s in org.sales_types):
        raise validation(("salesOrder.salesType.id", "exists"))
    for dim in body.get("dimensions") or []:
        kind = next((d for d in org.dimensions if d["id"] == dim.get("dimensionType")), None)
        if kind is None or not any(str(e["value"]) == str(dim.get("value")) for e in kind["elements"]):
            missing = "DepartmentMissing" if kind and kind["name"] == "Department" else "ProjectMissing"
            raise bad_request(
                missing, f"Dimension value {dim.get('value')} does not exist", str(dim.get("value"))
            )


def create(org: Organisation, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    customer_ref = body.get("customer") or {}
    missing = [
        (f"salesOrder.customer.{f}", "required") for f in ("id", "name") if customer_ref.get(f) in (None, "")
    ]
    if missing:
        raise validation(*missing)
    customer = org.customers.get(customer_ref["id"])
    if customer is None:
        raise validation(("salesOrder.customer.id", "exists"))
    status = body.get("status") or "Draft"
    if status not in STATUSES:
        raise validation(("salesOrder.status", "enum"))
    if status in ("Invoice", "AdvanceInvoice"):
        raise bad_request("NoLines", "No lines in the sales order", "lines")
    check_references(org, body)
    oid = org.new_id("order", org.orders)
    order: dict[str, Any] = {
        "id": oid,
        "customer": {**snapshot(customer), **customer_ref},
        "status": status,
        "date": body.get("date") or now.date().isoformat(),
        "invoice": {
            "paymentTerms": {"type": "NumberOfDays", "value": customer.get("_paymentTime", 14)},
            **(body.get("invoice") or {}),
        },
        "currency": {"code": "NOK", "rate": 1},
        "createdAt": now,
        "modifiedAt": now,
        "lines": [],
    }
    order.update({k: body[k] for k in HEADER_FIELDS if k in body})
    _totals(org, order)
    org.orders[oid] = order
    return order


def patch(org: Organisation, order: dict[str, Any], body: dict[str, Any], now: datetime) -> None:
    if order["status"] == "Invoice":
        raise bad_request("Invoiced", "An invoiced sales order cannot be changed", str(order["id"]))
    check_references(org, body)
    status = body.get("status")
    if status is not None and status not in STATUSES:
        raise validation(("salesOrder.status", "enum"))
    if "customer" in body:
        customer = org.customers.get(int((body["customer"] or {}).get("id") or 0))
        if customer is None:
            raise validation(("salesOrder.customer.id", "exists"))
        order["customer"] = {**snapshot(customer), **body["customer"]}
    order.update({k: body[k] for k in HEADER_FIELDS if k in body})
    if "invoice" in body:
        order["invoice"] = {**(order.get("invoice") or {}), **(body["invoice"] or {})}
    if status in ("Invoice", "AdvanceInvoice"):
        invoice(org, order, now)
    elif status:
        order["status"] = status
    order["modifiedAt"] = now


def invoice(org: Organisation, order: dict[str, Any], now: datetime) -> None:
    """Invoice the order: it needs lines; it gets a number, a date and a due date."""
    if not order["lines"]:
        raise bad_request("NoLines", "No lines in the sales order", "lines")
    terms = (order.get("invoice") or {}).get("paymentTerms") or {"type": "NumberOfDays", "value": 14}
    value = terms.get("value")
    days = value if terms.get("type") == "NumberOfDays" and isinstance(value, int) else 14
    order["invoice"] = {
        **(order.get("invoice") or {}),
        "number": org.next_invoice_number(),
        "date": now.date().isoformat(),
        "dueDate": (now + timedelta(days=days)).date().isoformat(),
    }
    order["status"] = "Invoice"


def line_of(order: dict[str, Any], line_id: int) -> dict[str, Any]:
    line = next((x for x in order["lines"] if x["id"] == line_id), None)
    if line is None:
        raise ApiProblem(404, "NotFoundError", f"Line {line_id} of sales order {order['id']} was not found")
    return line


def add_line(org: Organisation, order: dict[str, Any], body: dict[str, Any], now: datetime) -> dict[str, Any]:
    if order["status"] == "Invoice":
        raise bad_request("Invoiced", "An invoiced sales order cannot be changed", str(order["id"]))
    line = _line(org, body, max((x["id"] for o in org.orders.values() for x in o["lines"]), default=0) + 1)
    order["lines"].append(line)
    _totals(org, order)
    order["modifiedAt"] = now
    return line


def patch_line(
    org: Organisation, order: dict[str, Any], line_id: int, body: dict[str, Any], now: datetime
) -> dict[str, Any]:
    if order["status"] == "Invoice":
        raise bad_request("Invoiced", "An invoiced sales order cannot be changed", str(order["id"]))
    line = line_of(order, line_id)
    line.update(_line(org, {**line, **body}, line_id))
    _totals(org, order)
    order["modifiedAt"] = now
    return line


def delete_line(order: dict[str, Any], line_id: int, now: datetime) -> None:
    line_of(order, line_id)
    order["lines"] = [x for x in order["lines"] if x["id"] != line_id]
    order["modifiedAt"] = now


def _line(org: Organisation, body: dict[str, Any], line_id: int) -> dict[str, Any]:
    kind = body.get("type") or "product"
    if kind not in ("product", "text"):
        raise validation(("line.type", "enum"))
    line = {
        "type": kind,
        "quantity": 1,
        "discountRate": 0,
        **{k: v for k, v in body.items() if k != "id"},
        "id": line_id,
    }
    if kind == "product":
        pid = (body.get("product") or {}).get("id")
        product = org.products.get(pid) if pid is not None else None
        if product is None:
            raise validation(("line.product.id", "exists" if pid is not None else "required"))
        line["product"] = {"id": pid, "number": product.get("number")}
        line.setdefault("description", product.get("name"))
        line.setdefault("price", product.get("salesPrice"))
    tax = next((t for t in org.taxes if t["id"] == (body.get("tax") or {}).get("id", 1)), None)
    if tax is None:
        raise validation(("line.tax.id", "exists"))
    line["tax"] = {"id": tax["id"], "number": tax["number"], "rate": tax["rate"]}
    if not 0 <= float(line.get("discountRate") or 0) <= 100:
        raise validation(("line.discountRate", "maximum"))
    return line


def _totals(org: Organisation, order: dict[str, Any]) -> None:
    net = tax = 0.0
    for line in order["lines"]:
        amount = float(line.get("quantity") or 0) * float(line.get("price") or 0)
        amount *= 1 - float(line.get("discountRate") or 0) / 100
        net += amount
        tax += amount * float((line.get("tax") or {}).get("rate") or 0) / 100
    order.update(netAmount=round(net, 2), taxAmount=round(tax, 2), grossAmount=round(net + tax, 2))

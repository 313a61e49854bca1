"""Translate the sandbox's REST-shaped records to and from the SOAP shapes (Company, InvoiceOrder)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flowhub_24sevenoffice.sandbox import orders as order_rules
from flowhub_24sevenoffice.sandbox.store import Organisation

__all__ = [
    "REST_TO_SOAP_STATUS",
    "ItemRejected",
    "apply_company",
    "apply_invoice",
    "company_view",
    "invoice_view",
    "pick",
]

REST_TO_SOAP_STATUS = {
    "Draft": "Draft",
    "Web": "Web",
    "Proposal": "Offer",
    "Confirmed": "Confirmed",
    "Invoice": "Invoiced",
    "AdvanceInvoice": "ForInvoicing",
    "Inactive": "Inactive",
}
SOAP_TO_REST_STATUS = {v: k for k, v in REST_TO_SOAP_STATUS.items()}
DISTRIBUTION_TO_REST = {
    "EMail": "emaildistribution",
    "Print": "printdistribution",
    "ElectronicInvoice": "ehfdistribution",
}
DISTRIBUTION_TO_SOAP = {v: k for k, v in DISTRIBUTION_TO_REST.items()} | {
    "postaldistribution": "Print",
    "efakturadistribution": "ElectronicInvoice",
}


class ItemRejected(Exception):
    """One SaveInvoices item cannot be saved; answered as its APIException."""


_ADDRESS_KINDS = {"Post": "postal", "Delivery": "delivery", "Visit": "visit", "Invoice": "billing"}


def pick(view: dict[str, Any], properties: list[str]) -> dict[str, Any]:
    """Only the asked-for properties ("Addresses.Post" asks for Addresses); all when none are named."""
    if not properties:
        return view
    wanted = {p.split(".", 1)[0] for p in properties}
    return {k: v for k, v in view.items() if k in wanted}


# -- companies -------------------------------------------------------------------------------
def _soap_address(address: dict[str, Any] | None) -> dict[str, Any] | None:
    if not address:
        return None
    return {
        "Street": address.get("street"),
        "PostalCode": address.get("postalCode"),
        "PostalArea": address.get("postalArea"),
        "City": address.get("city") or address.get("postalArea"),
        "Country": address.get("countryCode"),
        "Name": address.get("name"),
    }


def _rest_address(address: dict[str, Any] | None) -> dict[str, Any] | None:
    if not address:
        return None
    return {
        "street": address.get("Street"),
        "postalCode": address.get("PostalCode"),
        "postalArea": address.get("PostalArea") or address.get("City"),
        "countryCode": address.get("Country"),
        "name": address.get("Name"),
    }


def company_view(c: dict[str, Any]) -> dict[str, Any]:
    email, addresses = c.get("email") or {}, c.get("address") or {}
    return {
        "Id": c["id"],
        "ExternalId": c.get("externalReference"),
        "OrganizationNumber": c.get("organizationNumber"),
        "Name": c.get("name"),
        "FirstName": (c.get("person") or {}).get("firstName"),
        "Type": c.get("_type") or ("Business" if c.get("isCompany") else "Consumer"),
        "Addresses": {k: _soap_address(addresses.get(v)) for k, v in _ADDRESS_KINDS.items()},
        "PhoneNumbers": {
            "Primary": {"Value": c.get("phone")} if c.get("phone") else None,
            "Mobile": {"Value": c.get("mobilePhone")} if c.get("mobilePhone") else None,
        },
        "EmailAddresses": {
            "Primary": {"Value": email.get("contact")} if email.get("contact") else None,
            "Invoice": {"Value": email.get("billing")} if email.get("billing") else None,
        },
        "Country": (addresses.get("visit") or {}).get("countryCode"),
        "Note": c.get("note"),
        "PriceList": c.get("pricelistId"),
        "DistributionMethod": c.get("_distribution", "Default"),
        "PaymentTime": c.get("_paymentTime"),
        "Maps": {"CompanyMap": c.get("_maps") or []},
        "DateCreated": c.get("createdAt"),
        "DateChanged": c.get("modifiedAt"),
        "Status": c.get("_status"),
    }


def apply_company(record: dict[str, Any], item: dict[str, Any]) -> None:
    """Write a SaveCompanies item onto the record; fields left out stay as they are."""
    simple = {
        "ExternalId": "externalReference",
        "OrganizationNumber": "organizationNumber",
        "Note": "note",
        "PriceList": "pricelistId",
        "DistributionMethod": "_distribution",
        "PaymentTime": "_paymentTime",
        "Status": "_status",
    }
    for soap, rest in simple.items():
        if item.get(soap) is not None:
            record[rest] = item[soap]
    if item.get("Type"):
        record["_type"] = item["Type"]
    record["isCompany"] = record.get("_type") != "Consumer"
    record["isSupplier"] = record.get("_type") == "Supplier" or bool(record.get("isSupplier"))
    _apply_name(record, item)
    _apply_contact(record, item)
    if (item.get("Maps") or {}).get("CompanyMap"):
        record["_maps"] = [{**m, "CompanyId": record["id"]} for m in item["Maps"]["CompanyMap"]]


def _apply_name(record: dict[str, Any], item: dict[str, Any]) -> None:
    """A consumer's Name is the whole name; with FirstName apart it is "first last"."""
    name, first = item.get("Name"), item.get("FirstName")
    if record["isCompany"]:
        if name:
            record["name"] = name
        record.pop("person", None)
        return
    full = name or record.get("name") or ""
    if first and not full.startswith(first):
        full = f"{first} {full}".strip()
    first = first or full.split(" ")[0]
    record["name"] = full
    record["person"] = {"firstName": first, "lastName": full[len(first) :].strip() or None}
    record["organizationNumber"] = None


def _apply_contact(record: dict[str, Any], item: dict[str, Any]) -> None:
    emails = item.get("EmailAddresses") or {}
    email = dict(record.get("email") or {})
    for soap, rest in (("Primary", "contact"), ("Invoice", "billing")):
        if (emails.get(soap) or {}).get("Value") is not None:
            email[rest] = emails[soap]["Value"]
    record["email"] = email
    phones = item.get("PhoneNumbers") or {}
    for soap, rest in (("Primary", "phone"), ("Work", "phone"), ("Mobile", "mobilePhone")):
        if (phones.get(soap) or {}).get("Value") is not None:
            record[rest] = phones[soap]["Value"]
    addresses = item.get("Addresses") or {}
    current = dict(record.get("address") or {})
    for soap, rest in _ADDRESS_KINDS.items():
        if addresses.get(soap):
            current[rest] = _rest_address(addresses[soap])
    if item.get("Country") and current.get("visit") is None:
        current["visit"] = {"countryCode": item["Country"]}
    record["address"] = current


# -- invoice orders --------------------------------------------------------------------------
def _dimension_value(org: Organisation, order: dict[str, Any], kind: str) -> int | None:
    dim = org.dimension(kind)
    for d in order.get("dimensions") or []:
        if dim and d.get("dimensionType") == dim["id"]:
            return int(d["value"])
    return None


def invoice_view(
    org: Organisation, o: dict[str, Any], props: list[str], row_props: list[str]
) -> dict[str, Any]:
    invoice, customer = o.get("invoice") or {}, o["customer"]
    emails = customer.get("invoiceEmailAddresses") or []
    view = {
        "OrderId": o["id"],
        "InvoiceId": invoice.get("number"),
        "CustomerId": customer["id"],
        "CustomerName": customer.get("name"),
        "CustomerOrgNo": customer.get("organizationNumber"),
        "InvoiceEmailAddress": emails[0] if emails else None,
        "OrderStatus": o.get("_soapStatus") or REST_TO_SOAP_STATUS.get(o["status"], "None"),
        "ExternalStatus": o.get("_externalStatus"),
        "PaymentMethodId": (o.get("paymentMethod") or {}).get("id"),
        "PaymentAmount": o.get("_paymentAmount"),
        "TypeOfSaleId": (o.get("salesType") or {}).get("id"),
        "DepartmentId": _dimension_value(org, o, "Department"),
        "ProjectId": _dimension_value(org, o, "Project"),
        "DistributionMethod": o.get("_distribution")
        or DISTRIBUTION_TO_SOAP.get(str(invoice.get("distributionMethod"))),
        "DateOrdered": _when(o.get("date")),
        "DateInvoiced": _when(invoice.get("date")),
        "DateChanged": o["modifiedAt"],
        "YourReference": (o.get("yourReference") or {}).get("name"),
        "ReferenceNumber": o.get("referenceNumber"),
        "OrderTotalIncVat": o.get("grossAmount"),
        "OrderTotalVat": o.get("taxAmount"),
        "PaymentTime": (invoice.get("paymentTerms") or {}).get("value")
        if (invoice.get("paymentTerms") or {}).get("type") == "NumberOfDays"
        else None,
        "InvoiceRows": {"InvoiceRow": [pick(_row_view(line), row_props) for line in o["lines"]]},
    }
    return pick(view, [*props, "InvoiceRows"] if props else [])


def _row_view(line: dict[str, Any]) -> dict[str, Any]:
    product = line.get("product") or {}
    tax = line.get("tax") or {}
    return {
        "RowId": line["id"],
        "ProductId": product.get("id"),
        "ProductNo": product.get("number"),
        "Name": line.get("description"),
        "Price": line.get("price"),
        "Quantity": line.get("quantity"),
        "DiscountRate": line.get("discountRate"),
        "VatRate": tax.get("rate"),
        "Type": "Normal" if line.get("type") == "product" else "Text",
        "TaxSettings": {"TaxCode": tax.get("number"), "TaxRate": tax.get("rate")} if tax else None,
    }


def _when(value: Any) -> datetime | None:
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return datetime(value.year, value.month, value.day) if isinstance(value, date) else None


def apply_invoice(
    org: Organisation, order: dict[str, Any] | None, item: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Create or change an order from a SaveInvoices item; ApiProblem says why it cannot."""
    body = _rest_header(org, item)
    status = item.get("OrderStatus")
    rows = (item.get("InvoiceRows") or {}).get("InvoiceRow") or []
    _check_rows(org, rows)
    if order is None:
        customer = org.customers.get(int(item.get("CustomerId") or 0))
        if customer is None:
            raise ItemRejected(f"Customer {item.get('CustomerId')} does not exist")
        body["customer"] = {"id": customer["id"], "name": customer.get("name")}
        order = order_rules.create(org, {**body, "status": "Draft"}, now)
        try:
            _fill(org, order, item, rows, status, now)
        except Exception:
            org.orders.pop(order["id"], None)  # all or nothing, as one item of SaveInvoices
            raise
        return order
    if order["status"] == "Invoice":
        raise ItemRejected(
            "An invoiced order cannot be changed; only UpdateInvoices may change its title and reference"
        )
    order_rules.patch(org, order, body, now)
    _fill(org, order, item, rows, status, now)
    return order


def _check_rows(org: Organisation, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        if row.get("Type") in ("Text", "TextBold") or row.get("ChangeState") == "Delete":
            continue
        known = row.get("ProductId") in org.products or any(
            p.get("number") == row.get("ProductNo") for p in org.products.values() if row.get("ProductNo")
        )
        if not known:
            raise ItemRejected(f"Product {row.get('ProductId') or row.get('ProductNo')} does not exist")


def _fill(
    org: Organisation,
    order: dict[str, Any],
    item: dict[str, Any],
    rows: list[dict[str, Any]],
    status: str | None,
    now: datetime,
) -> None:
    _apply_rows(org, order, rows, now)
    for key, soap in (
        ("_distribution", "DistributionMethod"),
        ("_externalStatus", "ExternalStatus"),
        ("_paymentAmount", "PaymentAmount"),
    ):
        if item.get(soap) is not None:
            order[key] = item[soap]
    _apply_status(org, order, status, now)


def _rest_header(org: Organisation, item: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if item.get("PaymentMethodId") is not None:
        body["paymentMethod"] = {"id": item["PaymentMethodId"]}
    if item.get("TypeOfSaleId") is not None:
        body["salesType"] = {"id": item["TypeOfSaleId"]}
    if item.get("ReferenceNumber") is not None:
        body["referenceNumber"] = item["ReferenceNumber"]
    if item.get("YourReference") is not None:
        body["yourReference"] = {"name": item["YourReference"]}
    if item.get("DateOrdered") is not None:
        body["date"] = item["DateOrdered"].date().isoformat()
    dims = []
    for kind, soap in (("Department", "DepartmentId"), ("Project", "ProjectId")):
        dim = org.dimension(kind)
        if item.get(soap) not in (None, 0) and dim is not None:
            dims.append({"dimensionType": dim["id"], "value": str(item[soap]), "name": ""})
    if dims:
        body["dimensions"] = dims
    return body


def _apply_rows(org: Organisation, order: dict[str, Any], rows: list[dict[str, Any]], now: datetime) -> None:
    for row in rows:
        if row.get("ChangeState") == "Delete" and row.get("RowId"):
            order_rules.delete_line(order, row["RowId"], now)
            continue
        product_id = row.get("ProductId")
        if product_id is None and row.get("ProductNo"):
            product_id = next(
                (p["id"] for p in org.products.values() if p.get("number") == row["ProductNo"]), -1
            )
        line: dict[str, Any] = {"type": "text" if row.get("Type") in ("Text", "TextBold") else "product"}
        if line["type"] == "product":
            line["product"] = {"id": product_id}
        for soap, rest in (
            ("Name", "description"),
            ("Price", "price"),
            ("Quantity", "quantity"),
            ("DiscountRate", "discountRate"),
        ):
            if row.get(soap) is not None:
                line[rest] = float(row[soap]) if soap != "Name" else row[soap]
        if row.get("RowId"):
            order_rules.patch_line(org, order, row["RowId"], line, now)
        else:
            order_rules.add_line(org, order, line, now)


def _apply_status(org: Organisation, order: dict[str, Any], status: str | None, now: datetime) -> None:
    if not status:
        return
    rest = SOAP_TO_REST_STATUS.get(status)
    if rest in ("Invoice", "AdvanceInvoice"):
        order_rules.invoice(org, order, now)
        order.pop("_soapStatus", None)
    elif rest:
        order["status"] = rest
        order.pop("_soapStatus", None)
    else:
        order["status"], order["_soapStatus"] = "Confirmed", status
    order["modifiedAt"] = now

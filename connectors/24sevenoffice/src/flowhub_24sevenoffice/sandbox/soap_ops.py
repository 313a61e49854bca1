"""What each sandbox SOAP operation does, on the same records the REST API serves.

Saves answer every item with an ``APIException`` when that item failed (HTTP 200 overall), as
24SevenOffice does: a company without a name, an order for an unknown customer or product,
a change to an invoiced order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flowhub_24sevenoffice.sandbox.answers import ApiProblem
from flowhub_24sevenoffice.sandbox.soap_views import (
    REST_TO_SOAP_STATUS,
    ItemRejected,
    apply_company,
    apply_invoice,
    company_view,
    invoice_view,
    pick,
)
from flowhub_24sevenoffice.sandbox.store import Organisation, Session, Store

__all__ = ["OperationFault", "handle"]


class OperationFault(Exception):
    """The whole call failed (answered as a soap:Fault)."""


def handle(store: Store, session: Session | None, service: str, operation: str, args: dict[str, Any]) -> Any:
    handler = _HANDLERS.get((service, operation))
    if handler is None:
        raise OperationFault(f"{service}.{operation} is not served by the flowhub sandbox")
    org = store.organisations[session.organisation] if session else None
    with store.lock:
        return handler(_Call(store, session, org), args)


class _Call:
    def __init__(self, store: Store, session: Session | None, org: Organisation | None) -> None:
        self.store, self.session, self._org = store, session, org

    @property
    def org(self) -> Organisation:
        assert self._org is not None
        return self._org

    def now(self) -> datetime:
        return self.store.clock.now()


def _array(value: Any, item: str) -> list[Any]:
    """An ArrayOfX argument: zeep gives ``{X: [...]}`` or, for a lone parameter, the list itself."""
    if isinstance(value, dict):
        value = value.get(item)
    return list(value or [])


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        value = value.get("string")
    return [str(v) for v in value or []]


def _ints(value: Any) -> list[int]:
    if isinstance(value, dict):
        value = value.get("int")
    return [int(v) for v in value or []]


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# -- authenticate ----------------------------------------------------------------------------
def _login(call: _Call, args: dict[str, Any]) -> str:
    credential = args.get("credential") or {}
    user = call.store.users.get(str(credential.get("Username") or "").casefold())
    if str(credential.get("ApplicationId") or "").lower() not in call.store.soap_applications:
        raise OperationFault("Invalid ApplicationId")
    if user is None or user["password"] != credential.get("Password"):
        raise OperationFault("Invalid username or password")
    wanted = str(credential.get("IdentityId") or "").lower()
    if wanted and wanted != "00000000-0000-0000-0000-000000000000":
        identity = next((i for i in user["identities"] if i["id"].lower() == wanted), None)
        if identity is None:
            raise OperationFault("Provided IdentityId is blocked or does not belong to the user")
    else:
        identity = next((i for i in user["identities"] if i.get("default")), user["identities"][0])
    return call.store.open_session(user["username"], identity)


def _identity(call: _Call, identity: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    org = call.store.organisations[identity["organization"]]
    return {
        "Id": identity["id"],
        "User": {"ContactId": user.get("contactId"), "Name": user.get("name")},
        "Client": {"Id": org.id, "Name": org.name},
        "IsCurrent": call.session is not None and call.session.identity == identity["id"],
        "IsDefault": bool(identity.get("default")),
        "IsProtected": False,
        "IsDisabled": False,
    }


def _user(call: _Call) -> dict[str, Any]:
    assert call.session is not None
    return call.store.users[call.session.username.casefold()]


def _get_identity(call: _Call, args: dict[str, Any]) -> dict[str, Any]:
    user = _user(call)
    identity = next(i for i in user["identities"] if call.session and i["id"] == call.session.identity)
    return _identity(call, identity, user)


def _get_identities(call: _Call, args: dict[str, Any]) -> dict[str, Any]:
    user = _user(call)
    return {"Identity": [_identity(call, i, user) for i in user["identities"]]}


def _set_identity(call: _Call, args: dict[str, Any]) -> bool:
    user = _user(call)
    wanted = str(args.get("identityId") or "").lower()
    identity = next((i for i in user["identities"] if i["id"].lower() == wanted), None)
    if identity is None or call.session is None:
        return False
    call.session.identity, call.session.organisation = identity["id"], identity["organization"]
    return True


# -- client ----------------------------------------------------------------------------------
def _client_information(call: _Call, args: dict[str, Any]) -> dict[str, Any]:
    org = call.org
    return {
        "Name": org.name,
        "OrganizationNumber": org.organizationNumber,
        "Country": "NO",
        "DefaultCurrency": org.info.get("currency", "NOK"),
        "EmailAddressList": {
            "Invoice": {"Value": org.info.get("invoiceEmail")},
            "Primary": {"Value": org.info.get("email")},
        },
    }


def _departments(call: _Call, args: dict[str, Any]) -> dict[str, Any]:
    kind = call.org.dimension("Department")
    return {
        "Department": [{"Id": int(e["value"]), "Name": e["name"]} for e in (kind or {}).get("elements", [])]
    }


# -- company ---------------------------------------------------------------------------------
def _sync_list(call: _Call, args: dict[str, Any]) -> dict[str, Any]:
    params = args.get("syncSearchParameters") or {}
    changed, registered = _utc(params.get("ChangedAfter")), _utc(params.get("RegisteredAfter"))
    active = params.get("Active")
    items = [
        c
        for c in sorted(call.org.customers.values(), key=lambda c: (c["modifiedAt"], c["id"]))
        if (changed is None or c["modifiedAt"] > changed)
        and (registered is None or c["createdAt"] > registered)
        and (active is None or bool(c.get("_active", True)) == active)
    ]
    per_page = call.store.sync_page_size
    pages = max(1, -(-len(items) // per_page))
    page = max(1, int(params.get("Page") or 1))  # pages count from 1; 0 is read as 1
    chunk = items[(page - 1) * per_page : page * per_page]
    return {
        "CurrentPage": page,
        "TotalPages": pages,
        "TotalItems": len(items),
        "ItemsPerPage": per_page,
        "Items": {
            "SyncCompany": [
                {
                    "CompanyId": c["id"],
                    "ExternalId": c.get("externalReference"),
                    "DateChanged": c["modifiedAt"],
                    "DateRegistered": c["createdAt"],
                    "Active": c.get("_active", True),
                }
                for c in chunk
            ]
        },
    }


def _get_companies(call: _Call, args: dict[str, Any]) -> dict[str, Any]:
    search = args.get("searchParams") or {}
    properties = _strings(args.get("returnProperties"))
    if not properties:
        raise OperationFault("returnProperties must list the properties to return")
    found = [
        c for c in sorted(call.org.customers.values(), key=lambda c: c["id"]) if _company_matches(c, search)
    ]
    return {"Company": [pick(company_view(c), properties) for c in found]}


def _company_matches(customer: dict[str, Any], search: dict[str, Any]) -> bool:
    ids = set(_ints(search.get("CompanyIds")))
    emails = {str(v).casefold() for v in (customer.get("email") or {}).values() if v}
    checks = [
        not ids or customer["id"] in ids,
        search.get("CompanyId") in (None, 0) or customer["id"] == search.get("CompanyId"),
        not search.get("ExternalId") or customer.get("externalReference") == search["ExternalId"],
        not search.get("OrganizationNumber")
        or _digits(customer.get("organizationNumber")) == _digits(search["OrganizationNumber"]),
        not search.get("CompanyName")
        or str(search["CompanyName"]).casefold() in str(customer.get("name")).casefold(),
        not search.get("CompanyEmail") or str(search["CompanyEmail"]).casefold() in emails,
        not search.get("CompanyPhone")
        or search["CompanyPhone"] in (customer.get("phone"), customer.get("mobilePhone")),
        _utc(search.get("ChangedAfter")) is None or customer["modifiedAt"] > _utc(search.get("ChangedAfter")),
    ]
    return all(checks)


def _digits(value: Any) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


def _save_companies(call: _Call, args: dict[str, Any]) -> dict[str, Any]:
    items = _array(args.get("companies"), "Company")
    return {"Company": [_save_company(call, item) for item in items]}


def _save_company(call: _Call, item: dict[str, Any]) -> dict[str, Any]:
    org, cid = call.org, item.get("Id")
    existing = org.customers.get(cid) if cid else None
    if cid and existing is None:
        return _failed(item, f"Company with Id {cid} does not exist")
    name = item.get("Name") or (existing or {}).get("name")
    if not name:
        return _failed(item, "Name is required")
    if item.get("Type") == "Consumer" and item.get("OrganizationNumber"):
        return _failed(item, "A consumer cannot have an organization number")
    now = call.now()
    record: dict[str, Any] = (
        existing
        if existing is not None
        else {
            "id": org.new_id("customer", org.customers),
            "createdAt": now,
            "isSupplier": False,
            "_type": "Business",
        }
    )
    apply_company(record, item)
    record["modifiedAt"] = now
    org.customers[record["id"]] = record
    return pick(company_view(record), [*list(item), "Id", "DateChanged", "DateCreated"])


def _failed(item: dict[str, Any], message: str, kind: str = "ValidationException") -> dict[str, Any]:
    return {
        **{k: v for k, v in item.items() if v is not None},
        "APIException": {"Type": kind, "Message": message, "StackTrace": None},
    }


# -- person ----------------------------------------------------------------------------------
def _get_persons(call: _Call, args: dict[str, Any]) -> dict[str, Any]:
    search = args.get("personSearch") or {}
    changed = _utc(search.get("ChangedAfter"))

    def matches(p: dict[str, Any]) -> bool:
        name = f"{p.get('FirstName') or ''} {p.get('LastName') or ''}".strip().casefold()
        emails = {str(e.get("Value")).casefold() for e in p.get("EmailAddresses") or []}
        return (
            (not search.get("Id") or p["Id"] == search["Id"])
            and (not search.get("CustomerId") or p.get("CustomerId") == search["CustomerId"])
            and (not search.get("Email") or str(search["Email"]).casefold() in emails)
            and (not search.get("Name") or str(search["Name"]).casefold() in name)
            and (changed is None or p["DateChanged"] > changed)
        )

    found = [p for p in sorted(call.org.persons.values(), key=lambda p: p["Id"]) if matches(p)]
    return {"PersonItem": [_person_view(p) for p in found]}


def _person_view(person: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in person.items() if not k.startswith("_")}
    for field, item in (("EmailAddresses", "EmailAddress"), ("PhoneNumbers", "PhoneNumber")):
        if isinstance(out.get(field), list):
            out[field] = {item: out[field]}
    return out


def _save_person(call: _Call, args: dict[str, Any]) -> int:
    item = {k: v for k, v in (args.get("personItem") or {}).items() if v is not None}
    org, pid = call.org, item.get("Id")
    if pid and pid not in org.persons:
        raise OperationFault(f"Person with Id {pid} does not exist")
    if not (
        item.get("FirstName")
        or item.get("LastName")
        or (org.persons.get(int(pid or 0)) or {}).get("LastName")
    ):
        raise OperationFault("FirstName or LastName is required")
    if item.get("CustomerId") and item["CustomerId"] not in org.customers:
        raise OperationFault(f"Customer {item['CustomerId']} does not exist")
    for field, element in (("EmailAddresses", "EmailAddress"), ("PhoneNumbers", "PhoneNumber")):
        if isinstance(item.get(field), dict):
            item[field] = item[field].get(element) or []
    now = call.now()
    record = org.persons.get(pid) if pid else None
    if record is None:
        pid = org.new_id("person", org.persons)
        record = org.persons[pid] = {"Id": pid, "DateRegistered": now}
    record.update({k: v for k, v in item.items() if k not in ("Id", "DateRegistered", "DateChanged")})
    record["DateChanged"] = now
    return int(record["Id"])


# -- invoice ---------------------------------------------------------------------------------
def _order_sync_list(call: _Call, args: dict[str, Any]) -> dict[str, Any]:
    params = args.get("syncParams") or {}
    changed, registered = _utc(params.get("ChangedAfter")), _utc(params.get("RegisteredAfter"))
    if registered is not None and registered.year <= 1:  # DateTime.MinValue: not set
        registered = None
    if changed is None and registered is None:
        raise OperationFault("Either ChangedAfter or RegisteredAfter must be given")
    ids = [
        o["id"]
        for o in call.org.orders.values()
        if (changed is None or o["modifiedAt"] > changed)
        and (registered is None or o["createdAt"] > registered)
    ]
    return {"int": sorted(ids)}


def _get_invoices(call: _Call, args: dict[str, Any]) -> dict[str, Any]:
    search = args.get("searchParams") or {}
    order_ids, invoice_ids = set(_ints(search.get("OrderIds"))), set(_ints(search.get("InvoiceIds")))
    if len(order_ids) > 1000:
        raise OperationFault("At most 1000 OrderIds can be asked for in one request")
    customers = set(_ints(search.get("CustomerIds")))
    states = set((search.get("OrderStates") or {}).get("OrderSlipStateType") or [])
    changed = _utc(search.get("ChangedAfter"))
    found = [
        o
        for o in sorted(call.org.orders.values(), key=lambda o: o["id"])
        if (not order_ids or o["id"] in order_ids)
        and (not invoice_ids or (o.get("invoice") or {}).get("number") in invoice_ids)
        and (not customers or o["customer"]["id"] in customers)
        and (not states or REST_TO_SOAP_STATUS.get(o["status"], o.get("_soapStatus")) in states)
        and (changed is None or o["modifiedAt"] > changed)
    ]
    invoice_props, row_props = (
        _strings(args.get("invoiceReturnProperties")),
        _strings(args.get("rowReturnProperties")),
    )
    return {"InvoiceOrder": [invoice_view(call.org, o, invoice_props, row_props) for o in found]}


def _save_invoices(call: _Call, args: dict[str, Any]) -> dict[str, Any]:
    items = _array(args.get("invoices"), "InvoiceOrder")
    return {"InvoiceOrder": [_save_invoice(call, item) for item in items]}


def _save_invoice(call: _Call, item: dict[str, Any]) -> dict[str, Any]:
    org, oid = call.org, item.get("OrderId")
    order = org.orders.get(oid) if oid else None
    if oid and order is None:
        return _failed(item, f"Order {oid} does not exist")
    try:
        order = apply_invoice(org, order, item, call.now())
    except ApiProblem as problem:
        return _failed(item, _problem_text(problem))
    except ItemRejected as rejected:
        return _failed(item, str(rejected))
    return pick(
        invoice_view(org, order, [], []),
        [*list(item), "OrderId", "InvoiceId", "DateChanged", "OrderTotalIncVat"],
    )


def _problem_text(problem: ApiProblem) -> str:
    errors = (problem.payload or {}).get("errors") or (problem.payload or {}).get("validationErrors") or []
    details = "; ".join(str(e.get("message") or f"{e.get('path')}: {e.get('keyword')}") for e in errors)
    return details or problem.message


def _payment_methods(call: _Call, args: dict[str, Any]) -> dict[str, Any]:
    return {"PaymentMethod": [{"Id": m["id"], "Name": m["name"]} for m in call.org.payment_methods]}


def _has_session(call: _Call, args: dict[str, Any]) -> bool:
    return call.session is not None


_HANDLERS: dict[tuple[str, str], Callable[[_Call, dict[str, Any]], Any]] = {
    ("auth", "Login"): _login,
    ("auth", "HasSession"): _has_session,
    ("auth", "GetIdentity"): _get_identity,
    ("auth", "GetIdentities"): _get_identities,
    ("auth", "SetIdentityById"): _set_identity,
    ("client", "GetClientInformation"): _client_information,
    ("client", "GetDepartmentList"): _departments,
    ("company", "GetCompanySyncList"): _sync_list,
    ("company", "GetCompanies"): _get_companies,
    ("company", "SaveCompanies"): _save_companies,
    ("person", "GetPersons"): _get_persons,
    ("person", "GetPersonsDetailed"): _get_persons,
    ("person", "SavePerson"): _save_person,
    ("invoice", "GetOrderSyncList"): _order_sync_list,
    ("invoice", "GetInvoices"): _get_invoices,
    ("invoice", "SaveInvoices"): _save_invoices,
    ("invoice", "GetPaymentMethods"): _payment_methods,
}

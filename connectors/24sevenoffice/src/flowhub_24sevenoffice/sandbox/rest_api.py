"""The sandbox's REST API (Finago Office Public API 0.56): token endpoint, CRM, catalogue, orders, lookups."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from flowhub_24sevenoffice.sandbox import orders as order_rules
from flowhub_24sevenoffice.sandbox.answers import (
    ApiProblem,
    bad_request,
    json_answer,
    page_of,
    problem,
    token_page,
    validation,
)
from flowhub_24sevenoffice.sandbox.store import Organisation, Store

__all__ = ["rest_routes"]

Handler = Callable[[Request, Organisation], Awaitable[Response]]


def rest_routes(store: Store, *, product_links: bool = True) -> list[Route]:
    """The routes under /v1 plus /oauth/token, bound to ``store``."""
    api = _RestApi(store, product_links)
    table: list[tuple[str, str, Handler]] = [
        ("/v1/customers", "GET", api.list_customers),
        ("/v1/customers", "POST", api.create_customer),
        ("/v1/customers/{id:int}", "GET", api.get_customer),
        ("/v1/customers/{id:int}", "PATCH", api.patch_customer),
        ("/v1/customers/{id:int}", "DELETE", api.delete_customer),
        ("/v1/products", "GET", api.list_products),
        ("/v1/products", "POST", api.create_product),
        ("/v1/products/{id:int}", "GET", api.get_product),
        ("/v1/products/{id:int}", "PATCH", api.patch_product),
        ("/v1/products/{id:int}", "DELETE", api.delete_product),
        ("/v1/productcategories", "GET", api.list_categories),
        ("/v1/productcategories", "POST", api.create_category),
        ("/v1/productcategories/{id:int}", "GET", api.get_category),
        ("/v1/productcategories/{id:int}", "PATCH", api.patch_category),
        ("/v1/productcategories/{id:int}", "DELETE", api.delete_category),
        ("/v1/salesorders", "GET", api.list_orders),
        ("/v1/salesorders", "POST", api.create_order),
        ("/v1/salesorders/{id:int}", "GET", api.get_order),
        ("/v1/salesorders/{id:int}", "PATCH", api.patch_order),
        ("/v1/salesorders/{id:int}", "DELETE", api.delete_order),
        ("/v1/salesorders/{id:int}/lines", "GET", api.list_lines),
        ("/v1/salesorders/{id:int}/lines", "POST", api.create_line),
        ("/v1/salesorders/{id:int}/lines/{line:int}", "GET", api.get_line),
        ("/v1/salesorders/{id:int}/lines/{line:int}", "PATCH", api.patch_line),
        ("/v1/salesorders/{id:int}/lines/{line:int}", "DELETE", api.delete_line),
        ("/v1/paymentmethods", "GET", api.payment_methods),
        ("/v1/salestypes", "GET", api.sales_types),
        ("/v1/salestypes/{id:int}", "GET", api.sales_type),
        ("/v1/taxes", "GET", api.taxes),
        ("/v1/taxes/{id:int}", "GET", api.tax),
        ("/v1/dimensions", "GET", api.dimensions),
        ("/v1/dimensions/{type:int}/elements", "GET", api.elements),
        ("/v1/organization/information", "GET", api.information),
    ]
    routes = [Route(path, _guarded(store, handler), methods=[method]) for path, method, handler in table]
    return [Route("/oauth/token", api.token, methods=["POST"]), *routes]


def _guarded(store: Store, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        organisation = store.organisation_of_token(token.strip()) if scheme.lower() == "bearer" else None
        if organisation is None:
            return problem(ApiProblem(401, "UnauthorizedError", "Missing or invalid bearer token"))
        try:
            return await handler(request, organisation)
        except ApiProblem as error:
            return problem(error)

    return endpoint


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError as error:
        raise validation(("body", "json")) from error
    if not isinstance(body, dict):
        raise validation(("body", "type"))
    return body


def _found(table: dict[int, dict[str, Any]], key: int, what: str) -> dict[str, Any]:
    if key not in table:
        raise ApiProblem(404, "NotFoundError", f"{what} {key} was not found")
    return table[key]


def _since(request: Request, name: str) -> datetime | None:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise validation((name, "format")) from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _flag(request: Request, name: str) -> bool | None:
    value = request.query_params.get(name)
    return None if value is None else value.lower() == "true"


class _RestApi:
    def __init__(self, store: Store, product_links: bool) -> None:
        self.store, self.product_links = store, product_links

    # -- token ----------------------------------------------------------------------------
    async def token(self, request: Request) -> Response:
        """Client credentials, JSON (py24so) or form-encoded (the documentation)."""
        raw = await request.body()
        try:
            form = json.loads(raw) if raw.strip().startswith(b"{") else dict(parse_qsl(raw.decode()))
        except ValueError:
            form = {}
        app = self.store.applications.get(str(form.get("client_id")))
        if form.get("grant_type") != "client_credentials" or not form.get("audience"):
            return json_answer(
                {
                    "error": "invalid_request",
                    "error_description": "grant_type client_credentials and audience are required",
                },
                400,
            )
        if app is None or app["client_secret"] != form.get("client_secret"):
            return json_answer({"error": "access_denied", "error_description": "Unauthorized"}, 401)
        try:
            organisation = int(form.get("login_organization") or 0)
        except ValueError:
            organisation = 0
        if organisation not in app["organizations"] or organisation not in self.store.organisations:
            return json_answer(
                {
                    "error": "access_denied",
                    "error_description": f"The application is not connected to organization {organisation}",
                },
                403,
            )
        token, lifetime = self.store.issue_token(organisation)
        return json_answer(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": lifetime,
                "scope": "api.crm.customer:write api.invoicing.salesorder:write "
                "api.product.product:write api.settings:read",
            }
        )

    # -- customers ------------------------------------------------------------------------
    async def list_customers(self, request: Request, org: Organisation) -> Response:
        q = request.query_params
        items = sorted(org.customers.values(), key=lambda c: c["id"])
        number, email, ref = q.get("organizationNumber"), q.get("email"), q.get("externalReference")
        modified, created = _since(request, "modifiedFrom"), _since(request, "createdFrom")
        for flag in ("isCompany", "isSupplier"):
            wanted = _flag(request, flag)
            items = [c for c in items if wanted is None or bool(c.get(flag)) == wanted]
        items = [
            c
            for c in items
            if (not number or c.get("organizationNumber") == number)
            and (not ref or c.get("externalReference") == ref)
            and (
                not email or email.casefold() in {str(v).casefold() for v in (c.get("email") or {}).values()}
            )
            and (modified is None or c["modifiedAt"] >= modified)
            and (created is None or c["createdAt"] >= created)
        ]
        return page_of(request, items)

    async def get_customer(self, request: Request, org: Organisation) -> Response:
        return json_answer(_found(org.customers, request.path_params["id"], "Customer"))

    async def create_customer(self, request: Request, org: Organisation) -> Response:
        body = await _body(request)
        if not isinstance(body.get("isCompany"), bool):
            raise validation(("customer.isCompany", "required"))
        person = body.get("person") or {}
        if body["isCompany"] and not body.get("name"):
            raise validation(("customer.name", "required"))
        if not body["isCompany"] and not (person.get("firstName") or person.get("lastName")):
            raise validation(("customer.person", "required"))
        with self.store.lock:
            now = self.store.clock.now()
            cid = org.new_id("customer", org.customers)
            record = {
                "id": cid,
                "isSupplier": False,
                **{k: v for k, v in body.items() if k != "id"},
                "createdAt": now,
                "modifiedAt": now,
                "_type": "Business" if body["isCompany"] else "Consumer",
            }
            if not body["isCompany"]:
                record["name"] = " ".join(p for p in (person.get("firstName"), person.get("lastName")) if p)
                record["organizationNumber"] = None
            org.customers[cid] = record
        return json_answer(record)

    async def patch_customer(self, request: Request, org: Organisation) -> Response:
        body = await _body(request)
        with self.store.lock:
            record = _found(org.customers, request.path_params["id"], "Customer")
            record.update(
                {k: v for k, v in body.items() if k not in ("id", "isCompany", "createdAt", "modifiedAt")}
            )
            record["modifiedAt"] = self.store.clock.now()
        return json_answer(record)

    async def delete_customer(self, request: Request, org: Organisation) -> Response:
        with self.store.lock:
            _found(org.customers, request.path_params["id"], "Customer")
            del org.customers[request.path_params["id"]]
        return Response(status_code=204)

    # -- products and categories ----------------------------------------------------------
    async def list_products(self, request: Request, org: Organisation) -> Response:
        q = request.query_params
        items = sorted(org.products.values(), key=lambda p: p["id"])
        number, ean, search = q.get("productNumber"), q.get("ean"), q.get("productSearch")
        categories = {int(c) for c in (q.get("categoryIds") or "").split(",") if c.strip()}
        suppliers = {int(c) for c in (q.get("supplierIds") or "").split(",") if c.strip()}
        items = [
            p
            for p in items
            if (not number or p.get("number") == number)
            and (not ean or p.get("ean") == ean)
            and (not categories or (p.get("category") or {}).get("id") in categories)
            and (not suppliers or (p.get("supplier") or {}).get("id") in suppliers)
            and (not search or _like(search, p.get("name"), p.get("number")))
        ]
        return page_of(request, [_product_view(org, p) for p in items], links=self.product_links)

    async def get_product(self, request: Request, org: Organisation) -> Response:
        return json_answer(_product_view(org, _found(org.products, request.path_params["id"], "Product")))

    async def create_product(self, request: Request, org: Organisation) -> Response:
        body = await _body(request)
        missing = [(f"product.{f}", "required") for f in ("name", "category") if not body.get(f)]
        if missing:
            raise validation(*missing)
        self._check_category(org, body)
        with self.store.lock:
            now = self.store.clock.now()
            pid = org.new_id("product", org.products)
            record = {
                "type": "default",
                "status": "active",
                "costPrice": 0,
                "salesPrice": 0,
                "indirectCost": 0,
                "stock": {"isManaged": False, "quantity": 0},
                **{k: v for k, v in body.items() if k != "id"},
                "id": pid,
                "category": {"id": int(body["category"]["id"])},
                "createdAt": now,
                "modifiedAt": now,
            }
            org.products[pid] = record
        return json_answer(_product_view(org, record), 201)

    async def patch_product(self, request: Request, org: Organisation) -> Response:
        body = await _body(request)
        if "category" in body:
            self._check_category(org, body)
        with self.store.lock:
            record = _found(org.products, request.path_params["id"], "Product")
            for key, value in body.items():
                if key in ("id", "createdAt", "modifiedAt"):
                    continue
                record[key] = (
                    {**(record.get(key) or {}), **value}
                    if key == "stock" and isinstance(value, dict)
                    else value
                )
            record["modifiedAt"] = self.store.clock.now()
        return json_answer(_product_view(org, record))

    async def delete_product(self, request: Request, org: Organisation) -> Response:
        with self.store.lock:
            _found(org.products, request.path_params["id"], "Product")
            del org.products[request.path_params["id"]]
        return Response(status_code=204)

    @staticmethod
    def _check_category(org: Organisation, body: dict[str, Any]) -> None:
        category = body.get("category")
        if not isinstance(category, dict) or not isinstance(category.get("id"), int):
            raise validation(("product.category.id", "required"))
        if category["id"] not in org.categories:
            raise validation(("product.category.id", "exists"))

    async def list_categories(self, request: Request, org: Organisation) -> Response:
        return page_of(request, sorted(org.categories.values(), key=lambda c: c["id"]))

    async def get_category(self, request: Request, org: Organisation) -> Response:
        return json_answer(_found(org.categories, request.path_params["id"], "Category"))

    async def create_category(self, request: Request, org: Organisation) -> Response:
        body = await _body(request)
        if not body.get("name"):
            raise validation(("category.name", "required"))
        with self.store.lock:
            cid = org.new_id("category", org.categories)
            record = {"parentId": 0, **body, "id": cid, "modifiedAt": self.store.clock.now()}
            org.categories[cid] = record
        return json_answer(record, 201)

    async def patch_category(self, request: Request, org: Organisation) -> Response:
        body = await _body(request)
        with self.store.lock:
            record = _found(org.categories, request.path_params["id"], "Category")
            record.update({k: v for k, v in body.items() if k not in ("id", "modifiedAt")})
            record["modifiedAt"] = self.store.clock.now()
        return json_answer(record)

    async def delete_category(self, request: Request, org: Organisation) -> Response:
        with self.store.lock:
            _found(org.categories, request.path_params["id"], "Category")
            del org.categories[request.path_params["id"]]
        return Response(status_code=204)

    # -- sales orders ---------------------------------------------------------------------
    async def list_orders(self, request: Request, org: Organisation) -> Response:
        q = request.query_params
        items = sorted(org.orders.values(), key=lambda o: o["id"])
        status, customer = q.get("status"), q.get("customerId")
        reference, invoice = q.get("referenceNumber"), q.get("invoiceNumber")
        bounds = {n: _since(request, n) for n in ("createdFrom", "createdTo", "modifiedFrom", "modifiedTo")}
        days = {n: _day(request, n) for n in ("date", "dateFrom", "dateTo")}
        items = [
            o
            for o in items
            if (not status or o["status"] == status)
            and (not customer or str(o["customer"]["id"]) == customer)
            and (not reference or o.get("referenceNumber") == reference)
            and (not invoice or str((o.get("invoice") or {}).get("number")) == invoice)
            and _within(o["createdAt"], bounds["createdFrom"], bounds["createdTo"])
            and _within(o["modifiedAt"], bounds["modifiedFrom"], bounds["modifiedTo"])
            and _on_days(o.get("date"), days)
        ]
        return token_page(request, [order_rules.header(o) for o in items])

    async def get_order(self, request: Request, org: Organisation) -> Response:
        return json_answer(order_rules.header(_found(org.orders, request.path_params["id"], "Sales order")))

    async def create_order(self, request: Request, org: Organisation) -> Response:
        body = await _body(request)
        with self.store.lock:
            record = order_rules.create(org, body, self.store.clock.now())
        return json_answer(order_rules.header(record))

    async def patch_order(self, request: Request, org: Organisation) -> Response:
        body = await _body(request)
        with self.store.lock:
            record = _found(org.orders, request.path_params["id"], "Sales order")
            order_rules.patch(org, record, body, self.store.clock.now())
        return json_answer(order_rules.header(record))

    async def delete_order(self, request: Request, org: Organisation) -> Response:
        with self.store.lock:
            record = _found(org.orders, request.path_params["id"], "Sales order")
            if record["status"] == "Invoice":
                raise bad_request("Invoiced", "An invoiced sales order cannot be deleted", str(record["id"]))
            del org.orders[record["id"]]
        return Response(status_code=204)

    async def list_lines(self, request: Request, org: Organisation) -> Response:
        return json_answer(_found(org.orders, request.path_params["id"], "Sales order")["lines"])

    async def get_line(self, request: Request, org: Organisation) -> Response:
        record = _found(org.orders, request.path_params["id"], "Sales order")
        return json_answer(order_rules.line_of(record, request.path_params["line"]))

    async def create_line(self, request: Request, org: Organisation) -> Response:
        body = await _body(request)
        with self.store.lock:
            record = _found(org.orders, request.path_params["id"], "Sales order")
            line = order_rules.add_line(org, record, body, self.store.clock.now())
        return json_answer(line)

    async def patch_line(self, request: Request, org: Organisation) -> Response:
        body = await _body(request)
        with self.store.lock:
            record = _found(org.orders, request.path_params["id"], "Sales order")
            line = order_rules.patch_line(
                org, record, request.path_params["line"], body, self.store.clock.now()
            )
        return json_answer(line)

    async def delete_line(self, request: Request, org: Organisation) -> Response:
        with self.store.lock:
            record = _found(org.orders, request.path_params["id"], "Sales order")
            order_rules.delete_line(record, request.path_params["line"], self.store.clock.now())
        return Response(status_code=204)

    # -- lookups --------------------------------------------------------------------------
    async def payment_methods(self, request: Request, org: Organisation) -> Response:
        return json_answer(org.payment_methods)

    async def sales_types(self, request: Request, org: Organisation) -> Response:
        return json_answer(org.sales_types)

    async def sales_type(self, request: Request, org: Organisation) -> Response:
        return json_answer(_one(org.sales_types, request.path_params["id"], "Sales type"))

    async def taxes(self, request: Request, org: Organisation) -> Response:
        return json_answer(org.taxes)

    async def tax(self, request: Request, org: Organisation) -> Response:
        return json_answer(_one(org.taxes, request.path_params["id"], "Tax"))

    async def dimensions(self, request: Request, org: Organisation) -> Response:
        return json_answer([{"id": d["id"], "name": d["name"]} for d in org.dimensions])

    async def elements(self, request: Request, org: Organisation) -> Response:
        kind = next((d for d in org.dimensions if d["id"] == request.path_params["type"]), None)
        if kind is None:
            raise ApiProblem(404, "NotFoundError", f"Dimension {request.path_params['type']} was not found")
        return page_of(request, [{"dimensionType": kind["id"], **e} for e in kind["elements"]])

    async def information(self, request: Request, org: Organisation) -> Response:
        info = org.info
        return json_answer(
            {
                "id": org.id,
                "name": org.name,
                "email": info.get("email"),
                "invoiceEmail": info.get("invoiceEmail"),
                "address": info.get("address"),
                "status": "Active",
                "settings": {"currencyCode": info.get("currency", "NOK")},
            }
        )


def _one(items: list[dict[str, Any]], key: int, what: str) -> dict[str, Any]:
    found = next((i for i in items if i["id"] == key), None)
    if found is None:
        raise ApiProblem(404, "NotFoundError", f"{what} {key} was not found")
    return found


def _product_view(org: Organisation, product: dict[str, Any]) -> dict[str, Any]:
    category = org.categories.get(int((product.get("category") or {}).get("id") or 0))
    named = {**product.get("category", {}), "name": category["name"]} if category else product.get("category")
    return {**product, "category": named}


def _like(pattern: str, *values: Any) -> bool:
    """productSearch: ``%`` is a wildcard; without one, a case-insensitive substring."""
    import re

    parts = [re.escape(p) for p in pattern.casefold().split("%")]
    regex = re.compile(".*".join(parts) if "%" in pattern else ".*" + parts[0] + ".*")
    return any(v is not None and regex.fullmatch(str(v).casefold()) for v in values)


def _within(value: datetime, low: datetime | None, high: datetime | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _day(request: Request, name: str) -> date | None:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError as error:
        raise validation((name, "format")) from error


def _on_days(value: Any, days: dict[str, date | None]) -> bool:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    if day is None:
        return not any(days.values())
    return (
        (days["date"] is None or day == days["date"])
        and (days["dateFrom"] is None or day >= days["dateFrom"])
        and (days["dateTo"] is None or day <= days["dateTo"])
    )

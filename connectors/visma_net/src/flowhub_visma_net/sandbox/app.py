"""Assemble the Visma.net sandbox: Visma Connect's token endpoint, the ERP API behind its gateway,
the SalesOrders v3 service, and flowhub's fault injection around all of it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from flowhub.sandboxes import FaultInjection, Faults
from flowhub_visma_net.sandbox.attachments import attachment_file, inventory_attachment
from flowhub_visma_net.sandbox.auth import gateway, token_endpoint
from flowhub_visma_net.sandbox.erp import RESOURCES, by_name
from flowhub_visma_net.sandbox.errors import BusinessError, ipp_exception
from flowhub_visma_net.sandbox.listing import page
from flowhub_visma_net.sandbox.orders import OrderRoutes
from flowhub_visma_net.sandbox.resources import Resource, Routes
from flowhub_visma_net.sandbox.seed import seed_store
from flowhub_visma_net.sandbox.settings import SandboxSettings
from flowhub_visma_net.sandbox.stock import apply_document, summary
from flowhub_visma_net.sandbox.store import Store

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

__all__ = ["VismaSandbox", "build"]

Handler = Callable[[Request], Awaitable[Response]]


class VismaSandbox:
    """The ASGI app handed to ``serve``; ``store`` and ``faults`` are there for tests to reach."""

    def __init__(self, store: Store, app: Starlette, faults: Faults | None, seed: Mapping[str, Any]) -> None:
        self.store, self.seed = store, seed
        self.faults = FaultInjection(app, faults, on_reset=self.reset)

    def reset(self) -> None:
        """Back to the seeded company (``POST /__sandbox/reset``)."""
        with self.store.lock:
            fresh = Store(self.store.settings)
            seed_store(fresh, self.seed)
            self.store.__dict__.update({k: v for k, v in fresh.__dict__.items() if k != "lock"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # the control routes answer under any prefix, so `<base_url>/__sandbox/…` works for /v1 too
        if (
            scope["type"] == "http"
            and "/__sandbox/" in scope["path"]
            and not scope["path"].startswith("/__sandbox/")
        ):
            path = scope["path"][scope["path"].index("/__sandbox/") :]
            scope = {**scope, "path": path, "raw_path": path.encode()}
        await self.faults(scope, receive, send)


def build(store: Store, seed: Mapping[str, Any], faults: Faults | None) -> VismaSandbox:
    routes = Routes(store)
    orders = OrderRoutes(store)

    def erp(path: str, handler: Handler, methods: list[str]) -> Route:
        return Route(path, gateway(store, handler), methods=methods)

    table: list[Route] = [Route("/connect/token", token_endpoint(store, seed), methods=["POST"])]
    table += _special(store, routes, erp)
    table += _orders(orders, erp)
    for res in RESOURCES:
        table += _resource_routes(res, routes, erp)
    table.append(Route("/{path:path}", _no_route, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]))
    return VismaSandbox(store, Starlette(routes=table), faults, seed)


def _resource_routes(res: Resource, routes: Routes, erp: Callable[..., Route]) -> list[Route]:
    out = [erp(res.path, routes.list(res), ["GET"])]
    if res.write_dto:
        out.append(erp(res.path, routes.create(res), ["POST"]))
    if res.paged or res.write_dto:
        out.append(erp(res.path + "/{key}", routes.get(res), ["GET"]))
    if res.write_dto:
        out.append(erp(res.path + "/{key}", routes.update(res), ["PUT"]))
    return out


def _special(store: Store, routes: Routes, erp: Callable[..., Route]) -> list[Route]:
    """Routes that are not plain records: summaries, trees, actions, derived lists."""
    invoice = by_name("customerinvoice")
    price_path = store.settings.price_class_path.rstrip("/")
    price_classes = Resource("priceclass", price_path, "id", "Price class")
    out = [
        erp("/v1/customer/customerClass", routes.list(by_name("customerclass")), ["GET"]),
        erp("/v1/customer/{key}/contact", _customer_contacts(store), ["GET"]),
        erp("/v1/inventorysummary/{key}", _inventory_summary(store), ["GET"]),
        erp("/v1/inventory/{key}/attachment", inventory_attachment(store), ["POST"]),
        erp("/v1/attachment/{key}", attachment_file(store), ["GET"]),
        erp("/v1/salescategory", _sales_categories(store), ["GET"]),
        erp("/v1/salescategory/{key}", _sales_category(store), ["GET"]),
        erp("/v2/customerinvoice", routes.create(invoice, location_path="/v1/customerinvoice"), ["POST"]),
        erp("/v1/customerdocument", _customer_documents(store), ["GET"]),
        erp(price_path, routes.list(price_classes), ["GET"]),
        erp(price_path + "/{key}", routes.get(price_classes), ["GET"]),
    ]
    for table, path, done in (
        ("inventoryreceipt", "/v1/inventoryReceipt", "Released"),
        ("inventoryissue", "/v1/inventoryissue", "Released"),
        ("inventoryadjustment", "/v1/inventoryadjustment", "Released"),
        ("customerinvoice", "/v1/customerinvoice", "Open"),
        ("customerpayment", "/v1/customerPayment", "Closed"),
        ("journaltransaction", "/v2/journaltransaction", "Released"),
    ):
        out.append(erp(path + "/{key}/action/release", _release(store, table, done), ["POST"]))
    return out


def _orders(orders: OrderRoutes, erp: Callable[..., Route]) -> list[Route]:
    out: list[Route] = []
    for base in ("/api/v3/salesorders", "/api/v3/SalesOrders"):
        out += [
            erp(base, orders.v3_list, ["GET"]),
            erp(base, orders.v3_create, ["POST"]),
            erp(base + "/{type}/{id}", orders.v3_get, ["GET"]),
            erp(base + "/{type}/{id}", orders.v3_patch, ["PATCH"]),
            erp(base + "/{type}/{id}/lines", orders.v3_lines, ["GET"]),
        ]
    out += [
        erp("/v1/salesorder", orders.v1_list, ["GET"]),
        erp("/v1/salesorder/{number}/action/createShipment", orders.create_shipment, ["POST"]),
        erp("/v1/salesorder/{number}/action/cancelSalesOrder", orders.cancel, ["POST"]),
        erp("/v1/shipment/{number}/action/confirmShipment", orders.confirm_shipment, ["POST"]),
        erp("/v1/salesorder/{number}", orders.v1_get, ["GET"]),
        erp("/v1/salesorder/{type}/{number}", orders.v1_get, ["GET"]),
    ]
    return out


def _customer_contacts(store: Store) -> Handler:
    async def handler(request: Request) -> Response:
        number = request.path_params["key"]
        with store.lock:
            rows = [dict(c) for c in store.table("contact") if c.get("businessAccount") == number]
        return JSONResponse(rows)

    return handler


def _inventory_summary(store: Store) -> Handler:
    async def handler(request: Request) -> Response:
        number = request.path_params["key"]
        with store.lock:
            item = store.table("inventory").get(number)
            if item is None:
                return ipp_exception(404, f"Inventory item '{number}' not found.", "10404")
            warehouse = request.query_params.get("warehouse")
            if warehouse and store.table("warehouse").get(warehouse) is None:
                raise BusinessError(
                    f"'Warehouse' cannot be found in the system: '{warehouse}'.", code="10004"
                )
            return JSONResponse(summary(store, item, warehouse))

    return handler


def _sales_categories(store: Store) -> Handler:
    async def handler(request: Request) -> Response:
        with store.lock:
            return JSONResponse(list(store.table("salescategory")))

    return handler


def _sales_category(store: Store) -> Handler:
    async def handler(request: Request) -> Response:
        wanted = request.path_params["key"]
        with store.lock:
            found = _find_category(list(store.table("salescategory")), wanted)
        if found is None:
            return ipp_exception(404, f"Sales category '{wanted}' not found.", "10404")
        return JSONResponse(found)

    return handler


def _find_category(nodes: list[dict[str, Any]], wanted: str) -> dict[str, Any] | None:
    for node in nodes:
        if str(node.get("categoryID")) == wanted:
            return node
        found = _find_category(node.get("subCategories") or [], wanted)
        if found is not None:
            return found
    return None


def _customer_documents(store: Store) -> Handler:
    async def handler(request: Request) -> Response:
        with store.lock:
            rows = [
                {
                    "referenceNumber": r["referenceNumber"],
                    "documentType": r.get("documentType", "Invoice"),
                    "status": r.get("status"),
                    "customer": r.get("customer"),
                    "documentDate": r.get("documentDate"),
                    "amount": r.get("amount"),
                    "balance": r.get("balance"),
                    "currencyId": r.get("currencyId"),
                    "customerRefNumber": r.get("customerRefNumber"),
                    "invoiceText": r.get("invoiceText"),
                    "lastModifiedDateTime": r.get("lastModifiedDateTime"),
                }
                for r in store.table("customerinvoice")
            ]
        settings = store.settings
        return JSONResponse(
            page(
                rows,
                request.query_params,
                max_size=settings.max_page_size,
                default_size=settings.default_page_size,
            )
        )

    return handler


def _release(store: Store, table: str, done: str) -> Handler:
    kinds = {"inventoryreceipt": "receipt", "inventoryissue": "issue", "inventoryadjustment": "adjustment"}

    async def handler(request: Request) -> Response:
        key = request.path_params["key"]
        with store.lock:
            record = store.table(table).get(key)
            if record is None:
                return ipp_exception(404, f"Document '{key}' not found.", "10404")
            if record.get("status") != "Balanced":
                raise BusinessError(
                    f"Document '{key}' cannot be released from status {record.get('status')}.", code="10030"
                )
            if table in kinds:
                apply_document(store, kinds[table], record)
            record["status"] = done
            store.touch(record, etag_field="timeStamp")
        return JSONResponse({"actionId": key, "actionResult": "Done"})

    return handler


async def _no_route(request: Request) -> Response:
    return JSONResponse({"statusCode": 404, "message": "Resource not found"}, status_code=404)


def make_store(options: Mapping[str, Any], seed: Mapping[str, Any]) -> Store:
    store = Store(SandboxSettings.model_validate(dict(options)))
    seed_store(store, seed)
    return store

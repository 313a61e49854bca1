"""Sales orders in the sandbox: the SalesOrders v3 service, v1 reads of the same orders, and the
v1 shipment actions that take stock out. Open orders book their open quantities."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from flowhub_visma_net.sandbox.errors import BusinessError, ipp_exception
from flowhub_visma_net.sandbox.listing import changed_since, filtered, page
from flowhub_visma_net.sandbox.resources import etag_matches
from flowhub_visma_net.sandbox.shapes import apply_lines
from flowhub_visma_net.sandbox.store import Record, Store

__all__ = ["OrderRoutes"]

_TYPES = frozenset({"SO", "IN", "QT", "CM"})
_FILTER = re.compile(r"(\w+(?:/\w+)?)\s+eq\s+'((?:[^']|'')*)'")


def _problem(status: int, title: str, detail: str) -> JSONResponse:
    """✘ v3 errors as RFC 7807 problem details (ASP.NET Core's default)."""
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}, status_code=status
    )


class OrderRoutes:
    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def orders(self) -> Any:
        return self.store.table("salesorder", "key")

    def _etag(self, order: Record) -> dict[str, str]:
        stamp = order.get("timeStamp", "")
        return {"ETag": f'"{stamp}"' if self.store.settings.etag_quoted else stamp}

    # -- v3 --------------------------------------------------------------------------------
    def v3_render(self, order: Record, *, lines: bool) -> Record:
        shown = {k: copy.deepcopy(v) for k, v in order.items() if k not in ("key", "timeStamp", "orderLines")}
        if lines:
            shown["orderLines"] = [self._v3_line(x) for x in order.get("orderLines", [])]
        return shown

    def _v3_line(self, line: Record) -> Record:
        item = self.store.table("inventory").get(line["inventoryId"]) or {}
        shown = {k: v for k, v in line.items() if k not in ("inventoryId", "shippedQuantity")}
        shown["inventory"] = {
            "id": line["inventoryId"],
            "baseUnit": item.get("baseUnit", "STK"),
            "description": item.get("description"),
        }
        shown["openQuantity"] = float(line.get("quantity") or 0) - float(line.get("shippedQuantity") or 0)
        return shown

    async def v3_list(self, request: Request) -> Response:
        query, settings = request.query_params, self.store.settings
        expand = bool(query.get("expand"))
        with self.store.lock:
            rows = self._odata(query.get("filter"))
            if query.get("customerId"):
                rows = [o for o in rows if o["customer"]["id"] == query["customerId"]]
            rows = changed_since(
                rows, query, "modifiedSince", lambda o: o.get("lastModifiedDateTime"), needs_condition=False
            )
            shown = [self.v3_render(o, lines=expand) for o in rows]
        size = settings.v3_expand_max_page_size if expand else settings.v3_max_page_size
        body = page(
            shown,
            query,
            max_size=size,
            default_size=settings.default_page_size,
            shape="value" if settings.v3_list_shape == "value" else "plain",
            number_param="pageIndex",
            first=settings.v3_first_page_index,
        )
        if settings.v3_list_shape == "array" and isinstance(body, list):
            body = [{k: v for k, v in o.items() if k != "metadata"} for o in body]
        return JSONResponse(body)

    def _odata(self, expression: str | None) -> list[Record]:
        """The orders an OData ``$filter`` of ``field eq 'value'`` terms (joined by ``and``) keeps."""
        if not expression:
            return list(self.orders)
        terms = _FILTER.findall(expression)
        if not terms:
            raise BusinessError(
                f"unsupported filter: {expression!r} (this sandbox knows `field eq 'value'`)", status=400
            )
        field, value = terms[0]
        if "/" in field:
            rows = list(self.orders)
        else:  # a top-level field (externalReference, customerRefNo): through the table's index
            rows, terms = self.orders.where(field, value.replace("''", "'")), terms[1:]
        for field, value in terms:
            wanted = value.replace("''", "'")
            rows = [o for o in rows if str(_at(o, field.replace("/", "."))) == wanted]
        return rows

    async def v3_get(self, request: Request) -> Response:
        with self.store.lock:
            order = self.orders.get(self._key(request))
            if order is None:
                return _problem(404, "Not Found", f"sales order {self._key(request)} does not exist")
            return JSONResponse(self.v3_render(order, lines=True), headers=self._etag(order))

    async def v3_lines(self, request: Request) -> Response:
        with self.store.lock:
            order = self.orders.get(self._key(request))
            if order is None:
                return _problem(404, "Not Found", f"sales order {self._key(request)} does not exist")
            return JSONResponse({"value": [self._v3_line(x) for x in order.get("orderLines", [])]})

    def _key(self, request: Request) -> str:
        return f"{request.path_params['type']}/{request.path_params['id']}"

    async def v3_create(self, request: Request) -> Response:
        body = await _json(request)
        with self.store.lock:
            try:
                order = self._new_order(body)
            except BusinessError as error:
                return _problem(400, "Bad Request", error.text)
            self.orders.put(order)
        base = str(request.base_url).rstrip("/")
        where = f"{base}{request.url.path.rstrip('/')}/{quote(order['type'])}/{quote(order['id'])}"
        if self.store.settings.v3_create_answer == "body":
            return JSONResponse(
                self.v3_render(order, lines=True),
                status_code=201,
                headers={"Location": where, **self._etag(order)},
            )
        return Response(status_code=201, headers={"Location": where, **self._etag(order)})

    def _new_order(self, body: Mapping[str, Any]) -> Record:
        kind = str(body.get("type") or "SO")
        if kind not in _TYPES:
            raise BusinessError(f"unknown order type '{kind}' (known: {', '.join(sorted(_TYPES))})")
        order: Record = {
            "type": kind,
            "id": self.orders.next_number("id", width=6),
            "status": "Open",
            "orderLines": [],
        }
        self._merge(
            order, {k: v for k, v in body.items() if k not in ("type", "id", "status")}, creating=True
        )
        order["key"] = f"{kind}/{order['id']}"
        return self.store.touch(order, created=True)

    def _merge(self, order: Record, body: Mapping[str, Any], *, creating: bool) -> None:
        store = self.store
        for name, value in body.items():
            if name == "customer":
                number = (value or {}).get("id")
                found = store.table("customer").get(number)
                if found is None:
                    raise BusinessError(f"customer '{number}' does not exist")
                order["customer"] = {"id": number, "name": found["name"]}
            elif name == "orderLines":
                order["orderLines"] = apply_lines(
                    order.get("orderLines", []),
                    value or [],
                    "lineId",
                    lambda line, old: self._line(order, line, old),
                )
            elif isinstance(value, Mapping) and isinstance(order.get(name), dict):
                order[name] = {**order[name], **value}
            else:
                order[name] = value
        if creating and not order.get("customer"):
            raise BusinessError("customer is required")
        if creating and not order.get("orderLines"):
            raise BusinessError("orderLines must hold at least one line")
        order["orderTotal"] = round(
            sum(
                float(x.get("unitPrice") or 0)
                * float(x.get("quantity") or 0)
                * (1 - float(x.get("discountPercent") or 0) / 100)
                for x in order["orderLines"]
            ),
            2,
        )
        for line in order["orderLines"]:
            store.stock_touched(line["inventoryId"])

    def _line(self, order: Record, line: Mapping[str, Any], old: Record | None) -> Record:
        new = {**(old or {"shippedQuantity": 0}), **{k: v for k, v in line.items() if k != "operation"}}
        item = self.store.table("inventory").get(new.get("inventoryId"))
        if item is None:
            raise BusinessError(f"inventory item '{new.get('inventoryId')}' does not exist")
        if float(new.get("quantity") or 0) <= 0:
            raise BusinessError(f"quantity of {new['inventoryId']} must be above zero")
        warehouse = (
            new.get("warehouseId") or (order.get("shipping") or {}).get("preferredWarehouseId") or "MAIN"
        )
        if self.store.table("warehouse").get(warehouse) is None:
            raise BusinessError(f"warehouse '{warehouse}' does not exist")
        new["warehouseId"] = warehouse
        new.setdefault("unitPrice", _price(self.store, order, item))
        new.setdefault("description", item.get("description"))
        new.setdefault("uom", item.get("salesUnit", "STK"))
        return new

    async def v3_patch(self, request: Request) -> Response:
        body = await _json(request)
        key = self._key(request)
        with self.store.lock:
            order = self.orders.get(key)
            if order is None:
                return _problem(404, "Not Found", f"sales order {key} does not exist")
            match = request.headers.get("if-match")
            if match is None:
                return _problem(428, "Precondition Required", "If-Match is required on PATCH")
            if not etag_matches(match, order.get("timeStamp")):
                return _problem(412, "Precondition Failed", f"sales order {key} was changed by someone else")
            changed = copy.deepcopy(order)
            try:
                self._merge(
                    changed, {k: v for k, v in body.items() if k not in ("type", "id")}, creating=False
                )
            except BusinessError as error:
                return _problem(400, "Bad Request", error.text)
            order.clear()
            order.update(self.store.touch(changed))
            self.orders.put(order)  # re-indexed
        return Response(status_code=204, headers=self._etag(order))

    # -- v1 reads and actions ----------------------------------------------------------------
    def v1_render(self, order: Record) -> Record:
        lines = [
            {
                "lineNbr": x["lineId"],
                "operation": "Issue",
                "inventory": {"number": x["inventoryId"], "description": x.get("description")},
                "warehouse": {"id": x.get("warehouseId")},
                "uom": x.get("uom"),
                "quantity": x.get("quantity"),
                "qtyOnShipments": x.get("shippedQuantity", 0),
                "openQty": float(x.get("quantity") or 0) - float(x.get("shippedQuantity") or 0),
                "unitPrice": x.get("unitPrice"),
                "discountPercent": x.get("discountPercent"),
                "lineDescription": x.get("description"),
            }
            for x in order.get("orderLines", [])
        ]
        return {
            "orderType": order["type"],
            "orderNo": order["id"],
            "status": order["status"],
            "hold": order["status"] == "Hold",
            "date": order.get("orderDate"),
            "customerOrder": order.get("customerOrder"),
            "customerRefNo": order.get("customerRefNo"),
            "customer": {"number": order["customer"]["id"], "name": order["customer"]["name"]},
            "currency": order.get("currencyId", "NOK"),
            "description": order.get("description"),
            "preferredWarehouse": {"id": (order.get("shipping") or {}).get("preferredWarehouseId")},
            "lines": lines,
            "orderTotal": order.get("orderTotal"),
            "lastModifiedDateTime": order.get("lastModifiedDateTime"),
        }

    async def v1_list(self, request: Request) -> Response:
        query = request.query_params
        with self.store.lock:
            rows = [self.v1_render(o) for o in self.orders]
        rows = filtered(
            rows,
            query,
            {"orderType": lambda r, v: r["orderType"] == v, "status": lambda r, v: r["status"] == v},
        )
        rows = changed_since(rows, query, "lastModifiedDateTime", lambda r: r.get("lastModifiedDateTime"))
        settings = self.store.settings
        return JSONResponse(
            page(rows, query, max_size=settings.max_page_size, default_size=settings.default_page_size)
        )

    async def v1_get(self, request: Request) -> Response:
        number, kind = request.path_params["number"], request.path_params.get("type")
        with self.store.lock:
            found = [o for o in self.orders.where("id", number) if kind is None or o["type"] == kind]
            if not found:
                return ipp_exception(404, f"Sales order '{number}' not found.", "10404")
            return JSONResponse(self.v1_render(found[0]), headers=self._etag(found[0]))

    async def create_shipment(self, request: Request) -> Response:
        number = request.path_params["number"]
        with self.store.lock:
            order = next(iter(self.orders.where("id", number)), None)
            if order is None or order["status"] not in ("Open", "BackOrder"):
                raise BusinessError(f"Sales order '{number}' cannot be shipped (not open).", code="10020")
            lines = []
            for line in order["orderLines"]:
                open_qty = float(line["quantity"]) - float(line.get("shippedQuantity") or 0)
                if open_qty > 0:
                    lines.append(
                        {
                            "inventoryNumber": line["inventoryId"],
                            "warehouseId": line["warehouseId"],
                            "quantity": open_qty,
                            "orderLine": line["lineId"],
                        }
                    )
                    line["shippedQuantity"] = float(line["quantity"])
            shipment = {
                "shipmentNumber": self.store.next_free("shipment", 1, 6),
                "status": "Open",
                "orderKey": order["key"],
                "lines": lines,
            }
            self.store.table("shipment", "shipmentNumber").put(self.store.touch(shipment, created=True))
            order["status"] = "Shipping"
            self.store.touch(order)
        return JSONResponse({"actionResult": "Done", "referenceNumber": shipment["shipmentNumber"]})

    async def confirm_shipment(self, request: Request) -> Response:
        number = request.path_params["number"]
        with self.store.lock:
            shipment = self.store.table("shipment").get(number)
            if shipment is None or shipment["status"] != "Open":
                raise BusinessError(f"Shipment '{number}' cannot be confirmed.", code="10021")
            for line in shipment["lines"]:
                key = (line["inventoryNumber"], line["warehouseId"])
                self.store.stock[key] = self.store.stock.get(key, 0.0) - float(line["quantity"])
                self.store.stock_touched(line["inventoryNumber"])
            shipment["status"] = "Confirmed"
            order = self.orders.get(shipment["orderKey"])
            if order is not None:
                order["status"] = "Completed"
                self.store.touch(order)
        return JSONResponse({"actionResult": "Done"})

    async def cancel(self, request: Request) -> Response:
        number = request.path_params["number"]
        with self.store.lock:
            order = next(iter(self.orders.where("id", number)), None)
            if order is None:
                return ipp_exception(404, f"Sales order '{number}' not found.", "10404")
            order["status"] = "Cancelled"
            self.store.touch(order)
            for line in order["orderLines"]:
                self.store.stock_touched(line["inventoryId"])
        return JSONResponse({"actionResult": "Done"})


def _at(record: Mapping[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _price(store: Store, order: Mapping[str, Any], item: Mapping[str, Any]) -> Any:
    """The customer's price, else its price class's, else the item's default price."""
    customer = store.table("customer").get(order["customer"]["id"]) or {}
    price_class = (customer.get("priceClass") or {}).get("id")
    for kind, code in (("Customer", customer.get("number")), ("CustomerPriceClass", price_class)):
        for price in store.table("customersalesprice"):
            if (price.get("priceType"), price.get("priceCode"), price.get("inventoryId")) == (
                kind,
                code,
                item["inventoryNumber"],
            ):
                return price.get("price")
    return item.get("defaultPrice")


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError as error:
        raise BusinessError(f"The request body is not valid JSON: {error}") from error
    if not isinstance(body, dict):
        raise BusinessError("The request body must be a JSON object.")
    return body

"""The sandbox's HTTP face: DUELL's routes as reconstructed in endpoints-observed.json.

Routes live under ``/v1/``. Failures take the form chosen by ``error_mode``; a rate limit
answers a real 429 with ``x-duell-ratelimit-*`` headers. ``/__duell/…`` routes let tests and
the demo act as the shop owner (change a product, a stock level, an order's status) and are
never faulted. Unconfirmed routes (``sale/orders/list``, ``logistics/orders/list``) are marked.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from flowhub_duell.sandbox.state import DuellState, Failure

__all__ = ["build_api", "build_control"]

Handler = Callable[[Request], Awaitable[Any]]
_FILTER = re.compile(r"^filter\[([a-z_]+)\](\[\])?$")


def build_api(state: DuellState) -> Starlette:
    """The DUELL API routes, each wrapped in auth, rate limit and the chosen error form."""
    api = _Api(state)
    routes = [
        ("POST", "/v1/getaccesstokens", api.login),
        ("GET", "/v1/product/list", api.products),
        ("POST", "/v1/product/save", api.save_products),
        ("GET", "/v1/product/category/list/product", api.categories),
        ("POST", "/v1/product/category/save", api.save_categories),
        ("GET", "/v1/all/product/stock", api.stock),
        ("POST", "/v1/product/adjust-stock", api.adjust_stock),
        ("GET", "/v1/customer/list", api.customers),
        ("PUT", "/v1/customer", api.put_customer),
        ("POST", "/v1/sale/orders/save", api.save_sales_orders),
        ("GET", "/v1/sale/orders/list", api.list_sales_orders),  # unconfirmed route
        ("POST", "/v1/logistics/orders/save", api.save_customer_orders),
        ("GET", "/v1/logistics/orders/list", api.list_customer_orders),  # unconfirmed route
        ("GET", "/v1/logistics/orders/view/{order_id:int}", api.view_order),
    ]
    return Starlette(
        routes=[
            Route(path, api.endpoint(handler, login=handler == api.login), methods=[method])
            for method, path, handler in routes
        ]
    )


class _Api:
    """One handler per DUELL route; each answers the payload of a ``{"status": true, …}`` body."""

    def __init__(self, state: DuellState) -> None:
        self.state = state

    def endpoint(self, handler: Handler, *, login: bool = False) -> Callable[[Request], Awaitable[Response]]:
        state = self.state

        async def endpoint(request: Request) -> Response:
            state.calls[f"{request.method} {request.url.path}"] += 1
            headers: dict[str, str] = {}
            try:
                if not login:
                    state.authorize(request.headers.get("authorization"))
                turn = state.take_turn(state.settings.client_number)
                if turn is not None:
                    headers = {
                        "x-duell-ratelimit-remaining": str(turn[0]),
                        "x-duell-ratelimit-reset": f"{turn[1]:.3f}",
                    }
                payload = await handler(request)
            except Failure as refusal:
                return _failure(state, refusal)
            return JSONResponse({"status": True, **payload}, headers=headers)

        return endpoint

    async def login(self, request: Request) -> dict[str, Any]:
        form = await _form_or_json(request)
        client = request.client.host if request.client else "127.0.0.1"
        number, token = str(form.get("client_number", "")), str(form.get("client_token", ""))
        return {"token": self.state.login(number, token, client)}

    async def products(self, request: Request) -> dict[str, Any]:
        return _page(request, self.state, "products", self.state.list_products(_filters(request)))

    async def save_products(self, request: Request) -> dict[str, Any]:
        body = await _json(request)
        return {"data": self.state.save_products(body.get("product_data") or []), "validation_message": ""}

    async def categories(self, request: Request) -> dict[str, Any]:
        return _page(request, self.state, "categories", self.state.list_categories(_filters(request)))

    async def save_categories(self, request: Request) -> dict[str, Any]:
        body = await _json(request)
        return {"data": self.state.save_categories(body.get("category_data") or [])}

    async def stock(self, request: Request) -> dict[str, Any]:
        department = self.state.department(request.query_params.get("department"))
        return _page(request, self.state, "data", self.state.stock_rows(department, _filters(request)))

    async def adjust_stock(self, request: Request) -> dict[str, Any]:
        body = await _json(request)
        department = self.state.department(body.get("department_token"))
        problems = self.state.adjust_stock(department, body.get("product_data") or [])
        return {"validation_message": "; ".join(problems)}

    async def customers(self, request: Request) -> dict[str, Any]:
        return _page(request, self.state, "customers", self.state.list_customers(_filters(request)))

    async def put_customer(self, request: Request) -> dict[str, Any]:
        return {"customers": self.state.put_customer(dict(request.query_params))}

    async def save_sales_orders(self, request: Request) -> dict[str, Any]:
        return await self._save_orders("sale", request)

    async def save_customer_orders(self, request: Request) -> dict[str, Any]:
        return await self._save_orders("logistics", request)

    async def list_sales_orders(self, request: Request) -> dict[str, Any]:
        return self._list_orders("sale", request)

    async def list_customer_orders(self, request: Request) -> dict[str, Any]:
        return self._list_orders("logistics", request)

    async def view_order(self, request: Request) -> dict[str, Any]:
        return {"data": _public(self.state.order("logistics", int(request.path_params["order_id"])))}

    async def _save_orders(self, kind: str, request: Request) -> dict[str, Any]:
        body = await _json(request)
        saved, problems = self.state.save_orders(kind, body.get("orders"))
        return {"total_affected": len(saved), "data": saved, "validation_message": "; ".join(problems)}

    def _list_orders(self, kind: str, request: Request) -> dict[str, Any]:
        rows = [_public(o) for o in self.state.find_orders(kind, _filters(request))]
        return _page(request, self.state, "orders", rows)


def build_control(state: DuellState) -> Starlette:
    """``/__duell/`` routes: act as the shop owner in DUELL, and look inside."""

    async def orders(request: Request) -> Response:
        return JSONResponse(
            {kind: [_public(o) for o in state.find_orders(kind, {})] for kind in state.orders}
        )

    async def order_status(request: Request) -> Response:
        body = await _json(request)
        return _control(
            lambda: _public(
                state.set_order_status(
                    int(request.path_params["order_id"]), int(body["purchase_order_status_id"])
                )
            )
        )

    async def product(request: Request) -> Response:
        body = await _json(request)
        return _control(lambda: state.touch_product(int(request.path_params["product_id"]), body))

    async def new_product(request: Request) -> Response:
        body = await _json(request)
        return _control(lambda: state.products[state.save_products([body])[0]["product_id"]])

    async def stock(request: Request) -> Response:
        body = await _json(request)
        name = body.get("department") or next(iter(state.departments.values()))

        def apply() -> dict[str, Any]:
            state.set_stock(name, str(body["product_number"]), float(body["quantity"]), body.get("location"))
            return {"ok": True}

        return _control(apply)

    async def products(request: Request) -> Response:
        return JSONResponse(state.list_products(dict(request.query_params)))

    async def stock_levels(request: Request) -> Response:
        """Each department's quantity of one product number: what a test checks after an adjustment."""
        number = request.path_params["product_number"]
        return JSONResponse(
            {name: sum(levels.get(number, {}).values()) for name, levels in state.stock.items()}
        )

    async def expire(request: Request) -> Response:
        return JSONResponse({"expired": state.expire_tokens()})

    async def settings(request: Request) -> Response:
        body = await _json(request)
        state.settings = state.settings.model_validate({**state.settings.model_dump(), **body})
        return JSONResponse(state.settings.model_dump())

    async def stats(request: Request) -> Response:
        return JSONResponse(
            {
                "calls": dict(state.calls),
                "logins": state.logins,
                "orders": {k: len(v) for k, v in state.orders.items()},
                "products": len(state.products),
                "customers": len(state.customers),
            }
        )

    async def reset(request: Request) -> Response:
        state.reset()
        return JSONResponse({"reset": True})

    routes = [
        Route("/__duell/orders", orders, methods=["GET"]),
        Route("/__duell/orders/{order_id:int}/status", order_status, methods=["POST"]),
        Route("/__duell/products", new_product, methods=["POST"]),
        Route("/__duell/products", products, methods=["GET"]),
        Route("/__duell/stock/{product_number}", stock_levels, methods=["GET"]),
        Route("/__duell/products/{product_id:int}", product, methods=["POST"]),
        Route("/__duell/stock", stock, methods=["POST"]),
        Route("/__duell/tokens/expire", expire, methods=["POST"]),
        Route("/__duell/settings", settings, methods=["POST"]),
        Route("/__duell/stats", stats, methods=["GET"]),
        Route("/__duell/reset", reset, methods=["POST"]),
    ]
    return Starlette(routes=routes)


def _failure(state: DuellState, refusal: Failure) -> Response:
    body: dict[str, Any] = {"status": False, "code": refusal.code, "message": refusal.message}
    if refusal.validation_message is not None:
        body["validation_message"] = refusal.validation_message
    headers: dict[str, str] = {}
    if refusal.code == 429:
        window = state.windows.get(state.settings.client_number)
        reset = (window[0] if window else 0) + state.settings.rate_window
        headers = {"x-duell-ratelimit-remaining": "0", "x-duell-ratelimit-reset": f"{reset:.3f}"}
        if state.settings.retry_after_header:
            headers["retry-after"] = f"{max(0.0, reset - _now()):.3f}"
        return JSONResponse(body, status_code=429, headers=headers)
    status = refusal.code if state.settings.error_mode == "http" else 200
    return JSONResponse(body, status_code=status, headers=headers)


def _control(action: Callable[[], Any]) -> Response:
    try:
        return JSONResponse(action())
    except Failure as refusal:
        return JSONResponse(
            {"status": False, "code": refusal.code, "message": refusal.message}, status_code=refusal.code
        )
    except (KeyError, ValueError, TypeError) as error:
        return JSONResponse(
            {"status": False, "code": 400, "message": f"bad control request: {error}"}, status_code=400
        )


def _page(request: Request, state: DuellState, key: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One page: ``start`` offset, ``length`` capped at max_page_size, ``total_count`` of all rows."""
    start = max(0, _int(request.query_params.get("start"), 0))
    asked = _int(request.query_params.get("length"), state.settings.default_page_size)
    length = max(1, min(asked, state.settings.max_page_size))
    return {"total_count": len(rows), key: rows[start : start + length]}


def _filters(request: Request) -> dict[str, str]:
    """``filter[name]=v`` (and ``filter[name][]=a&…=b``, joined with commas) as {name: v}."""
    found: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        match = _FILTER.match(name)
        if match:
            found.setdefault(match.group(1), []).append(value)
    return {name: ",".join(values) for name, values in found.items()}


def _public(order: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in order.items() if k != "created_at"}


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise Failure(400, "The body is not valid JSON") from None
    return body if isinstance(body, dict) else {}


async def _form_or_json(request: Request) -> dict[str, Any]:
    """getaccesstokens takes a form (DUELL's plugin) or JSON (a third-party client)."""
    if request.headers.get("content-type", "").startswith("application/json"):
        return await _json(request)
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace")))


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _now() -> float:
    return time.time()

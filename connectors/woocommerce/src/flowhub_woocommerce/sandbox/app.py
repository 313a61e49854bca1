"""The sandbox's ASGI app: WordPress's REST dispatch around the WooCommerce routes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from flowhub.sandboxes import FaultInjection, Faults
from flowhub_woocommerce.sandbox.auth import ApiKey, AuthRequest, authenticate, cannot, check_permission
from flowhub_woocommerce.sandbox.context import Ctx, Reply
from flowhub_woocommerce.sandbox.customers import customer_routes
from flowhub_woocommerce.sandbox.errors import WooError, no_route
from flowhub_woocommerce.sandbox.hooks import Dispatcher, webhook_routes
from flowhub_woocommerce.sandbox.order_children import order_child_routes
from flowhub_woocommerce.sandbox.orders import order_routes
from flowhub_woocommerce.sandbox.products import product_routes
from flowhub_woocommerce.sandbox.query import Params, php_query, split_query
from flowhub_woocommerce.sandbox.render import apply_fields, encode
from flowhub_woocommerce.sandbox.shop import index, shop_routes
from flowhub_woocommerce.sandbox.store import Store
from flowhub_woocommerce.sandbox.taxonomy import taxonomy_routes
from flowhub_woocommerce.sandbox.uploads import UPLOADS, upload_response
from flowhub_woocommerce.sandbox.variations import variation_routes

__all__ = ["build_app"]

NAMESPACES = ("wc/v3", "wc/v2")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
COMMON_HEADERS = {
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
    "Access-Control-Expose-Headers": "X-WP-Total, X-WP-TotalPages, Link",
    "Access-Control-Allow-Headers": (
        "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type"
    ),
    "Expires": "Wed, 11 Jan 1984 05:00:00 GMT",
    "Cache-Control": "no-cache, must-revalidate, max-age=0, no-store, private",
}


@dataclass(frozen=True)
class RouteSpec:
    method: str
    pattern: re.Pattern[str]
    action: str  # what an anonymous caller is refused: list, view, create, edit, delete, batch
    handler: Callable[..., Reply]


class Router:
    """WordPress-style route table: regex paths, one handler per method, rest_no_route otherwise."""

    def __init__(self, table: list[tuple[str, str, str, Any]]) -> None:
        self.routes = [RouteSpec(m, re.compile(f"^{p}$"), a, h) for m, p, a, h in table]

    def match(self, method: str, path: str) -> tuple[RouteSpec, dict[str, str]]:
        wanted = "PUT" if method in ("POST", "PATCH") else method
        for spec in self.routes:
            found = spec.pattern.match(path)
            if found and (spec.method == method or (spec.method == wanted and spec.action == "edit")):
                return spec, found.groupdict()
        raise no_route()


class WooSandbox:
    """Holds the store, keys and settings; answers every /wp-json request."""

    def __init__(
        self,
        store: Store,
        keys: Mapping[str, ApiKey],
        *,
        https: bool,
        webhook_timeout: float,
        webhook_secret: str | None = None,
    ) -> None:
        self.store = store
        self.keys = dict(keys)
        self.https = https
        self.dispatcher = Dispatcher(store, timeout=webhook_timeout, default_secret=webhook_secret)
        self.router = Router(
            [
                *product_routes(),
                *variation_routes(),
                *taxonomy_routes(),
                *customer_routes(),
                *order_routes(),
                *order_child_routes(),
                *shop_routes(),
                *webhook_routes(self.dispatcher),
            ]
        )

    async def handle(self, request: Request) -> Response:
        scheme = request.headers.get("x-forwarded-proto", request.url.scheme).split(",")[0].strip()
        site = f"{scheme}://{request.headers.get('host', request.url.netloc)}"
        self.store.site_url = site
        if request.url.path.startswith(UPLOADS) and request.method in ("GET", "HEAD"):
            return upload_response(self.store, request.url.path, request.method)
        try:
            reply = await self._answer(request, scheme, site)
        except WooError as error:
            reply = Reply(error.body(), error.status)
        return self._response(request, reply, site)

    async def _answer(self, request: Request, scheme: str, site: str) -> Reply:
        path = request.url.path
        if not path.startswith("/wp-json"):
            raise no_route()
        rest = path[len("/wp-json") :].strip("/")
        pairs = split_query(request.url.query)
        raw_body = await request.body()
        form, body = _parse_body(request.headers.get("content-type", ""), raw_body)
        params = {**php_query(pairs), **form}
        method = str(
            params.get("_method") or request.headers.get("x-http-method-override") or request.method
        ).upper()
        if rest == "":
            return index(self._ctx(method, params, body, "", pairs, "/"))
        namespace = next((ns for ns in NAMESPACES if rest == ns or rest.startswith(ns + "/")), None)
        if namespace is None:
            raise no_route()
        route_path = "/" + rest[len(namespace) :].strip("/")
        spec, args = self.router.match(method, route_path)
        key = self._authenticate(request, method, scheme, path, params)
        if key is None:
            raise cannot(spec.action)
        check_permission(key, method)
        ctx = self._ctx(method, params, body, namespace, pairs, route_path, key.user_id)
        reply = spec.handler(ctx, **args)
        if reply.status == 201 and isinstance(reply.payload, dict) and "id" in reply.payload:
            reply.headers["Location"] = f"{{site}}/wp-json/{namespace}{route_path}/{reply.payload['id']}"
        reply.payload = apply_fields(reply.payload, ctx.params.text("_fields"))
        return reply

    def _ctx(
        self,
        method: str,
        params: dict[str, Any],
        body: Any,
        namespace: str,
        pairs: list[tuple[str, str]],
        route_path: str,
        user_id: int = 1,
    ) -> Ctx:
        return Ctx(self.store, method, Params(params), body, namespace, pairs, route_path, user_id)

    def _authenticate(
        self, request: Request, method: str, scheme: str, path: str, params: Mapping[str, Any]
    ) -> ApiKey | None:
        auth = AuthRequest(
            method=method,
            url=f"{scheme}://{request.headers.get('host', request.url.netloc)}{path}",
            is_ssl=self.https or scheme == "https",
            params=params,
            authorization=request.headers.get("authorization"),
        )
        return authenticate(auth, self.keys, self.store)

    def _response(self, request: Request, reply: Reply, site: str) -> Response:
        headers = dict(COMMON_HEADERS)
        headers["Link"] = f'<{site}/wp-json/>; rel="https://api.w.org/"'
        headers.update({k: v.replace("{site}", site) for k, v in reply.headers.items()})
        body = b"" if request.method == "HEAD" else encode(reply.payload, site)
        return Response(body, reply.status, headers, media_type="application/json; charset=UTF-8")


def _parse_body(content_type: str, raw: bytes) -> tuple[dict[str, Any], Any]:
    """(form fields, JSON body); a body that claims JSON but is not is refused like WordPress does."""
    if not raw:
        return {}, None
    if "application/x-www-form-urlencoded" in content_type:
        return php_query(split_query(raw.decode("utf-8", "replace"))), None
    try:
        return {}, json.loads(raw)
    except ValueError as error:
        if "json" in content_type:
            raise WooError(
                400,
                "rest_invalid_json",
                "Invalid JSON body passed.",
                json_error_code=4,
                json_error_message="Syntax error",
            ) from error
        return {}, None


def build_app(
    store: Store,
    keys: Mapping[str, ApiKey],
    *,
    https: bool,
    faults: Faults | None,
    webhook_timeout: float = 5.0,
    webhook_secret: str | None = None,
) -> Starlette:
    """The Starlette app serving ``store``; fault injection wraps it (and answers /__sandbox/)."""
    sandbox = WooSandbox(
        store, keys, https=https, webhook_timeout=webhook_timeout, webhook_secret=webhook_secret
    )
    app = Starlette(
        routes=[Route("/{path:path}", sandbox.handle, methods=METHODS)],
        middleware=[Middleware(FaultInjection, faults=faults, on_reset=store.reset)],
    )
    app.state.sandbox = sandbox
    app.state.store = store
    app.state.dispatcher = sandbox.dispatcher
    return app

"""Visma Connect's token endpoint, and the API gateway in front of the ERP: bearer tokens, tenant,
scopes, licence and the hourly rate window with its X-RateLimit-* headers."""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from flowhub_visma_net.sandbox.errors import BusinessError, ipp_exception, message
from flowhub_visma_net.sandbox.store import Store

__all__ = ["SCOPE_FOR_METHOD", "gateway", "token_endpoint"]

SCOPE_FOR_METHOD = {"GET": "read", "POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}
_PREFIX = "vismanet_erp_service_api:"
Handler = Callable[[Request], Awaitable[Response]]


def _oauth_error(code: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": code, "error_description": description}, status_code=status)


def token_endpoint(store: Store, seed: Mapping[str, Any]) -> Handler:
    """``POST /connect/token``: client credentials with ``tenant_id``, form-encoded."""
    clients = {c["client_id"]: c for c in seed.get("clients", [])}
    company = seed.get("company", {})

    async def token(request: Request) -> Response:
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "client_credentials":
            return _oauth_error("unsupported_grant_type", "only client_credentials is supported here")
        client = clients.get(str(form.get("client_id") or ""))
        if client is None or client["client_secret"] != form.get("client_secret"):
            return _oauth_error("invalid_client", "")
        tenant = str(form.get("tenant_id") or "")
        if not tenant:
            return _oauth_error("invalid_request", "tenant_id is missing")
        if tenant not in client["tenants"]:
            return _oauth_error("invalid_grant", "the tenant has not granted access to this client")
        asked = str(form.get("scope") or "").split() or list(client["scopes"])
        refused = [s for s in asked if s not in client["scopes"]]
        if refused:
            return _oauth_error("invalid_scope", " ".join(refused))
        value = secrets.token_urlsafe(32)
        lifetime = store.settings.token_lifetime_s
        with store.lock:
            store.tokens[value] = {
                "client_id": client["client_id"],
                "tenant": tenant,
                "scopes": set(asked),
                "expires": time.monotonic() + lifetime,
                "company": tenant == company.get("tenant_id"),
            }
        return JSONResponse(
            {
                "access_token": value,
                "expires_in": int(lifetime),
                "token_type": "Bearer",
                "scope": " ".join(asked),
            }
        )

    return token


def gateway(store: Store, handler: Handler) -> Handler:
    """Wrap an ERP/v3 route: token, tenant, scope, licence, rate window; rate headers always set."""

    async def guarded(request: Request) -> Response:
        token = _token(store, request)
        window = _count(store, token)
        response = _refusal(store, request, token, window) or await _answer(handler, request, store)
        _rate_headers(store, response, window)
        with store.lock:
            query = f"?{request.url.query}" if request.url.query else ""
            store.log.append((request.method, request.url.path + query, response.status_code))
        return response

    return guarded


async def _answer(handler: Handler, request: Request, store: Store) -> Response:
    try:
        return await handler(request)
    except BusinessError as error:
        return ipp_exception(error.status or store.settings.business_error_status, error.text, error.code)


def _token(store: Store, request: Request) -> dict[str, Any] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    with store.lock:
        found = store.tokens.get(header[7:].strip())
    if found is None or found["expires"] < time.monotonic():
        return None
    return found


def _count(store: Store, token: dict[str, Any] | None) -> tuple[int, float]:
    """Calls made in the current fixed window (after this one) and seconds until it resets."""
    if token is None:
        return 0, store.settings.rate_window_s
    key = (token["client_id"], token["tenant"])
    now, window = time.monotonic(), store.settings.rate_window_s
    with store.lock:
        start, count = store.calls.get(key, [now, 0])
        if now - start >= window:
            start, count = now, 0
        store.calls[key] = [start, count + 1]
    return int(count) + 1, max(0.0, window - (now - start))


def _refusal(
    store: Store, request: Request, token: dict[str, Any] | None, window: tuple[int, float]
) -> Response | None:
    settings = store.settings
    if token is None:
        return message(401, "Access denied due to invalid or expired token.")
    if window[0] > settings.rate_limit:
        return message(
            429,
            f"Rate limit is exceeded. Try again in {int(window[1]) + 1} seconds.",
            {"Retry-After": str(int(window[1]) + 1)},
        )
    if not token["company"]:
        return message(401, "Unauthorized: the token's tenant is not a Visma.net company.")
    needed = SCOPE_FOR_METHOD.get(request.method, "read")
    if _PREFIX + needed not in token["scopes"]:
        return message(settings.missing_scope_status, f"Insufficient scope: {_PREFIX}{needed} is required.")
    if not settings.licensed:
        return ipp_exception(settings.no_licence_status, "No license for this company.", "12027")
    return None


def _rate_headers(store: Store, response: Response, window: tuple[int, float]) -> None:
    limit = store.settings.rate_limit
    response.headers["X-RateLimit-Limit"] = str(limit)
    response.headers["X-RateLimit-Remaining"] = str(max(0, limit - window[0]))
    response.headers["X-RateLimit-Reset"] = str(int(window[1]) + 1)
    response.headers["X-RateLimit-Policy"] = "4-fixed-window"

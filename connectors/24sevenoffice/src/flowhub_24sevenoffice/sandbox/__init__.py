"""The 24SevenOffice sandbox: REST API, token endpoint and SOAP services on one local host.

``create_app(**settings)`` builds the Starlette app (wrapped in flowhub's FaultInjection);
``SANDBOX`` registers it for ``flowhub sandbox 24sevenoffice`` and the test fixtures. Besides
FaultInjection's ``/__sandbox/…`` routes it answers ``GET /__24so/stats`` (tokens per
organisation, logins, SOAP calls, quota faults), ``POST /__24so/expire`` (forget every token
and session, to prove renewal) and ``POST /__24so/quota`` (``{"limit": n, "window": s}``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from flowhub import Sandbox
from flowhub.sandboxes import FaultInjection, Faults
from flowhub_24sevenoffice.sandbox.rest_api import rest_routes
from flowhub_24sevenoffice.sandbox.soap_api import Quota, soap_routes
from flowhub_24sevenoffice.sandbox.store import Store, load_seed

__all__ = ["DEMO", "SANDBOX", "create_app"]

DEMO = {
    "client_id": "flowhub-sandbox",
    "client_secret": "sandbox-client-secret",
    "organization_id": "1001",
    "second_organization_id": "1002",
    "username": "integrasjon@fjordvik.example.test",
    "password": "sandbox-password",
    "application_id": "5f0c1e2a-0000-4000-8000-000000000024",
    "identity_a": "a1a1a1a1-0000-4000-8000-000000001001",
    "identity_b": "b2b2b2b2-0000-4000-8000-000000001002",
}


def create_app(
    seed: str | Path | None = None,
    faults: Faults | dict[str, Any] | None = None,
    *,
    token_ttl: float = 3600,
    session_ttl: float = 1200,
    soap_quota: int = 7200,
    soap_quota_window: float = 3600,
    sync_page_size: int = 1000,
    product_links: bool = True,
    duplicate_number: bool = False,
) -> FaultInjection:
    """The sandbox app.

    ``seed`` is a seed file (default: the shipped demo organisations); ``faults`` injects
    429/5xx/timeouts; ``soap_quota`` calls per ``soap_quota_window`` seconds before the
    quarantine fault; ``sync_page_size`` is GetCompanySyncList's page (1,000 in 24SevenOffice);
    ``product_links`` False leaves the Link header off /products (clients then page by number).
    ``duplicate_number`` keeps the demo data's second product numbered FH-5004 (the seed's
    warning that numbers must be unique, S11); the demo leaves it out, tests of S11 take it.
    """
    data = load_seed(seed)
    if not duplicate_number and seed is None:
        data = _without_duplicate_numbers(data)
    store = Store(data, token_ttl=token_ttl, session_ttl=session_ttl)
    store.sync_page_size = sync_page_size
    quota = Quota(soap_quota, soap_quota_window)
    routes = [
        *rest_routes(store, product_links=product_links),
        *soap_routes(store, quota),
        *_control(store, quota),
    ]
    app = Starlette(routes=routes)
    chosen = Faults.model_validate(faults) if isinstance(faults, dict) else faults
    return FaultInjection(app, chosen, on_reset=lambda: _reset(store, quota))


def _without_duplicate_numbers(data: dict[str, Any]) -> dict[str, Any]:
    """The demo organisations with only the first product of each number."""
    organizations = []
    for org in data["organizations"]:
        seen: set[str] = set()
        products = []
        for product in org.get("products", []):
            if product.get("number") in seen:
                continue
            seen.add(product.get("number"))
            products.append(product)
        organizations.append({**org, "products": products})
    return {**data, "organizations": organizations}


def _reset(store: Store, quota: Quota) -> None:
    store.reset()
    quota.set()


def _control(store: Store, quota: Quota) -> list[Route]:
    async def stats(request: Request) -> Response:
        with store.lock:
            return JSONResponse({**store.stats, "quota": {"limit": quota.limit, "window": quota.window}})

    async def expire(request: Request) -> Response:
        store.expire()
        return JSONResponse({"expired": True})

    async def set_quota(request: Request) -> Response:
        body = json.loads(await request.body() or b"{}")
        quota.set(body.get("limit"), body.get("window"))
        return JSONResponse({"limit": quota.limit, "window": quota.window})

    return [
        Route("/__24so/stats", stats, methods=["GET"]),
        Route("/__24so/expire", expire, methods=["POST"]),
        Route("/__24so/quota", set_quota, methods=["POST"]),
    ]


def sandbox_connection(base_url: str) -> dict[str, Any]:
    """Settings reaching the sandbox at ``base_url`` as the demo organisation's integration.

    Pages are small (20) so every list read crosses pages. SOAP pacing is raised far above
    the real 7,200 calls/hour so tests run fast; the sandbox
    still enforces its own quota (``soap_quota``), so a run that overdoes it meets the
    quarantine exactly as it would in 24SevenOffice.
    """
    return {
        "base_url": base_url,
        "client_id": DEMO["client_id"],
        "client_secret": DEMO["client_secret"],
        "organization_id": DEMO["organization_id"],
        "username": DEMO["username"],
        "password": DEMO["password"],
        "application_id": DEMO["application_id"],
        "soap_requests_per_hour": 3_600_000,
        "soap_max_quota_wait": 120,
        "max_attempts": 6,
        "page_size": 20,
    }


SANDBOX = Sandbox(name="24sevenoffice", app=create_app, connection=sandbox_connection)

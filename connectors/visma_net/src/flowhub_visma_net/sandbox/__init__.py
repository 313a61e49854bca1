"""A local Visma.net: Visma Connect tokens, the ERP API (v1/v2) and the SalesOrders v3 service.

It behaves as docs/connectors/visma_net.md and shared/apis/README.md §2 describe: bare-array
pages whose items carry ``metadata`` (totalCount, maxPageSize) and are cut to the maximum,
``{"value": …}`` write bodies, ``201 Created`` + ``Location`` without a body, ETags and 412,
IPPException errors, 401 for a token of the wrong (customer) tenant, X-RateLimit-* headers
and 429s, and stock that changes only through released documents and shipments while open
sales orders book quantities. The company is Fjordvik Handel AS, whose item numbers are the
WooCommerce sandbox's SKUs.

    from flowhub.sandboxes import serve
    from flowhub_visma_net.sandbox import SANDBOX, create_app
    with serve(create_app(max_page_size=10)) as served:
        settings = SANDBOX.connection(served.base_url)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flowhub.connector import Sandbox
from flowhub.sandboxes import Faults
from flowhub_visma_net.sandbox.app import VismaSandbox, build, make_store
from flowhub_visma_net.sandbox.seed import load_seed
from flowhub_visma_net.sandbox.settings import SandboxSettings

__all__ = [
    "CLIENT_ID",
    "CLIENT_SECRET",
    "COMPANY_TENANT",
    "CUSTOMER_TENANT",
    "READONLY_CLIENT_ID",
    "READONLY_CLIENT_SECRET",
    "SANDBOX",
    "SandboxSettings",
    "VismaSandbox",
    "connection",
    "create_app",
]

_SEED = load_seed()
CLIENT_ID = _SEED["clients"][0]["client_id"]
CLIENT_SECRET = _SEED["clients"][0]["client_secret"]
READONLY_CLIENT_ID = _SEED["clients"][1]["client_id"]
READONLY_CLIENT_SECRET = _SEED["clients"][1]["client_secret"]
COMPANY_TENANT = _SEED["company"]["tenant_id"]
CUSTOMER_TENANT = _SEED["company"]["customer_tenant_id"]


def create_app(
    *, seed: Path | Mapping[str, Any] | None = None, faults: Faults | None = None, **options: Any
) -> VismaSandbox:
    """The sandbox as an ASGI app. ``options`` are SandboxSettings fields (page sizes, rate
    window, licence, timezone, …); ``faults`` adds flowhub's fault and latency injection."""
    document = load_seed(seed)
    return build(make_store(options, document), document, faults)


def connection(base_url: str) -> dict[str, Any]:
    """The connection settings that reach a sandbox served at ``base_url``."""
    root = base_url.rstrip("/")
    return {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "tenant_id": COMPANY_TENANT,
        "token_url": f"{root}/connect/token",
        "base_url": f"{root}/v1",
        "salesorder_base_url": f"{root}/api/v3",
    }


SANDBOX = Sandbox(name="visma_net", app=create_app, connection=connection)

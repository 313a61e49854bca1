"""A local WooCommerce REST API (wc/v3 and wc/v2) that behaves like the real shop in the captures.

`create_app` builds the Starlette app; serve it with `flowhub.sandboxes.serve`:

    from flowhub.sandboxes import serve
    from flowhub_woocommerce.sandbox import SANDBOX, create_app
    with serve(create_app()) as served:
        settings = SANDBOX.connection(served.base_url)

The seed is the captured shop (``data/shop.json``: same ids, products with variations,
customers, orders, coupons, taxes, shipping, gateways, settings). `generate` adds bulk data
for benchmarks and fault tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from flowhub.connector import Sandbox
from flowhub.sandboxes import Faults
from flowhub_woocommerce.sandbox.app import build_app
from flowhub_woocommerce.sandbox.auth import DEFAULT_KEYS, ApiKey, keys_from
from flowhub_woocommerce.sandbox.hooks import Delivery, signature
from flowhub_woocommerce.sandbox.seed import generate, load_seed, snapshot
from flowhub_woocommerce.sandbox.store import Store

__all__ = [
    "DEFAULT_KEYS",
    "READ_ONLY_KEY",
    "READ_WRITE_KEY",
    "SANDBOX",
    "ApiKey",
    "Delivery",
    "create_app",
    "generate",
    "load_seed",
    "signature",
    "snapshot",
]

READ_WRITE_KEY = next(k for k in DEFAULT_KEYS.values() if k.permissions == "read_write")
READ_ONLY_KEY = next(k for k in DEFAULT_KEYS.values() if k.permissions == "read")


def create_app(
    *,
    seed: Path | Mapping[str, Any] | None = None,
    keys: Mapping[str, Any] | None = None,
    https: bool | None = None,
    faults: Faults | None = None,
    now: Callable[[], datetime] | None = None,
    webhook_timeout: float = 5.0,
    webhook_secret: str | None = None,
) -> Starlette:
    """The WooCommerce sandbox as a Starlette app.

    ``seed``: a seed file, a seed document (e.g. from `generate`), or None for the captured
    shop. ``keys``: consumer key -> ApiKey (or ``{"consumer_secret", "permissions"}``);
    default DEFAULT_KEYS, one read/write and one read-only pair.

    ``https``: the sandbox is served over plain HTTP on loopback, so it has to be told how to
    judge the transport. True (the default) behaves as a shop behind TLS: HTTP Basic and
    ``consumer_key``/``consumer_secret`` query parameters work over the loopback connection,
    and OAuth 1.0a is still accepted after them, as WooCommerce does. False enforces the
    plain-HTTP rules: only OAuth 1.0a authenticates, and Basic gets 401 like capture 011;
    a request with ``X-Forwarded-Proto: https`` then counts as TLS. OAuth signatures are
    checked against the URL the client addressed (its scheme, Host header and path).

    ``faults``: fault injection from the start (also settable at run time through
    ``POST /__sandbox/faults``; ``POST /__sandbox/reset`` restores the seed data).
    ``now``: the clock (aware datetime), for replaying captures at their own time.
    ``webhook_timeout``: seconds a webhook delivery may take. ``webhook_secret``: the secret
    of webhooks registered without one (WooCommerce derives one from the user; the sandbox
    makes a random one unless this is set). Deliveries are signed base64(HMAC-SHA256(secret, body)).

    The app's ``state`` holds ``store``, ``dispatcher`` (webhook deliveries; ``wait()``) and
    ``sandbox``.
    """
    document = seed if isinstance(seed, Mapping) else load_seed(seed)
    store = Store(document, now=now)
    return build_app(
        store,
        keys_from(keys),
        https=True if https is None else https,
        faults=faults,
        webhook_timeout=webhook_timeout,
        webhook_secret=webhook_secret,
    )


def _connection(base_url: str) -> dict[str, Any]:
    return {
        "url": base_url,
        "consumer_key": READ_WRITE_KEY.consumer_key,
        "consumer_secret": READ_WRITE_KEY.consumer_secret,
    }


SANDBOX = Sandbox(name="woocommerce", app=create_app, connection=_connection)

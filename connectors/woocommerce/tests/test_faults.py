"""A shop failing 20% of requests (429, 5xx, timeouts, lost answers) still gives exactly-once results."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from flowhub_woocommerce.connector import WooCommerce
from flowhub_woocommerce.models import WooProduct
from flowhub_woocommerce.sandbox import generate
from starlette.applications import Starlette

from flowhub.connector import ReadQuery, WriteOp
from flowhub.sandboxes import Faults

AppStarter = Callable[..., tuple[Starlette, str]]
Opener = Callable[..., WooCommerce]

# The client gives up on an answer after 0.5 s; a "timeout" fault stalls 1 s. Waits stay tiny.
FAST = {"timeout": 0.5, "max_attempts": 12, "max_wait": 0.05}


def faults(*kinds: str) -> Faults:
    return Faults(rate=0.2, kinds=list(kinds), retry_after=0.0, timeout_s=1.0, seed=11)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def five_thousand_orders() -> dict[str, Any]:
    return generate(orders=5000, seed=3)


def test_full_read_of_5000_orders_under_faults_returns_each_once(
    shop_app: AppStarter, open_shop: Opener, five_thousand_orders: dict[str, Any]
) -> None:
    app, url = shop_app(seed=five_thousand_orders, faults=faults("429", "500", "502", "503", "timeout"))
    connector = open_shop(url, **FAST)
    ids = [o.id for o in connector.entity("order").read(ReadQuery(where={"include_trashed": False}))]  # type: ignore[attr-defined]
    expected = {
        o["id"] for o in app.state.store.orders.values() if o["status"] not in ("trash", "checkout-draft")
    }
    assert len(ids) == len(set(ids)) == len(expected) >= 5000
    assert set(ids) == expected
    assert connector.client.stats.snapshot()["retries"] > 0  # faults really happened


def test_batch_write_of_1000_products_under_faults_creates_each_once(
    shop_app: AppStarter, open_shop: Opener
) -> None:
    app, url = shop_app(faults=faults("429", "500", "502", "503", "timeout", "drop_after"))
    connector = open_shop(url, **FAST)
    entity = connector.entity("product")
    ops = [
        WriteOp(
            WooProduct(name=f"Vare {i}", type="simple", sku=f"BULK-{i:04d}", regular_price="9.90"), ref=str(i)
        )
        for i in range(1000)
    ]
    results = [r for start in range(0, 1000, 100) for r in entity.write_batch(ops[start : start + 100])]
    failures = [r.error for r in results if r.error is not None]
    assert not failures, failures[:3]
    skus = Counter(p["sku"] for p in app.state.store.products.values() if p["sku"].startswith("BULK-"))
    assert len(skus) == 1000 and set(skus.values()) == {1}
    assert {r.record.sku for r in results} == set(skus)  # type: ignore[union-attr]
    injected = httpx.get(f"{url}/__sandbox/stats", timeout=5).json()["by_kind"]
    assert injected.get("drop_after", 0) + injected.get("timeout", 0) + injected.get("500", 0) > 0

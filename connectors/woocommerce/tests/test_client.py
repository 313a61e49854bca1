"""WooClient and the entities replayed from cassettes (recorded once from the sandbox, secrets scrubbed).

Replay is the default (record mode ``none``): the URL then points nowhere, so a request
missing from a cassette fails instead of reaching a network. To record again, run with
``--record-mode=once`` after deleting the cassette: the sandbox is served for that run.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flowhub_woocommerce.client import woo_error
from flowhub_woocommerce.connector import WooCommerce
from flowhub_woocommerce.models import WooProduct
from flowhub_woocommerce.sandbox import DEFAULT_KEYS, create_app

from flowhub.connector import ReadQuery, WriteOp
from flowhub.errors import AuthError, RejectedError
from flowhub.sandboxes import serve

CASSETTES = Path(__file__).parent / "cassettes"
Opener = Callable[..., WooCommerce]
Shop = Callable[..., tuple[str, dict[str, str]]]


@pytest.fixture
def recorded_shop(request: pytest.FixtureRequest) -> Iterator[Callable[..., tuple[str, dict[str, str]]]]:
    """(URL, key settings): replaying, an address that never resolves; recording, the sandbox
    served for the run, or the real shop named by WOO_URL, WOO_KEY and WOO_SECRET."""
    servers: list[Any] = []

    def shop(**options: Any) -> tuple[str, dict[str, str]]:
        if request.config.getoption("record_mode") in (None, "none"):
            return "http://woo.cassette.invalid", {}
        if os.environ.get("WOO_URL"):
            return os.environ["WOO_URL"], {
                "consumer_key": os.environ["WOO_KEY"],
                "consumer_secret": os.environ["WOO_SECRET"],
            }
        server = serve(create_app(**options))
        servers.append(server)
        return server.base_url, {}

    yield shop
    for server in servers:
        server.stop()


@pytest.mark.vcr
def test_pages_are_read_by_total_pages_in_order(recorded_shop: Shop, open_shop: Opener) -> None:
    url, keys = recorded_shop(https=True)
    shop = open_shop(url, **keys, auth="basic", per_page=10, page_concurrency=1)
    products = list(shop.entity("product").read(ReadQuery(where={"include_trashed": False})))
    assert len(products) == 32 == len({p.id for p in products})  # type: ignore[attr-defined]
    assert shop.client.stats.snapshot()["sent"] == 4


@pytest.mark.vcr
def test_oauth1_signed_requests_replay(recorded_shop: Shop, open_shop: Opener) -> None:
    url, keys = recorded_shop(https=False)
    shop = open_shop(url, **keys, auth="oauth1", page_concurrency=1)
    order: Any = shop.entity("order").get("74")
    assert (order.customer_id, order.billing.email is not None) == (0, True)


@pytest.mark.vcr
def test_duplicate_sku_keeps_code_message_and_resource_id(recorded_shop: Shop, open_shop: Opener) -> None:
    url, keys = recorded_shop(https=True)
    shop = open_shop(url, **keys, auth="basic")
    with pytest.raises(RejectedError) as caught:
        shop.entity("product").create(
            WooProduct(name="Duplikat", type="simple", sku="FH-1001", regular_price="1")
        )
    detail = woo_error(caught.value)
    assert caught.value.code == "product_invalid_sku" and caught.value.status == 400
    assert detail is not None and detail.data is not None and detail.data.resource_id == 11
    assert str(caught.value).endswith(
        "-> 400 product_invalid_sku: Invalid or duplicated SKU. (existing resource 11)"
    )


@pytest.mark.vcr
def test_wrong_secret_is_an_auth_error_in_woocommerces_words(recorded_shop: Shop, open_shop: Opener) -> None:
    url, keys = recorded_shop(https=True)
    shop = open_shop(url, **{**keys, "consumer_secret": "cs_wrong_0000000000"}, auth="basic")
    with pytest.raises(
        AuthError, match=r"-> 401 woocommerce_rest_authentication_error: Consumer secret is invalid\.$"
    ):
        shop.entity("customer").get("4")


@pytest.mark.vcr
def test_batch_answer_with_an_item_error_fails_that_item_only(recorded_shop: Shop, open_shop: Opener) -> None:
    url, keys = recorded_shop(https=True)
    shop = open_shop(url, **keys, auth="basic")
    ops = [
        WriteOp(
            WooProduct(name="Duplikat i batch", type="simple", sku="FH-1002", regular_price="10.00"), ref="a"
        ),
        WriteOp(WooProduct(stock_quantity=4), key="25", ref="b"),
    ]
    first, second = shop.entity("product").write_batch(ops)
    assert isinstance(first.error, RejectedError) and first.error.code == "product_invalid_sku"
    assert second.error is None and second.record.stock_quantity == 4  # type: ignore[union-attr]


def _secret_forms() -> list[str]:
    forms: list[str] = []
    for key in DEFAULT_KEYS.values():
        forms += [key.consumer_key, key.consumer_secret]
        forms.append(base64.b64encode(f"{key.consumer_key}:{key.consumer_secret}".encode()).decode())
    forms += [os.environ[name] for name in ("WOO_KEY", "WOO_SECRET") if os.environ.get(name)]
    return [*forms, "cs_wrong_0000000000"]


def test_no_cassette_holds_a_key_or_secret() -> None:
    files = sorted(CASSETTES.rglob("*.yaml"))
    assert files, "no cassettes recorded"
    for path in files:
        text = path.read_text(encoding="utf-8")
        leaked = [form[:12] + "…" for form in _secret_forms() if form in text]
        assert not leaked, f"{path.name} holds secrets: {leaked}"

"""The connector against the served sandbox: auth, paging, filters, writes, write-back and check()."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import pytest
from flowhub_woocommerce.connector import WooCommerce
from flowhub_woocommerce.entities import pair_lines
from flowhub_woocommerce.models import WooCustomer, WooOrder, WooProduct, WooVariation
from flowhub_woocommerce.sandbox import READ_ONLY_KEY
from flowhub_woocommerce.settings import WooCommerceSettings
from flowhub_woocommerce.webhooks import sign
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from flowhub.connector import ReadQuery, WriteOp
from flowhub.errors import AuthError, RejectedError, WaitingError
from flowhub.sandboxes import serve

Opener = Callable[..., WooCommerce]
AppStarter = Callable[..., tuple[Starlette, str]]
KEY = "ck_sandbox_0000000000000000000000000000000000000000"


def settings_for(url: str, **extra: Any) -> WooCommerceSettings:
    return WooCommerceSettings.model_validate(
        {"url": url, "consumer_key": KEY, "consumer_secret": "cs_x", **extra}
    )


# -- settings (G1, D1) -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("https://Shop.Example/", "https://shop.example"),
        ("https://shop.example/wp-json", "https://shop.example"),
        ("https://shop.example/wp-json/wc/v3/", "https://shop.example"),
        ("https://shop.example/butikk/wp-json/", "https://shop.example/butikk"),
        ("  http://127.0.0.1:8081  ", "http://127.0.0.1:8081"),
    ],
)
def test_shop_url_is_normalised(typed: str, kept: str) -> None:
    assert settings_for(typed).url == kept


def test_shop_url_without_scheme_says_the_scheme_is_required() -> None:
    with pytest.raises(
        ValidationError, match=r"shop URL 'shop\.example' has no scheme: write it with https://"
    ):
        settings_for("shop.example")


def test_auth_is_basic_over_https_and_oauth1_over_http() -> None:
    assert settings_for("https://shop.example").auth_method == "basic"
    assert settings_for("http://shop.example").auth_method == "oauth1"
    assert settings_for("http://shop.example", auth="query").auth_method == "query"
    assert (
        settings_for("https://shop.example", api_version="v2").api_base
        == "https://shop.example/wp-json/wc/v2"
    )


# -- auth ----------------------------------------------------------------------------------------------
def test_oauth1_over_plain_http_reads_where_basic_is_refused(shop_app: AppStarter, open_shop: Opener) -> None:
    _, url = shop_app(https=False)
    products = list(open_shop(url).entity("product").read(ReadQuery()))
    assert len(products) == 32
    with pytest.raises(AuthError, match="woocommerce_rest_cannot_view: Sorry, you cannot list resources"):
        list(open_shop(url, auth="basic").entity("product").read(ReadQuery()))


def test_basic_auth_reads_when_the_shop_sees_https(shop_app: AppStarter, open_shop: Opener) -> None:
    _, url = shop_app(https=True)
    assert len(list(open_shop(url, auth="basic").entity("customer").read(ReadQuery()))) == 10


def test_a_wrong_secret_is_an_auth_error_with_woocommerces_words_and_no_secret(
    shop_app: AppStarter, open_shop: Opener
) -> None:
    _, url = shop_app(https=True)
    connector = open_shop(url, auth="basic", consumer_secret="cs_wrong_wrong_wrong")
    with pytest.raises(AuthError, match="Consumer secret is invalid") as caught:
        connector.entity("order").get("68")
    assert "cs_wrong_wrong_wrong" not in str(caught.value)


# -- reading -------------------------------------------------------------------------------------------
def test_paged_read_yields_every_product_once_oldest_change_first(shop: WooCommerce) -> None:
    products = list(shop.entity("product").read(ReadQuery(where={"include_trashed": False})))
    ids = [p.id for p in products]  # type: ignore[attr-defined]
    assert len(ids) == 32 == len(set(ids))
    stamps = [(p.date_modified_gmt, p.id) for p in products]  # type: ignore[attr-defined]
    assert stamps == sorted(stamps)
    assert shop.client.stats.snapshot()["sent"] == 5  # ceil(32 / 7) pages, each fetched once


def test_incremental_read_includes_the_since_second_and_nothing_older(shop: WooCommerce) -> None:
    entity = shop.entity("product")
    changed = entity.update("19", WooProduct(stock_quantity=3))
    since = entity.cursor_of(changed)
    read = list(entity.read(ReadQuery(since=since)))
    assert [r.id for r in read] == [19]  # type: ignore[attr-defined]
    assert all(entity.cursor_of(r) >= since for r in read)  # type: ignore[operator]


def test_trashed_product_is_read_as_deleted(shop: WooCommerce) -> None:
    entity = shop.entity("product")
    before = entity.cursor_of(entity.get("26"))  # type: ignore[arg-type]
    entity.delete("26", soft=True)
    read = {r.id: r for r in entity.read(ReadQuery(since=before))}  # type: ignore[attr-defined]
    assert entity.is_deleted(read[26])


def test_customers_default_to_customer_and_subscriber_roles(shop: WooCommerce, open_shop: Opener) -> None:
    roles = {c.role for c in shop.entity("customer").read(ReadQuery())}  # type: ignore[attr-defined]
    assert roles <= {"customer", "subscriber"} and "customer" in roles
    everyone = open_shop(str(shop.settings.url), roles=["all"]).entity("customer")
    assert "administrator" in {c.role for c in everyone.read(ReadQuery())}  # type: ignore[attr-defined]


def test_customer_since_is_filtered_client_side(shop: WooCommerce) -> None:
    entity = shop.entity("customer")
    assert not entity.capabilities().server_side_since
    changed = entity.update("5", WooCustomer(first_name="Endret"))
    read = list(entity.read(ReadQuery(since=entity.cursor_of(changed))))
    assert [r.id for r in read] == [5]  # type: ignore[attr-defined]


def test_guest_buyers_are_contacts_keyed_by_email(shop: WooCommerce) -> None:
    contacts = list(shop.entity("order_contact").read(ReadQuery()))
    keys = [c.key for c in contacts]  # type: ignore[attr-defined]
    assert len(keys) == len(set(keys))
    guests = [c for c in contacts if c.guest]  # type: ignore[attr-defined]
    assert guests and all(c.key == f"guest:{c.email.lower()}" and c.customer_id == 0 for c in guests)  # type: ignore[attr-defined]
    registered = [c for c in contacts if not c.guest]  # type: ignore[attr-defined]
    assert registered and all(c.key == str(c.customer_id) for c in registered)  # type: ignore[attr-defined]


def test_orders_filter_by_status_list_and_from_number(shop: WooCommerce) -> None:
    query = ReadQuery(
        where={"status": ["completed", "refunded"], "from_number": 80, "include_trashed": False}
    )
    orders = list(shop.entity("order").read(query))
    assert orders and {o.status for o in orders} <= {"completed", "refunded"}  # type: ignore[attr-defined]
    assert min(int(o.number) for o in orders) >= 80  # type: ignore[attr-defined]


def test_variations_are_read_through_their_parents_and_found_by_sku(shop: WooCommerce) -> None:
    entity = shop.entity("variation")
    variations = list(entity.read(ReadQuery()))
    assert {v.parent_id for v in variations} == {49, 57}  # type: ignore[attr-defined]
    found = entity.find("sku", "FH-HOOD-M-SORT")
    assert [(v.id, v.parent_id) for v in found] == [(51, 49)]  # type: ignore[attr-defined]
    assert shop.entity("product").find("sku", "FH-HOOD-M-SORT") == []
    updated = entity.update("51", WooVariation(stock_quantity=2))
    assert updated.stock_quantity == 2  # type: ignore[attr-defined]


# -- writing -------------------------------------------------------------------------------------------
def test_batch_item_error_fails_only_that_record(shop: WooCommerce) -> None:
    ops = [
        WriteOp(WooProduct(name="Dup", type="simple", sku="FH-1001", regular_price="1.00"), ref="dup"),
        WriteOp(WooProduct(name="Ny vare", type="simple", sku="NEW-1", regular_price="5.00"), ref="new"),
        WriteOp(WooProduct(stock_quantity=4), key="25", ref="upd"),
    ]
    results = {r.ref: r for r in shop.entity("product").write_batch(ops)}
    failure = results["dup"].error
    assert isinstance(failure, RejectedError) and failure.code == "product_invalid_sku"
    assert (
        str(failure)
        == "woocommerce/product: product_invalid_sku: Invalid or duplicated SKU. (existing resource 11)"
    )
    assert results["new"].record.sku == "NEW-1"  # type: ignore[union-attr]
    assert results["upd"].record.stock_quantity == 4  # type: ignore[union-attr]


def test_customer_with_a_registered_email_is_answered_as_the_existing_one(shop: WooCommerce) -> None:
    existing = shop.entity("customer").find("email", "ola.nordmann@example.test")
    created = shop.entity("customer").create(WooCustomer(email="ola.nordmann@example.test", first_name="Ola"))
    assert [c.id for c in existing] == [created.id]  # type: ignore[attr-defined]


def test_customer_cannot_be_soft_deleted(shop: WooCommerce) -> None:
    with pytest.raises(RejectedError, match="no trash"):
        shop.entity("customer").delete("12", soft=True)
    shop.entity("customer").delete("12", soft=False)
    assert shop.entity("customer").get("12") is None


def test_order_update_with_lines_never_duplicates_them(shop: WooCommerce) -> None:
    entity = shop.entity("order")
    order: Any = entity.get("68")
    lines = [
        {"product_id": li.product_id, "variation_id": li.variation_id, "quantity": li.quantity + 1}
        for li in order.line_items
    ]
    updated: Any = entity.update("68", WooOrder.model_validate({"line_items": lines}))
    assert [li.id for li in updated.line_items] == [li.id for li in order.line_items]
    assert [li.quantity for li in updated.line_items] == [li.quantity + 1 for li in order.line_items]


def test_pair_lines_removes_lines_the_update_no_longer_lists() -> None:
    existing = [
        {"id": 1, "product_id": 10, "variation_id": 0},
        {"id": 2, "product_id": 11, "variation_id": 0},
    ]
    wanted = [{"product_id": 11, "quantity": 3}, {"product_id": 12, "quantity": 1}]
    assert pair_lines(existing, wanted) == [
        {"product_id": 11, "quantity": 3, "id": 2},
        {"product_id": 12, "quantity": 1},
        {"id": 1, "quantity": 0},
    ]


def test_order_naming_an_unknown_product_waits_instead_of_getting_an_empty_line(shop: WooCommerce) -> None:
    payload = WooOrder.model_validate({"line_items": [{"product_id": 999999, "quantity": 1}]})
    with pytest.raises(WaitingError, match="999999"):
        shop.entity("order").create(payload)


def test_writeback_sets_status_and_adds_a_note(shop: WooCommerce) -> None:
    shop.entity("order").writeback("80", {"status": "completed", "note": "Overført til ERP"})
    order: Any = shop.entity("order").get("80")
    notes = [n.note for n in shop.entity("order_note").read(ReadQuery(where={"order_id": 80}))]  # type: ignore[attr-defined]
    assert order.status == "completed"
    assert "Overført til ERP" in notes


def test_ensure_webhook_is_idempotent_and_deliveries_verify(shop_app: AppStarter, open_shop: Opener) -> None:
    _, url = shop_app()
    connector = open_shop(url, webhook_secret="hemmelig")
    first = connector.ensure_webhook("order.updated", "http://127.0.0.1:9/hook")
    again = connector.ensure_webhook("order.updated", "http://127.0.0.1:9/hook")
    assert first.id == again.id and len(connector.list_webhooks()) == 1 + _seeded_hooks(connector, first.id)
    body = json.dumps({"id": 51, "type": "variation", "parent_id": 49}).encode()
    headers = {"X-WC-Webhook-Topic": "product.updated", "X-WC-Webhook-Signature": sign(body, "hemmelig")}
    [event] = connector.parse_webhook(headers, body)
    assert (event.entity, event.action, event.key) == ("variation", "updated", "51")
    with pytest.raises(AuthError):
        connector.parse_webhook({**headers, "X-WC-Webhook-Signature": sign(body, "feil")}, body)
    connector.delete_webhook(int(first.id or 0))
    assert first.id not in {h.id for h in connector.list_webhooks()}


def _seeded_hooks(connector: WooCommerce, made: int | None) -> int:
    return len([h for h in connector.list_webhooks() if h.id != made])


# -- check() -------------------------------------------------------------------------------------------
def test_check_reports_versions_when_all_is_well(shop_app: AppStarter, open_shop: Opener) -> None:
    _, url = shop_app(https=False)
    result = open_shop(url).check(writes=True)
    assert result.ok, result.message
    assert (result.details["woocommerce"], result.details["wordpress"]) == ("11.0.1", "7.0.4")
    assert result.details["auth"] == "oauth1"


@pytest.mark.parametrize(
    ("overrides", "problem", "words"),
    [
        ({"consumer_key": "ck_unknown_key_000000"}, "bad_key", "Consumer key is invalid."),
        ({"consumer_secret": "cs_wrong_secret_00000"}, "bad_secret", "provided signature does not match"),
        ({"auth": "basic"}, "basic_over_http", "refuses Basic auth (and query keys) over plain http"),
    ],
)
def test_check_tells_what_is_wrong_with_the_credentials(
    shop_app: AppStarter, open_shop: Opener, overrides: dict[str, Any], problem: str, words: str
) -> None:
    _, url = shop_app(https=False)
    result = open_shop(url, **overrides).check()
    assert (result.ok, result.details["problem"]) == (False, problem)
    assert words in result.message


def test_check_tells_a_bad_key_under_basic_auth(shop_app: AppStarter, open_shop: Opener) -> None:
    _, url = shop_app(https=True)
    result = open_shop(url, auth="basic", consumer_key="ck_unknown_key_000000").check()
    assert result.details["problem"] == "bad_key"


def test_check_with_writes_tells_a_read_only_key(shop_app: AppStarter, open_shop: Opener) -> None:
    _, url = shop_app(https=False)
    key = {"consumer_key": READ_ONLY_KEY.consumer_key, "consumer_secret": READ_ONLY_KEY.consumer_secret}
    assert open_shop(url, **key).check().ok
    result = open_shop(url, **key).check(writes=True)
    assert result.details["problem"] == "read_only_key"
    assert "does not have write permissions" in result.message


def _serve_other(routes: list[Route]) -> Any:
    return serve(Starlette(routes=routes))


def test_check_tells_a_site_that_is_not_wordpress(open_shop: Opener) -> None:
    with _serve_other([Route("/{p:path}", lambda r: PlainTextResponse("<html>hello</html>"))]) as other:
        result = open_shop(other.base_url).check()
    assert result.details["problem"] == "not_wordpress"


def test_check_tells_wordpress_without_woocommerce(open_shop: Opener) -> None:
    index = JSONResponse({"name": "Blogg", "namespaces": ["oembed/1.0", "wp/v2"]})
    with _serve_other([Route("/wp-json/", lambda r: index)]) as other:
        result = open_shop(other.base_url).check()
    assert result.details["problem"] == "woocommerce_missing"
    assert "WooCommerce is not installed or not active" in result.message


def test_check_tells_permalinks_are_off(open_shop: Opener) -> None:
    def root(request: Request) -> Response:
        if request.query_params.get("rest_route") == "/":
            return JSONResponse({"name": "Shop", "namespaces": ["wc/v3"]})
        return PlainTextResponse("home")

    routes = [Route("/wp-json/", lambda r: PlainTextResponse("not found", 404)), Route("/", root)]
    with _serve_other(routes) as other:
        result = open_shop(other.base_url).check()
    assert result.details["problem"] == "permalinks_off"


def test_check_tells_an_unreachable_shop(open_shop: Opener) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = open_shop(f"http://127.0.0.1:{port}", max_wait=0.05).check()
    assert result.details["problem"] == "unreachable"
    assert "could not connect to 127.0.0.1" in result.message

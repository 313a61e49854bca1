"""The WooCommerce sandbox's rules over real HTTP on loopback: auth, paging, writes, dates, hooks, faults."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from flowhub_woocommerce import oauth1
from flowhub_woocommerce.sandbox import (
    READ_ONLY_KEY,
    READ_WRITE_KEY,
    SANDBOX,
    create_app,
    generate,
    signature,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from flowhub.sandboxes import HTML_NOTICE, Faults, ServedApp, serve

# A dropped connection reads as a half answer or, when the kernel resets it, a read error.
DROPPED = (httpx.RemoteProtocolError, httpx.ReadError)

RW = (READ_WRITE_KEY.consumer_key, READ_WRITE_KEY.consumer_secret)
RO = (READ_ONLY_KEY.consumer_key, READ_ONLY_KEY.consumer_secret)
API = "/wp-json/wc/v3"


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))


@pytest.fixture
def woo(clock: Clock) -> Iterator[ServedApp]:
    with serve(create_app(now=clock)) as served:
        yield served


@pytest.fixture
def plain(clock: Clock) -> Iterator[ServedApp]:
    """A sandbox that enforces the plain-HTTP rules (https=False)."""
    with serve(create_app(https=False, now=clock)) as served:
        yield served


@pytest.fixture
def client(woo: ServedApp) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=woo.base_url + API, auth=RW, timeout=10) as c:
        yield c


def oauth_get(
    served: ServedApp, path: str, params: dict[str, str], clock: Clock, **sign: Any
) -> httpx.Response:
    url = f"{served.base_url}{API}{path}"
    signed = oauth1.sign(
        "GET",
        url,
        sign.pop("key", RW[0]),
        sign.pop("secret", RW[1]),
        params=params,
        timestamp=int(clock().timestamp()),
        **sign,
    )
    return httpx.get(url, params={**params, **signed})


# -- authentication --------------------------------------------------------------------------------
def test_basic_and_query_keys_work_when_the_sandbox_stands_for_https(woo: ServedApp) -> None:
    assert httpx.get(f"{woo.base_url}{API}/orders", auth=RW).status_code == 200
    query = {"consumer_key": RW[0], "consumer_secret": RW[1], "per_page": "1"}
    answer = httpx.get(f"{woo.base_url}{API}/orders", params=query)
    assert answer.status_code == 200
    assert "consumer_key=" in answer.headers["link"]  # WooCommerce echoes the keys, as in capture 009


def test_basic_over_plain_http_is_refused_like_capture_011(plain: ServedApp) -> None:
    answer = httpx.get(f"{plain.base_url}{API}/orders?per_page=1", auth=RW)
    assert answer.status_code == 401
    assert answer.json() == {
        "code": "woocommerce_rest_cannot_view",
        "message": "Sorry, you cannot list resources.",
        "data": {"status": 401},
    }


def test_x_forwarded_proto_https_counts_as_tls(plain: ServedApp) -> None:
    answer = httpx.get(f"{plain.base_url}{API}/orders", auth=RW, headers={"X-Forwarded-Proto": "https"})
    assert answer.status_code == 200


@pytest.mark.parametrize("method", ["HMAC-SHA256", "HMAC-SHA1"])
def test_oauth1_in_the_query_works_over_plain_http(plain: ServedApp, clock: Clock, method: str) -> None:
    answer = oauth_get(
        plain, "/products", {"per_page": "5", "search": "kaffe"}, clock, signature_method=method
    )
    assert answer.status_code == 200
    assert answer.headers["x-wp-total"] == "4"


def test_oauth1_in_the_authorization_header_works(plain: ServedApp, clock: Clock) -> None:
    url = f"{plain.base_url}{API}/orders"
    signed = oauth1.sign("GET", url, *RW, params={"per_page": "2"}, timestamp=int(clock().timestamp()))
    answer = httpx.get(
        url, params={"per_page": "2"}, headers={"Authorization": oauth1.authorization_header(signed)}
    )
    assert answer.status_code == 200
    assert len(answer.json()) == 2


def test_a_nonce_is_accepted_once(plain: ServedApp, clock: Clock) -> None:
    url = f"{plain.base_url}{API}/orders"
    signed = oauth1.sign("GET", url, *RW, timestamp=int(clock().timestamp()), nonce="n-1")
    assert httpx.get(url, params=signed).status_code == 200
    again = httpx.get(url, params=signed)
    assert again.status_code == 401
    assert again.json()["message"] == "Invalid nonce - nonce has already been used."


def test_a_nonce_is_forgotten_once_its_timestamp_leaves_the_window_and_not_before(
    plain: ServedApp, clock: Clock
) -> None:
    url = f"{plain.base_url}{API}/orders"
    start = clock.at
    for minute, nonce in ((0, "early"), (10, "later")):
        clock.at = start + timedelta(minutes=minute)
        signed = oauth1.sign("GET", url, *RW, timestamp=int(clock.at.timestamp()), nonce=nonce)
        assert httpx.get(url, params=signed).status_code == 200
    clock.at = start + timedelta(minutes=16)  # "early" is past the window, "later" is not
    fresh = int(clock.at.timestamp())
    assert httpx.get(url, params=oauth1.sign("GET", url, *RW, timestamp=fresh, nonce="early")).status_code == 200
    again = httpx.get(url, params=oauth1.sign("GET", url, *RW, timestamp=fresh, nonce="later"))
    assert (again.status_code, again.json()["message"]) == (401, "Invalid nonce - nonce has already been used.")


def test_a_timestamp_outside_fifteen_minutes_is_refused(plain: ServedApp, clock: Clock) -> None:
    url = f"{plain.base_url}{API}/orders"
    stale = int((clock() - timedelta(minutes=16)).timestamp())
    answer = httpx.get(url, params=oauth1.sign("GET", url, *RW, timestamp=stale))
    assert (answer.status_code, answer.json()["message"]) == (401, "Invalid timestamp.")
    fresh = int((clock() - timedelta(minutes=14)).timestamp())
    assert httpx.get(url, params=oauth1.sign("GET", url, *RW, timestamp=fresh)).status_code == 200


def test_a_wrong_oauth_signature_is_refused(plain: ServedApp, clock: Clock) -> None:
    answer = oauth_get(plain, "/orders", {}, clock, secret="cs_wrong")
    assert answer.status_code == 401
    assert answer.json() == {
        "code": "woocommerce_rest_authentication_error",
        "message": "Invalid signature - provided signature does not match.",
        "data": {"status": 401},
    }


def test_a_partial_set_of_oauth_parameters_names_what_is_missing(plain: ServedApp) -> None:
    answer = httpx.get(f"{plain.base_url}{API}/orders", params={"oauth_consumer_key": RW[0]})
    assert answer.status_code == 401
    assert answer.json()["code"] == "woocommerce_rest_authentication_missing_parameter"
    assert answer.json()["message"] == (
        "Missing OAuth parameters oauth_timestamp, oauth_nonce, oauth_signature, oauth_signature_method"
    )


@pytest.mark.parametrize(
    ("auth", "code", "message"),
    [
        (
            ("ck_0000000000000000000000000000000000000000", RW[1]),
            "woocommerce_rest_cannot_view",
            "Sorry, you cannot list resources.",
        ),
        (
            (RW[0], "cs_0000000000000000000000000000000000000000"),
            "woocommerce_rest_authentication_error",
            "Consumer secret is invalid.",
        ),
        (None, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    ],
    ids=["unknown-key-013", "wrong-secret-014", "no-credentials-015"],
)
def test_rejected_credentials_get_the_captured_answers(
    woo: ServedApp, auth: Any, code: str, message: str
) -> None:
    answer = httpx.get(f"{woo.base_url}{API}/orders?per_page=1", auth=auth)
    assert answer.status_code == 401
    assert answer.json() == {"code": code, "message": message, "data": {"status": 401}}


def test_a_read_only_key_reads_but_cannot_write(woo: ServedApp) -> None:
    assert httpx.get(f"{woo.base_url}{API}/products?per_page=1", auth=RO).status_code == 200
    answer = httpx.post(f"{woo.base_url}{API}/products", auth=RO, json={"name": "Should not be created"})
    assert answer.status_code == 401
    assert answer.json()["message"] == "The API key provided does not have write permissions."
    assert httpx.get(f"{woo.base_url}{API}/products", auth=RW).headers["x-wp-total"] == "32"


def test_the_index_is_public_and_names_the_woocommerce_namespace(woo: ServedApp) -> None:
    index = httpx.get(f"{woo.base_url}/wp-json/").json()
    assert "wc/v3" in index["namespaces"]
    assert index["timezone_string"] == "Europe/Oslo"
    assert httpx.get(f"{woo.base_url}/wp-json/wc/v9/orders", auth=RW).json()["code"] == "rest_no_route"


def test_sandbox_connection_settings_reach_the_sandbox(woo: ServedApp) -> None:
    settings = SANDBOX.connection(woo.base_url)
    answer = httpx.get(
        f"{settings['url']}{API}/system_status", auth=(settings["consumer_key"], settings["consumer_secret"])
    )
    assert answer.json()["environment"]["version"] == "11.0.1"


# -- paging ------------------------------------------------------------------------------------------
def test_pages_carry_totals_and_prev_next_links_only(client: httpx.Client) -> None:
    first = client.get("/products")
    assert (len(first.json()), first.headers["x-wp-total"], first.headers["x-wp-totalpages"]) == (
        10,
        "32",
        "4",
    )
    assert first.headers["link"].endswith('/products?page=2>; rel="next"')
    last = client.get("/products", params={"page": 4})
    assert len(last.json()) == 2
    assert 'rel="next"' not in last.headers["link"]
    assert "first" not in last.headers["link"] and "last" not in last.headers["link"]
    beyond = client.get("/products", params={"page": 9})
    assert (beyond.status_code, beyond.json(), beyond.headers["x-wp-total"]) == (200, [], "32")
    assert beyond.headers["link"].endswith('page=4>; rel="prev"')


def test_per_page_above_100_is_refused_with_the_captured_message(client: httpx.Client) -> None:
    answer = client.get("/products", params={"per_page": 101})
    assert answer.status_code == 400
    assert answer.json()["code"] == "rest_invalid_param"
    assert answer.json()["data"]["params"] == {
        "per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"
    }


def test_bad_enum_values_and_dates_are_refused_per_parameter(client: httpx.Client) -> None:
    status = client.get("/orders", params={"status": "shipped"}).json()
    assert status["data"]["params"]["status"].startswith("status[0] is not one of any, trash, auto-draft,")
    date = client.get("/orders", params={"modified_after": "yesterday"}).json()
    assert date["data"]["details"]["modified_after"]["code"] == "rest_invalid_date"


def test_following_pages_of_a_generated_shop_yields_every_order_once(clock: Clock) -> None:
    with serve(
        create_app(seed=generate(orders=1200, customers=30, products=40, seed=3), now=clock)
    ) as served:
        seen: list[int] = []
        url: str | None = f"{served.base_url}{API}/orders?per_page=100"
        with httpx.Client(auth=RW) as c:
            while url:
                page = c.get(url)
                seen += [o["id"] for o in page.json()]
                url = page.links.get("next", {}).get("url")
        assert len(seen) == len(set(seen)) == 1240
        assert int(page.headers["x-wp-totalpages"]) == 13


def test_status_lists_and_orderby_modified_work_together(client: httpx.Client) -> None:
    answer = client.get("/orders", params={"status": "completed,refunded", "per_page": 100})
    assert {o["status"] for o in answer.json()} == {"completed", "refunded"}
    assert answer.headers["x-wp-total"] == "13"
    listed = client.get("/orders", params=[("status[]", "processing"), ("status[]", "on-hold")]).json()
    assert {o["status"] for o in listed} == {"processing", "on-hold"}
    modified = [
        o["date_modified_gmt"]
        for o in client.get("/orders", params={"orderby": "modified", "order": "asc", "per_page": 100}).json()
    ]
    assert modified == sorted(modified)


# -- writes ---------------------------------------------------------------------------------------------
def test_batch_reports_errors_per_item_inside_a_200(client: httpx.Client) -> None:
    answer = client.post(
        "/products/batch",
        json={
            "create": [{"name": "Duplikat", "sku": "FH-1002"}, {"name": "Ny", "sku": "NY-1"}],
            "update": [{"id": 25, "stock_quantity": 4}, {"id": 999999, "stock_quantity": 1}],
            "delete": [46],
        },
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["create"][0] == {
        "id": 0,
        "error": {
            "code": "product_invalid_sku",
            "message": "Invalid or duplicated SKU.",
            "data": {"status": 400, "resource_id": 13, "unique_sku": "FH-1002-1"},
        },
    }
    assert body["create"][1]["sku"] == "NY-1"
    assert body["update"][0]["stock_quantity"] == 4
    assert body["update"][1]["error"]["code"] == "woocommerce_rest_product_invalid_id"
    assert client.get("/products/46").status_code == 404  # batch deletes are permanent


def test_a_batch_over_100_items_is_refused_whole(client: httpx.Client) -> None:
    answer = client.post("/products/batch", json={"create": [{"name": f"P{i}"} for i in range(101)]})
    assert answer.status_code == 413
    assert answer.json()["code"] == "woocommerce_rest_request_entity_too_large"
    assert client.get("/products").headers["x-wp-total"] == "32"


def test_delete_trashes_and_force_deletes_for_good(client: httpx.Client) -> None:
    trashed = client.delete("/products/47")
    assert trashed.json()["status"] == "trash"
    assert client.get("/products").headers["x-wp-total"] == "31"
    assert [p["id"] for p in client.get("/products", params={"status": "trash"}).json()] == [47]
    assert client.delete("/products/47").status_code == 410
    assert client.delete("/products/47", params={"force": "true"}).status_code == 200
    assert client.get("/products/47").json()["code"] == "woocommerce_rest_product_invalid_id"


def test_orders_go_to_the_trash_and_customers_cannot(client: httpx.Client) -> None:
    assert client.delete("/orders/66").json()["status"] == "refunded"  # the order as it was
    assert [o["id"] for o in client.get("/orders", params={"status": "trash"}).json()] == [66]
    refused = client.delete("/customers/2")
    assert (refused.status_code, refused.json()["code"]) == (501, "woocommerce_rest_trash_not_supported")
    assert client.delete("/customers/2", params={"force": "true"}).json()["id"] == 2
    assert client.get("/customers/2").json()["code"] == "wc_user_invalid_id"


def test_sku_is_unique_across_products_and_variations(client: httpx.Client) -> None:
    answer = client.post("/products", json={"name": "Kopi", "sku": "FH-HOOD-M-SORT"})
    assert answer.status_code == 400
    assert answer.json()["data"]["resource_id"] == 51
    found = client.get("/products", params={"sku": "FH-HOOD-M-SORT"}).json()
    assert [(p["id"], p["type"], p["parent_id"]) for p in found] == [(51, "variation", 49)]
    assert client.get("/products").headers["x-wp-total"] == "32"  # variations are not listed otherwise


def test_a_duplicate_customer_email_is_refused(client: httpx.Client) -> None:
    answer = client.post("/customers", json={"email": "ola.nordmann@example.test"})
    assert answer.status_code == 400
    assert answer.json()["code"] == "registration-error-email-exists"
    created = client.post("/customers", json={"email": "ny@example.test", "first_name": "Ny"})
    assert (created.status_code, created.json()["id"], created.json()["username"]) == (201, 12, "ny")


def test_posts_share_one_id_sequence(client: httpx.Client) -> None:
    product = client.post("/products", json={"name": "A"}).json()["id"]
    order = client.post("/orders", json={"line_items": [{"product_id": product, "quantity": 1}]}).json()
    refund_target = client.post(
        "/orders",
        json={"status": "completed", "set_paid": True, "line_items": [{"product_id": 11, "quantity": 1}]},
    ).json()
    refund = client.post(
        f"/orders/{refund_target['id']}/refunds", json={"amount": "1.00", "api_refund": False}
    )
    assert [product, order["id"], refund_target["id"], refund.json()["id"]] == [111, 112, 113, 114]
    assert order["number"] == "112"


def test_an_unknown_product_still_creates_the_order_with_an_empty_line(client: httpx.Client) -> None:
    answer = client.post("/orders", json={"line_items": [{"product_id": 999999, "quantity": 1}]})
    assert answer.status_code == 201
    line = answer.json()["line_items"][0]
    assert (line["product_id"], line["name"], line["total"]) == (0, "", "0.00")


def test_a_paid_order_reduces_stock_and_moves_the_products_modified_date(
    client: httpx.Client, clock: Clock
) -> None:
    before = client.get("/products/42").json()
    clock.at += timedelta(minutes=5)
    order = client.post(
        "/orders",
        json={"status": "processing", "set_paid": True, "line_items": [{"product_id": 42, "quantity": 2}]},
    )
    after = client.get("/products/42").json()
    assert after["stock_quantity"] == before["stock_quantity"] - 2
    assert after["date_modified_gmt"] == "2026-11-22T12:05:00"
    client.put(f"/orders/{order.json()['id']}", json={"status": "cancelled"})
    assert client.get("/products/42").json()["stock_quantity"] == before["stock_quantity"]


def test_date_modified_moves_on_every_change_in_site_time_and_gmt(client: httpx.Client, clock: Clock) -> None:
    clock.at = datetime(2026, 11, 22, 12, 30, 5, tzinfo=UTC)
    updated = client.put("/customers/3", json={"billing": {"phone": "+47 1"}}).json()
    assert (updated["date_modified"], updated["date_modified_gmt"]) == (
        "2026-11-22T13:30:05",
        "2026-11-22T12:30:05",
    )


def test_modified_after_is_exclusive_and_read_in_site_time_without_dates_are_gmt(
    client: httpx.Client,
) -> None:
    client.put(
        "/orders/70", json={"customer_note": "endret"}
    )  # the clock stands at 12:00:00 UTC = 13:00 Oslo

    def ids(**params: str) -> list[int]:
        return [o["id"] for o in client.get("/orders", params={**params, "per_page": 100}).json()]

    assert ids(modified_after="2026-11-22T11:59:59", dates_are_gmt="true") == [70]
    assert ids(modified_after="2026-11-22T12:00:00", dates_are_gmt="true") == []
    assert ids(modified_after="2026-11-22T12:59:59") == [70]  # read as Oslo time: one second before 13:00
    assert ids(modified_after="2026-11-22T12:59:59", dates_are_gmt="true") == []
    assert ids(modified_after="2026-11-22T11:59:59Z") == [70]  # an explicit zone is honoured
    assert 70 not in ids(modified_before="2026-11-22T12:00:00", dates_are_gmt="true")


def test_customers_ignore_modified_after(client: httpx.Client) -> None:
    answer = client.get("/customers", params={"modified_after": "2030-01-01T00:00:00", "per_page": 100})
    assert answer.headers["x-wp-total"] == "10"
    assert client.get("/customers", params={"role": "all", "per_page": 100}).headers["x-wp-total"] == "11"


def test_wc_v2_answers_the_same_routes(client: httpx.Client, woo: ServedApp) -> None:
    answer = httpx.get(f"{woo.base_url}/wp-json/wc/v2/products?per_page=2", auth=RW)
    assert answer.headers["x-wp-total"] == "32"
    assert "in_stock" in answer.json()[0]
    assert "stock_status" not in answer.json()[0]


# -- webhooks -------------------------------------------------------------------------------------------
class Receiver:
    """A loopback endpoint that keeps every delivery it gets."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        self.arrived = threading.Condition()

    async def receive(self, request: Request) -> JSONResponse:
        with self.arrived:
            self.deliveries.append((dict(request.headers), await request.body()))
            self.arrived.notify_all()
        return JSONResponse({"ok": True})

    def wait_for(self, count: int, timeout: float = 10.0) -> list[tuple[dict[str, str], bytes]]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.deliveries) >= count, timeout)
            return list(self.deliveries)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    keeper = Receiver()
    with serve(Starlette(routes=[Route("/hook", keeper.receive, methods=["POST"])])) as served:
        yield keeper, f"{served.base_url}/hook"


def test_webhooks_ping_then_deliver_signed_payloads(
    client: httpx.Client, receiver: tuple[Receiver, str]
) -> None:
    keeper, url = receiver
    hook = client.post(
        "/webhooks", json={"name": "t", "topic": "product.updated", "delivery_url": url, "secret": "s3cret"}
    ).json()
    assert "secret" not in hook
    ping_headers, ping = keeper.wait_for(1)[0]
    assert ping == f"webhook_id={hook['id']}".encode()
    assert ping_headers["content-type"] == "application/x-www-form-urlencoded"
    assert "x-wc-webhook-signature" not in ping_headers
    client.put("/products/15", json={"regular_price": "149.00"})
    headers, body = keeper.wait_for(2)[1]
    assert headers["x-wc-webhook-topic"] == "product.updated"
    assert (headers["x-wc-webhook-resource"], headers["x-wc-webhook-event"]) == ("product", "updated")
    assert headers["x-wc-webhook-id"] == str(hook["id"])
    assert len(headers["x-wc-webhook-delivery-id"]) == 32
    assert headers["x-wc-webhook-source"].endswith("/")
    expected = base64.b64encode(__import__("hmac").new(b"s3cret", body, "sha256").digest()).decode()
    assert headers["x-wc-webhook-signature"] == expected == signature("s3cret", body)
    assert json.loads(body)["regular_price"] == "149.00"


def test_a_trashed_product_delivers_only_its_id(client: httpx.Client, receiver: tuple[Receiver, str]) -> None:
    keeper, url = receiver
    client.post("/webhooks", json={"topic": "product.deleted", "delivery_url": url, "secret": "x"})
    client.delete("/products/47")
    headers, body = keeper.wait_for(2)[1]
    assert (headers["x-wc-webhook-topic"], body) == ("product.deleted", b'{"id":47}')


def test_a_new_order_delivers_created_and_updated(
    client: httpx.Client, receiver: tuple[Receiver, str]
) -> None:
    keeper, url = receiver
    for topic in ("order.created", "order.updated"):
        client.post("/webhooks", json={"topic": topic, "delivery_url": url, "secret": topic})
    order = client.post("/orders", json={"line_items": [{"product_id": 11, "quantity": 1}]}).json()
    topics = {(h["x-wc-webhook-topic"], json.loads(b)["id"]) for h, b in keeper.wait_for(4)[2:]}
    assert topics == {("order.created", order["id"]), ("order.updated", order["id"])}


# -- faults ---------------------------------------------------------------------------------------------
def set_faults(served: ServedApp, **faults: Any) -> None:
    assert httpx.post(f"{served.base_url}/__sandbox/faults", json=faults).status_code == 200


def skus(served: ServedApp, sku: str) -> int:
    set_faults(served, rate=0)
    return int(
        httpx.get(f"{served.base_url}{API}/products", params={"sku": sku}, auth=RW).headers["x-wp-total"]
    )


@pytest.mark.parametrize("kind", ["429", "500", "502", "503"])
def test_status_faults_answer_before_the_write_is_applied(woo: ServedApp, kind: str) -> None:
    set_faults(woo, rate=1, kinds=[kind], retry_after=3)
    answer = httpx.post(f"{woo.base_url}{API}/products", auth=RW, json={"name": "F", "sku": f"F-{kind}"})
    assert answer.status_code == int(kind)
    if kind in ("429", "503"):
        assert answer.headers["retry-after"] == "3"
    assert skus(woo, f"F-{kind}") == 0


def test_timeout_and_drop_faults_do_not_apply_the_write(woo: ServedApp) -> None:
    set_faults(woo, rate=1, kinds=["timeout"], timeout_s=1)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{woo.base_url}{API}/products", auth=RW, json={"name": "T", "sku": "T-1"}, timeout=0.2)
    set_faults(woo, rate=1, kinds=["drop"])
    with pytest.raises(DROPPED):
        httpx.post(f"{woo.base_url}{API}/products", auth=RW, json={"name": "D", "sku": "D-1"})
    assert skus(woo, "T-1") == skus(woo, "D-1") == 0


def test_drop_after_applies_the_write_and_loses_the_answer(woo: ServedApp) -> None:
    set_faults(woo, rate=1, kinds=["drop_after"])
    with pytest.raises(DROPPED):
        httpx.post(f"{woo.base_url}{API}/products", auth=RW, json={"name": "Lost", "sku": "LOST-1"})
    assert skus(woo, "LOST-1") == 1
    retry = httpx.post(f"{woo.base_url}{API}/products", auth=RW, json={"name": "Lost", "sku": "LOST-1"})
    assert retry.json()["code"] == "product_invalid_sku"  # a blind retry is caught by the SKU rule


def test_html_notice_puts_a_php_notice_before_the_json(woo: ServedApp) -> None:
    set_faults(woo, rate=1, kinds=["html_notice"])
    answer = httpx.get(f"{woo.base_url}{API}/products/19", auth=RW)
    assert answer.status_code == 200
    assert answer.text.startswith(HTML_NOTICE)
    assert json.loads(answer.text[len(HTML_NOTICE) :])["sku"] == "FH-1005"


def test_faults_from_create_app_and_reset_restores_the_seed(clock: Clock) -> None:
    with serve(create_app(now=clock, faults=Faults(rate=1, kinds=["503"]))) as served:
        assert httpx.get(f"{served.base_url}{API}/products", auth=RW).status_code == 503
        set_faults(served, rate=0)
        httpx.delete(f"{served.base_url}{API}/products/11", params={"force": "true"}, auth=RW)
        stats = httpx.post(f"{served.base_url}/__sandbox/reset").json()
        assert stats["seen"] == 0
        assert stats["faults"]["kinds"] == ["503"]  # back to the faults it was built with
        set_faults(served, rate=0)
        assert httpx.get(f"{served.base_url}{API}/products/11", auth=RW).json()["sku"] == "FH-1001"


def test_generate_is_deterministic_and_shaped_like_the_seed() -> None:
    one, two = (
        generate(orders=50, products=10, customers=5, seed=9),
        generate(orders=50, products=10, customers=5, seed=9),
    )
    assert [o["total"] for o in one["orders"]] == [o["total"] for o in two["orders"]]
    assert len(one["orders"]) == 41 + 50
    assert one["orders"][-1].keys() == one["orders"][0].keys()
    assert len({p["sku"] for p in one["products"]}) == len(one["products"])


def test_a_webhook_without_a_secret_signs_with_the_default_secret(
    clock: Clock, receiver: tuple[Receiver, str]
) -> None:
    keeper, url = receiver
    with serve(create_app(now=clock, webhook_secret="shop-default")) as served:
        hooks = f"{served.base_url}{API}/webhooks"
        httpx.post(hooks, auth=RW, json={"topic": "customer.created", "delivery_url": url})
        httpx.post(f"{served.base_url}{API}/customers", auth=RW, json={"email": "hook@example.test"})
        headers, body = keeper.wait_for(2)[1]
    assert headers["x-wc-webhook-signature"] == signature("shop-default", body)


def test_product_image_files_are_served_from_uploads_and_other_paths_are_a_404_page(
    client: httpx.Client, woo: ServedApp
) -> None:
    image = client.get("/products", params={"per_page": 1, "orderby": "id", "order": "asc"}).json()[0]["images"][0]
    assert image["src"].startswith(f"{woo.base_url}/wp-content/uploads/")
    served = httpx.get(image["src"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.content[:3] == b"\xff\xd8\xff" and served.content[-2:] == b"\xff\xd9"
    missing = httpx.get(f"{woo.base_url}/wp-content/uploads/2026/11/not-in-the-shop.jpg")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")


def test_a_png_image_of_a_new_product_is_served_as_a_real_png(client: httpx.Client, woo: ServedApp) -> None:
    import struct
    import zlib

    src = f"{woo.base_url}/wp-content/uploads/2026/11/lue.png"
    assert client.post("/products", json={"name": "Lue", "images": [{"src": src}]}).status_code == 201
    png = httpx.get(src).content
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    idat_length = struct.unpack(">I", png[33:37])[0]
    rows = zlib.decompress(png[41 : 41 + idat_length])
    assert (width, height, len(rows)) == (8, 8, 8 * (1 + 8 * 3))

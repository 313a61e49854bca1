"""The seed D flows end to end between the DUELL and WooCommerce sandboxes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowhub.demo import sandbox_env
from flowhub.runner import RunSummary
from flowhub.sandboxes import serve
from tests.e2e.scratch import run_flow

wc = pytest.importorskip("flowhub_woocommerce.sandbox")
du = pytest.importorskip("flowhub_duell.sandbox")
REPO = Path(__file__).resolve().parents[2]
PRODUCTS, STOCK = "duell-products-to-woocommerce", "duell-stock-to-woocommerce"
ORDERS, STATUS = "woocommerce-orders-to-duell", "duell-order-status-to-woocommerce"


@dataclass
class Pos:
    root: Path
    shop: httpx.Client
    duell_url: str

    def run(self, flow: str, **options: Any) -> RunSummary:
        return run_flow(self.root, flow, **options)

    def setting(self, flow: str, old: str, new: str) -> None:
        path = self.root / "flows" / f"{flow}.yaml"
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new))

    def duell_orders(self) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.duell_url}/__duell/orders", timeout=10).json()
        return [o for orders in answer.values() for o in orders]

    def product(self, sku: str) -> dict[str, Any] | None:
        found = self.shop.get("/products", params={"sku": sku}).json()
        return found[0] if found else None


def _pos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **duell: Any) -> Iterator[Pos]:
    shutil.copytree(REPO / "flows", tmp_path / "flows", dirs_exist_ok=True)
    shutil.copytree(REPO / "mappings", tmp_path / "mappings", dirs_exist_ok=True)
    monkeypatch.setenv("FLOWHUB_DEMO_DIR", str(tmp_path))
    with serve(wc.create_app()) as shop, serve(du.create_app(**duell)) as pos:
        settings = wc.SANDBOX.connection(shop.base_url)
        for key, value in {**sandbox_env("shop", settings),
                           **sandbox_env("pos", du.SANDBOX.connection(pos.base_url))}.items():
            monkeypatch.setenv(key, value)
        auth = (settings["consumer_key"], settings["consumer_secret"])
        with httpx.Client(base_url=f"{shop.base_url}/wp-json/wc/v3", auth=auth, timeout=30) as api:
            yield Pos(tmp_path, api, pos.base_url)


@pytest.fixture
def pos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pos]:
    yield from _pos(tmp_path, monkeypatch)


def test_products_stock_and_orders_run_twice_and_the_second_run_creates_nothing(pos: Pos) -> None:
    for flow in (PRODUCTS, STOCK, ORDERS, STATUS):
        assert pos.run(flow).exit_code == 0, flow
    refs = [o["reference_order_number"] for o in pos.duell_orders()]
    assert len(refs) == len(set(refs)) > 0
    for flow in (PRODUCTS, STOCK, ORDERS, STATUS):
        again = pos.run(flow)
        assert (again.counts["created"], again.counts["updated"], again.counts["failed"]) == (0, 0, 0), flow
    shop_order = pos.shop.get(f"/orders/{refs[0]}").json()
    assert shop_order["status"] == "on-hold"  # D5: status Y after fetching


def test_only_products_shown_in_the_web_shop_are_synced_with_campaign_prices(pos: Pos) -> None:
    pos.run(PRODUCTS)
    assert pos.product("FH-5001") is not None  # new in DUELL, shown in the web shop (D4 new products)
    assert pos.product("FH-5002") is None  # not for the web shop (D6)
    assert pos.product("FH-5003") is None  # deleted in DUELL
    campaign = pos.product("FH-1005")
    assert campaign is not None and campaign["sale_price"] == "559.00"  # D9
    assert campaign["date_on_sale_from"] is not None


def test_switching_off_prices_and_new_products_leaves_them_alone(pos: Pos) -> None:
    before = pos.product("FH-1001")
    assert before is not None
    pos.setting(PRODUCTS, "sync_prices: true", "sync_prices: false")
    pos.setting(PRODUCTS, "missing: create", "missing: skip")
    pos.run(PRODUCTS)
    after = pos.product("FH-1001")
    assert after is not None and after["regular_price"] == before["regular_price"]
    assert pos.product("FH-5001") is None


def test_a_customer_order_done_in_duell_completes_the_shop_order(pos: Pos) -> None:
    pos.run(PRODUCTS)
    sent = pos.run(ORDERS)
    assert sent.counts["created"] > 0
    shop_ids = {str(o["id"]) for o in pos.shop.get("/orders", params={"per_page": 100}).json()}
    order = next(o for o in pos.duell_orders() if o["reference_order_number"] in shop_ids)
    httpx.post(f"{pos.duell_url}/__duell/orders/{order['order_id']}/status",
               json={"purchase_order_status_id": 5}, timeout=10).raise_for_status()
    summary = pos.run(STATUS)
    assert summary.counts["updated"] == 1
    assert pos.shop.get(f"/orders/{order['reference_order_number']}").json()["status"] == "completed"


@pytest.mark.parametrize("duplicates", ["accept", "reject"])
@pytest.mark.parametrize("errors", ["http", "status_false"])
def test_no_order_reaches_duell_twice_in_any_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, duplicates: str, errors: str
) -> None:
    for pos in _pos(tmp_path, monkeypatch, duplicate_orders=duplicates, error_mode=errors):
        pos.run(PRODUCTS)
        first = pos.run(ORDERS)
        assert first.exit_code == 0
        sent = [o["reference_order_number"] for o in pos.duell_orders()]
        shutil.rmtree(pos.root / ".flowhub")  # state lost: only the reference look-up stands between us and a twin
        for order_id in sent:  # the shop offers the same orders again
            pos.shop.put(f"/orders/{order_id}", json={"status": "processing"}).raise_for_status()
        again = pos.run(ORDERS)
        assert again.counts["created"] == 0
        refs = [o["reference_order_number"] for o in pos.duell_orders()]
        assert len(refs) == len(set(refs)) == first.counts["created"]


# -- D4 switches, each on and off ----------------------------------------------------------------

def _for_the_web(product: dict[str, Any]) -> bool:
    return bool(product["sku"]) and product["status"] == "publish" and product["catalog_visibility"] != "hidden"


def _duell_product(pos: Pos, number: str) -> dict[str, Any]:
    found = httpx.get(f"{pos.duell_url}/__duell/products", params={"product_number": number}, timeout=10).json()
    assert len(found) == 1, number
    return found[0]


def _touch(pos: Pos, number: str, **changes: Any) -> None:
    product_id = _duell_product(pos, number)["product_id"]
    httpx.post(f"{pos.duell_url}/__duell/products/{product_id}", json=changes, timeout=10).raise_for_status()


def _stock(pos: Pos, number: str, department: str = "Nettbutikk") -> float:
    levels = httpx.get(f"{pos.duell_url}/__duell/stock/{number}", timeout=10).json()
    return float(levels.get(department, 0))


def _shop_order(pos: Pos, sku: str, quantity: int = 2) -> dict[str, Any]:
    product = pos.product(sku)
    assert product is not None, sku
    order = pos.shop.post("/orders", json={
        "status": "processing", "set_paid": True,
        "billing": {"first_name": "Kari", "last_name": "Nordmann", "email": "kari.switch@example.no",
                    "phone": "+47 400 11 222", "address_1": "Storgata 1", "postcode": "0155",
                    "city": "Oslo", "country": "NO"},
        "line_items": [{"product_id": product["id"], "quantity": quantity}],
    })
    order.raise_for_status()
    return order.json()


@pytest.mark.parametrize("on", [True, False])
def test_sync_product_updates_switch_decides_whether_names_follow_duell(pos: Pos, on: bool) -> None:
    pos.run(PRODUCTS)
    pos.setting(PRODUCTS, "sync_names: true", f"sync_names: {str(on).lower()}")
    before = pos.product("FH-1001")
    assert before is not None
    _touch(pos, "FH-1001", product_name="Nytt navn fra kassen")
    assert pos.run(PRODUCTS).exit_code == 0
    after = pos.product("FH-1001")
    assert after is not None
    assert after["name"] == ("Nytt navn fra kassen" if on else before["name"])


@pytest.mark.parametrize("on", [True, False])
def test_sync_images_switch_gives_an_image_only_to_a_shop_product_without_one(pos: Pos, on: bool) -> None:
    pos.setting(PRODUCTS, "sync_images: true", f"sync_images: {str(on).lower()}")
    bare = next(p for p in pos.shop.get("/products", params={"per_page": 100, "type": "simple"}).json()
                if not p["images"] and _for_the_web(p))
    pictured = next(p for p in pos.shop.get("/products", params={"per_page": 100, "type": "simple"}).json()
                    if p["images"] and _for_the_web(p))
    _touch(pos, "FH-5001", product_image="https://duell.example/img/FH-5001.jpg")
    _touch(pos, bare["sku"], product_image="https://duell.example/img/bare.jpg")
    _touch(pos, pictured["sku"], product_image="https://duell.example/img/other.jpg")
    assert pos.run(PRODUCTS).exit_code == 0
    new, filled, kept = pos.product("FH-5001"), pos.product(bare["sku"]), pos.product(pictured["sku"])
    assert new is not None and filled is not None and kept is not None
    assert [i["src"] for i in new["images"]] == (["https://duell.example/img/FH-5001.jpg"] if on else [])
    assert [i["src"] for i in filled["images"]] == (["https://duell.example/img/bare.jpg"] if on else [])
    assert [i["src"] for i in kept["images"]] == [i["src"] for i in pictured["images"]]  # never replaced
    _touch(pos, bare["sku"], product_image="https://duell.example/img/changed.jpg")
    pos.run(PRODUCTS)
    again = pos.product(bare["sku"])
    assert again is not None and [i["src"] for i in again["images"]] == [i["src"] for i in filled["images"]]


@pytest.mark.parametrize("on", [True, False])
def test_new_product_groups_switch_sets_the_category_of_new_products_only(pos: Pos, on: bool) -> None:
    pos.setting(PRODUCTS, "sync_new_product_groups: true", f"sync_new_product_groups: {str(on).lower()}")
    existing = pos.product("FH-1001")
    assert existing is not None
    assert pos.run(PRODUCTS).exit_code == 0
    new = pos.product("FH-5001")
    assert new is not None
    names = [c["name"] for c in new["categories"]]
    assert ("Sokker" in names) is on
    shop_groups = [c["name"] for c in pos.shop.get("/products/categories", params={"per_page": 100}).json()]
    assert ("Sokker" in shop_groups) is on
    after = pos.product("FH-1001")
    assert after is not None and after["categories"] == existing["categories"]  # the shop's, once it exists


@pytest.mark.parametrize("on", [True, False])
def test_sync_stock_switch_writes_only_changed_quantities_or_nothing(pos: Pos, on: bool) -> None:
    pos.run(PRODUCTS)
    pos.run(STOCK)
    if not on:
        pos.setting(STOCK, "tags: [duell]", "tags: [duell]\nenabled: false")
    httpx.post(f"{pos.duell_url}/__duell/stock", json={"product_number": "FH-1001", "quantity": 3},
               timeout=10).raise_for_status()
    summary = pos.run(STOCK)
    product = pos.product("FH-1001")
    assert product is not None
    if on:
        assert (summary.counts["updated"], product["stock_quantity"]) == (1, 3)
    else:
        assert summary.counts["read"] == 0 and product["stock_quantity"] != 3


@pytest.mark.parametrize("on", [True, False])
def test_sync_orders_switch_sends_orders_or_none(pos: Pos, on: bool) -> None:
    pos.run(PRODUCTS)
    if not on:
        pos.setting(ORDERS, "tags: [duell]", "tags: [duell]\nenabled: false")
    pos.run(ORDERS)
    assert (len(pos.duell_orders()) > 0) is on


def test_orders_from_an_order_number_leave_older_orders_alone(pos: Pos) -> None:
    pos.run(PRODUCTS)
    numbers = sorted(int(o["number"]) for o in pos.shop.get(
        "/orders", params={"status": "processing", "per_page": 100}).json())
    cut = numbers[len(numbers) // 2]
    pos.setting(ORDERS, "where: {status: [processing]}", f"where: {{status: [processing], from_number: {cut}}}")
    pos.run(ORDERS)
    sent = sorted(int(o["reference_order_number"]) for o in pos.duell_orders())
    shop = {str(o["id"]): int(o["number"]) for o in pos.shop.get("/orders", params={"per_page": 100}).json()}
    assert sent and all(shop[str(ref)] >= cut for ref in sent)
    assert len(sent) == len([n for n in numbers if n >= cut])


@pytest.mark.parametrize("kind", ["customer_order", "sales_order"])
def test_create_customer_order_switch_picks_customer_or_sales_order(pos: Pos, kind: str) -> None:
    pos.run(PRODUCTS)
    pos.setting(ORDERS, "entity: customer_order}", f"entity: {kind}}}")
    assert pos.run(ORDERS).exit_code == 0
    kinds = httpx.get(f"{pos.duell_url}/__duell/orders", timeout=10).json()
    wanted, other = ("logistics", "sale") if kind == "customer_order" else ("sale", "logistics")
    assert kinds.get(wanted) and not kinds.get(other)
    locked = [o["order_data"].get("is_locked") for o in kinds[wanted]]
    assert all(locked) if kind == "customer_order" else not any(locked)


@pytest.mark.parametrize("on", [True, False])
def test_create_unknown_products_switch_creates_them_or_the_order_waits(pos: Pos, on: bool) -> None:
    pos.run(PRODUCTS)
    product = pos.shop.post("/products", json={"name": "Bare i nettbutikken", "sku": "WEB-ONLY-1",
                                                "regular_price": "99.00", "status": "publish"}).json()
    order = _shop_order(pos, product["sku"], quantity=1)
    pos.setting(ORDERS, "create_unknown_products: false", f"create_unknown_products: {str(on).lower()}")
    summary = pos.run(ORDERS)
    refs = {o["reference_order_number"] for o in pos.duell_orders()}
    if on:
        assert str(order["id"]) in refs
        created = _duell_product(pos, "WEB-ONLY-1")
        assert created["product_name"] == "Bare i nettbutikken" and created["view_on_webshop"] is False
    else:
        assert str(order["id"]) not in refs
        assert summary.counts["waiting"] == 1  # visible, and sent once the product exists in DUELL
        httpx.post(f"{pos.duell_url}/__duell/products", json={
            "product_number": "WEB-ONLY-1", "product_name": "Bare i nettbutikken", "price_inc_vat": 99},
            timeout=10).raise_for_status()
        pos.run(ORDERS)
        assert str(order["id"]) in {o["reference_order_number"] for o in pos.duell_orders()}


@pytest.mark.parametrize(("deduct", "kind", "taken"), [
    (True, "sales_order", 2), (False, "sales_order", 0), (True, "customer_order", 0)])
def test_deduct_stock_switch_takes_sold_units_off_at_once_only_without_a_customer_order(
        pos: Pos, deduct: bool, kind: str, taken: int) -> None:
    pos.run(PRODUCTS)
    for order in pos.shop.get("/orders", params={"status": "processing", "per_page": 100}).json():
        pos.shop.put(f"/orders/{order['id']}", json={"status": "completed"}).raise_for_status()
    before = _stock(pos, "FH-1001")
    order = _shop_order(pos, "FH-1001", quantity=2)
    pos.setting(ORDERS, "deduct_stock: false", f"deduct_stock: {str(deduct).lower()}")
    pos.setting(ORDERS, "entity: customer_order}", f"entity: {kind}}}")
    assert pos.run(ORDERS).counts["created"] == 1
    assert _stock(pos, "FH-1001") == before - taken
    pos.shop.put(f"/orders/{order['id']}", json={"status": "processing"}).raise_for_status()
    pos.run(ORDERS)  # offered again: neither a second order nor a second deduction
    assert _stock(pos, "FH-1001") == before - taken
    assert [o["reference_order_number"] for o in pos.duell_orders()] == [str(order["id"])]


def test_the_buyer_is_created_once_and_both_orders_point_to_it(pos: Pos) -> None:
    pos.run(PRODUCTS)
    for order in pos.shop.get("/orders", params={"status": "processing", "per_page": 100}).json():
        pos.shop.put(f"/orders/{order['id']}", json={"status": "completed"}).raise_for_status()
    known = httpx.get(f"{pos.duell_url}/__duell/stats", timeout=10).json()["customers"]
    _shop_order(pos, "FH-1001"), _shop_order(pos, "FH-1002")
    assert pos.run(ORDERS).counts["created"] == 2
    customers = {o["order_data"].get("customer_id") for o in pos.duell_orders()}
    assert len(customers) == 1 and None not in customers
    assert httpx.get(f"{pos.duell_url}/__duell/stats", timeout=10).json()["customers"] == known + 1


def test_with_a_fifth_of_requests_failing_a_thousand_orders_arrive_exactly_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowhub.sandboxes import Faults

    seed = wc.generate(orders=1000, customers=60, products=30, seed=7)
    for order in seed["orders"]:
        order["status"] = "processing"
    faults = Faults(rate=0.2, kinds=["429", "500", "502", "503", "timeout", "drop", "drop_after"],
                    retry_after=0.01, timeout_s=0.3, seed=13)
    shutil.copytree(REPO / "flows", tmp_path / "flows", dirs_exist_ok=True)
    shutil.copytree(REPO / "mappings", tmp_path / "mappings", dirs_exist_ok=True)
    monkeypatch.setenv("FLOWHUB_DEMO_DIR", str(tmp_path))
    with serve(wc.create_app(seed=seed)) as shop, serve(du.create_app(faults=faults)) as duell:
        for key, value in {**sandbox_env("shop", wc.SANDBOX.connection(shop.base_url)),
                           **sandbox_env("pos", du.SANDBOX.connection(duell.base_url))}.items():
            monkeypatch.setenv(key, value)
        pos = Pos(tmp_path, httpx.Client(), duell.base_url)
        pos.setting(ORDERS, "create_unknown_products: false", "create_unknown_products: true")
        pos.setting(ORDERS, 'since: "2026-01-01T00:00:00"', 'since: "2000-01-01T00:00:00"')
        for _ in range(10):  # what a fault left behind goes through on the next runs
            last = pos.run(ORDERS)
            if not (last.counts["failed"] or last.counts["waiting"]):
                break
        refs = [o["reference_order_number"] for o in pos.duell_orders()]
        wanted = {str(o["id"]) for o in seed["orders"]}
        assert len(refs) == len(set(refs))  # none twice
        assert set(refs) >= wanted  # none lost
        assert last.counts["failed"] == last.counts["waiting"] == 0

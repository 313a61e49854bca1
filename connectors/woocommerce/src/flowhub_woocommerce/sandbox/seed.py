"""Seed data: the captured shop (data/shop.json) and a generator for bulk demo shops."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from flowhub_woocommerce.sandbox.orders import derive
from flowhub_woocommerce.sandbox.pricing import price_html
from flowhub_woocommerce.sandbox.store import Record, Store
from flowhub_woocommerce.sandbox.templates import new_order
from flowhub_woocommerce.sandbox.totals import build_line, compute_totals

__all__ = ["GENERATED_UNTIL", "generate", "load_seed", "snapshot"]

# Generated records are dated in the window just before the captured shop's own data.
GENERATED_UNTIL = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
STATUS_WEIGHTS = {
    "completed": 55,
    "processing": 20,
    "on-hold": 6,
    "pending": 8,
    "cancelled": 5,
    "refunded": 3,
    "failed": 3,
}
FIRST = ("Ola", "Kari", "Per", "Ingrid", "Lars", "Sofie", "Jonas", "Nora", "Emil", "Maja", "Anders", "Ida")
LAST = ("Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Berg", "Dahl", "Lund")
CITIES = (
    ("Oslo", "0150"),
    ("Bergen", "5003"),
    ("Trondheim", "7010"),
    ("Stavanger", "4006"),
    ("Tromsø", "9008"),
)
GOODS = ("Ullgenser", "Termokopp", "Kaffe", "Sitteunderlag", "Lue", "Votter", "Kokebok", "Hodelykt", "Skjerf")


def load_seed(path: Path | None = None) -> dict[str, Any]:
    """The seed document at ``path``, or the packaged captured shop."""
    if path is not None:
        return json.loads(Path(path).read_text())
    text = resources.files("flowhub_woocommerce").joinpath("data/shop.json").read_text(encoding="utf-8")
    return json.loads(text)


def snapshot(store: Store) -> dict[str, Any]:
    """The store's current data as a seed document (what `create_app(seed=...)` takes)."""
    with store.lock:
        doc = json.loads(store._seed_text)
        doc.update(
            {
                "site": store.site,
                "counters": store.counters,
                "products": list(store.products.values()),
                "variations": list(store.variations.values()),
                "customers": list(store.customers.values()),
                "coupons": list(store.coupons.values()),
                "orders": list(store.orders.values()),
                "refunds": list(store.refunds.values()),
                "order_notes": list(store.order_notes.values()),
                "categories": list(store.categories.values()),
                "tags": list(store.tags.values()),
                "attributes": list(store.attributes.values()),
                "attribute_terms": {str(k): list(v.values()) for k, v in store.terms.items()},
                "taxes": list(store.taxes.values()),
                "webhooks": list(store.webhooks.values()),
            }
        )
        return json.loads(json.dumps(doc))


def generate(
    *,
    products: int = 0,
    orders: int = 0,
    customers: int = 0,
    seed: int | None = 0,
    base: dict[str, Any] | None = None,
    days: int = 365,
) -> dict[str, Any]:
    """A seed document: the captured shop plus ``products``, ``orders`` and ``customers`` more.

    Deterministic for a given ``seed``. New records get ids from the shop's own sequences and
    dates spread evenly over ``days`` before GENERATED_UNTIL, so id order is date order. Orders
    use 1-3 lines of generated (or, when none are generated, seeded) simple products, with
    totals, tax lines and statuses computed as the sandbox computes them.
    """
    rng = random.Random(seed)
    doc = copy.deepcopy(base) if base is not None else load_seed()
    store = Store(doc, now=lambda: GENERATED_UNTIL)
    start = GENERATED_UNTIL - timedelta(days=days)
    _add_customers(store, rng, customers, start)
    _add_products(store, rng, products, start)
    _add_orders(store, rng, orders, start)
    return snapshot(store)


def _moment(start: datetime, index: int, count: int) -> datetime:
    span = (GENERATED_UNTIL - start).total_seconds()
    return start + timedelta(seconds=int(span * (index + 1) / (count + 1)))


def _stamp(store: Store, record: Record, moment: datetime, *names: str) -> None:
    for name in names:
        record[name], record[f"{name}_gmt"] = store.stamp(moment)


def _add_customers(store: Store, rng: random.Random, count: int, start: datetime) -> None:
    template = next(c for c in store.customers.values() if c["role"] == "customer")
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, postcode = rng.choice(CITIES)
        record = copy.deepcopy(template)
        record.update(
            {
                "id": store.next_id("user"),
                "email": f"kunde{i + 1}@example.test",
                "first_name": first,
                "last_name": last,
                "username": f"kunde{i + 1}",
                "meta_data": [],
                "is_paying_customer": False,
            }
        )
        address = {
            "first_name": first,
            "last_name": last,
            "company": "",
            "address_1": f"Gate {i % 200 + 1}",
            "address_2": "",
            "city": city,
            "postcode": postcode,
            "country": "NO",
            "state": "",
        }
        record["billing"] = {**address, "email": record["email"], "phone": f"+47 9{i:07d}"}
        record["shipping"] = {**address, "phone": ""}
        _stamp(store, record, _moment(start, i, count), "date_created", "date_modified")
        store.customers[record["id"]] = record


def _add_products(store: Store, rng: random.Random, count: int, start: datetime) -> None:
    template = next(p for p in store.products.values() if p["type"] == "simple" and p["status"] == "publish")
    for i in range(count):
        price = f"{rng.randrange(49, 2999)}.00"
        name = f"{rng.choice(GOODS)} {i + 1}"
        record = copy.deepcopy(template)
        record.update(
            {
                "id": store.next_id("post"),
                "name": name,
                "slug": f"generert-{i + 1}",
                "sku": f"GEN-{i + 1:06d}",
                "price": price,
                "regular_price": price,
                "sale_price": "",
                "on_sale": False,
                "date_on_sale_from": None,
                "date_on_sale_from_gmt": None,
                "date_on_sale_to": None,
                "date_on_sale_to_gmt": None,
                "stock_quantity": rng.randrange(0, 500),
                "total_sales": 0,
                "images": [],
                "meta_data": [],
                "related_ids": [],
                "global_unique_id": "",
            }
        )
        record["permalink"] = f"{{site}}/product/{record['slug']}/"
        record["stock_status"] = "instock" if record["stock_quantity"] > 0 else "outofstock"
        record["price_html"] = price_html(record)
        _stamp(store, record, _moment(start, i, count), "date_created", "date_modified")
        store.products[record["id"]] = record
        store.sku_index[record["sku"]] = record["id"]


def _add_orders(store: Store, rng: random.Random, count: int, start: datetime) -> None:
    sellable = [
        p["id"]
        for p in store.products.values()
        if p["type"] == "simple" and p["status"] == "publish" and p.get("price")
    ]
    buyers = [c for c in store.customers.values() if c["role"] == "customer"]
    statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    for i in range(count):
        moment = _moment(start, i, count)
        order = new_order(store, store.next_id("post"))
        buyer = rng.choice(buyers) if buyers and rng.random() < 0.8 else None
        order["customer_id"] = buyer["id"] if buyer else 0
        order["billing"] = {
            **order["billing"],
            **(
                buyer["billing"]
                if buyer
                else {
                    "first_name": "Gjest",
                    "last_name": f"Kunde {i}",
                    "email": f"gjest{i}@example.test",
                    "country": "NO",
                }
            ),
        }
        order["shipping"] = {k: order["billing"].get(k, "") for k in order["shipping"]}
        order["payment_method"], order["payment_method_title"] = "bacs", "Bankoverføring"
        for product_id in rng.sample(sellable, k=min(len(sellable), rng.randint(1, 3))):
            order["line_items"].append(
                build_line(store, {"product_id": product_id, "quantity": rng.randint(1, 4)})
            )
        compute_totals(store, order, [])
        order["status"] = rng.choices(statuses, weights)[0]
        _stamp(store, order, moment, "date_created", "date_modified")
        if order["status"] in ("processing", "completed", "on-hold", "refunded"):
            _stamp(store, order, moment, "date_paid")
            order["_stock_reduced"] = order["status"] != "refunded"
        if order["status"] == "completed":
            _stamp(
                store, order, moment + timedelta(hours=rng.randint(1, 72)), "date_completed", "date_modified"
            )
        for line in order["line_items"]:
            for key in [k for k in line if k.startswith("_")]:
                del line[key]
        derive(order)
        store.orders[order["id"]] = order

"""Build data/shop.json from the real WooCommerce captures (a maintainer's tool, run by hand).

The seed is the captured shop as it stood just before the first write capture (077), so every
GET capture up to 076 can be replayed against a fresh sandbox, and the later ones after
replaying the writes in order. Each collection comes from the capture that lists it in full;
what no list capture shows (tags, the colour terms, the T-shirt variations, refunds, notes of
other orders) comes from the seeding exchanges' responses.

    python -m flowhub_woocommerce.sandbox.build_seed /work/shared/realwoo \
        connectors/woocommerce/src/flowhub_woocommerce/data/shop.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SITE_HOSTS = ("https://127.0.0.1:8443", "http://127.0.0.1:8081")
SITE_TOKEN = "{site}"
OSLO = ZoneInfo("Europe/Oslo")


def _body(root: Path, name: str) -> Any:
    return json.loads((root / name).read_text())["response"]["body"]


def _clean(value: Any) -> Any:
    """Drop `_links` (rendered per request) and put the site URL token in place of the host."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k != "_links"}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, str):
        for host in SITE_HOSTS:
            value = value.replace(host, SITE_TOKEN)
    return value


def _localise(record: dict[str, Any]) -> dict[str, Any]:
    """Recompute site-local dates from their _gmt twins (early seed answers predate the timezone)."""
    for key, value in list(record.items()):
        if key.endswith("_gmt") and isinstance(value, str):
            utc = datetime.fromisoformat(value).replace(tzinfo=ZoneInfo("UTC"))
            record[key[:-4]] = utc.astimezone(OSLO).strftime("%Y-%m-%dT%H:%M:%S")
    return record


def _seed(root: Path, pattern: str) -> Iterator[tuple[dict[str, Any], Any]]:
    for path in sorted((root / "seed").glob(pattern)):
        exchange = json.loads(path.read_text())
        yield exchange["request"], exchange["response"]["body"]


def _variations(root: Path) -> list[dict[str, Any]]:
    hood = _body(root, "036-product-variations-list.json")
    tee = [_localise(body) for _, body in _seed(root, "07[456]-variable-tee-variation-*.json")]
    after_update = _body(root, "083-variation-update-price.json")
    for variation in tee:
        variation["tax_class"] = ""
        if variation["id"] == after_update["id"]:  # its stock as the later capture shows it
            variation["stock_quantity"] = after_update["stock_quantity"]
            variation["stock_status"] = after_update["stock_status"]
    return sorted(hood + tee, key=lambda v: v["id"])


def _terms(root: Path) -> dict[str, list[dict[str, Any]]]:
    colours = [body for request, body in _seed(root, "0[34]*-attr-color-term-*.json")]
    return {"1": _body(root, "040-product-attribute-terms-list.json"), "2": colours}


def _refunds_and_notes(root: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    refunds = []
    for request, body in _seed(root, "1[34]*-refund-*.json"):
        body["_order_id"] = int(request["url"].split("/orders/")[1].split("/")[0])
        refunds.append(body)
    notes = [{**note, "_order_id": 66} for note in _body(root, "076-order-notes-list.json")]
    for request, body in _seed(root, "14*-note-*.json"):
        order_id = int(request["url"].split("/orders/")[1].split("/")[0])
        if order_id != 66:
            notes.append({**body, "_order_id": order_id})
    return refunds, notes


def _orders(root: Path) -> list[dict[str, Any]]:
    orders = _body(root, "059-orders-list-all.json") + _body(
        root, "062-orders-list-status-checkout-draft.json"
    )
    for order in orders:
        order["_stock_reduced"] = order["status"] in ("processing", "completed", "on-hold")
    return sorted(orders, key=lambda o: o["id"])


def _zones(root: Path) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    locations: dict[str, list[Any]] = {"0": [], "1": [], "2": []}
    methods: dict[str, list[Any]] = {"0": [], "1": _body(root, "051-shipping-zone-methods.json"), "2": []}
    for request, body in _seed(root, "0[12]*-zone-*.json"):
        zone = request["url"].split("/zones/")[1].split("/")[0] if "/zones/" in request["url"] else ""
        if request["url"].endswith("/locations"):
            locations[zone] = body
        elif request["url"].endswith("/methods") and zone == "2":
            methods["2"].append(body)
    return locations, methods


def build(root: Path) -> dict[str, Any]:
    """The whole seed document, ids and counters as the captured shop had them."""
    refunds, notes = _refunds_and_notes(root)
    zone_locations, zone_methods = _zones(root)
    settings_products = next(body for _, body in _seed(root, "003-settings-products-batch.json"))["update"]
    shop = {
        "format": 1,
        "site": {
            "name": "Flowhub Test Shop",
            "description": "Fjordvik Handel - testbutikk",
            "timezone": "Europe/Oslo",
            "gmt_offset": 1,
            "currency": "NOK",
            "currency_symbol": "kr",
            "prices_include_tax": True,
            "version": "11.0.1",
            "wp_version": "7.0.4",
        },
        # Next ids, one sequence per WordPress table (posts are shared by products, variations,
        # coupons, orders and refunds, which is why order ids have gaps).
        "counters": {
            "post": 111,
            "user": 12,
            "term": 33,
            "comment": 151,
            "order_item": 214,
            "meta": 1700,
            "webhook": 6,
            "tax_rate": 7,
            "zone": 3,
            "method_instance": 6,
            "attribute": 3,
        },
        "index": _body(root, "117-wp-json-root-discovery.json"),
        "system_status": _body(root, "118-system-status-connection-test.json"),
        "settings": {
            "general": _body(root, "054-settings-general.json"),
            "tax": _body(root, "055-settings-tax.json"),
            "products": settings_products,
        },
        "payment_gateways": _body(root, "053-payment-gateways-list.json"),
        "taxes": _body(root, "048-taxes-list.json"),
        "tax_classes": _body(root, "049-tax-classes-list.json"),
        "shipping_zones": _body(root, "050-shipping-zones-list.json"),
        "shipping_zone_locations": zone_locations,
        "shipping_zone_methods": zone_methods,
        "shipping_methods": _body(root, "052-shipping-methods-list.json"),
        "categories": _body(root, "038-product-categories-list.json"),
        "tags": [body for _, body in _seed(root, "0[23]*-tag-*.json")],
        "attributes": _body(root, "039-product-attributes-list.json"),
        "attribute_terms": _terms(root),
        "products": sorted(_body(root, "022-products-list-all.json"), key=lambda p: p["id"]),
        "variations": _variations(root),
        "customers": sorted(_body(root, "043-customers-list-all-roles.json"), key=lambda c: c["id"]),
        "coupons": sorted(_body(root, "046-coupons-list.json"), key=lambda c: c["id"]),
        "orders": _orders(root),
        "refunds": refunds,
        "order_notes": notes,
        "webhooks": [],
    }
    _count_tags(shop)
    return _clean(shop)


def _count_tags(shop: dict[str, Any]) -> None:
    for tag in shop["tags"]:
        tag["count"] = sum(1 for p in shop["products"] if any(t["id"] == tag["id"] for t in p["tags"]))


def main(argv: list[str]) -> None:
    root, out = Path(argv[0]), Path(argv[1])
    out.write_text(json.dumps(build(root), ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])

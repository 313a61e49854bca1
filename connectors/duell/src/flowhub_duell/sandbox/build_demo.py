"""Rebuild data/demo.json: a DUELL catalogue whose product numbers are the WooCommerce sandbox's SKUs.

Run ``python -m flowhub_duell.sandbox.build_demo [shop.json]`` after the WooCommerce sandbox's
seed changes. It reads that seed (default: the flowhub_woocommerce package data, else the real
WooCommerce capture ``realwoo/022-products-list-all.json``) and writes a deterministic file,
so the demo and the tests do not depend on the other distribution being installed.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

__all__ = ["build", "main"]

HERE = Path(__file__).parent
OUT = HERE / "data" / "demo.json"
CANDIDATES = (
    HERE.parents[3] / "woocommerce" / "src" / "flowhub_woocommerce" / "data" / "shop.json",
    Path("/work/shared/realwoo/022-products-list-all.json"),
)
VAT_BY_CLASS = {"": 25, "standard": 25, "reduced-rate": 15, "zero-rate": 0}
FIRST_PRODUCT_ID = 1001


def load_shop(path: Path) -> dict[str, Any]:
    """The shop seed, or a real products capture turned into the same shape."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if "products" in data:
        return data
    body = data["response"]["body"]
    products = body if isinstance(body, list) else json.loads(body)
    return {"products": products, "variations": [], "categories": [], "customers": []}


def build(shop: dict[str, Any]) -> dict[str, Any]:
    categories = _categories(shop)
    by_name = {c["category_name"]: c["category_id"] for c in categories}
    products: list[dict[str, Any]] = []
    stock: dict[str, dict[str, dict[str, int]]] = {"Nettbutikk": {}, "Butikk Sentrum": {}}
    variations: dict[int, list[dict[str, Any]]] = {}
    for variation in shop.get("variations", []):
        variations.setdefault(variation["parent_id"], []).append(variation)
    for woo in shop["products"]:
        row = _product(woo, len(products), by_name)
        products.append(row)
        _stock(stock, row["product_number"], woo.get("stock_quantity"), len(products))
        for variation in variations.get(woo["id"], []):
            child = _variant(variation, row, len(products))
            products.append(child)
            _stock(stock, child["product_number"], variation.get("stock_quantity"), len(products))
            if not row["price_inc_vat"] or child["price_inc_vat"] < row["price_inc_vat"]:
                row["price_inc_vat"] = child["price_inc_vat"]  # a parent shows its lowest variant price
    products += _duell_only(len(products), by_name)
    for row in products[-3:]:
        _stock(stock, row["product_number"], 12, len(products))
    return {
        "about": "DUELL sandbox demo data; product numbers = WooCommerce sandbox SKUs. "
        "Built by flowhub_duell.sandbox.build_demo; do not edit by hand.",
        "departments": [
            {"name": "Nettbutikk", "token": "dept-nettbutikk-7f3a9c2e5b8d4f1a0c6e9b2d5a8f1c4e"},
            {"name": "Butikk Sentrum", "token": "dept-sentrum-2b6e1d9f4a7c0e3b8d5f2a9c6e1b4d7f"},
        ],
        "categories": categories,
        "products": products,
        "stock": stock,
        "customers": _customers(shop),
        "orders": {"sale": [], "logistics": []},
    }


def _categories(shop: dict[str, Any]) -> list[dict[str, Any]]:
    names = sorted({c["name"] for c in shop.get("categories", []) if c["name"] != "Uncategorized"})
    names += [n for n in ("Sokker", "DIVERSE") if n not in names]
    return [
        {"category_id": 11 + n, "category_name": name, "category_type": "product"}
        for n, name in enumerate(names)
    ]


def _product(woo: dict[str, Any], n: int, categories: dict[str, int]) -> dict[str, Any]:
    category = next((c["name"] for c in woo.get("categories", []) if c["name"] in categories), "DIVERSE")
    price = woo.get("regular_price") or woo.get("price") or "0"
    custom = [
        {"field_name": a["name"], "field_value": ", ".join(a.get("options", []))}
        for a in woo.get("attributes", [])
        if not a.get("variation")
    ]
    row = {
        "product_id": FIRST_PRODUCT_ID + n,
        "product_number": woo["sku"],
        "product_name": woo["name"],
        "description": _text(woo.get("short_description") or ""),
        "barcode": _barcode(woo.get("global_unique_id") or "", n),
        "category_id": categories[category],
        "category_name": category,
        "supplier_name": "Fjordvik Engros AS",
        "vatrate_percent": VAT_BY_CLASS.get(woo.get("tax_class") or "", 25),
        "price_inc_vat": _number(price),
        "cost_price": round(_number(price) * 0.4, 2),
        "stock_price": round(_number(price) * 0.4, 2),
        "special_price": _number(woo["sale_price"]) if woo.get("sale_price") else None,
        "special_price_start_date": _date(woo.get("date_on_sale_from")),
        "special_price_end_date": _date(woo.get("date_on_sale_to")),
        "view_on_webshop": woo.get("status") == "publish" and woo.get("catalog_visibility") != "hidden",
        "is_deleted": False,
        "is_parent": woo.get("type") == "variable",
        "parent_variant": 0,
        "related_product_id": 0,
        "product_image": _image(woo),
        "custom_fields": custom,
        "last_update_date": f"2026-11-20 09:{n % 60:02d}:00",
    }
    return row


def _variant(variation: dict[str, Any], parent: dict[str, Any], n: int) -> dict[str, Any]:
    attributes = variation.get("attributes", [])
    price = variation.get("regular_price") or parent["price_inc_vat"]
    return {
        **parent,
        "product_id": FIRST_PRODUCT_ID + n,
        "product_number": variation["sku"],
        "product_name": f"{parent['product_name']} {' '.join(a['option'] for a in attributes)}".strip(),
        "barcode": "",
        "price_inc_vat": _number(price),
        "cost_price": round(_number(price) * 0.4, 2),
        "stock_price": round(_number(price) * 0.4, 2),
        "special_price": _number(variation["sale_price"]) if variation.get("sale_price") else None,
        "special_price_start_date": None,
        "special_price_end_date": None,
        "is_parent": False,
        "parent_variant": parent["product_id"],
        "related_product_id": parent["product_id"],
        "custom_fields": [{"field_name": a["name"], "field_value": a["option"]} for a in attributes],
        "last_update_date": f"2026-11-20 10:{n % 60:02d}:00",
    }


def _duell_only(n: int, categories: dict[str, int]) -> list[dict[str, Any]]:
    """Products only DUELL has: a new one for the shop, one not for the web, one deleted."""
    base = {
        "description": "",
        "supplier_name": "Fjordvik Engros AS",
        "vatrate_percent": 25,
        "special_price": None,
        "special_price_start_date": None,
        "special_price_end_date": None,
        "is_deleted": False,
        "is_parent": False,
        "parent_variant": 0,
        "related_product_id": 0,
        "product_image": "",
        "custom_fields": [],
        "last_update_date": "2026-11-21 08:00:00",
    }
    rows = [
        ("FH-5001", "Ullsokker Tur", "Sokker", 179.0, True, False, "7090000050016"),
        ("FH-5002", "Gavepapir (kun butikk)", "DIVERSE", 29.0, False, False, "7090000050023"),
        ("FH-5003", "Utgått termos", "Kjøkken", 199.0, True, True, "7090000050030"),
    ]
    return [
        {
            **base,
            "product_id": FIRST_PRODUCT_ID + n + i,
            "product_number": number,
            "product_name": name,
            "barcode": barcode,
            "category_id": categories[category],
            "category_name": category,
            "price_inc_vat": price,
            "cost_price": round(price * 0.4, 2),
            "stock_price": round(price * 0.4, 2),
            "view_on_webshop": web,
            "is_deleted": deleted,
            "custom_fields": [{"field_name": "Materiale", "field_value": "Merinoull"}]
            if number == "FH-5001"
            else [],
        }
        for i, (number, name, category, price, web, deleted, barcode) in enumerate(rows)
    ]


def _stock(stock: dict[str, dict[str, dict[str, int]]], number: str, quantity: Any, n: int) -> None:
    """Web-shop department: the shop's own quantity; the store: a little of every third product."""
    stock["Nettbutikk"][number] = {"Hovedlager": int(quantity or 0)}
    if n % 3 == 0:
        stock["Butikk Sentrum"][number] = {"Butikk": 2, "Bakrom": 1}


def _customers(shop: dict[str, Any]) -> list[dict[str, Any]]:
    """Every other shop customer is known to DUELL already (by phone and e-mail)."""
    shoppers = [c for c in shop.get("customers", []) if c.get("role") == "customer"]
    return [
        {
            "customer_id": 501 + n,
            "customer_name": f"{c['first_name']} {c['last_name']}".strip(),
            "phone": _phone(c["billing"].get("phone", "")),
            "email": c["email"],
            "primary_address": c["billing"].get("address_1", ""),
            "primary_zip": c["billing"].get("postcode", ""),
            "city": c["billing"].get("city", ""),
        }
        for n, c in enumerate(shoppers)
        if n % 2 == 0
    ]


def _phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return digits[2:] if value.startswith("+47") else digits


def _barcode(ean: str, n: int) -> str:
    """One in five as GTIN-14 with a leading zero, as some DUELL clients store them."""
    return f"0{ean}" if ean and n % 5 == 4 else ean


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _number(value: Any) -> float:
    return float(value) if value not in (None, "") else 0.0


def _date(value: str | None) -> str | None:
    return value.replace("T", " ") if value else None


def _image(woo: dict[str, Any]) -> str:
    images = woo.get("images") or []
    if not images:
        return ""
    return "https://bilder.duell.example/" + images[0]["src"].rsplit("/", 1)[-1]


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    source = Path(args[0]) if args else next(p for p in CANDIDATES if p.exists())
    data = build(load_shop(source))
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT} from {source}: {len(data['products'])} products, {len(data['customers'])} customers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

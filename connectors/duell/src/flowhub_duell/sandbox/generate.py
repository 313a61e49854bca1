"""Generated DUELL catalogues of any size, deterministic, for benchmarks (e.g. 5,000 products)."""

from __future__ import annotations

import random
from typing import Any

__all__ = ["generate_products"]

_WORDS = ("Ull", "Bomull", "Tur", "Fjell", "Fjord", "Kyst", "Skog", "Vinter", "Sommer", "Nord")
_THINGS = ("genser", "lue", "votter", "sokker", "jakke", "kopp", "termos", "sekk", "kniv", "lykt")


def generate_products(
    count: int, *, first_id: int = 100001, categories: list[dict[str, Any]] | None = None, seed: int = 5000
) -> tuple[list[dict[str, Any]], dict[str, dict[str, int]]]:
    """``count`` products numbered GEN-00001…, shown in the web shop, with stock per product number."""
    rng = random.Random(seed)
    groups = categories or [{"category_id": 19, "category_name": "DIVERSE"}]
    products, stock = [], {}
    for n in range(1, count + 1):
        group = groups[n % len(groups)]
        price = float(rng.randrange(49, 2999))
        number = f"GEN-{n:05d}"
        products.append(
            {
                "product_id": first_id + n - 1,
                "product_number": number,
                "product_name": f"{rng.choice(_WORDS)}{rng.choice(_THINGS)} {n}",
                "description": "",
                "barcode": f"709{n:010d}",
                "category_id": group["category_id"],
                "category_name": group["category_name"],
                "supplier_name": "Generert AS",
                "vatrate_percent": 25,
                "price_inc_vat": price,
                "cost_price": round(price * 0.4, 2),
                "stock_price": round(price * 0.4, 2),
                "special_price": round(price * 0.8) if n % 10 == 0 else None,
                "special_price_start_date": "2026-11-01 00:00:00" if n % 10 == 0 else None,
                "special_price_end_date": "2026-12-31 23:59:59" if n % 10 == 0 else None,
                "view_on_webshop": True,
                "is_deleted": False,
                "is_parent": False,
                "parent_variant": 0,
                "related_product_id": 0,
                "product_image": "",
                "custom_fields": [],
                "last_update_date": f"2026-11-19 {n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}",
            }
        )
        stock[number] = {"Hovedlager": rng.randrange(0, 200)}
    return products, stock

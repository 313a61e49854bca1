"""Benchmark: a realistic order mapping against the same mapping written by hand in Python.

Run: python bench/bench_mapping.py [--records N]
Prints records/s for both and the line ``mapping/handwritten ratio: X.XX`` (goal: <= 2).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flowhub.functions import date, money
from flowhub.mapping import load_mapping

MAPPING = """\
fields:
  order_number: "{{ source.number }}"
  external_id: "{{ source.id }}"
  status: "{{ source.status | value_map('order_status') }}"
  order_date: "{{ source.date_created | date }}"
  currency: "{{ source.currency }}"
  origin: woocommerce
  customer:
    name: "{{ source.billing.first_name }} {{ source.billing.last_name }}"
    company: "{{ source.billing.company }}"
    email: "{{ source.billing.email | lower }}"
    phone: "{{ source.billing.phone }}"
    address: "{{ source.billing.address_1 }}"
    postcode: "{{ source.billing.postcode }}"
    city: "{{ source.billing.city }}"
    country: "{{ source.billing.country }}"
  vat_code: "{{ lookup('tax_code_by_country', source.billing.country) }}"
  payment_method: "{{ source.payment_method }}"
  total: "{{ source.total | money }}"
  note: "{{ source.customer_note or omit }}"
  lines:
    each: "{{ source.line_items }}"
    as: line
    fields:
      sku: "{{ line.sku }}"
      description: "{{ line.name }}"
      quantity: "{{ line.quantity }}"
      unit_price: "{{ line.price | money }}"
      line_total: "{{ line.total | money }}"
value_maps:
  order_status:
    map: {completed: Completed, refunded: Completed, cancelled: Cancelled, failed: Cancelled}
    default: Pending
lookups:
  tax_code_by_country: {NO: "3", SE: "50", DK: "50"}
"""

STATUS = {"completed": "Completed", "refunded": "Completed", "cancelled": "Cancelled", "failed": "Cancelled"}
TAX_CODE = {"NO": "3", "SE": "50", "DK": "50"}


def handwritten(order: dict[str, Any]) -> dict[str, Any]:
    """What a developer would write instead of the mapping file."""
    billing = order["billing"]
    out = {
        "order_number": order["number"],
        "external_id": order["id"],
        "status": STATUS.get(order["status"], "Pending"),
        "order_date": date(order["date_created"]),
        "currency": order["currency"],
        "origin": "woocommerce",
        "customer": {
            "name": f"{billing['first_name'] or ''} {billing['last_name'] or ''}",
            "company": billing["company"],
            "email": billing["email"].lower() if billing["email"] is not None else None,
            "phone": billing["phone"],
            "address": billing["address_1"],
            "postcode": billing["postcode"],
            "city": billing["city"],
            "country": billing["country"],
        },
        "vat_code": TAX_CODE[billing["country"]],
        "payment_method": order["payment_method"],
        "total": money(order["total"]),
    }
    if order["customer_note"]:
        out["note"] = order["customer_note"]
    out["lines"] = [
        {"sku": line["sku"], "description": line["name"], "quantity": line["quantity"],
         "unit_price": money(line["price"]), "line_total": money(line["total"])}
        for line in order["line_items"]
    ]
    return out


def make_orders(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    statuses = ["completed", "processing", "on-hold", "cancelled", "refunded"]
    return [_order(i, rng, statuses) for i in range(count)]


def _order(i: int, rng: random.Random, statuses: list[str]) -> dict[str, Any]:
    lines = [_line(i, n, rng) for n in range(rng.randint(1, 5))]
    total = sum(float(line["total"]) for line in lines)
    return {
        "id": 1000 + i, "number": str(1000 + i), "status": rng.choice(statuses), "currency": "NOK",
        "date_created": f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:{rng.randint(10, 59)}:00",
        "date_modified": "2024-10-01T12:00:00", "total": f"{total:.2f}", "total_tax": f"{total * 0.2:.2f}",
        "shipping_total": "49.00", "discount_total": "0.00", "customer_id": rng.randint(0, 500),
        "customer_note": rng.choice(["", "", "Leave at the door"]), "payment_method": "klarna",
        "payment_method_title": "Klarna", "transaction_id": f"tx-{i}", "prices_include_tax": True,
        "billing": _address(i, rng), "shipping": _address(i, rng), "line_items": lines,
        "meta_data": [{"id": 1, "key": "_wc_order_attribution", "value": "direct"}],
    }


def _address(i: int, rng: random.Random) -> dict[str, Any]:
    return {"first_name": "Kari", "last_name": f"Nordmann{i}", "company": rng.choice(["", "Acme AS"]),
            "address_1": f"Storgata {rng.randint(1, 99)}B", "address_2": "", "city": "Oslo",
            "postcode": "0155", "country": rng.choice(["NO", "SE", "DK"]), "email": f"KARI{i}@Example.no",
            "phone": "+47 22 00 00 00"}


def _line(i: int, n: int, rng: random.Random) -> dict[str, Any]:
    quantity, price = rng.randint(1, 4), rng.randint(50, 5000) / 10
    return {"id": i * 10 + n, "name": f"Product {n}", "product_id": 100 + n, "variation_id": 0,
            "quantity": quantity, "sku": f"SKU-{n}", "price": price, "subtotal": f"{quantity * price:.2f}",
            "total": f"{quantity * price:.2f}", "total_tax": f"{quantity * price * 0.25:.2f}"}


def _rate(fn: Callable[[dict[str, Any]], Any], orders: list[dict[str, Any]], rounds: int = 3) -> float:
    """Records per second, the best of ``rounds`` passes (the least disturbed by the machine)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for order in orders:
            fn(order)
        best = min(best, time.perf_counter() - start)
    return len(orders) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="how many orders to map")
    args = parser.parse_args()
    orders = make_orders(args.records)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "order.yaml"
        path.write_text(MAPPING, encoding="utf-8")
        mapping = load_mapping(path)

    def mapped(order: dict[str, Any]) -> dict[str, Any]:
        return mapping.apply(order, mode="create")

    for order in orders[:1000]:
        assert mapped(order) == handwritten(order), (mapped(order), handwritten(order))
    mapping_rate, hand_rate = _rate(mapped, orders), _rate(handwritten, orders)
    print(f"records: {len(orders)}")
    print(f"mapping:     {mapping_rate:12,.0f} records/s")
    print(f"handwritten: {hand_rate:12,.0f} records/s")
    print(f"mapping/handwritten ratio: {hand_rate / mapping_rate:.2f}")


if __name__ == "__main__":
    main()

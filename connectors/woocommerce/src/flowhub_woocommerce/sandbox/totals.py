"""Order lines and totals the way a shop with tax-inclusive prices computes them.

Prices are entered including tax (as in the captured Norwegian shop), tax follows the billing
country (the shop's base country when there is none), and a fixed-cart coupon is spread evenly
over the units in the cart, which is how WooCommerce split ``sommer100`` in capture 097.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flowhub_woocommerce.sandbox.errors import WooError
from flowhub_woocommerce.sandbox.pricing import money, php_float, to_decimal
from flowhub_woocommerce.sandbox.store import Record, Store

__all__ = ["TaxRate", "build_line", "compute_totals", "find_rate"]

CENT = Decimal("0.01")


@dataclass(frozen=True)
class TaxRate:
    id: int
    rate: Decimal  # 0.25 for 25 %
    record: Record


def _country(store: Store, order: Mapping[str, Any]) -> str:
    country = (order.get("billing") or {}).get("country")
    if country:
        return str(country)
    general = {s["id"]: s.get("value") for s in store.settings.get("general", [])}
    return str(general.get("woocommerce_default_country", "")).split(":")[0]


def find_rate(store: Store, country: str, tax_class: str) -> TaxRate | None:
    """The first tax rate for the country and class ('' and 'parent' mean standard)."""
    wanted = "standard" if tax_class in ("", "parent", "standard") else tax_class
    candidates = [
        t
        for t in store.taxes.values()
        if t.get("class", "standard") == wanted and t.get("country", "") in (country, "")
    ]
    candidates.sort(
        key=lambda t: (t.get("country", "") == "", t.get("priority", 1), t.get("order", 0), t["id"])
    )
    if not candidates:
        return None
    chosen = candidates[0]
    return TaxRate(chosen["id"], to_decimal(chosen["rate"]) / 100, chosen)


def _split(incl: Decimal, rate: TaxRate | None) -> tuple[Decimal, Decimal]:
    """(net, tax) of a tax-inclusive amount."""
    if rate is None:
        return incl, Decimal(0)
    tax = (incl * rate.rate / (1 + rate.rate)).quantize(CENT)
    return incl - tax, tax


def _product_for(store: Store, item: Mapping[str, Any]) -> tuple[Record | None, Record | None]:
    """(product, variation) a request line names by product_id, variation_id or sku."""
    variation = store.variations.get(int(item.get("variation_id") or 0))
    product = store.products.get(int(item.get("product_id") or 0))
    if item.get("sku") and product is None and variation is None:
        holder = store.sku_index.get(str(item["sku"]))
        variation = store.variations.get(holder or 0)
        product = store.products.get(holder or 0)
    if variation is not None:
        product = store.products.get(variation["parent_id"])
    if product is not None and product.get("type") == "variation":
        return None, None
    return product, variation


def build_line(store: Store, item: Mapping[str, Any]) -> Record:
    """A line item from a request line; an unknown product gives an empty line, as WooCommerce does."""
    product, variation = _product_for(store, item)
    source = variation or product
    quantity = int(float(item.get("quantity") or 1))
    line: Record = {
        "id": store.next_id("order_item"),
        "name": "",
        "product_id": 0,
        "variation_id": 0,
        "quantity": quantity,
        "tax_class": "",
        "subtotal": "0.00",
        "subtotal_tax": "0.00",
        "total": "0.00",
        "total_tax": "0.00",
        "taxes": [],
        "meta_data": [],
        "sku": None,
        "global_unique_id": None,
        "price": 0,
        "image": {"id": 0, "src": ""},
        "parent_name": None,
        "_unit": "0",
        "_taxable": True,
        "_given_total": item.get("total"),
        "_given_subtotal": item.get("subtotal"),
    }
    if source is None or product is None:
        return line
    options = ", ".join(str(a.get("option", "")) for a in (variation or {}).get("attributes", []))
    tax_class = source.get("tax_class", "")
    line.update(
        {
            "name": f"{product['name']} - {options}" if variation and options else product["name"],
            "product_id": product["id"],
            "variation_id": variation["id"] if variation else 0,
            "tax_class": product.get("tax_class", "") if tax_class == "parent" else tax_class,
            "sku": source.get("sku", ""),
            "global_unique_id": source.get("global_unique_id", ""),
            "image": _line_image(product, variation),
            "parent_name": product["name"] if variation else None,
            "_unit": str(item.get("price") or source.get("price") or "0"),
            "_taxable": source.get("tax_status", "taxable") == "taxable",
        }
    )
    for attribute in (variation or {}).get("attributes", []):
        line["meta_data"].append(
            {
                "id": store.next_id("meta"),
                "key": attribute["slug"],
                "value": attribute["option"].casefold(),
                "display_key": attribute["name"],
                "display_value": attribute["option"],
            }
        )
    return line


def _line_image(product: Record, variation: Record | None) -> Record:
    image = (variation or {}).get("image") or (product.get("images") or [None])[0]
    return {"id": image["id"], "src": image["src"]} if image else {"id": "", "src": ""}


def _unit(line: Record) -> Decimal:
    """The tax-inclusive unit price of a line (stored lines carry it as their subtotal)."""
    if "_unit" in line:
        return to_decimal(line["_unit"])
    gross = to_decimal(line.get("subtotal")) + to_decimal(line.get("subtotal_tax"))
    return gross / line["quantity"] if line.get("quantity") else Decimal(0)


def _discounts(store: Store, lines: Sequence[Record], coupons: Sequence[Record]) -> dict[int, Decimal]:
    """Tax-inclusive discount per line id, from the order's coupons."""
    discount: dict[int, Decimal] = {line["id"]: Decimal(0) for line in lines}
    for coupon in coupons:
        eligible = [line for line in lines if _coupon_applies(store, coupon, line)]
        amount = to_decimal(coupon.get("amount"))
        kind = coupon.get("discount_type", "fixed_cart")
        units = sum(line["quantity"] for line in eligible) or 1
        for line in eligible:
            gross = _unit(line) * line["quantity"] - discount[line["id"]]
            if kind == "percent":
                share = (gross * amount / 100).quantize(CENT)
            elif kind == "fixed_product":
                share = amount * line["quantity"]
            else:
                share = (amount * line["quantity"] / units).quantize(CENT)
            discount[line["id"]] += min(share, gross)
    return discount


def _coupon_applies(store: Store, coupon: Record, line: Record) -> bool:
    if not line["product_id"]:
        return False
    product = store.products.get(line["product_id"], {})
    ids = coupon.get("product_ids") or []
    categories = coupon.get("product_categories") or []
    if line["product_id"] in (coupon.get("excluded_product_ids") or []):
        return False
    in_ids = not ids or line["product_id"] in ids or line["variation_id"] in ids
    in_categories = not categories or any(c["id"] in categories for c in product.get("categories", []))
    return in_ids and in_categories


def check_coupons(store: Store, lines: Sequence[Record], coupons: Sequence[Record]) -> None:
    for coupon in coupons:
        restricted = coupon.get("product_ids") or coupon.get("product_categories")
        if restricted and not any(_coupon_applies(store, coupon, line) for line in lines):
            raise WooError(
                400,
                "woocommerce_rest_invalid_coupon",
                f"Sorry, coupon &quot;{coupon['code']}&quot; is not applicable to selected products.",
            )


def _tax_entry(rate: TaxRate | None, total: Decimal, subtotal: Decimal | str) -> list[Record]:
    if rate is None:
        return []
    return [
        {
            "id": rate.id,
            "total": money(total),
            "subtotal": subtotal if isinstance(subtotal, str) else money(subtotal),
        }
    ]


def compute_totals(store: Store, order: Record, coupons: Sequence[Record]) -> None:
    """Recompute every line's and the order's totals, tax lines and coupon lines in place."""
    country = _country(store, order)
    discount = _discounts(store, order["line_items"], coupons)
    by_rate: dict[int, list[Decimal]] = {}  # rate id -> [cart tax, shipping tax]
    rates: dict[int, TaxRate] = {}

    def add(rate: TaxRate | None, cart: Decimal, shipping: Decimal) -> None:
        if rate is not None:
            rates[rate.id] = rate
            sums = by_rate.setdefault(rate.id, [Decimal(0), Decimal(0)])
            sums[0] += cart
            sums[1] += shipping

    net_items = item_tax = disc_net = disc_tax = Decimal(0)
    for line in order["line_items"]:
        rate = find_rate(store, country, line["tax_class"]) if line.get("_taxable", True) else None
        gross = _unit(line) * line["quantity"]
        sub_net, sub_tax = _split(gross, rate)
        net, tax = _split(gross - discount[line["id"]], rate)
        if line.get("_given_total") not in (None, ""):
            net = to_decimal(line["_given_total"])
            tax = (net * rate.rate).quantize(CENT) if rate else Decimal(0)
            sub_net, sub_tax = (
                (net, tax)
                if line.get("_given_subtotal") in (None, "")
                else (
                    to_decimal(line["_given_subtotal"]),
                    (to_decimal(line["_given_subtotal"]) * (rate.rate if rate else 0)).quantize(CENT),
                )
            )
        line.update(
            {
                "subtotal": money(sub_net),
                "subtotal_tax": money(sub_tax),
                "total": money(net),
                "total_tax": money(tax),
                "taxes": _tax_entry(rate, tax, sub_tax),
                "price": php_float(float(net / line["quantity"])) if line["quantity"] else 0,
            }
        )
        net_items, item_tax = net_items + net, item_tax + tax
        disc_net, disc_tax = disc_net + sub_net - net, disc_tax + sub_tax - tax
        add(rate, tax, Decimal(0))
    ship_net = ship_tax = Decimal(0)
    for line in order["shipping_lines"]:
        rate = find_rate(store, country, "") if line.get("tax_status", "taxable") == "taxable" else None
        net = to_decimal(line["total"])
        tax = (net * rate.rate).quantize(CENT) if rate else Decimal(0)
        line.update({"total": money(net), "total_tax": money(tax), "taxes": _tax_entry(rate, tax, "")})
        ship_net, ship_tax = ship_net + net, ship_tax + tax
        add(rate, Decimal(0), tax)
    fee_net = fee_tax = Decimal(0)
    for line in order["fee_lines"]:
        rate = (
            find_rate(store, country, line.get("tax_class", ""))
            if line.get("tax_status") == "taxable"
            else None
        )
        net = to_decimal(line["total"])
        tax = (net * rate.rate).quantize(CENT) if rate else Decimal(0)
        line.update({"total": money(net), "total_tax": money(tax), "taxes": _tax_entry(rate, tax, "")})
        fee_net, fee_tax = fee_net + net, fee_tax + tax
        add(rate, tax, Decimal(0))
    _coupon_lines(store, order, coupons, disc_net, disc_tax)
    order["tax_lines"] = [_tax_line(store, rates[rid], sums) for rid, sums in sorted(by_rate.items())]
    cart_tax = item_tax + fee_tax
    order.update(
        {
            "discount_total": money(disc_net),
            "discount_tax": money(disc_tax),
            "shipping_total": money(ship_net),
            "shipping_tax": money(ship_tax),
            "cart_tax": money(cart_tax),
            "total_tax": money(cart_tax + ship_tax),
            "total": money(net_items + item_tax + ship_net + ship_tax + fee_net + fee_tax),
        }
    )


def _coupon_lines(store: Store, order: Record, coupons: Sequence[Record], net: Decimal, tax: Decimal) -> None:
    existing = {c["code"]: c for c in order.get("coupon_lines", [])}
    lines = []
    for coupon in coupons:
        line = existing.get(coupon["code"]) or {"id": store.next_id("order_item")}
        amount = to_decimal(coupon.get("amount"))
        nominal = php_float(float(amount))
        info = json.dumps([coupon["id"], coupon["code"], None, nominal], separators=(",", ":"))
        share = Decimal(1) / len(coupons)
        lines.append(
            {
                "id": line["id"],
                "code": coupon["code"],
                "discount": money(net * share),
                "discount_tax": money(tax * share),
                "meta_data": [
                    {
                        "id": store.next_id("meta"),
                        "key": "coupon_info",
                        "value": info,
                        "display_key": "coupon_info",
                        "display_value": info,
                    }
                ],
                "discount_type": coupon.get("discount_type", "fixed_cart"),
                "nominal_amount": php_float(float(amount)),
                "free_shipping": bool(coupon.get("free_shipping")),
            }
        )
    order["coupon_lines"] = lines


def _tax_line(store: Store, rate: TaxRate, sums: list[Decimal]) -> Record:
    name = str(rate.record.get("name", ""))
    upper = "".join(c.upper() if c.isascii() else c for c in name)
    percent = float(rate.rate * 100)
    return {
        "id": store.next_id("order_item"),
        "rate_code": f"{rate.record.get('country', '')}-{upper}-{rate.record.get('priority', 1)}",
        "rate_id": rate.id,
        "label": name,
        "compound": bool(rate.record.get("compound")),
        "tax_total": money(sums[0]),
        "shipping_tax_total": money(sums[1]),
        "rate_percent": php_float(percent),
        "meta_data": [],
    }

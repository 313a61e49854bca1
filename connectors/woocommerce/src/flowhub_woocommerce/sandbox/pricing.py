"""Prices, stock status and the little derived fields WooCommerce computes on every save."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flowhub_woocommerce.sandbox.store import Record, Store

__all__ = ["apply_stock", "money", "php_float", "price_html", "refresh_price", "to_decimal"]

_CURRENCY = '<span class="woocommerce-Price-currencySymbol" translate="no">&#107;&#114;</span>'


def to_decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except ArithmeticError:
        return Decimal(0)


def money(value: Decimal | float | int) -> str:
    """A money string with two decimals, rounded half up as PHP's round() does."""
    return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def php_float(value: float) -> float | int:
    """A float as PHP's json_encode writes it: 60.0 is written 60."""
    return int(value) if float(value).is_integer() else value


def _amount(value: str) -> str:
    number = money(to_decimal(value))
    whole, cents = number.split(".")
    grouped = f"{int(whole):,}".replace(",", "&nbsp;") if whole.lstrip("-").isdigit() else whole
    return (
        f'<span class="woocommerce-Price-amount amount"><bdi>{grouped},{cents}&nbsp;{_CURRENCY}</bdi></span>'
    )


def price_html(record: Record) -> str:
    """The shop's price HTML: the price, or the struck-out regular price next to the sale price."""
    if record.get("price") in (None, ""):
        return ""
    if record.get("on_sale") and record.get("regular_price"):
        regular, sale = _amount(record["regular_price"]), _amount(record["price"])
        return (
            f'<del aria-hidden="true">{regular}</del> <span class="screen-reader-text">Original price'
            f' was: {money(to_decimal(record["regular_price"]))}.</span><ins aria-hidden="true">{sale}'
            f'</ins><span class="screen-reader-text">Current price is: {money(to_decimal(record["price"]))}.'
            "</span>"
        )
    return _amount(record["price"])


def refresh_price(store: Store, record: Record) -> None:
    """``price`` and ``on_sale`` from regular/sale price and the sale window, as of now."""
    sale = record.get("sale_price") or ""
    now = store.now().strftime("%Y-%m-%dT%H:%M:%S")
    starts, ends = record.get("date_on_sale_from_gmt"), record.get("date_on_sale_to_gmt")
    in_window = (not starts or starts <= now) and (not ends or ends >= now)
    record["on_sale"] = bool(sale) and in_window
    record["price"] = sale if record["on_sale"] else (record.get("regular_price") or "")
    if "price_html" in record:
        record["price_html"] = price_html(record)
    if "purchasable" in record:
        record["purchasable"] = record["price"] != "" and record.get("status", "publish") != "trash"


def apply_stock(record: Record) -> None:
    """stock_status, backorders_allowed and backordered from the managed quantity."""
    record["backorders_allowed"] = record.get("backorders") in ("yes", "notify")
    managed = record.get("manage_stock") is True
    quantity = record.get("stock_quantity")
    if managed and isinstance(quantity, int):
        if quantity > 0:
            record["stock_status"] = "instock"
        else:
            record["stock_status"] = "onbackorder" if record["backorders_allowed"] else "outofstock"
    record["backordered"] = (
        managed and isinstance(quantity, int) and quantity < 0 and record["backorders_allowed"]
    )

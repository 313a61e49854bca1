"""Orders, their lines, refunds and notes."""

from __future__ import annotations

from pydantic import Field

from flowhub_woocommerce.models.base import DecimalNumber, Money, MoneyNumber, WooDateTime, WooRecord
from flowhub_woocommerce.models.common import Links, WooMetaData
from flowhub_woocommerce.models.customers import WooBillingAddress, WooShippingAddress

__all__ = [
    "WooCouponLine",
    "WooFeeLine",
    "WooLineImage",
    "WooLineItem",
    "WooLineTax",
    "WooOrder",
    "WooOrderNote",
    "WooOrderRefundRef",
    "WooRefund",
    "WooShippingLine",
    "WooTaxLine",
]


class WooLineTax(WooRecord):
    """One tax rate's share of a line (``taxes[]``): rate ``id`` with total and subtotal."""

    id: int | None = None
    total: Money = None
    subtotal: Money = None


class WooLineImage(WooRecord):
    """The product image on an order line; ``id`` is an int, or "" / a numeric string."""

    id: int | str | None = None
    src: str | None = None


class WooLineItem(WooRecord):
    """A product line of an order or refund.

    ``price`` is the unit price after discounts and is the one money field WooCommerce sends
    as a JSON number; it stays a number on output.
    """

    id: int | None = None
    name: str | None = None
    parent_name: str | None = None
    product_id: int | None = None
    variation_id: int | None = None
    quantity: int | float | None = None
    tax_class: str | None = None
    subtotal: Money = None
    subtotal_tax: Money = None
    total: Money = None
    total_tax: Money = None
    taxes: list[WooLineTax] | None = None
    meta_data: list[WooMetaData] | None = None
    sku: str | None = None
    global_unique_id: str | None = None
    price: MoneyNumber = None
    image: WooLineImage | None = None


class WooShippingLine(WooRecord):
    """A shipping line: method (``method_id``, ``instance_id``), cost and tax."""

    id: int | None = None
    method_title: str | None = None
    method_id: str | None = None
    instance_id: str | None = None
    total: Money = None
    total_tax: Money = None
    taxes: list[WooLineTax] | None = None
    tax_status: str | None = None
    meta_data: list[WooMetaData] | None = None


class WooFeeLine(WooRecord):
    """A fee line (e.g. invoice fee); ``amount`` is write-side and usually ""."""

    id: int | None = None
    name: str | None = None
    tax_class: str | None = None
    tax_status: str | None = None
    amount: Money = None
    total: Money = None
    total_tax: Money = None
    taxes: list[WooLineTax] | None = None
    meta_data: list[WooMetaData] | None = None


class WooCouponLine(WooRecord):
    """A coupon used on the order; ``nominal_amount`` is a JSON number."""

    id: int | None = None
    code: str | None = None
    discount: Money = None
    discount_tax: Money = None
    discount_type: str | None = None
    nominal_amount: MoneyNumber = None
    free_shipping: bool | None = None
    meta_data: list[WooMetaData] | None = None


class WooTaxLine(WooRecord):
    """A tax rate's total on the order; ``rate_percent`` is a JSON number."""

    id: int | None = None
    rate_code: str | None = None
    rate_id: int | None = None
    label: str | None = None
    compound: bool | None = None
    tax_total: Money = None
    shipping_tax_total: Money = None
    rate_percent: DecimalNumber = None
    meta_data: list[WooMetaData] | None = None


class WooOrderRefundRef(WooRecord):
    """A refund as the order lists it (``refunds[]``); totals are negative."""

    id: int | None = None
    reason: str | None = None
    total: Money = None
    total_tax: Money = None


class WooOrder(WooRecord):
    """An order (HPOS or posts storage alike); the incremental cursor is ``date_modified_gmt``."""

    id: int | None = None
    parent_id: int | None = None
    number: str | None = None
    order_key: str | None = None
    created_via: str | None = None
    version: str | None = None
    status: str | None = None
    currency: str | None = None
    currency_symbol: str | None = None
    prices_include_tax: bool | None = None
    date_created: WooDateTime = None
    date_created_gmt: WooDateTime = None
    date_modified: WooDateTime = None
    date_modified_gmt: WooDateTime = None
    date_completed: WooDateTime = None
    date_completed_gmt: WooDateTime = None
    date_paid: WooDateTime = None
    date_paid_gmt: WooDateTime = None
    discount_total: Money = None
    discount_tax: Money = None
    shipping_total: Money = None
    shipping_tax: Money = None
    cart_tax: Money = None
    total: Money = None
    total_tax: Money = None
    customer_id: int | None = None
    customer_ip_address: str | None = None
    customer_user_agent: str | None = None
    customer_note: str | None = None
    billing: WooBillingAddress | None = None
    shipping: WooShippingAddress | None = None
    payment_method: str | None = None
    payment_method_title: str | None = None
    transaction_id: str | None = None
    set_paid: bool | None = None  # write-only: mark paid on create
    cart_hash: str | None = None
    payment_url: str | None = None
    is_editable: bool | None = None
    needs_payment: bool | None = None
    needs_processing: bool | None = None
    meta_data: list[WooMetaData] | None = None
    line_items: list[WooLineItem] | None = None
    tax_lines: list[WooTaxLine] | None = None
    shipping_lines: list[WooShippingLine] | None = None
    fee_lines: list[WooFeeLine] | None = None
    coupon_lines: list[WooCouponLine] | None = None
    refunds: list[WooOrderRefundRef] | None = None
    links: Links | None = Field(default=None, alias="_links")


class WooRefund(WooRecord):
    """A refund of an order (``/orders/{id}/refunds``); ``amount`` is positive, lines negative."""

    id: int | None = None
    date_created: WooDateTime = None
    date_created_gmt: WooDateTime = None
    amount: Money = None
    reason: str | None = None
    refunded_by: int | None = None
    refunded_payment: bool | None = None
    api_refund: bool | None = None  # write-only: also refund through the gateway
    api_restock: bool | None = None  # write-only: put the items back in stock
    meta_data: list[WooMetaData] | None = None
    line_items: list[WooLineItem] | None = None
    tax_lines: list[WooTaxLine] | None = None
    shipping_lines: list[WooShippingLine] | None = None
    fee_lines: list[WooFeeLine] | None = None
    links: Links | None = Field(default=None, alias="_links")


class WooOrderNote(WooRecord):
    """A note on an order; ``customer_note`` true means the customer was e-mailed it."""

    id: int | None = None
    author: str | None = None
    date_created: WooDateTime = None
    date_created_gmt: WooDateTime = None
    note: str | None = None
    customer_note: bool | None = None
    added_by_user: bool | None = None  # write-only: note shown as written by the API user
    links: Links | None = Field(default=None, alias="_links")

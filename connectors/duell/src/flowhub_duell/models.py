"""Wire types of the DUELL API: products, categories, stock, customers, orders, with wire names.

DUELL sends numbers as JSON numbers or numeric strings, dates as naive ``Y-m-d H:i:s`` text,
and ids sometimes as strings (``"product_id": "12"`` in stock rows). These models read all of
that, keep every field they do not know (``extra="allow"``), and dump back in DUELL's spelling.
Prices are VAT-inclusive unless the field says ``ex_vat``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, field_validator

from flowhub.connector import ApiRecord

__all__ = [
    "ORDER_STATUSES",
    "Address",
    "Amount",
    "CustomField",
    "CustomerOrder",
    "CustomerOrderData",
    "DuellCategory",
    "DuellCustomer",
    "DuellDateTime",
    "DuellProduct",
    "OrderData",
    "OrderLine",
    "SalesOrder",
    "StockAdjustment",
    "StockLevel",
    "StockLocation",
    "number_json",
]

ORDER_STATUSES: dict[int, str] = {
    1: "Behandles",
    2: "Venter",
    3: "Sendt",
    4: "Mottatt",
    5: "Fullført",
    6: "Fakturert",
    7: "Betalt",
    8: "Kansellert",
    9: "Under bestilling",
    10: "Klar for plukking",
    11: "Ferdig plukket",
}
"""purchase_order_status_id of a customer order (kundeordre), as DUELL's own plugin lists them."""

WIRE_DATE = "%Y-%m-%d %H:%M:%S"


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and value.strip() == "" else value


def _to_decimal(value: Any) -> Any:
    """Floats through their shortest repr (709.2, not binary noise); "12,50" with a comma too."""
    if isinstance(value, bool):
        raise ValueError("a number cannot be a boolean")
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        return value.strip().replace(",", ".")
    return value


def number_json(value: Decimal) -> int | float:
    """A Decimal as a JSON number: an int when it is whole (100), else a float (99.5)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _to_text(value: Any) -> Any:
    """Product numbers and barcodes are text; a number on the wire keeps its digits."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


def _parse_wire_date(value: Any) -> Any:
    value = _blank_to_none(value)
    if isinstance(value, str) and value.startswith("0000-00-00"):
        return None  # MySQL's "no date"
    return value


Amount = Annotated[
    Decimal | None,
    BeforeValidator(_to_decimal),
    BeforeValidator(_blank_to_none),
    PlainSerializer(number_json, return_type=int | float, when_used="json-unless-none"),
]
"""A number (price, VAT rate, quantity): read as Decimal, written as a JSON number."""

Text = Annotated[str | None, BeforeValidator(_to_text)]
"""Text that DUELL may send as a number (product numbers, barcodes)."""

DuellDateTime = Annotated[
    datetime | None,
    BeforeValidator(_parse_wire_date),
    PlainSerializer(lambda d: d.strftime(WIRE_DATE), return_type=str, when_used="json-unless-none"),
]
"""A naive ``Y-m-d H:i:s`` date in DUELL's local time (Europe/Oslo)."""

Id = Annotated[int | None, BeforeValidator(_blank_to_none)]


class CustomField(ApiRecord):
    """A DUELL custom field (egendefinert felt) on a product: name -> shop attribute, value -> term."""

    field_name: str
    field_value: Text = None


class DuellProduct(ApiRecord):
    """A product (vare) of ``product/list``; variants are rows linked by ``parent_variant``."""

    product_id: Id = None
    product_number: Text = None
    product_name: str | None = None
    description: str | None = None
    barcode: Text = None
    category_id: Id = None
    category_name: str | None = None
    supplier_name: str | None = None
    vatrate_percent: Amount = None
    cost_price: Amount = None
    stock_price: Amount = None
    price_inc_vat: Amount = None
    special_price: Amount = None
    special_price_start_date: DuellDateTime = None
    special_price_end_date: DuellDateTime = None
    view_on_webshop: bool | None = None
    is_deleted: bool | None = None
    is_parent: bool | None = None
    parent_variant: Id = None
    related_product_id: Id = None
    product_image: str | None = None
    custom_fields: list[CustomField] | None = None
    last_update_date: DuellDateTime = None

    @property
    def is_variant(self) -> bool:
        """True for a variant row (it names its parent product)."""
        return bool(self.parent_variant)

    def campaign_active(self, moment: datetime) -> bool:
        """True when ``special_price`` applies at ``moment`` (dates are inclusive; none = open)."""
        if self.special_price is None:
            return False
        starts, ends = self.special_price_start_date, self.special_price_end_date
        return (starts is None or starts <= moment) and (ends is None or moment <= ends)


class DuellCategory(ApiRecord):
    """A product group (varegruppe) of ``product/category/list/product``."""

    category_id: Id = None
    category_name: str | None = None
    category_type: str | None = "product"


class StockLocation(ApiRecord):
    """Stock at one location (lokasjon) of a department."""

    name: str | None = None
    stock: Amount = None


class StockLevel(ApiRecord):
    """Stock of one product in one department, as ``all/product/stock`` reports it.

    ``quantity`` is the department's stock, or that of one location when the read asked for
    one; ``department`` is the name the connection gives the department (never its token).
    """

    product_number: Text = None
    product_id: Id = None
    department: str | None = None
    quantity: Amount = None
    locations: list[StockLocation] = Field(default_factory=list)


class StockAdjustment(ApiRecord):
    """One line of ``product/adjust-stock``: ``quantity`` units sold (taken off stock).

    A negative quantity puts units back (a return). The connector turns the sign into what
    the connected DUELL expects (see the ``adjust_stock_sign`` setting).
    """

    product_number: Text = None
    quantity: Amount = None
    department: str | None = None  # a department name from the connection; default: department_token


class DuellCustomer(ApiRecord):
    """A customer (kunde); written through ``PUT customer`` with the fields as query parameters."""

    customer_id: Id = None
    customer_name: str | None = None
    phone: Text = None
    email: str | None = None
    primary_address: str | None = None
    primary_zip: Text = None
    city: str | None = None


class Address(ApiRecord):
    address: str | None = None
    city: str | None = None
    zip: Text = None
    country: str | None = None


class OrderLine(ApiRecord):
    """One order line; shipping goes as a product line too (DUELL's plugin uses ``SHIPPING``)."""

    line_id: str | None = Field(None, description="Key of the line in product_data (the shop's line id).")
    entity_type: str | None = "product"
    product_id: Id = None
    product_number: Text = None
    price_ex_vat: Amount = None
    price_inc_vat: Amount = None
    quantity: Amount = None
    vatrate_percent: Amount = None
    discount_amount: Amount = None
    discount_percentage: Amount = None
    comments: str | None = None


class OrderData(ApiRecord):
    """``order_data`` of a sales order; ``department_id`` (a token) is filled in by the connector."""

    customer_id: Id = None
    comments: str | None = None
    reference_comment: str | None = None
    reference_order_number: Text = None
    round_off_amount: Amount = None
    order_date: DuellDateTime = None
    order_address: Address | None = None
    ref_order_type: str | None = None
    ref_order_id: Id = None


class CustomerOrderData(OrderData):
    """``order_data`` of a customer order (kundeordre): locked, stock reserved, with a status."""

    purchase_order_status_id: Id = None
    is_locked: bool | None = None
    is_locked_at: DuellDateTime = None
    is_true: bool | None = None
    is_pos: bool | None = None
    is_invoice: bool | None = None
    shipping_address: Address | None = None


def _lines(value: Any) -> Any:
    """``product_data`` is an object keyed by line id on the wire; a list in the model."""
    if isinstance(value, Mapping):
        return [
            {"line_id": str(key), **line} if isinstance(line, Mapping) else line
            for key, line in value.items()
        ]
    return value


class SalesOrder(ApiRecord):
    """A sales order (``sale/orders/save``), keyed by the shop's order id as reference_order_number.

    ``department`` names a department of the connection (default: its department_token).
    """

    order_id: Id = None
    order_number: Text = None
    reference_order_number: Text = None
    department: str | None = None
    order_data: OrderData = Field(default_factory=OrderData)
    product_data: list[OrderLine] = Field(default_factory=list)

    @field_validator("product_data", mode="before")
    @classmethod
    def _lines_from_wire(cls, value: Any) -> Any:
        return _lines(value)

    @property
    def reference(self) -> str | None:
        """The shop's order id: the top-level field, else the one inside order_data."""
        return self.reference_order_number or self.order_data.reference_order_number


class CustomerOrder(SalesOrder):
    """A customer order (``logistics/orders/save``) with ``purchase_order_status_id`` (1..11)."""

    order_data: CustomerOrderData = Field(default_factory=CustomerOrderData)
    purchase_order_status_id: Id = None

    @property
    def status_id(self) -> int | None:
        return self.purchase_order_status_id or self.order_data.purchase_order_status_id

    @property
    def status_name(self) -> str | None:
        """The Norwegian name DUELL shows for the status (5 -> "Fullført")."""
        return ORDER_STATUSES.get(self.status_id or 0)

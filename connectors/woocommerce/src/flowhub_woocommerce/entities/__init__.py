"""The WooCommerce entities, one small class each; `ENTITIES` is the connector's list."""

from __future__ import annotations

from flowhub.connector import Entity
from flowhub_woocommerce.entities.catalog import AttributeTerms, Categories, ProductAttributes, Tags
from flowhub_woocommerce.entities.contacts import OrderContacts, WooOrderContact, contact_of
from flowhub_woocommerce.entities.customers import Customers
from flowhub_woocommerce.entities.order_parts import OrderNotes, Refunds
from flowhub_woocommerce.entities.orders import Orders, order_number_value, pair_lines
from flowhub_woocommerce.entities.products import Products
from flowhub_woocommerce.entities.store import Coupons, PaymentGateways, ShippingZones, TaxRates
from flowhub_woocommerce.entities.variations import Variations

__all__ = [
    "ENTITIES",
    "AttributeTerms",
    "Categories",
    "Coupons",
    "Customers",
    "OrderContacts",
    "OrderNotes",
    "Orders",
    "PaymentGateways",
    "ProductAttributes",
    "Products",
    "Refunds",
    "ShippingZones",
    "Tags",
    "TaxRates",
    "Variations",
    "WooOrderContact",
    "contact_of",
    "order_number_value",
    "pair_lines",
]

ENTITIES: tuple[type[Entity], ...] = (
    Products,
    Variations,
    Categories,
    Tags,
    ProductAttributes,
    AttributeTerms,
    Customers,
    Orders,
    OrderNotes,
    Refunds,
    OrderContacts,
    Coupons,
    TaxRates,
    ShippingZones,
    PaymentGateways,
)

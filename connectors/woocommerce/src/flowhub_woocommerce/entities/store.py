"""Shop set-up: coupons (read and write), tax rates, shipping zones and payment gateways (read)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import ClassVar

from pydantic import BaseModel

from flowhub.connector import ReadQuery
from flowhub_woocommerce.entities.base import Creates, Deletes, Finds, Reads, Updates, WooEntity
from flowhub_woocommerce.models import WooCoupon, WooPaymentGateway, WooShippingZone, WooTaxRate

__all__ = ["Coupons", "PaymentGateways", "ShippingZones", "TaxRates"]


class Coupons(Reads, Finds, Updates, Deletes, Creates):
    """Coupons; ``code`` is unique, so it is how one is found."""

    name = "coupon"
    model = WooCoupon
    path = "coupons"
    find_fields = ("code",)
    soft_delete = True
    webhooks = True
    filters: ClassVar[Mapping[str, str]] = {"code": "exact coupon code"}


class TaxRates(Reads):
    """Tax rates (country, class, rate); read-only here."""

    name = "tax_rate"
    model = WooTaxRate
    path = "taxes"
    filters: ClassVar[Mapping[str, str]] = {
        "class": "tax class slug (standard, reduced-rate, zero-rate, ...)"
    }


class _Unpaged(WooEntity):
    """A small list WooCommerce answers whole, without paging."""

    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        for item in self.client.get_json(self.path):
            yield self.parse(item)

    def get(self, key: str) -> BaseModel | None:
        item = self.client.get_or_none(f"{self.path}/{key}")
        return None if item is None else self.parse(item)


class ShippingZones(_Unpaged):
    """Shipping zones (their methods are at ``/shipping/zones/{id}/methods``); read-only."""

    name = "shipping_zone"
    model = WooShippingZone
    path = "shipping/zones"


class PaymentGateways(_Unpaged):
    """Payment gateways (``bacs``, ``cod``, ...); key is the gateway's string id; read-only."""

    name = "payment_gateway"
    model = WooPaymentGateway
    path = "payment_gateways"

"""Customers and the billing/shipping addresses customers and orders share."""

from __future__ import annotations

from pydantic import Field

from flowhub_woocommerce.models.base import WooDateTime, WooRecord, WriteOnlySecret
from flowhub_woocommerce.models.common import Links, WooMetaData

__all__ = ["WooAddress", "WooBillingAddress", "WooCustomer", "WooShippingAddress"]


class WooAddress(WooRecord):
    """A postal address as WooCommerce keeps it; every part is a string ("" when empty)."""

    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address_1: str | None = None
    address_2: str | None = None
    city: str | None = None
    state: str | None = None
    postcode: str | None = None
    country: str | None = None
    phone: str | None = None


class WooBillingAddress(WooAddress):
    """The billing address; it alone carries the e-mail (the key for guest buyers)."""

    email: str | None = None


class WooShippingAddress(WooAddress):
    """The shipping address."""


class WooCustomer(WooRecord):
    """A registered customer (a WordPress user); companies are only told by ``billing.company``."""

    id: int | None = None
    date_created: WooDateTime = None
    date_created_gmt: WooDateTime = None
    date_modified: WooDateTime = None
    date_modified_gmt: WooDateTime = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    role: str | None = None
    username: str | None = None
    password: WriteOnlySecret = None  # write-only; never sent back
    billing: WooBillingAddress | None = None
    shipping: WooShippingAddress | None = None
    is_paying_customer: bool | None = None
    avatar_url: str | None = None
    meta_data: list[WooMetaData] | None = None
    links: Links | None = Field(default=None, alias="_links")

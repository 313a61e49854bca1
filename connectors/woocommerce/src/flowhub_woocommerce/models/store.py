"""Store set-up: coupons, taxes, shipping, payment gateways, webhooks, settings and status."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from flowhub_woocommerce.models.base import Money, Percent, WooDateTime, WooRecord, WriteOnlySecret
from flowhub_woocommerce.models.common import Links, WooMetaData, WooSettingField

__all__ = [
    "WooCoupon",
    "WooPaymentGateway",
    "WooSettingGroup",
    "WooSettingOption",
    "WooShippingMethod",
    "WooShippingMethodType",
    "WooShippingZone",
    "WooShippingZoneLocation",
    "WooSystemEnvironment",
    "WooSystemSettings",
    "WooSystemStatus",
    "WooTaxClass",
    "WooTaxRate",
    "WooWebhook",
    "WpSiteIndex",
]


class WooCoupon(WooRecord):
    """A coupon; ``code`` is unique, ``amount`` is a percent or money by ``discount_type``."""

    id: int | None = None
    code: str | None = None
    amount: Money = None
    status: str | None = None
    date_created: WooDateTime = None
    date_created_gmt: WooDateTime = None
    date_modified: WooDateTime = None
    date_modified_gmt: WooDateTime = None
    discount_type: str | None = None
    description: str | None = None
    date_expires: WooDateTime = None
    date_expires_gmt: WooDateTime = None
    usage_count: int | None = None
    individual_use: bool | None = None
    product_ids: list[int] | None = None
    excluded_product_ids: list[int] | None = None
    usage_limit: int | None = None
    usage_limit_per_user: int | None = None
    limit_usage_to_x_items: int | None = None
    free_shipping: bool | None = None
    product_categories: list[int] | None = None
    excluded_product_categories: list[int] | None = None
    exclude_sale_items: bool | None = None
    minimum_amount: Money = None
    maximum_amount: Money = None
    email_restrictions: list[str] | None = None
    used_by: list[str | int] | None = None
    meta_data: list[WooMetaData] | None = None
    links: Links | None = Field(default=None, alias="_links")


class WooTaxRate(WooRecord):
    """A tax rate row; the API field ``class`` is ``tax_class`` in Python (alias "class")."""

    id: int | None = None
    country: str | None = None
    state: str | None = None
    postcode: str | None = None
    city: str | None = None
    postcodes: list[str] | None = None
    cities: list[str] | None = None
    rate: Percent = None
    name: str | None = None
    priority: int | None = None
    compound: bool | None = None
    shipping: bool | None = None
    order: int | None = None
    tax_class: str | None = Field(default=None, alias="class")
    links: Links | None = Field(default=None, alias="_links")


class WooTaxClass(WooRecord):
    """A tax class (``standard``, ``reduced-rate``, ``zero-rate``, ...), keyed by ``slug``."""

    slug: str | None = None
    name: str | None = None
    links: Links | None = Field(default=None, alias="_links")


class WooShippingZone(WooRecord):
    """A shipping zone; zone 0 is "Locations not covered by your other zones"."""

    id: int | None = None
    name: str | None = None
    order: int | None = None
    links: Links | None = Field(default=None, alias="_links")


class WooShippingZoneLocation(WooRecord):
    """A place a zone covers: ``type`` country/state/postcode/continent and its ``code``."""

    code: str | None = None
    type: str | None = None
    links: Links | None = Field(default=None, alias="_links")


class WooShippingMethod(WooRecord):
    """A shipping method set up in a zone (``/shipping/zones/{id}/methods``)."""

    id: int | None = None
    instance_id: int | None = None
    title: str | None = None
    order: int | None = None
    enabled: bool | None = None
    method_id: str | None = None
    method_title: str | None = None
    method_description: str | None = None
    settings: dict[str, WooSettingField] | None = None
    links: Links | None = Field(default=None, alias="_links")


class WooShippingMethodType(WooRecord):
    """A kind of shipping method the shop offers (``/shipping_methods``: flat_rate, ...)."""

    id: str | None = None
    title: str | None = None
    description: str | None = None
    links: Links | None = Field(default=None, alias="_links")


class WooPaymentGateway(WooRecord):
    """A payment gateway (``bacs``, ``cod``, ``cheque``, ...), keyed by its string ``id``."""

    id: str | None = None
    title: str | None = None
    description: str | None = None
    order: int | str | None = None
    enabled: bool | None = None
    method_title: str | None = None
    method_description: str | None = None
    method_supports: list[str] | None = None
    settings: dict[str, WooSettingField] | None = None
    needs_setup: bool | None = None
    post_install_scripts: list[Any] | None = None
    settings_url: str | None = None
    connection_url: str | None = None
    setup_help_text: str | None = None
    required_settings_keys: list[str] | None = None
    links: Links | None = Field(default=None, alias="_links")


class WooWebhook(WooRecord):
    """A webhook subscription; ``secret`` is write-only and never returned."""

    id: int | None = None
    name: str | None = None
    status: str | None = None
    topic: str | None = None
    resource: str | None = None
    event: str | None = None
    hooks: list[str] | None = None
    delivery_url: str | None = None
    secret: WriteOnlySecret = None
    api_version: str | None = None
    date_created: WooDateTime = None
    date_created_gmt: WooDateTime = None
    date_modified: WooDateTime = None
    date_modified_gmt: WooDateTime = None
    links: Links | None = Field(default=None, alias="_links")


class WooSystemEnvironment(WooRecord):
    """``system_status.environment``: where the shop runs and which versions (rest kept as extra)."""

    home_url: str | None = None
    site_url: str | None = None
    version: str | None = None  # WooCommerce version (the docs call it wc_version)
    wc_version: str | None = None
    wp_version: str | None = None
    wp_multisite: bool | None = None
    language: str | None = None
    php_version: str | None = None
    mysql_version: str | None = None
    server_info: str | None = None
    default_timezone: str | None = None


class WooSystemSettings(WooRecord):
    """``system_status.settings``: currency and number format of the shop."""

    api_enabled: bool | None = None
    force_ssl: bool | None = None
    currency: str | None = None
    currency_symbol: str | None = None
    currency_position: str | None = None
    thousand_separator: str | None = None
    decimal_separator: str | None = None
    number_of_decimals: int | None = None
    geolocation_enabled: bool | None = None
    taxonomies: dict[str, Any] | None = None


class WooSystemStatus(WooRecord):
    """``/system_status``: enough for a connection test; database, theme, plugins kept as extra."""

    environment: WooSystemEnvironment | None = None
    settings: WooSystemSettings | None = None


class WooSettingGroup(WooRecord):
    """A settings group (``/settings``: general, products, tax, ...)."""

    id: str | None = None
    label: str | None = None
    description: str | None = None
    parent_id: str | None = None
    sub_groups: list[str] | None = None
    links: Links | None = Field(default=None, alias="_links")


class WooSettingOption(WooRecord):
    """One setting of a group (``/settings/{group}``); ``value`` is a string, list or number."""

    id: str | None = None
    label: str | None = None
    description: str | None = None
    type: str | None = None
    default: Any = None
    tip: str | None = None
    placeholder: str | None = None
    value: Any = None
    options: dict[str, Any] | None = None
    group_id: str | None = None
    links: Links | None = Field(default=None, alias="_links")


class WpSiteIndex(WooRecord):
    """The WordPress API index (``GET /wp-json/``): site name, time zone, namespaces."""

    name: str | None = None
    description: str | None = None
    url: str | None = None
    home: str | None = None
    gmt_offset: int | float | str | None = None
    timezone_string: str | None = None
    namespaces: list[str] | None = None
    authentication: Any = None  # an object, or [] when the site offers none
    links: Links | None = Field(default=None, alias="_links")

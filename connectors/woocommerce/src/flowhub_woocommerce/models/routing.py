"""Which model an API answer parses into, by method and path."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flowhub_woocommerce.models.base import WooRecord
from flowhub_woocommerce.models.catalog import (
    WooAttribute,
    WooAttributeTerm,
    WooCategory,
    WooProduct,
    WooTag,
    WooVariation,
)
from flowhub_woocommerce.models.common import WooBatch, WooError
from flowhub_woocommerce.models.customers import WooCustomer
from flowhub_woocommerce.models.orders import WooOrder, WooOrderNote, WooRefund
from flowhub_woocommerce.models.store import (
    WooCoupon,
    WooPaymentGateway,
    WooSettingGroup,
    WooSettingOption,
    WooShippingMethod,
    WooShippingMethodType,
    WooShippingZone,
    WooShippingZoneLocation,
    WooSystemStatus,
    WooTaxClass,
    WooTaxRate,
    WooWebhook,
    WpSiteIndex,
)

__all__ = ["MODEL_BY_ENDPOINT", "is_error_body", "model_for", "parse_response"]

_WITH_BATCH: dict[str, type[WooRecord]] = {
    "/products": WooProduct,
    "/products/{product_id}/variations": WooVariation,
    "/products/categories": WooCategory,
    "/products/tags": WooTag,
    "/products/attributes": WooAttribute,
    "/products/attributes/{attribute_id}/terms": WooAttributeTerm,
    "/customers": WooCustomer,
    "/orders": WooOrder,
    "/coupons": WooCoupon,
    "/taxes": WooTaxRate,
    "/webhooks": WooWebhook,
}


def _endpoints() -> dict[str, type[WooRecord]]:
    """Collection, item and batch routes of every resource, then the one-off routes."""
    table: dict[str, type[WooRecord]] = {}
    for collection, model in _WITH_BATCH.items():
        table[f"{collection}/batch"] = WooBatch[model]  # type: ignore[valid-type]
        table[collection] = model
        table[f"{collection}/{{id}}"] = model
    table |= {
        "/orders/{order_id}/notes": WooOrderNote,
        "/orders/{order_id}/notes/{id}": WooOrderNote,
        "/orders/{order_id}/refunds": WooRefund,
        "/orders/{order_id}/refunds/{id}": WooRefund,
        "/taxes/classes": WooTaxClass,
        "/taxes/classes/{slug}": WooTaxClass,
        "/shipping/zones": WooShippingZone,
        "/shipping/zones/{id}": WooShippingZone,
        "/shipping/zones/{zone_id}/locations": WooShippingZoneLocation,
        "/shipping/zones/{zone_id}/methods": WooShippingMethod,
        "/shipping/zones/{zone_id}/methods/{id}": WooShippingMethod,
        "/shipping_methods": WooShippingMethodType,
        "/shipping_methods/{slug}": WooShippingMethodType,
        "/payment_gateways": WooPaymentGateway,
        "/payment_gateways/{slug}": WooPaymentGateway,
        "/system_status": WooSystemStatus,
        "/settings": WooSettingGroup,
        "/settings/{group}/batch": WooBatch[WooSettingOption],
        "/settings/{group}": WooSettingOption,
        "/settings/{group}/{slug}": WooSettingOption,
        "/": WpSiteIndex,
    }
    return table


MODEL_BY_ENDPOINT: Mapping[str, type[WooRecord]] = _endpoints()
"""Route template (relative to ``/wp-json/wc/v3``) -> model of one object of its answer.

``{..._id}``/``{id}`` match a number, ``{slug}``/``{group}`` a name. A list answer is a list of
that model; ``.../batch`` answers a ``WooBatch[Model]``. "/" is the WordPress index.
"""


def _pattern(template: str) -> re.Pattern[str]:
    def placeholder(match: re.Match[str]) -> str:
        name = match.group(1)
        return r"[A-Za-z0-9_.-]+" if name in ("slug", "group") else r"\d+"

    return re.compile("^" + re.sub(r"\{(\w+)\}", placeholder, template) + "/?$")


# Routes with name placeholders go last, so /settings/tax/batch is not read as
# /settings/{group}/{slug}; number placeholders cannot clash with literal segments.
_ROUTES: list[tuple[re.Pattern[str], type[WooRecord]]] = [
    (_pattern(template), model)
    for template, model in sorted(
        MODEL_BY_ENDPOINT.items(), key=lambda item: "{slug}" in item[0] or "{group}" in item[0]
    )
]

_NAMESPACED = re.compile(r"^(?:/wp-json)?/wc/v[123](/.*)?$")


def _api_path(path: str) -> str | None:
    """The path below ``/wp-json/wc/vN``; "/" for the WordPress index; None for other APIs."""
    path = urlsplit(path).path
    if path.rstrip("/") in ("", "/wp-json"):
        return "/"
    namespaced = _NAMESPACED.match(path)
    if namespaced:
        return namespaced.group(1)  # None for the namespace index itself
    return None if path.startswith("/wp-json/") else path


def model_for(method: str, path: str) -> type[WooRecord] | None:
    """The model one object of the answer to ``method path`` parses into, or None if unknown.

    ``path`` may be a full URL or a path, with or without ``/wp-json/wc/v3`` and a query string.
    The method does not change the answer's shape in WooCommerce (POST/PUT/DELETE answer the
    record too); it is accepted so callers need not care.
    """
    del method
    api_path = _api_path(path)
    if api_path is None:
        return None
    for pattern, model in _ROUTES:
        if pattern.match(api_path):
            return model
    return None


def is_error_body(body: Any) -> bool:
    """True for a WordPress error answer ``{"code", "message", "data"}``."""
    return isinstance(body, dict) and {"code", "message"} <= body.keys() and "id" not in body


def parse_response(method: str, path: str, body: Any) -> WooRecord | list[WooRecord] | None:
    """Parse an answer body: an error body as WooError, a list item by item, else one record."""
    if is_error_body(body):
        return WooError.model_validate(body)
    model = model_for(method, path)
    if model is None:
        return None
    if isinstance(body, list):
        return [model.model_validate(item) for item in body]
    return model.model_validate(body)

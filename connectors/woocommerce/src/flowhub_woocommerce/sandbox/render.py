"""Turn stored records into the JSON WordPress sends: hidden keys out, `_links` in, `_fields`, bytes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flowhub_woocommerce.sandbox.store import Record

__all__ = ["LINKS", "apply_fields", "encode", "public", "with_links"]

ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]
READ_DELETE = ["GET", "DELETE"]
EDIT = ["GET", "POST", "PUT", "PATCH"]
SITE = "{site}"


def _self(href: str, allow: list[str] | None = ALL) -> list[Record]:
    return [{"href": href, "targetHints": {"allow": allow}}] if allow else [{"href": href}]


def _href(href: str) -> list[Record]:
    return [{"href": href}]


def _product(api: str, r: Record) -> Record:
    links = {"self": _self(f"{api}/products/{r['id']}"), "collection": _href(f"{api}/products")}
    if r.get("parent_id"):
        links["up"] = _href(f"{api}/products/{r['parent_id']}")
    return links


def _variation(api: str, r: Record) -> Record:
    base = f"{api}/products/{r['parent_id']}"
    return {
        "self": _self(f"{base}/variations/{r['id']}"),
        "collection": _href(f"{base}/variations"),
        "up": _href(base),
    }


def _order(api: str, r: Record) -> Record:
    links = {
        "self": _self(f"{api}/orders/{r['id']}"),
        "collection": _href(f"{api}/orders"),
        "email_templates": [{"embeddable": True, "href": f"{api}/orders/{r['id']}/actions/email_templates"}],
    }
    if r.get("customer_id"):
        links["customer"] = _href(f"{api}/customers/{r['customer_id']}")
    return links


def _customer(api: str, r: Record) -> Record:
    allow = EDIT if r.get("role") == "administrator" else ALL
    return {
        "self": _self(f"{api}/customers/{r['id']}", None if r.get("_deleted") else allow),
        "collection": _href(f"{api}/customers"),
    }


def _order_child(kind: str) -> Callable[[str, Record], Record]:
    def links(api: str, r: Record) -> Record:
        base = f"{api}/orders/{r['_order_id']}"
        return {
            "self": _self(f"{base}/{kind}/{r['id']}", READ_DELETE),
            "collection": _href(f"{base}/{kind}"),
            "up": _href(base),
        }

    return links


def _plain(path: str, up: str | None = None) -> Callable[[str, Record], Record]:
    def links(api: str, r: Record) -> Record:
        found = {"self": _self(f"{api}/{path}/{r['id']}"), "collection": _href(f"{api}/{path}")}
        if up and r.get(up):
            found["up"] = _href(f"{api}/{path}/{r[up]}")
        return found

    return links


def _term(api: str, r: Record) -> Record:
    base = f"{api}/products/attributes/{r['_attribute_id']}/terms"
    return {"self": _self(f"{base}/{r['id']}"), "collection": _href(base)}


def _zone(api: str, r: Record) -> Record:
    base = f"{api}/shipping/zones"
    return {
        "self": _self(f"{base}/{r['id']}"),
        "collection": _href(base),
        "describedby": _href(f"{base}/{r['id']}/locations"),
    }


def _zone_method(api: str, r: Record) -> Record:
    base = f"{api}/shipping/zones/{r['_zone_id']}"
    return {
        "self": _self(f"{base}/methods/{r['instance_id']}"),
        "collection": _href(f"{base}/methods"),
        "describes": _href(base),
    }


def _zone_location(api: str, r: Record) -> Record:
    base = f"{api}/shipping/zones/{r['_zone_id']}"
    return {"collection": _href(f"{base}/locations"), "describes": _href(base)}


def _setting(api: str, r: Record) -> Record:
    base = f"{api}/settings/{r['group_id']}"
    return {"self": _self(f"{base}/{r['id']}", EDIT), "collection": _href(base)}


LINKS: dict[str, Callable[[str, Record], Record]] = {
    "product": _product,
    "variation": _variation,
    "order": _order,
    "customer": _customer,
    "coupon": _plain("coupons"),
    "webhook": _plain("webhooks"),
    "tax": _plain("taxes"),
    "category": _plain("products/categories", up="parent"),
    "tag": _plain("products/tags"),
    "attribute": _plain("products/attributes"),
    "term": _term,
    "note": _order_child("notes"),
    "refund": _order_child("refunds"),
    "tax_class": lambda api, r: {"collection": _href(f"{api}/taxes/classes")},
    "zone": _zone,
    "zone_method": _zone_method,
    "zone_location": _zone_location,
    "shipping_method": lambda api, r: {
        "self": _self(f"{api}/shipping_methods/{r['id']}", ["GET"]),
        "collection": _href(f"{api}/shipping_methods"),
    },
    "gateway": lambda api, r: {
        "self": _self(f"{api}/payment_gateways/{r['id']}", EDIT),
        "collection": _href(f"{api}/payment_gateways"),
    },
    "setting": _setting,
}


def public(record: Mapping[str, Any]) -> Record:
    """The record without the shop's own ``_`` keys (also those of its lines).

    Runs for every record of every list page, so only lists are looked into and plain dicts
    are told apart before the (slow) abstract Mapping check.
    """
    return {k: _strip(v) if isinstance(v, list) else v for k, v in record.items() if not k.startswith("_")}


def _is_mapping(value: Any) -> bool:
    return isinstance(value, (dict, Mapping))  # dict first: the abstract check is slow


def _strip(value: list[Any]) -> list[Any]:
    if value and _is_mapping(value[0]):
        return [public(v) if _is_mapping(v) else v for v in value]
    return value


def with_links(kind: str | None, record: Mapping[str, Any], namespace: str = "wc/v3") -> Record:
    """The public record with its ``_links`` (hrefs carry the ``{site}`` token)."""
    rendered = public(record)
    if kind is not None:
        rendered["_links"] = LINKS[kind](f"{SITE}/wp-json/{namespace}", dict(record))
    return rendered


def _field_tree(fields: Iterable[str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for field in fields:
        node = tree
        parts = [p for p in field.strip().split(".") if p]
        for i, part in enumerate(parts):
            if node.get(part) is True:
                break
            node = node.setdefault(part, True if i == len(parts) - 1 else {})
            if node is True:
                break
    return tree


def _prune(value: Any, tree: Mapping[str, Any]) -> Any:
    if not isinstance(value, Mapping):
        return value
    return {k: (v if tree[k] is True else _prune(v, tree[k])) for k, v in value.items() if k in tree}


def apply_fields(payload: Any, fields: str | None) -> Any:
    """WordPress ``_fields``: keep only the named (dotted) fields, in the record's own order."""
    if not fields:
        return payload
    tree = _field_tree(fields.split(","))
    if isinstance(payload, list):
        return [_prune(item, tree) for item in payload]
    return _prune(payload, tree)


def encode(payload: Any, site: str) -> bytes:
    """JSON as PHP's json_encode writes it (``\\/`` and ``\\uXXXX``), the site token filled in."""
    text = json.dumps(payload, separators=(",", ":"))
    return text.replace(SITE, site).replace("/", "\\/").encode()

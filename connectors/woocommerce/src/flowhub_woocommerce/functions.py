"""Mapping functions for WooCommerce records, offered to every mapping by the plugin."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["meta_value"]


def meta_value(record: Any, key: str, default: Any = None) -> Any:
    """The value of ``meta_data`` entry ``key`` of an order, customer or product.

    Checkout plugins keep extra fields there (an organisation number as ``org_number`` or
    ``_billing_org_number``); the last entry wins, as in WordPress. Blank values count as none.
    """
    entries = record.get("meta_data") if isinstance(record, Mapping) else None
    found = default
    for entry in entries or []:
        if isinstance(entry, Mapping) and entry.get("key") == key and entry.get("value") not in (None, ""):
            found = entry["value"]
    return found

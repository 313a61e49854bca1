"""The sandbox shop's data in memory: collections in id order, id sequences, the clock.

Records are kept as the REST API renders them (minus ``_links``, which depend on the URL a
request came in on), with the site URL written as the token ``{site}``. Keys starting with
``_`` are the shop's own bookkeeping (which order a refund belongs to, whether an order has
reduced stock) and are never rendered.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["Record", "Store", "fmt", "merge_meta", "parse_datetime", "slugify"]

Record = dict[str, Any]
Listener = Callable[[str, str, int, "Record | None"], None]

COLLECTIONS = (
    "products",
    "variations",
    "customers",
    "coupons",
    "orders",
    "refunds",
    "order_notes",
    "categories",
    "tags",
    "attributes",
    "taxes",
    "webhooks",
)

_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)


def fmt(moment: datetime) -> str:
    """WooCommerce's date format: ``YYYY-MM-DDTHH:MM:SS``, no zone."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def parse_datetime(text: str) -> tuple[datetime, bool] | None:
    """An RFC 3339-ish date as WordPress accepts it, and whether it carried a zone; None if invalid."""
    match = _DATE.match(text.strip())
    if not match:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z").replace("t", "T").replace(" ", "T"))
    except ValueError:
        return None
    return moment, match.group(8) is not None


def slugify(text: str) -> str:
    """WordPress's sanitize_title for the usual cases: ascii, lower case, dashes."""
    text = text.replace("æ", "ae").replace("Æ", "AE").replace("ø", "o").replace("Ø", "O")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def merge_meta(
    existing: list[Record], incoming: Iterable[Mapping[str, Any]], next_id: Callable[[], int]
) -> list[Record]:
    """Apply ``meta_data`` from a request: by id when given, else the first entry with that key."""
    merged = [dict(m) for m in existing]
    for item in incoming:
        if not isinstance(item, Mapping) or ("key" not in item and "id" not in item):
            continue
        target = next((m for m in merged if "id" in item and m["id"] == item["id"]), None)
        if target is None and "key" in item:
            target = next((m for m in merged if m["key"] == item["key"]), None)
        if target is not None:
            target["value"] = item.get("value", target["value"])
        else:
            merged.append({"id": next_id(), "key": item["key"], "value": item.get("value", "")})
    return merged


class Store:
    """Everything the shop holds, behind one re-entrant lock (the webhook thread reads it too)."""

    def __init__(self, seed: Mapping[str, Any], *, now: Callable[[], datetime] | None = None) -> None:
        self._seed_text = json.dumps(seed)
        self._now = now or (lambda: datetime.now(UTC))
        self.lock = threading.RLock()
        self.listeners: list[Listener] = []
        self.site_url = "http://localhost"
        self.load(seed)

    # -- loading ---------------------------------------------------------------------------
    def load(self, seed: Mapping[str, Any]) -> None:
        with self.lock:
            self.site: Record = dict(seed["site"])
            self.tz = ZoneInfo(self.site.get("timezone", "UTC"))
            self.counters: dict[str, int] = dict(seed["counters"])
            by_id = self._by_id
            self.products: dict[int, Record] = by_id(seed, "products")
            self.variations: dict[int, Record] = by_id(seed, "variations")
            self.customers: dict[int, Record] = by_id(seed, "customers")
            self.coupons: dict[int, Record] = by_id(seed, "coupons")
            self.orders: dict[int, Record] = by_id(seed, "orders")
            self.refunds: dict[int, Record] = by_id(seed, "refunds")
            self.order_notes: dict[int, Record] = by_id(seed, "order_notes")
            self.categories: dict[int, Record] = by_id(seed, "categories")
            self.tags: dict[int, Record] = by_id(seed, "tags")
            self.attributes: dict[int, Record] = by_id(seed, "attributes")
            self.taxes: dict[int, Record] = by_id(seed, "taxes")
            self.webhooks: dict[int, Record] = by_id(seed, "webhooks")
            self.terms: dict[int, dict[int, Record]] = {
                int(attr): {t["id"]: t for t in sorted(terms, key=lambda t: t["id"])}
                for attr, terms in seed.get("attribute_terms", {}).items()
            }
            for attribute_id in self.attributes:
                self.terms.setdefault(attribute_id, {})
            self.index: Record = seed.get("index", {})
            self.system_status: Record = seed.get("system_status", {})
            self.settings: dict[str, list[Record]] = seed.get("settings", {})
            self.payment_gateways: dict[str, Record] = {g["id"]: g for g in seed.get("payment_gateways", [])}
            self.tax_classes: list[Record] = seed.get("tax_classes", [])
            self.shipping_zones: dict[int, Record] = {z["id"]: z for z in seed.get("shipping_zones", [])}
            self.zone_locations = {int(k): v for k, v in seed.get("shipping_zone_locations", {}).items()}
            self.zone_methods = {int(k): v for k, v in seed.get("shipping_zone_methods", {}).items()}
            self.shipping_methods: list[Record] = seed.get("shipping_methods", [])
            self.nonces: dict[str, dict[str, int]] = {}
            self.sku_index: dict[str, int] = {}
            self._reindex_skus()

    @staticmethod
    def _by_id(seed: Mapping[str, Any], name: str) -> dict[int, Record]:
        """A collection keyed by id, in id order (dicts keep insertion order)."""
        return {r["id"]: r for r in sorted(seed.get(name, []), key=lambda r: r["id"])}

    def reset(self) -> None:
        """Back to the seed the store was built with."""
        self.load(json.loads(self._seed_text))

    def _reindex_skus(self) -> None:
        self.sku_index = {
            r["sku"]: r["id"] for r in (*self.products.values(), *self.variations.values()) if r.get("sku")
        }

    # -- ids and time ----------------------------------------------------------------------
    def next_id(self, counter: str) -> int:
        with self.lock:
            value = self.counters[counter]
            self.counters[counter] = value + 1
            return value

    def now(self) -> datetime:
        return self._now().astimezone(UTC)

    def stamp(self, moment: datetime | None = None) -> tuple[str, str]:
        """(site-local, GMT) strings for ``moment`` (default: now)."""
        moment = (moment or self.now()).astimezone(UTC)
        return fmt(moment.astimezone(self.tz)), fmt(moment)

    def local_to_utc(self, naive: datetime) -> datetime:
        return naive.replace(tzinfo=self.tz).astimezone(UTC)

    def utc_to_local(self, naive: datetime) -> datetime:
        return naive.replace(tzinfo=UTC).astimezone(self.tz).replace(tzinfo=None)

    def touch(
        self, record: Record, *, created: bool = False, fields: tuple[str, ...] = ("date_modified",)
    ) -> None:
        """Stamp ``fields`` (and date_created when ``created``) with now, local and GMT."""
        local, gmt = self.stamp()
        for name in ("date_created", *fields) if created else fields:
            record[name], record[f"{name}_gmt"] = local, gmt

    def set_local_date(self, record: Record, name: str, value: Any, *, gmt: bool = False) -> None:
        """Set ``name`` and ``name_gmt`` from a request value given in site time (or GMT)."""
        if value in (None, ""):
            record[name] = record[f"{name}_gmt"] = None
            return
        parsed = parse_datetime(str(value))
        if parsed is None:
            return
        moment, zoned = parsed
        utc = (
            moment.astimezone(UTC)
            if zoned
            else (moment.replace(tzinfo=UTC) if gmt else self.local_to_utc(moment))
        )
        record[name], record[f"{name}_gmt"] = self.stamp(utc)

    def trash_meta(self, record: Record, previous_status: str, slug: str | None = None) -> None:
        """The meta WordPress leaves on a trashed post, so it can be restored."""
        entries = [
            ("_wp_trash_meta_status", previous_status),
            ("_wp_trash_meta_time", str(int(self.now().timestamp()))),
        ]
        if slug is not None:
            entries.append(("_wp_desired_post_slug", slug))
        record["meta_data"] = [
            *record.get("meta_data", []),
            *({"id": self.next_id("meta"), "key": k, "value": v} for k, v in entries),
        ]

    def is_older_than(self, timestamp: int, window: timedelta) -> bool:
        return abs(self.now().timestamp() - timestamp) > window.total_seconds()

    # -- events ----------------------------------------------------------------------------
    def emit(self, resource: str, event: str, record_id: int, payload: Record | None = None) -> None:
        """Tell listeners (the webhook dispatcher) that a record changed."""
        for listener in self.listeners:
            listener(resource, event, record_id, payload)

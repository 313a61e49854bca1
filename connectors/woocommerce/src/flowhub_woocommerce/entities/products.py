"""Products: incremental reads that also see the trash, find by SKU, writes in batches of 100."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel

from flowhub.connector import ReadQuery
from flowhub_woocommerce.client import stable_order
from flowhub_woocommerce.entities.base import (
    Batches,
    Deletes,
    Finds,
    Reads,
    Updates,
    exclusive_bound,
    merge_streams,
)
from flowhub_woocommerce.models import WooProduct

__all__ = ["Products", "incremental_params", "sort_key"]

INCLUDE_TRASHED = "include_trashed"


def incremental_params(query: ReadQuery, lookback: float) -> dict[str, Any]:
    """Oldest change first, and ``modified_after`` (exclusive, GMT) when ``since`` is set.

    Full reads are in cursor order too: the runner saves the newest cursor of each finished
    chunk, so an interrupted full read resumes as an incremental one, which is only safe when
    nothing older than that cursor is still unread.
    """
    params: dict[str, Any] = stable_order(True)
    if query.since is not None:
        params.update(modified_after=exclusive_bound(query.since, lookback), dates_are_gmt="true")
    return params


def sort_key(record: BaseModel) -> tuple[datetime, int]:
    """How a reader's streams are ordered, so several can be merged: (modified GMT, id)."""
    return (getattr(record, "date_modified_gmt", None) or datetime.min, getattr(record, "id", None) or 0)


class Products(Reads, Finds, Updates, Deletes, Batches):
    """Simple, variable, grouped and external products (variations are the ``variation`` entity).

    K5: a read also walks the trash (``status=trash``) merged in cursor order, so a trashed
    product reaches the target as deleted (``is_deleted``). A product deleted for good
    (``force=true``) leaves nothing to read; only the ``product.deleted`` webhook tells.
    """

    name = "product"
    model = WooProduct
    path = "products"
    cursor = "date_modified_gmt"
    filters: ClassVar[Mapping[str, str]] = {
        "status": "one of draft, pending, private, publish, future (default: all but trash)",
        "type": "simple, grouped, external or variable",
        "category": "category id (or a list of ids)",
        "tag": "tag id (or a list of ids)",
        "sku": "exact SKU (or a list)",
        "stock_status": "instock, outofstock or onbackorder",
        INCLUDE_TRASHED: "also read trashed products so the target can soft-delete them (default true)",
    }
    find_fields = ("sku", "slug")
    soft_delete = True
    webhooks = True
    natural_key = "sku"
    duplicate_codes = frozenset({"product_invalid_sku"})

    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        where = dict(query.where)
        with_trash = str(where.pop(INCLUDE_TRASHED, True)).lower() not in ("false", "0", "no")
        params = {**self.where_params(where), **incremental_params(query, self.settings.lookback_seconds)}
        streams = [self._stream(params, query.snapshot)]
        if with_trash and params.get("status") != "trash":
            streams.append(self._stream({**params, "status": "trash"}, query.snapshot))
        yield from merge_streams(streams, sort_key)

    def _stream(self, params: Mapping[str, Any], snapshot: bool) -> Iterator[BaseModel]:
        pages = self.client.iter_snapshot if snapshot else self.client.iter_pages
        for item in pages(self.path, params):
            if item.get("type") != "variation":  # only a ?sku= list shows variations
                yield self.parse(item)

    def is_deleted(self, record: BaseModel) -> bool:
        return getattr(record, "status", None) == "trash"

    def find(self, field: str, value: Any) -> list[BaseModel]:
        """Exact matches; ``?sku=`` also answers variations (capture 026), which are left out here."""
        return [r for r in super().find(field, value) if getattr(r, "type", None) != "variation"]

    def lookup_many(self, values: list[str]) -> dict[str, BaseModel]:
        found: dict[str, BaseModel] = {}
        for start in range(0, len(values), 50):
            chunk = values[start : start + 50]
            for item in self.client.iter_pages(self.path, {"sku": ",".join(chunk), **stable_order(False)}):
                if item.get("type") != "variation" and item.get("sku") in chunk:
                    found[item["sku"]] = self.parse(item)
        return found

"""Variations: read through their variable parents, found by SKU through ``/products?sku=``.

A variation lives at ``/products/{parent_id}/variations/{id}``, so every write needs the
parent: it comes from the payload's ``parent_id``, else from what this entity has seen (reads
and finds remember id -> parent), else from one listing of variable products, whose
``variations`` field lists their variation ids.

Finding by SKU: WooCommerce's ``/products?sku=`` searches products *and* variations (the
products controller widens the post type when ``sku`` is given) and answers a variation as a
product of ``type`` "variation" with its ``parent_id`` (capture 026). One request finds it; a
second fetches it from its parent as a proper variation.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from pydantic import BaseModel

from flowhub.connector import ReadQuery, WriteOp, WriteResult
from flowhub.errors import ConfigError, RejectedError
from flowhub_woocommerce.client import stable_order
from flowhub_woocommerce.entities.base import Batches, Deletes, Reads, Updates, body_of, comma_list
from flowhub_woocommerce.entities.products import incremental_params, sort_key
from flowhub_woocommerce.models import WooVariation

__all__ = ["Variations"]


class Variations(Reads, Updates, Deletes, Batches):
    """Variations of variable products; key ``id``, parent in ``parent_id``."""

    name = "variation"
    model = WooVariation
    path = "products"
    cursor = "date_modified_gmt"
    filters: ClassVar[Mapping[str, str]] = {
        "parent": "variable product id (or a list); default: every variable product",
        "sku": "exact SKU (or a list)",
        "stock_status": "instock, outofstock or onbackorder",
    }
    find_fields = ("sku",)
    webhooks = True
    natural_key = "sku"
    duplicate_codes = frozenset({"product_invalid_sku"})

    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self._parents: dict[int, int] = {}

    # -- reading -------------------------------------------------------------------------------
    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        """Every variation of the chosen parents, oldest cursor first (collected, then sorted).

        Variations of different parents cannot be merged page by page in cursor order
        without holding a page per parent anyway, so the matching ones are collected
        (parents fetched ``page_concurrency`` at a time) and sorted before they are yielded.
        """
        where = dict(query.where)
        parents = self._parent_ids(where.pop("parent", None))
        params = {
            **{k: comma_list(v) for k, v in where.items() if k in self.filters},
            **incremental_params(query, self.settings.lookback_seconds),
        }
        with ThreadPoolExecutor(self.settings.page_concurrency, thread_name_prefix="flowhub-var") as pool:
            batches = list(pool.map(lambda pid: self._of_parent(pid, params), parents))
        found = [v for batch in batches for v in batch]
        yield from sorted(found, key=sort_key)

    def _of_parent(self, parent_id: int, params: Mapping[str, Any]) -> list[BaseModel]:
        items = self.client.iter_pages(f"products/{parent_id}/variations", params)
        return [
            self._remember(self.parse({**item, "parent_id": item.get("parent_id") or parent_id}))
            for item in items
        ]

    def _parent_ids(self, given: Any) -> list[int]:
        if given not in (None, ""):
            values = given if isinstance(given, list | tuple) else str(given).split(",")
            return [int(str(v).strip()) for v in values if str(v).strip()]
        return sorted(self._variable_products())

    def _variable_products(self) -> dict[int, list[int]]:
        """Variable product id -> its variation ids (one trimmed listing)."""
        params = {"type": "variable", "_fields": "id,variations", **stable_order(False)}
        table = {
            int(p["id"]): [int(v) for v in p.get("variations") or []]
            for p in self.client.iter_pages("products", params)
        }
        for parent, children in table.items():
            for child in children:
                self._parents[child] = parent
        return table

    def _remember(self, record: BaseModel) -> BaseModel:
        if getattr(record, "id", None) and getattr(record, "parent_id", None):
            self._parents[int(record.id)] = int(record.parent_id)  # type: ignore[attr-defined]
        return record

    def parent_of(self, variation_id: int, payload: BaseModel | None = None) -> int:
        """The variation's parent product id: payload, memory, then one listing of variable products."""
        given = getattr(payload, "parent_id", None) if payload is not None else None
        if given:
            self._parents[variation_id] = int(given)
            return int(given)
        if variation_id not in self._parents:
            self._variable_products()
        if variation_id not in self._parents:
            raise RejectedError(
                f"woocommerce/variation: no variable product has a variation {variation_id}", status=404
            )
        return self._parents[variation_id]

    def item_path(self, key: str | int) -> str:
        variation_id = int(str(key))
        return f"products/{self.parent_of(variation_id)}/variations/{variation_id}"

    def get(self, key: str) -> BaseModel | None:
        try:
            path = self.item_path(key)
        except RejectedError:
            return None
        item = self.client.get_or_none(path)
        return None if item is None else self._remember(self.parse(item))

    # -- finding ---------------------------------------------------------------------------------
    def find(self, field: str, value: Any) -> list[BaseModel]:
        if field != "sku":
            raise ConfigError(f"woocommerce/variation: cannot find by '{field}' (can: sku)")
        return list(self._by_skus([str(value).strip()]).values())

    def _by_skus(self, skus: list[str]) -> dict[str, BaseModel]:
        found: dict[str, BaseModel] = {}
        params = {"sku": ",".join(skus), **stable_order(False)}
        for item in self.client.iter_pages("products", params):
            if item.get("type") == "variation" and item.get("sku") in skus and item.get("parent_id"):
                self._parents[int(item["id"])] = int(item["parent_id"])
                record = self.get(str(item["id"]))
                if record is not None:
                    found[item["sku"]] = record
        return found

    def lookup_natural(self, value: str) -> BaseModel | None:
        return self._by_skus([value]).get(value)

    def lookup_many(self, values: list[str]) -> dict[str, BaseModel]:
        found: dict[str, BaseModel] = {}
        for start in range(0, len(values), 50):
            found.update(self._by_skus(values[start : start + 50]))
        return found

    # -- writing ---------------------------------------------------------------------------------
    def create_path(self, body: Mapping[str, Any]) -> str:
        parent = body.get("parent_id")
        if not parent:
            raise RejectedError(
                "woocommerce/variation: a new variation needs `parent_id` (its variable product)"
            )
        return f"products/{int(parent)}/variations"

    def create(self, payload: BaseModel) -> BaseModel:
        return self._remember(super().create(payload))

    def update(self, key: str, payload: BaseModel) -> BaseModel:
        self.parent_of(int(key), payload)
        return self._remember(super().update(key, payload))

    def update_body(self, key: str, payload: BaseModel) -> dict[str, Any]:
        body = super().update_body(key, payload)
        body.pop("parent_id", None)
        return body

    def write_batch(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """One ``/products/{parent}/variations/batch`` call per parent."""
        groups: dict[int, list[WriteOp]] = {}
        results: dict[str, WriteResult] = {}
        for op in ops:
            try:
                groups.setdefault(self._parent_of_op(op), []).append(op)
            except RejectedError as error:
                results[op.ref] = WriteResult(op.ref, error=error)
        for group in groups.values():
            results.update({r.ref: r for r in super().write_batch(group)})
        return [results[op.ref] for op in ops]

    def _parent_of_op(self, op: WriteOp) -> int:
        if op.key is not None:
            return self.parent_of(int(op.key), op.payload)
        parent = body_of(op.payload).get("parent_id")
        if not parent:
            raise RejectedError(
                "woocommerce/variation: a new variation needs `parent_id` (its variable product)"
            )
        return int(parent)

    def batch_path(self, ops: Sequence[WriteOp]) -> str:
        return f"products/{self._parent_of_op(ops[0])}/variations/batch"

"""Variations: read through their variable parents, found by SKU through ``/products?sku=``.

A variation lives at ``/products/{parent_id}/variations/{id}``, so every write needs the
parent: it comes from the payload's ``parent_id``, else from what this entity has seen (reads
and finds remember id -> parent), else from one listing of variable products, whose
``variations`` field lists their variation ids.

Finding by SKU: WooCommerce's ``/products?sku=`` searches products *and* variations (the
products controller widens the post type when ``sku`` is given) and answers a variation as a
product of ``type`` "variation" with its ``parent_id`` (capture 026). One request finds it; a
second fetches it from its parent as a proper variation.

The parent's own attributes (A10): a variable product's characteristics (material, origin …)
are attributes of the parent, not of its variations, yet they belong on each variation's item
in an ERP. Every variation read (and got) carries them in ``parent_attributes``, flowhub's
addition to the record, taken from the same listing of variable products the reader makes
anyway; the entity never sends it back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel

from flowhub.connector import ReadQuery, WriteOp, WriteResult
from flowhub.errors import ConfigError, RejectedError
from flowhub_woocommerce.client import stable_order
from flowhub_woocommerce.entities.base import (
    Batches,
    Deletes,
    Reads,
    Updates,
    body_of,
    comma_list,
    exclusive_bound,
    parse_since,
)
from flowhub_woocommerce.entities.products import incremental_params, sort_key
from flowhub_woocommerce.models import WooVariation

__all__ = ["PARENT_ATTRIBUTES", "Variations"]

PARENT_ATTRIBUTES = "parent_attributes"
"""flowhub's field on a variation: its parent's non-variation attributes (never sent)."""

PARENT_FIELDS = "id,variations,attributes,date_modified_gmt"


@dataclass(frozen=True)
class _Parent:
    """What a read needs of one variable product: its variations, own attributes and change date."""

    variations: list[int] = field(default_factory=list)
    attributes: list[dict[str, Any]] = field(default_factory=list)
    modified: datetime | None = None

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> _Parent:
        modified = item.get("date_modified_gmt")
        return cls(
            variations=[int(v) for v in item.get("variations") or []],
            attributes=own_attributes(item),
            modified=parse_since(modified) if modified else None,
        )

    def changed_after(self, bound: datetime | None) -> bool:
        """Modified after ``bound`` (an incremental read's exclusive bound; None: a full read)."""
        return bound is not None and self.modified is not None and self.modified > bound


def own_attributes(product: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A product's attributes that are not used for variations, as WooCommerce lists them."""
    attributes = product.get("attributes") or []
    return [dict(a) for a in attributes if isinstance(a, Mapping) and not a.get("variation")]


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

        An incremental read (``since``) asks each parent for its variations modified since,
        except a parent modified since itself: all of its variations are read. WooCommerce
        does not touch a variation's date when its parent changes (a parent's save renames
        its variations by SQL, leaving their dates; capture 036: variations older than their
        parent), so a changed characteristic of the parent would otherwise never reach its
        variations (their ``parent_attributes``). A variation's own change touches its parent
        too (captures 083, 112), so its siblings are re-read with it; the runner passes over
        those that are unchanged.
        """
        where = dict(query.where)
        parents = self._parents_of(where.pop("parent", None))
        params = {
            **{k: comma_list(v) for k, v in where.items() if k in self.filters},
            **incremental_params(query, self.settings.lookback_seconds),
        }
        changed = self._changed_since(query)
        with ThreadPoolExecutor(self.settings.page_concurrency, thread_name_prefix="flowhub-var") as pool:
            batches = list(pool.map(lambda item: self._of_parent(*item, params, changed), parents.items()))
        found = [v for batch in batches for v in batch]
        yield from sorted(found, key=sort_key)

    def _changed_since(self, query: ReadQuery) -> datetime | None:
        """The bound a parent's date must pass for all its variations to be read (None: full read)."""
        if query.since is None:
            return None
        return parse_since(exclusive_bound(query.since, self.settings.lookback_seconds))

    def _of_parent(
        self, parent_id: int, parent: _Parent | None, params: Mapping[str, Any], changed: datetime | None
    ) -> list[BaseModel]:
        if parent is not None and parent.changed_after(changed):  # all of them: see `read`
            params = {k: v for k, v in params.items() if k not in ("modified_after", "dates_are_gmt")}
        items = self.client.iter_pages(f"products/{parent_id}/variations", params)
        extra = {} if parent is None else {PARENT_ATTRIBUTES: parent.attributes}
        return [
            self._remember(self.parse({**item, "parent_id": item.get("parent_id") or parent_id, **extra}))
            for item in items
        ]

    def _parents_of(self, given: Any) -> dict[int, _Parent | None]:
        """The parents to read, id -> what the listing says of them (None: not a listed variable product)."""
        if given in (None, ""):
            return dict(sorted(self._variable_products().items()))
        values = given if isinstance(given, list | tuple) else str(given).split(",")
        ids = [int(str(v).strip()) for v in values if str(v).strip()]
        listed = self._variable_products(ids) if ids else {}
        return {pid: listed.get(pid) for pid in ids}

    def _variable_products(self, include: Sequence[int] = ()) -> dict[int, _Parent]:
        """Variable product id -> its variations, own attributes and date (one trimmed listing)."""
        params = {"type": "variable", "_fields": PARENT_FIELDS, **stable_order(False)}
        if include:
            params["include"] = comma_list(sorted(set(include)))
        table = {int(p["id"]): _Parent.of(p) for p in self.client.iter_pages("products", params)}
        for parent_id, parent in table.items():
            for child in parent.variations:
                self._parents[child] = parent_id
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
        if item is None:
            return None
        parent_id = item.get("parent_id") or self.parent_of(int(str(key)))
        return self._remember(self.parse({**item, **self._parent_extra(int(parent_id))}))

    def _parent_extra(self, parent_id: int) -> dict[str, Any]:
        """``parent_attributes`` for one variation got alone: one trimmed request for its parent."""
        parent = self.client.get_or_none(f"products/{parent_id}", {"_fields": "attributes"})
        return {} if parent is None else {PARENT_ATTRIBUTES: own_attributes(parent)}

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

    def create_body(self, payload: BaseModel) -> dict[str, Any]:
        body = super().create_body(payload)
        body.pop(PARENT_ATTRIBUTES, None)  # flowhub's, not WooCommerce's
        return body

    def create(self, payload: BaseModel) -> BaseModel:
        return self._remember(super().create(payload))

    def update(self, key: str, payload: BaseModel) -> BaseModel:
        self.parent_of(int(key), payload)
        return self._remember(super().update(key, payload))

    def update_body(self, key: str, payload: BaseModel) -> dict[str, Any]:
        body = super().update_body(key, payload)
        body.pop("parent_id", None)
        body.pop(PARENT_ATTRIBUTES, None)  # flowhub's, not WooCommerce's
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

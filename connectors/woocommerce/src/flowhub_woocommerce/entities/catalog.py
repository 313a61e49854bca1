"""Catalogue structure: product categories, tags, global attributes and their terms.

Terms have no trash in WooCommerce (a delete without ``force`` answers 501), so deletes are
for good. ``/products/attributes`` is not paged (it answers every attribute at once).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel

from flowhub.connector import ReadQuery
from flowhub.errors import ConfigError, RejectedError
from flowhub_woocommerce.client import stable_order
from flowhub_woocommerce.entities.base import Batches, Deletes, Finds, Reads, Updates, body_of
from flowhub_woocommerce.models import WooAttribute, WooAttributeTerm, WooCategory, WooTag

__all__ = ["AttributeTerms", "Categories", "ProductAttributes", "Tags"]


class _Terms(Reads, Finds, Updates, Deletes, Batches):
    """A product taxonomy: paged by id, found by slug (exact) or name (case-blind)."""

    find_fields = ("slug", "name")
    natural_key = "slug"
    duplicate_codes = frozenset({"term_exists"})

    def find_params(self, field: str, value: str) -> dict[str, Any]:
        return {"slug": value} if field == "slug" else {"search": value}


class Categories(_Terms):
    """Product categories; ``parent`` 0 is the top of the tree."""

    name = "product_category"
    model = WooCategory
    path = "products/categories"
    filters: ClassVar[Mapping[str, str]] = {"parent": "only children of this category id"}


class Tags(_Terms):
    """Product tags."""

    name = "product_tag"
    model = WooTag
    path = "products/tags"


class ProductAttributes(Updates, Deletes, Batches, Reads):
    """Global attributes (``pa_*``); local attributes live inside their product."""

    name = "product_attribute"
    model = WooAttribute
    path = "products/attributes"
    find_fields = ("slug", "name")
    natural_key = "slug"

    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        for item in self.client.get_json(self.path):
            yield self.parse(item)

    def find(self, field: str, value: Any) -> list[BaseModel]:
        if field not in self.find_fields:
            raise ConfigError(f"woocommerce/{self.name}: cannot find by '{field}' (can: slug, name)")
        wanted = str(value).strip().casefold()
        slugs = {wanted, f"pa_{wanted}"} if field == "slug" else {wanted}
        return [r for r in self.read(ReadQuery()) if str(getattr(r, field, "") or "").casefold() in slugs]


class AttributeTerms(Updates, Deletes, Reads):
    """Terms of global attributes; each record carries its ``attribute_id``.

    ``where: {attribute_id: N}`` reads one attribute's terms, otherwise every attribute's.
    Writes take the attribute from the payload's ``attribute_id``.
    """

    name = "product_attribute_term"
    model = WooAttributeTerm
    path = "products/attributes"
    filters: ClassVar[Mapping[str, str]] = {"attribute_id": "the attribute (or a list) whose terms to read"}
    find_fields = ("slug", "name")

    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self._attribute_of: dict[int, int] = {}

    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        for attribute_id in self._attributes(query.where.get("attribute_id")):
            for item in self.client.iter_pages(f"{self.path}/{attribute_id}/terms", stable_order(False)):
                self._attribute_of[int(item["id"])] = attribute_id
                yield self.parse({**item, "attribute_id": attribute_id})

    def _attributes(self, given: Any) -> list[int]:
        if given not in (None, ""):
            values = given if isinstance(given, list | tuple) else str(given).split(",")
            return [int(str(v).strip()) for v in values if str(v).strip()]
        return [int(a["id"]) for a in self.client.get_json(self.path)]

    def item_path(self, key: str | int) -> str:
        term_id = int(str(key))
        if term_id not in self._attribute_of:
            for _ in self.read(ReadQuery()):
                pass
        if term_id not in self._attribute_of:
            raise RejectedError(
                f"woocommerce/product_attribute_term: no attribute has a term {term_id}", status=404
            )
        return f"{self.path}/{self._attribute_of[term_id]}/terms/{term_id}"

    def get(self, key: str) -> BaseModel | None:
        try:
            path = self.item_path(key)
        except RejectedError:
            return None
        item = self.client.get_or_none(path)
        return None if item is None else self.parse({**item, "attribute_id": int(path.split("/")[2])})

    def find(self, field: str, value: Any) -> list[BaseModel]:
        if field not in self.find_fields:
            raise ConfigError(f"woocommerce/{self.name}: cannot find by '{field}' (can: slug, name)")
        wanted = str(value).strip().casefold()
        return [r for r in self.read(ReadQuery()) if str(getattr(r, field, "") or "").casefold() == wanted]

    def create(self, payload: BaseModel) -> BaseModel:
        body = body_of(payload)
        attribute_id = body.pop("attribute_id", None)
        if not attribute_id:
            raise RejectedError("woocommerce/product_attribute_term: a new term needs `attribute_id`")
        item = self.client.send_json("POST", f"{self.path}/{int(attribute_id)}/terms", body)
        self._attribute_of[int(item["id"])] = int(attribute_id)
        return self.parse({**item, "attribute_id": int(attribute_id)})

    def update_body(self, key: str, payload: BaseModel) -> dict[str, Any]:
        body = super().update_body(key, payload)
        if body.get("attribute_id"):
            self._attribute_of[int(key)] = int(body.pop("attribute_id"))
        return body

"""The catalogue over REST: products (matched by product number) and product categories.

``/products`` has no changed-since filter, so a changed-since read walks every page and keeps
what changed (``server_side_since`` is False); the product number is the shop's SKU.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from pydantic import BaseModel

from flowhub import ReadQuery
from flowhub_24sevenoffice.entities.base import RestEntity, as_utc, same_text, since_datetime, sorted_by_time
from flowhub_24sevenoffice.models.rest import Category, Product

__all__ = ["CategoryEntity", "ProductEntity", "wire"]

READ_ONLY = {"id", "createdAt", "modifiedAt"}


def wire(payload: BaseModel, *, drop: set[str] = READ_ONLY) -> dict[str, Any]:
    """A record as the REST API takes it: JSON types, unset and None fields left out."""
    return {k: v for k, v in payload.model_dump(mode="json", exclude_none=True).items() if k not in drop}


class ProductEntity(RestEntity):
    """Products; ``number`` is the product number, unique by convention only (S11 reports repeats)."""

    name = "product"
    model = Product
    key = "id"
    cursor = "modifiedAt"
    server_side_since = False
    filters: ClassVar[dict[str, str]] = {
        "categoryIds": "only products in these category ids (a list)",
        "productSearch": "name/number search; % is a wildcard",
        "webshopEnabled": "true: only products enabled for the web shop",
        "status": "active or inactive",
    }
    find_fields = ("number", "id", "ean")

    def read(self, query: ReadQuery) -> Iterator[Product]:
        since = since_datetime(query.since)
        where = query.where
        params = {"categoryIds": where.get("categoryIds"), "productSearch": where.get("productSearch")}
        found = [
            Product.model_validate(item) for item in self.rest.walk("products", params, page_param="page")
        ]
        keep = [p for p in found if _wanted(p, where) and (since is None or as_utc(p.modifiedAt) >= since)]
        yield from sorted_by_time(keep, "modifiedAt")

    def get(self, key: str) -> Product | None:
        body = self.rest.get_or_none(f"products/{int(key)}")
        return Product.model_validate(body) if body else None

    def find(self, field: str, value: Any) -> list[BaseModel]:
        self._check_find_field(field)
        if value is None or str(value).strip() == "":
            return []
        if field == "id":
            record = self.get(str(value))
            return [record] if record else []
        param = "productNumber" if field == "number" else "ean"
        wanted = str(value).strip()
        found = (
            Product.model_validate(i) for i in self.rest.walk("products", {param: wanted}, page_param="page")
        )
        return [p for p in found if getattr(p, field) == wanted]

    def create(self, payload: BaseModel) -> Product:
        return Product.model_validate(self.rest.post("products", wire(payload)))

    def update(self, key: str, payload: BaseModel) -> Product:
        body = self.rest.patch(f"products/{int(key)}", wire(payload))
        return Product.model_validate(body) if body else self._must_get(key)

    def delete(self, key: str, *, soft: bool) -> None:
        self.rest.delete(f"products/{int(key)}")

    def _must_get(self, key: str) -> Product:
        found = self.get(key)
        assert found is not None, f"product {key} vanished after its update"
        return found


def _wanted(product: Product, where: Any) -> bool:
    if where.get("webshopEnabled") is not None and bool(product.webshopEnabled) != bool(
        where["webshopEnabled"]
    ):
        return False
    return not (where.get("status") and product.status != where["status"])


class CategoryEntity(RestEntity):
    """Product categories (a tree by ``parentId``); few, so matching reads them all."""

    name = "product_category"
    model = Category
    key = "id"
    cursor = "modifiedAt"
    server_side_since = False
    find_fields = ("name", "alternativeReference", "id")

    def read(self, query: ReadQuery) -> Iterator[Category]:
        since = since_datetime(query.since)
        found = [Category.model_validate(i) for i in self.rest.walk("productcategories")]
        yield from sorted_by_time(
            [c for c in found if since is None or as_utc(c.modifiedAt) >= since], "modifiedAt"
        )

    def get(self, key: str) -> Category | None:
        body = self.rest.get_or_none(f"productcategories/{int(key)}")
        return Category.model_validate(body) if body else None

    def find(self, field: str, value: Any) -> list[BaseModel]:
        self._check_find_field(field)
        if value is None or str(value).strip() == "":
            return []
        found = (Category.model_validate(i) for i in self.rest.walk("productcategories"))
        if field == "id":
            return [c for c in found if str(c.id) == str(value).strip()]
        return [c for c in found if same_text(getattr(c, field), value)]

    def create(self, payload: BaseModel) -> Category:
        return Category.model_validate(self.rest.post("productcategories", wire(payload)))

    def update(self, key: str, payload: BaseModel) -> Category:
        body = self.rest.patch(f"productcategories/{int(key)}", wire(payload))
        found = Category.model_validate(body) if body else self.get(key)
        assert found is not None, f"category {key} vanished after its update"
        return found

    def delete(self, key: str, *, soft: bool) -> None:
        self.rest.delete(f"productcategories/{int(key)}")

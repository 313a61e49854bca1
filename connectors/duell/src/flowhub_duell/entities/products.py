"""Products (varer) and product groups (varegrupper): read with paging and changed-since, created."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from flowhub.connector import ReadQuery
from flowhub.errors import RejectedError
from flowhub_duell.client import body_message
from flowhub_duell.entities.base import DuellEntity, first, wire
from flowhub_duell.models import WIRE_DATE, DuellCategory, DuellProduct

__all__ = ["CategoryEntity", "ProductEntity", "first_id", "since_filter"]

_FILTERS = {
    "view_on_webshop": "filter[view_on_webshop]",
    "category_id": "filter[category_id]",
    "product_number": "filter[product_number]",
}


class ProductEntity(DuellEntity):
    """Products; variants are rows with ``parent_variant`` (the parent's product_id)."""

    name = "product"
    model = DuellProduct
    key = "product_id"
    list_path, rows_key = "product/list", "products"
    cursor = "last_update_date"
    filters: ClassVar[Mapping[str, str]] = {
        "view_on_webshop": "true: only products with 'Vis i nettbutikk' on",
        "category_id": "only products of this product group",
        "product_number": "only this product number (one value)",
        "include_deleted": "also read deleted products, so deletions reach the target (default true)",
    }
    find_fields = ("product_number", "barcode", "product_id")

    def read(self, query: ReadQuery) -> Iterator[DuellProduct]:
        """All matching products, oldest ``last_update_date`` first.

        DUELL sorts by product_id only, so the rows are sorted here: the runner may then move
        its cursor after each chunk without skipping an older change further down the list.
        """
        params = {
            wire_name: _flag(query.where[name])
            for name, wire_name in _FILTERS.items()
            if query.where.get(name) not in (None, "")
        }
        since = None
        if query.since:
            since = _local(query.since, self.client.settings.timezone)
            params["filter[last_update_date]"] = since_filter(since)
        passes = [params]
        if self.where_flag(query.where, "include_deleted", True):
            passes.append({**params, "filter[is_deleted]": "true"})
        products: dict[int | str, DuellProduct] = {}
        for extra in passes:
            for row in self.client.rows(
                "product/list", "products", {**extra, "sort_by": "product_id", "sort_order": "ASC"}
            ):
                product = DuellProduct.model_validate(row)
                if (
                    since is not None
                    and product.last_update_date is not None
                    and product.last_update_date < since
                ):
                    continue  # the filter was widened by a second; keep ReadQuery.since inclusive
                products.setdefault(product.product_id or f"#{len(products)}", product)
        yield from sorted(products.values(), key=_oldest_first)

    def get(self, key: str) -> DuellProduct | None:
        return first(self.matching({"filter[product_id]": key}, lambda p: str(p.product_id) == str(key)))

    def find(self, field: str, value: Any) -> list[DuellProduct]:
        """Exact matches; a barcode matches with or without GTIN-14's leading zero."""
        text = str(value).strip()
        if field == "product_id":
            product = self.get(text)
            return [product] if product else []
        if field == "product_number":
            return self.matching({"filter[product_number]": text}, lambda p: p.product_number == text)
        if field == "barcode":
            wanted = text.lstrip("0")
            for spelling in dict.fromkeys((text, wanted, f"0{wanted}")):  # as given, EAN-13, GTIN-14
                found = self.matching(
                    {"filter[barcode]": spelling}, lambda p: (p.barcode or "").lstrip("0") == wanted != ""
                )
                if found:
                    return found
            return []
        raise NotImplementedError(f"duell products cannot be found by {field}")

    def create(self, payload: DuellProduct) -> DuellProduct:  # type: ignore[override]
        """``product/save``; after a lost answer the product number is looked up before re-sending."""
        number = payload.product_number

        def lookup() -> DuellProduct | None:
            return first(self.find("product_number", number)) if number else None

        def send() -> DuellProduct:
            answer = self.client.call(
                "POST", "product/save", json={"product_data": [wire(payload, drop=("product_id",))]}
            )
            product_id = first_id(answer, "product_id")
            return payload.model_copy(update={"product_id": product_id})

        return self.create_once(send, lookup, what=f"product {number}")

    def is_deleted(self, record: DuellProduct) -> bool:  # type: ignore[override]
        return bool(record.is_deleted)


class CategoryEntity(DuellEntity):
    """Product groups; the shop's categories are created from these on new products."""

    name = "product_category"
    model = DuellCategory
    key = "category_id"
    list_path, rows_key = "product/category/list/product", "categories"
    find_fields = ("category_name", "category_id")

    def read(self, query: ReadQuery) -> Iterator[DuellCategory]:
        for row in self.client.rows("product/category/list/product", "categories"):
            yield DuellCategory.model_validate(row)

    def find(self, field: str, value: Any) -> list[DuellCategory]:
        """By exact name (case-blind, as a person sees it) or id."""
        text = str(value).strip()
        if field == "category_name":
            params = {"filter[category_name]": text}
            keep = lambda c: (c.category_name or "").strip().casefold() == text.casefold()  # noqa: E731
        elif field == "category_id":
            params, keep = {}, lambda c: str(c.category_id) == text
        else:
            raise NotImplementedError(f"duell product groups cannot be found by {field}")
        return self.matching(params, keep)

    def create(self, payload: DuellCategory) -> DuellCategory:  # type: ignore[override]
        name = payload.category_name

        def lookup() -> DuellCategory | None:
            return first(self.find("category_name", name)) if name else None

        def send() -> DuellCategory:
            body = {"category_data": [{**wire(payload, drop=("category_id",)), "category_type": "product"}]}
            answer = self.client.call("POST", "product/category/save", json=body)
            return payload.model_copy(update={"category_id": first_id(answer, "category_id")})

        return self.create_once(send, lookup, what=f"product group {name!r}")


def since_filter(since: datetime) -> str:
    """``filter[last_update_date]`` for an inclusive ``since``: one second earlier.

    Whether DUELL compares with ``>`` or ``>=`` is unknown; asking a second earlier and
    dropping older rows here is right under both.
    """
    return (since - timedelta(seconds=1)).strftime(WIRE_DATE)


def _local(text: str, timezone: str) -> datetime:
    """An ISO cursor as DUELL's naive local time."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    return moment


def _oldest_first(product: DuellProduct) -> tuple[datetime, int]:
    return (product.last_update_date or datetime.min, product.product_id or 0)


def _flag(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def first_id(answer: Mapping[str, Any], field: str) -> int:
    """``data[0].<field>`` of a save answer; a save without one was refused."""
    data = answer.get("data")
    row = data[0] if isinstance(data, list) and data else data if isinstance(data, Mapping) else None
    value = row.get(field) if isinstance(row, Mapping) else None
    if value in (None, "", 0, "0"):
        raise RejectedError(f"duell: the save was not applied: {body_message(answer)}", detail=answer)
    return int(value)

"""Inventory items, the sales-category tree, and stock per item."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import quote

from pydantic import BaseModel

from flowhub.connector import ReadQuery
from flowhub_visma_net.entities.base import VismaReader, VismaWriter
from flowhub_visma_net.models import InventoryItem, InventorySummary, SalesCategory, StockLevel

__all__ = ["InventoryItems", "SalesCategories", "Stock"]

_EXPAND = {
    "expandCrossReference": "true",
    "expandAttribute": "true",
    "expandSalesCategories": "true",
    "expandWarehouseDetail": "true",
}


class InventoryItems(VismaWriter):
    """Items by ``inventoryNumber`` (the SKU); EAN/GTIN found through cross-references."""

    name = "inventory_item"
    model = InventoryItem
    key = "inventoryNumber"
    cursor = "lastModifiedDateTime"
    path = "/v1/inventory"
    write_dto = "InventoryUpdateDto"
    list_params: ClassVar[Mapping[str, Any]] = _EXPAND
    filters: ClassVar[Mapping[str, str]] = {
        "status": "Active, NoSales, …",
        "salesCategory": "category id",
        "inventoryTypes": "item types",
        "description": "description",
    }
    find_params: ClassVar[Mapping[str, str]] = {"alternateID": "alternateID", "description": "description"}
    match_paths: ClassVar[Mapping[str, tuple[str, ...]]] = {"alternateID": ("crossReferences.alternateID",)}
    recover_by = ("inventoryNumber",)


class SalesCategories(VismaReader):
    """The sales-category tree, read as a flat list of nodes (each keeps its ``parentID``)."""

    name = "sales_category"
    model = SalesCategory
    key = "categoryID"
    path = "/v1/salescategory"
    since_param = None
    paged = False
    find_fields = ("categoryID", "description")

    def items(self, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        yield from _flatten(super().items(params))

    def find(self, field: str, value: Any) -> list[BaseModel]:
        if field == "categoryID":
            return super().find(field, value)
        return [c for c in self.read(ReadQuery()) if str(getattr(c, field, "")).lower() == str(value).lower()]


def _flatten(nodes: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        yield from _flatten(node.get("subCategories") or [])


class Stock(VismaReader):
    """Stock per item: on hand, available, available for shipment, booked by sales orders.

    Reads items changed since the cursor by ``availabilityLastModifiedDateTime`` (the stock
    change time, not the item's), then asks ``/v1/inventorysummary/{item}`` for the
    quantities, so ``availableMinusBooked`` (available minus open sales-order bookings) is real.
    ``where: {warehouse: MAIN}`` narrows to one warehouse.
    """

    name = "stock"
    model = StockLevel
    key = "inventoryNumber"
    cursor = "lastModifiedDateTime"
    path = "/v1/inventory"
    since_param = "availabilityLastModifiedDateTime"
    list_params: ClassVar[Mapping[str, Any]] = {"expandWarehouseDetail": "true"}
    filters: ClassVar[Mapping[str, str]] = {"warehouse": "warehouse id: only this warehouse's quantities"}
    find_params: ClassVar[Mapping[str, str]] = {"inventoryNumber": "inventoryNumber"}
    by_key = True

    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        warehouse = query.where.get("warehouse")
        where = {k: v for k, v in query.where.items() if k != "warehouse"}
        items = super().read(ReadQuery(where=where, since=query.since))
        yield from (self._level(InventoryItem.model_validate(item), warehouse) for item in items)

    def parse(self, item: Mapping[str, Any]) -> BaseModel:
        return InventoryItem.model_validate(item)

    def cursor_of(self, record: BaseModel) -> str | None:
        if isinstance(record, InventoryItem):
            record = _changed(record)
        return super().cursor_of(record)

    def get(self, key: str) -> BaseModel | None:
        found = self.client.get(self.api, f"{self.path}/{quote(key, safe='')}")
        return None if found is None else self._level(InventoryItem.model_validate(found[0]), None)

    def find(self, field: str, value: Any) -> list[BaseModel]:
        found = self.get(str(value))
        return [found] if found is not None else []

    def _level(self, item: InventoryItem, warehouse: str | None) -> StockLevel:
        number = str(item.inventoryNumber)
        params = {"warehouse": warehouse} if warehouse else {}
        body = self.client.get_json(self.api, f"/v1/inventorysummary/{quote(number, safe='')}", params)
        rows = [InventorySummary.model_validate(r) for r in (body if isinstance(body, list) else [body])]
        if warehouse:
            rows = [r for r in rows if r.warehouse is None or str(r.warehouse.id) == warehouse]
        available, booked = _sum(rows, "available"), _sum(rows, "soBooked")
        return StockLevel(
            inventoryNumber=number,
            warehouse=warehouse,
            onHand=_sum(rows, "onHand"),
            available=available,
            availableForShipment=_sum(rows, "availableForShipment"),
            soBooked=booked,
            availableMinusBooked=available - booked,
            stockItem=item.stockItem,
            lastModifiedDateTime=_changed(item).lastModifiedDateTime,
            warehouses=rows,
        )


def _sum(rows: list[InventorySummary], field: str) -> Decimal:
    return sum((getattr(r, field) or Decimal(0) for r in rows), Decimal(0))


def _changed(item: InventoryItem) -> StockLevel:
    """The latest stock change of an item: its newest warehouse detail, else the item itself."""
    stamps = [d.lastModifiedDateTime for d in item.warehouseDetails or [] if d.lastModifiedDateTime]
    newest = max(stamps) if stamps else item.lastModifiedDateTime
    return StockLevel(inventoryNumber=str(item.inventoryNumber), lastModifiedDateTime=newest)

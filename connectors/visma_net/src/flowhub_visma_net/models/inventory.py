"""Inventory items, sales categories and stock (inventory summary), with Visma.net's wire names."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from flowhub_visma_net.models.common import (
    Amount,
    Attachment,
    AttributeValue,
    Ref,
    RefOrId,
    VismaRecord,
    When,
)

__all__ = [
    "CrossReference",
    "InventoryAttachment",
    "InventoryItem",
    "ItemSalesCategories",
    "InventorySummary",
    "SalesCategory",
    "SalesCategoryLine",
    "StockLevel",
    "WarehouseDetail",
]


class CrossReference(VismaRecord):
    """An alternate id of an item: EAN/GTIN as ``alternateType`` Global or Barcode."""

    alternateType: str | None = None  # CPN, VPN, Global, Barcode
    alternateID: str | None = None
    bAccount: RefOrId | None = None
    description: str | None = None
    uom: str | None = None
    timestamp: str | None = None


class WarehouseDetail(VismaRecord):
    isDefault: bool | None = None
    warehouse: str | None = None
    quantityOnHand: Amount = None
    available: Amount = None
    availableForShipment: Amount = None
    lastModifiedDateTime: When = None


class SalesCategoryLine(VismaRecord):
    categoryId: int | None = None
    description: str | None = None


class InventoryItem(VismaRecord):
    """An inventory item (``InventoryDto``); ``inventoryNumber`` (the SKU) is its natural key.

    For writes, ``itemClass``/``postingClass``/``vatCode``/``defaultWarehouse`` may be given
    as a plain id, and ``attributes`` as ``[{id, value}]`` (sent as ``attributeLines``).
    """

    inventoryId: int | None = None
    inventoryNumber: str | None = None
    status: str | None = None  # Active, NoSales, NoPurchases, NoRequest, Inactive, MarkedForDeletion
    type: str | None = None  # NonStockItem, FinishedGoodItem, ServiceItem, …
    description: str | None = None
    body: str | None = None
    itemClass: RefOrId | None = None
    postingClass: RefOrId | None = None
    vatCode: RefOrId | None = None
    lotSerialClass: RefOrId | None = None
    defaultPrice: Amount = None
    recommendedPrice: Amount = None
    pendingCost: Amount = None
    currentCost: Amount = None
    lastCost: Amount = None
    effectiveDate: When = None
    baseUnit: str | None = None
    salesUnit: str | None = None
    purchaseUnit: str | None = None
    stockItem: bool | None = None
    kitItem: bool | None = None
    crossReferences: list[CrossReference] | None = None
    attributes: list[AttributeValue] | None = None
    attachments: list[Attachment] | None = None
    warehouseDetails: list[WarehouseDetail] | None = None
    salesCategories: list[SalesCategoryLine] | None = None
    defaultWarehouse: RefOrId | None = None
    defaultIssueFrom: RefOrId | None = None
    defaultReceiptTo: RefOrId | None = None
    priceClass: Ref | None = None
    priceClassID: str | None = None
    priceManagerID: str | None = None
    packaging: dict[str, Any] | None = None
    intrastat: dict[str, Any] | None = None
    supplierDetails: list[dict[str, Any]] | None = None
    note: str | None = None
    lastModifiedDateTime: When = None
    timestamp: str | None = None
    # write-side names (InventoryUpdateDto)
    attributeLines: list[dict[str, Any]] | None = None
    salesAccount: str | None = None
    salesSubaccount: list[dict[str, Any]] | None = None


class SalesCategory(VismaRecord):
    """A node of the sales-category tree (the product groups a shop's categories map to)."""

    categoryID: int | None = None
    description: str | None = None
    parentID: int | None = None
    sortOrder: int | None = None
    subCategories: list[SalesCategory] | None = None


class InventorySummary(VismaRecord):
    """``GET /v1/inventorysummary/{inventoryNumber}``: quantities of one item in one warehouse."""

    inventory: Ref | None = None
    warehouse: Ref | None = None
    location: Ref | None = None
    available: Amount = None
    availableForShipment: Amount = None
    notAvailable: Amount = None
    soBooked: Amount = None
    soAllocated: Amount = None
    soShipped: Amount = None
    soBackOrdered: Amount = None
    inIssues: Amount = None
    inReceipts: Amount = None
    inTransit: Amount = None
    purchaseOrders: Amount = None
    onHand: Amount = None
    baseUnit: str | None = None


class StockLevel(VismaRecord):
    """Stock of one item (all warehouses, or the one asked for), ready for a stock flow.

    Built by the connector from the item's warehouse details and its inventory summary.
    ``availableMinusBooked`` is ``available - soBooked``: what is left once open sales orders
    have taken theirs (the default calculation of the stock flow).
    """

    inventoryNumber: str
    warehouse: str | None = None
    onHand: Amount = None
    available: Amount = None
    availableForShipment: Amount = None
    soBooked: Amount = None
    availableMinusBooked: Amount = None
    stockItem: bool | None = None
    lastModifiedDateTime: When = None
    warehouses: list[InventorySummary] = Field(default_factory=list)


class InventoryAttachment(VismaRecord):
    """One file attached to an item (``InventoryDto.attachments``), e.g. its product image.

    ``attachmentKey`` (``inventoryNumber/fileName``) is what makes it one attachment: an item has
    a file of a name once. For a create, ``src`` says where to download the file from; it is not
    sent to Visma.net. ``name``, ``id`` and ``revision`` are Visma.net's (``AttachmentDto``).
    """

    attachmentKey: str | None = None
    inventoryNumber: str | None = None
    fileName: str | None = None
    src: str | None = None
    name: str | None = None
    id: str | None = None
    revision: int | None = None


class ItemSalesCategories(VismaRecord):
    """The sales categories an item is in, as the item's ``salesCategories`` list them.

    ``memberOf`` maps each category's description, trimmed and lower-cased, to its
    ``categoryId``: a flow compares it on the categories it names, so categories the item is in
    besides (set by someone in Visma.net) never count as a difference.
    """

    inventoryNumber: str | None = None
    salesCategories: list[SalesCategoryLine] | None = None
    memberOf: dict[str, int] | None = None
    lastModifiedDateTime: When = None

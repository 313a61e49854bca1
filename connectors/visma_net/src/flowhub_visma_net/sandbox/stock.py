"""Stock in the sandbox: changed only by released inventory documents and confirmed shipments;
open sales orders book quantities (``soBooked``), so "available minus bookings" is real."""

from __future__ import annotations

from typing import Any

from flowhub_visma_net.sandbox.store import Record, Store

__all__ = ["OPEN_ORDER_STATUSES", "apply_document", "booked", "shipped", "summary", "warehouse_details"]

OPEN_ORDER_STATUSES = frozenset({"Open", "Hold", "CreditHold", "BackOrder", "Shipping"})
_SIGN = {"receipt": 1, "issue": -1, "adjustment": 1}


def apply_document(store: Store, kind: str, document: Record) -> None:
    """Release an inventory receipt, issue or adjustment: its quantities move the stock."""
    for line in document.get("lines", []):
        item, warehouse = str(line["inventoryNumber"]), str(line.get("warehouseId") or "MAIN")
        quantity = float(line.get("quantity") or 0) * _SIGN[kind]
        store.stock[(item, warehouse)] = store.stock.get((item, warehouse), 0.0) + quantity
        store.stock_touched(item)


def booked(store: Store, item: str, warehouse: str) -> float:
    """Quantity of ``item`` on open sales-order lines of ``warehouse`` not yet on a shipment."""
    total = 0.0
    for order in store.table("salesorder"):
        if order.get("status") not in OPEN_ORDER_STATUSES:
            continue
        for line in order.get("orderLines", []):
            if line.get("inventoryId") == item and (line.get("warehouseId") or "MAIN") == warehouse:
                total += max(0.0, float(line.get("quantity") or 0) - float(line.get("shippedQuantity") or 0))
    return total


def shipped(store: Store, item: str, warehouse: str) -> float:
    """Quantity on shipments not yet confirmed (picked, still on hand)."""
    total = 0.0
    for shipment in store.table("shipment"):
        if shipment.get("status") != "Open":
            continue
        for line in shipment.get("lines", []):
            if line["inventoryNumber"] == item and line["warehouseId"] == warehouse:
                total += float(line["quantity"])
    return total


def _warehouses(store: Store, item: str) -> list[str]:
    known = {w for (i, w) in store.stock if i == item}
    for order in store.table("salesorder"):
        known |= {
            line.get("warehouseId") or "MAIN"
            for line in order.get("orderLines", [])
            if line.get("inventoryId") == item
        }
    return sorted(known)


def summary(store: Store, item: Record, warehouse: str | None) -> list[dict[str, Any]]:
    """``InventorySummaryDto`` rows of one item, one per warehouse (or the one asked for)."""
    number = item["inventoryNumber"]
    names = [warehouse] if warehouse else _warehouses(store, number)
    return [_row(store, item, w) for w in names]


def _row(store: Store, item: Record, warehouse: str) -> dict[str, Any]:
    number = item["inventoryNumber"]
    on_hand = store.stock.get((number, warehouse), 0.0)
    so_booked, so_shipped = booked(store, number, warehouse), shipped(store, number, warehouse)
    available = on_hand - so_shipped - (so_booked if store.settings.available_deducts_so_booked else 0.0)
    wh = store.table("warehouse").get(warehouse) or {}
    return {
        "inventory": {"number": number, "description": item.get("description")},
        "warehouse": {"id": warehouse, "description": wh.get("description")},
        "available": available,
        "availableForShipment": on_hand - so_shipped,
        "notAvailable": 0.0,
        "soBooked": so_booked,
        "soAllocated": 0.0,
        "soShipped": so_shipped,
        "soBackOrdered": 0.0,
        "inIssues": 0.0,
        "inReceipts": 0.0,
        "inTransit": 0.0,
        "purchaseOrders": 0.0,
        "onHand": on_hand,
        "baseUnit": item.get("baseUnit", "STK"),
    }


def warehouse_details(store: Store, item: Record) -> list[dict[str, Any]]:
    """``warehouseDetails`` of an item; their change time is the item's availability change."""
    changed = store.stock_changed.get(item["inventoryNumber"], item.get("lastModifiedDateTime"))
    default = (item.get("defaultWarehouse") or {}).get("id", "MAIN")
    return [
        {
            "isDefault": row["warehouse"]["id"] == default,
            "warehouse": row["warehouse"]["id"],
            "quantityOnHand": row["onHand"],
            "available": row["available"],
            "availableForShipment": row["availableForShipment"],
            "lastModifiedDateTime": changed,
        }
        for row in summary(store, item, None)
    ]

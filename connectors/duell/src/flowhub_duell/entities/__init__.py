"""The DUELL entities: what each kind of record is and how it is read and written."""

from __future__ import annotations

from flowhub_duell.entities.customers import CustomerEntity
from flowhub_duell.entities.orders import CustomerOrderEntity, SalesOrderEntity
from flowhub_duell.entities.products import CategoryEntity, ProductEntity
from flowhub_duell.entities.stock import StockAdjustmentEntity, StockEntity

__all__ = [
    "ENTITIES",
    "CategoryEntity",
    "CustomerEntity",
    "CustomerOrderEntity",
    "ProductEntity",
    "SalesOrderEntity",
    "StockAdjustmentEntity",
    "StockEntity",
]

ENTITIES = (
    ProductEntity,
    CategoryEntity,
    StockEntity,
    StockAdjustmentEntity,
    CustomerEntity,
    SalesOrderEntity,
    CustomerOrderEntity,
)

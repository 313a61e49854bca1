"""flowhub-duell: the DUELL (Kasseservice) POS connector and a local DUELL sandbox."""

from __future__ import annotations

from flowhub_duell.client import DuellClient
from flowhub_duell.connector import Duell
from flowhub_duell.models import (
    ORDER_STATUSES,
    CustomerOrder,
    DuellCategory,
    DuellCustomer,
    DuellProduct,
    OrderLine,
    SalesOrder,
    StockAdjustment,
    StockLevel,
)
from flowhub_duell.settings import DuellSettings

__all__ = [
    "ORDER_STATUSES",
    "CustomerOrder",
    "Duell",
    "DuellCategory",
    "DuellClient",
    "DuellCustomer",
    "DuellProduct",
    "DuellSettings",
    "OrderLine",
    "SalesOrder",
    "StockAdjustment",
    "StockLevel",
]

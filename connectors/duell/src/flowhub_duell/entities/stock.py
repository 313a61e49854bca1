"""Stock per department and location (read in full), and stock adjustments (created)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from flowhub.connector import ReadQuery
from flowhub.errors import RejectedError, RetryableError
from flowhub_duell.client import body_message
from flowhub_duell.entities.base import DuellEntity
from flowhub_duell.models import StockAdjustment, StockLevel, StockLocation

__all__ = ["StockAdjustmentEntity", "StockEntity"]


class StockEntity(DuellEntity):
    """One record per product number with the department's quantity.

    DUELL has no changed-since for stock, so every read is complete; the runner's per-field
    fingerprints then pass over the products whose quantity did not change, so only changes
    are written to the shop.
    """

    name = "stock"
    model = StockLevel
    key = "product_number"
    filters: ClassVar[Mapping[str, str]] = {
        "department": "a department name of the connection (default: its department_token)",
        "location": "count only this location (lokasjon) of the department",
        "view_on_webshop": "true: only products shown in the web shop",
    }

    def read(self, query: ReadQuery) -> Iterator[StockLevel]:
        department = query.where.get("department")
        params: dict[str, Any] = {"department": self.client.department_token(department)}
        if query.where.get("view_on_webshop") not in (None, ""):
            params["filter[view_on_webshop]"] = str(
                self.where_flag(query.where, "view_on_webshop", True)
            ).lower()
        location = query.where.get("location")
        name = self.client.department_name(department)
        for row in self.client.rows("all/product/stock", "data", params):
            level = stock_level(row, name, location)
            if level.product_number:
                yield level


def stock_level(row: Mapping[str, Any], department: str, location: str | None = None) -> StockLevel:
    """A stock row as one record: the department's stock, or that of one location."""
    entries = row.get("department")
    entry = (
        entries[0]
        if isinstance(entries, list) and entries
        else entries
        if isinstance(entries, Mapping)
        else {}
    )
    locations = [
        StockLocation.model_validate(loc)
        for loc in (entry or {}).get("location") or []
        if isinstance(loc, Mapping)
    ]
    if location is not None:
        quantity: Any = sum(
            (loc.stock or Decimal(0) for loc in locations if loc.name == location), Decimal(0)
        )
    else:
        quantity = (entry or {}).get("stock", row.get("stock"))
    return StockLevel.model_validate(
        {
            "product_number": row.get("product_number"),
            "product_id": row.get("product_id"),
            "department": department,
            "quantity": quantity if quantity is not None else 0,
            "locations": locations,
        }
    )


class StockAdjustmentEntity(DuellEntity):
    """``product/adjust-stock``: take sold units off a department's stock (or put returns back).

    Not idempotent on DUELL's side and there is nothing to look an adjustment up by, so a
    lost answer is never re-sent blindly: the record fails with a message saying it may have
    been applied.
    """

    name = "stock_adjustment"
    model = StockAdjustment
    key = "product_number"

    def create(self, payload: StockAdjustment) -> StockAdjustment:  # type: ignore[override]
        if not payload.product_number or payload.quantity is None:
            raise RejectedError("duell: a stock adjustment needs product_number and quantity")
        quantity = (
            payload.quantity if self.client.settings.adjust_stock_sign == "deduct" else -payload.quantity
        )
        body = {
            "department_token": self.client.department_token(payload.department),
            "product_data": [{"product_number": payload.product_number, "quantity": _number(quantity)}],
        }
        try:
            answer = self.client.call("POST", "product/adjust-stock", json=body)
        except RetryableError as error:
            if error.status in (429, 503) or "could not connect" in str(error):
                raise
            raise RejectedError(
                f"{error}; the adjustment of {payload.product_number} may have been applied, so it is not "
                "sent again: check the stock in DUELL",
                status=error.status,
                detail=error.detail,
            ) from error
        problem = answer.get("validation_message")
        if problem:
            raise RejectedError(
                f"duell: stock of {payload.product_number} not adjusted: {body_message(answer)}",
                detail=answer,
            )
        return payload.model_copy(update={"department": self.client.department_name(payload.department)})


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)

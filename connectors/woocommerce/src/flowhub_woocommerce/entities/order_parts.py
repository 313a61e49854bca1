"""What hangs under an order: its notes (read and add) and its refunds (read)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel

from flowhub.connector import ReadQuery
from flowhub.errors import RejectedError
from flowhub_woocommerce.entities.base import WooEntity, body_of
from flowhub_woocommerce.models import WooOrderNote, WooRefund

__all__ = ["OrderNotes", "Refunds"]


class _UnderOrder(WooEntity):
    """Records at ``/orders/{order_id}/<part>``; each record carries its ``order_id``."""

    part: ClassVar[str]

    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        for order_id in self._orders(query.where):
            for item in self.client.iter_pages(f"orders/{order_id}/{self.part}", {}):
                yield self.parse({**item, "order_id": order_id})

    def _orders(self, where: Mapping[str, Any]) -> Iterator[int]:
        given = where.get("order_id")
        if given not in (None, ""):
            values = given if isinstance(given, list | tuple) else str(given).split(",")
            yield from (int(str(v).strip()) for v in values if str(v).strip())
            return
        yield from self.all_orders()

    def all_orders(self) -> Iterator[int]:
        params = {"_fields": "id", "orderby": "id", "order": "asc"}
        for order in self.client.iter_pages("orders", params):
            yield int(order["id"])


class OrderNotes(_UnderOrder):
    """Notes of orders (``where: {order_id: ...}``; without it, every order's notes)."""

    name = "order_note"
    model = WooOrderNote
    part = "notes"
    filters: ClassVar[Mapping[str, str]] = {"order_id": "the order (or a list of orders) whose notes to read"}

    def create(self, payload: BaseModel) -> BaseModel:
        """Add a note; the payload names its order in ``order_id``."""
        body = body_of(payload)
        order_id = body.pop("order_id", None)
        if not order_id:
            raise RejectedError("woocommerce/order_note: a note needs `order_id` (the order it belongs to)")
        item = self.client.send_json("POST", f"orders/{int(order_id)}/notes", body)
        return self.parse({**item, "order_id": int(order_id)})


class Refunds(_UnderOrder):
    """Refunds of orders (``where: {order_id: ...}``; without it, those of orders that have any)."""

    name = "refund"
    model = WooRefund
    part = "refunds"
    filters: ClassVar[Mapping[str, str]] = {
        "order_id": "the order (or a list of orders) whose refunds to read"
    }

    def all_orders(self) -> Iterator[int]:
        """Only orders listing refunds (a trimmed read of every order)."""
        params = {"_fields": "id,refunds", "orderby": "id", "order": "asc"}
        for order in self.client.iter_pages("orders", params):
            if order.get("refunds"):
                yield int(order["id"])

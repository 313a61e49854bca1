"""Sales orders and customer orders: keyed by the shop's order id, never created twice.

DUELL's behaviour on a second order with the same ``reference_order_number`` is unknown (it
may take it twice, or refuse it). So the connector never relies on it: it looks the
reference up before creating, and again after any answer that leaves the outcome open
(timeout, dropped connection, 5xx) or that refuses the order, before it sends anything again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from flowhub.connector import ReadQuery
from flowhub.errors import RejectedError, WaitingError
from flowhub_duell.client import body_message
from flowhub_duell.entities.base import DuellEntity, first, wire
from flowhub_duell.models import CustomerOrder, OrderLine, SalesOrder

__all__ = ["CustomerOrderEntity", "SalesOrderEntity"]


class _OrderEntity(DuellEntity):
    key = "order_id"
    rows_key = "orders"
    save_path: ClassVar[str] = ""
    find_fields = ("reference_order_number", "order_id")

    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self._guard = threading.Lock()
        self._busy: dict[str, threading.Lock] = {}
        self._product_ids: dict[str, int] = {}

    # -- finding ---------------------------------------------------------------------------
    def find(self, field: str, value: Any) -> list[SalesOrder]:
        text = str(value).strip()
        if field == "reference_order_number":
            return self.matching({"filter[reference_order_number]": text}, lambda o: o.reference == text)
        if field == "order_id":
            found = self.get(text)
            return [found] if found else []
        raise NotImplementedError(f"duell orders cannot be found by {field}")

    def get(self, key: str) -> SalesOrder | None:
        return first(self.matching({"filter[order_id]": key}, lambda o: str(o.order_id) == str(key)))

    # -- creating --------------------------------------------------------------------------
    def create(self, payload: SalesOrder) -> SalesOrder:  # type: ignore[override]
        """Create the order unless DUELL has its reference already; answer the order as it is."""
        reference = payload.reference
        if not reference:
            raise RejectedError("duell: an order needs reference_order_number (the shop's order id)")
        lines = [self._with_product_id(line) for line in payload.product_data]
        payload = payload.model_copy(update={"product_data": lines, "reference_order_number": reference})
        with self._lock_for(reference):
            return self.create_once(
                lambda: self._save(payload, reference),
                lambda: first(self.find("reference_order_number", reference)),
                what=f"order {reference}",
                rejected_means_maybe=True,
            )

    def order_data(self, payload: SalesOrder, reference: str) -> dict[str, Any]:
        data = wire(payload.order_data)
        data["reference_order_number"] = reference
        data.setdefault("department_id", self.client.department_token(payload.department))
        return data

    def _save(self, payload: SalesOrder, reference: str) -> SalesOrder:
        lines = {
            line.line_id or str(n): wire(line, drop=("line_id",))
            for n, line in enumerate(payload.product_data, 1)
        }
        body = {
            "orders": {reference: {"order_data": self.order_data(payload, reference), "product_data": lines}}
        }
        answer = self.client.call("POST", self.save_path, json=body)
        row = _saved_row(answer, reference)
        return payload.model_copy(
            update={
                "order_id": int(row["order_id"]),
                "order_number": row.get("order_number"),
                "reference_order_number": reference,
            }
        )

    def _with_product_id(self, line: OrderLine) -> OrderLine:
        """A line naming only a product number gets DUELL's product_id (looked up once per number)."""
        if line.product_id or not line.product_number or line.entity_type not in (None, "product"):
            return line
        number = line.product_number
        if number not in self._product_ids:
            found = self.connector.entity("product").find("product_number", number)
            if not found:
                raise WaitingError(f"product {number} of this order is not in DUELL (yet)")
            self._product_ids[number] = int(found[0].product_id)  # type: ignore[arg-type]
        return line.model_copy(update={"product_id": self._product_ids[number]})

    def _lock_for(self, reference: str) -> threading.Lock:
        """One create per reference at a time, even when the runner writes in several threads."""
        with self._guard:
            return self._busy.setdefault(reference, threading.Lock())


class SalesOrderEntity(_OrderEntity):
    """A plain sales order (salgsordre): ``sale/orders/save``; stock is drawn when DUELL books it."""

    name = "sales_order"
    model = SalesOrder
    save_path = "sale/orders/save"
    list_path = "sale/orders/list"


class CustomerOrderEntity(_OrderEntity):
    """A customer order (kundeordre): locked, stock reserved, with a status that goes back to the shop."""

    name = "customer_order"
    model = CustomerOrder
    save_path = "logistics/orders/save"
    list_path = "logistics/orders/list"
    filters: ClassVar[Mapping[str, str]] = {
        "purchase_order_status_id": "only orders with this status (1 Behandles … 11 Ferdig plukket)",
        "reference_order_number": "only the order with this shop order id",
        "order_ids": "read just these DUELL order ids, one by one (logistics/orders/view)",
    }

    def read(self, query: ReadQuery) -> Iterator[CustomerOrder]:
        ids = query.where.get("order_ids")
        if ids:
            for order_id in ids.split(",") if isinstance(ids, str) else ids:
                found = self.get(str(order_id).strip())
                if found is not None:
                    yield found
            return
        params = {
            f"filter[{name}]": query.where[name]
            for name in ("purchase_order_status_id", "reference_order_number")
            if query.where.get(name) not in (None, "")
        }
        for row in self.client.rows(self.list_path, self.rows_key, params):
            yield CustomerOrder.model_validate(row)

    def get(self, key: str) -> CustomerOrder | None:
        """``logistics/orders/view/{order_id}``; None when DUELL does not know the order."""
        try:
            answer = self.client.call("GET", f"logistics/orders/view/{int(key)}")
        except RejectedError as error:
            if error.status == 404:
                return None
            raise
        data = answer.get("data")
        if not isinstance(data, Mapping) or not data:
            return None
        order = CustomerOrder.model_validate(data)
        if order.order_id is None:
            order = order.model_copy(update={"order_id": int(key)})
        return order

    def order_data(self, payload: SalesOrder, reference: str) -> dict[str, Any]:
        """As DUELL's plugin sends it: status 1 Behandles, locked now, not POS, not invoiced."""
        data = super().order_data(payload, reference)
        now = datetime.now(ZoneInfo(self.client.settings.timezone)).strftime("%Y-%m-%d %H:%M:%S")
        for name, default in (
            ("purchase_order_status_id", 1),
            ("is_locked", True),
            ("is_locked_at", now),
            ("is_true", False),
            ("is_pos", False),
            ("is_invoice", False),
        ):
            data.setdefault(name, default)
        return data


def _saved_row(answer: Mapping[str, Any], reference: str) -> Mapping[str, Any]:
    """The ``data`` row of our reference in a save answer; none means DUELL refused the order."""
    rows = answer.get("data")
    rows = list(rows.values()) if isinstance(rows, Mapping) else rows or []
    mine = [r for r in rows if isinstance(r, Mapping) and str(r.get("reference_order_number")) == reference]
    row = mine[0] if mine else rows[0] if rows and isinstance(rows[0], Mapping) else None
    if row is None or not row.get("order_id"):
        raise RejectedError(f"duell: order {reference} was not saved: {body_message(answer)}", detail=answer)
    return row

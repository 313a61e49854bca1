"""Orders: filtered incremental reads with the trash, line items updated by id, write-back.

WooCommerce appends a line for every ``line_items`` entry without an ``id``, so an update that
re-sends an order's lines would double them. `pair_lines` gives each line of an update the id
of the order's existing line for the same product (and variation, or SKU), and sets quantity
0 on existing lines the update no longer lists, which removes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel

from flowhub.connector import ReadQuery
from flowhub.errors import WaitingError
from flowhub_woocommerce.entities.base import (
    Creates,
    Deletes,
    Finds,
    Reads,
    Updates,
    body_of,
    comma_list,
    exclusive_bound,
    merge_streams,
)
from flowhub_woocommerce.entities.products import incremental_params, sort_key
from flowhub_woocommerce.models import WooOrder

__all__ = ["Orders", "order_number_value", "pair_lines"]

INCLUDE_TRASHED = "include_trashed"


def order_number_value(number: Any) -> int | None:
    """The numeric part of an order number ("1042", "WC-1042" -> 1042); None when there is none."""
    digits = re.findall(r"\d+", str(number or ""))
    return int(digits[-1]) if digits else None


def _line_identity(line: Mapping[str, Any]) -> tuple[str, Any, Any] | None:
    if line.get("product_id") or line.get("variation_id"):
        return ("product", int(line.get("product_id") or 0), int(line.get("variation_id") or 0))
    if line.get("sku"):
        return ("sku", str(line["sku"]), None)
    return None


def pair_lines(
    existing: Sequence[Mapping[str, Any]], wanted: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """``wanted`` lines with the ids of the matching ``existing`` lines; unlisted ones get quantity 0.

    A wanted line with an ``id`` keeps it. Otherwise it takes the first unused existing line
    with the same product and variation (or, failing ids, the same SKU). Wanted lines that
    match nothing stay without id: they are new lines.
    """
    unused = [dict(line) for line in existing]
    paired: list[dict[str, Any]] = []
    for line in wanted:
        item = dict(line)
        if not item.get("id"):
            identity = _line_identity(item)
            match = next((e for e in unused if identity is not None and _matches(e, identity)), None)
            if match is not None:
                item["id"] = match["id"]
        unused = [e for e in unused if e.get("id") != item.get("id")]
        paired.append(item)
    paired.extend({"id": e["id"], "quantity": 0} for e in unused if e.get("id"))
    return paired


def _matches(line: Mapping[str, Any], identity: tuple[str, Any, Any]) -> bool:
    if identity[0] == "sku":
        return str(line.get("sku") or "") == str(identity[1])
    wanted: tuple[Any, ...] = identity[1:]
    return (int(line.get("product_id") or 0), int(line.get("variation_id") or 0)) == wanted


class Orders(Reads, Finds, Updates, Deletes, Creates):
    """Orders of every status; trashed ones are read too (``is_deleted``) unless told otherwise."""

    name = "order"
    model = WooOrder
    path = "orders"
    cursor = "date_modified_gmt"
    filters: ClassVar[Mapping[str, str]] = {
        "status": "a status or a list (pending, processing, on-hold, completed, cancelled, refunded, ...)",
        "after": "created at or after this date-time (UTC unless it carries an offset)",
        "from_number": "order number at or above this one (D4; compared on the number's digits)",
        "customer": "customer id (0: guest orders)",
        INCLUDE_TRASHED: "also read trashed orders so the target can soft-delete them (default true)",
    }
    find_fields = ("number",)
    soft_delete = True
    webhooks = True

    # -- reading -------------------------------------------------------------------------------
    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        where = dict(query.where)
        with_trash = str(where.pop(INCLUDE_TRASHED, True)).lower() not in ("false", "0", "no")
        from_number = where.pop("from_number", None)
        params = {**self._server_params(where), **incremental_params(query, self.settings.lookback_seconds)}
        streams = [self._stream(params, query.snapshot)]
        statuses = str(params.get("status", "")).split(",")
        if with_trash and "trash" not in statuses:
            streams.append(self._stream({**params, "status": "trash"}, query.snapshot))
        for order in merge_streams(streams, sort_key):
            if from_number is None or _number_at_least(order, int(from_number)):
                yield order

    def _server_params(self, where: Mapping[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if where.get("status") not in (None, "", []):
            params["status"] = comma_list(where["status"])
        if where.get("customer") not in (None, ""):
            params["customer"] = str(where["customer"])
        if where.get("after") not in (None, ""):
            params.update(after=exclusive_bound(str(where["after"])), dates_are_gmt="true")
        return params

    def _stream(self, params: Mapping[str, Any], snapshot: bool) -> Iterator[BaseModel]:
        yield from self.read_list(self.path, params, snapshot)

    def is_deleted(self, record: BaseModel) -> bool:
        return getattr(record, "status", None) == "trash"

    def find_params(self, field: str, value: str) -> dict[str, Any]:
        """There is no number filter: search for it (matches the id and address fields), keep exact."""
        return {"search": value}

    # -- writing -------------------------------------------------------------------------------
    def create_body(self, payload: BaseModel) -> dict[str, Any]:
        """The body, after making sure every product its lines name exists.

        WooCommerce creates an order whose line names an unknown product with an empty line
        (capture 100). Rather than create such an order, the record waits (WaitingError) until
        the product exists, e.g. after the product flow has run.
        """
        body = body_of(payload)
        self._require_products(body.get("line_items") or [])
        return body

    def _require_products(self, lines: Sequence[Mapping[str, Any]]) -> None:
        wanted = sorted({int(line["product_id"]) for line in lines if line.get("product_id")})
        if not wanted:
            return
        found: set[int] = set()
        for start in range(0, len(wanted), 100):
            chunk = wanted[start : start + 100]
            params = {"include": ",".join(map(str, chunk)), "_fields": "id", "orderby": "id", "order": "asc"}
            found.update(int(p["id"]) for p in self.client.iter_pages("products", params))
        missing = [pid for pid in wanted if pid not in found]
        if missing:
            raise WaitingError(
                f"the order names products the shop does not have (yet): {', '.join(map(str, missing))}"
            )

    def update_body(self, key: str, payload: BaseModel) -> dict[str, Any]:
        body = super().update_body(key, payload)
        if isinstance(body.get("line_items"), list):
            current = self.client.get_json(self.item_path(key))
            body["line_items"] = pair_lines(current.get("line_items") or [], body["line_items"])
        return body

    def writeback(self, key: str, changes: Mapping[str, Any]) -> None:
        """Tell the shop what happened: ``status``, an order ``note`` (``customer_note`` true
        e-mails it to the buyer), and any other order field (e.g. ``meta_data``)."""
        rest = {k: v for k, v in changes.items() if k not in ("note", "customer_note") and v is not None}
        if rest:
            self.client.send_json("PUT", self.item_path(key), rest)
        note = changes.get("note")
        if note not in (None, ""):
            body = {"note": str(note), "customer_note": bool(changes.get("customer_note", False))}
            self.client.send_json("POST", f"{self.item_path(key)}/notes", body)


def _number_at_least(order: BaseModel, minimum: int) -> bool:
    value = order_number_value(getattr(order, "number", None) or getattr(order, "id", None))
    return value is not None and value >= minimum

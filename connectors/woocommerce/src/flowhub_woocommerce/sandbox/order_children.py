"""Order notes and refunds: the records that hang off one order."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flowhub_woocommerce.sandbox.context import Ctx, Reply
from flowhub_woocommerce.sandbox.errors import WooError
from flowhub_woocommerce.sandbox.orders import add_note, find_order, set_status
from flowhub_woocommerce.sandbox.pricing import money, to_decimal
from flowhub_woocommerce.sandbox.query import paginate
from flowhub_woocommerce.sandbox.store import Record, Store

__all__ = ["order_child_routes"]


# -- notes ---------------------------------------------------------------------------------------
def _notes_of(store: Store, order_id: int) -> list[Record]:
    find_order(store, order_id)
    notes = [n for n in store.order_notes.values() if n["_order_id"] == order_id]
    return sorted(notes, key=lambda n: (_neg(n["date_created_gmt"]), n["id"]))


def _neg(text: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in text)


def list_notes(ctx: Ctx, order_id: int) -> Reply:
    kind = ctx.params.enum("type", ("any", "customer", "internal"), "any")
    ctx.params.check()
    notes = [
        n
        for n in _notes_of(ctx.store, order_id)
        if kind == "any" or n["customer_note"] == (kind == "customer")
    ]
    return Reply([ctx.render("note", n) for n in notes])


def create_note(ctx: Ctx, order_id: int) -> Reply:
    data = ctx.data
    if not data.get("note"):
        raise WooError(400, "rest_missing_callback_param", "Missing parameter(s): note", params=["note"])
    with ctx.store.lock:
        order = find_order(ctx.store, order_id)
        author = "admin" if data.get("added_by_user") else "WooCommerce"
        note = add_note(
            ctx.store,
            order_id,
            str(data["note"]),
            customer_note=bool(data.get("customer_note")),
            author=author,
        )
        ctx.store.touch(order)
    return Reply(ctx.render("note", note), 201)


def _find_note(store: Store, order_id: int, note_id: int) -> Record:
    note = store.order_notes.get(note_id)
    if note is None or note["_order_id"] != order_id:
        raise WooError(404, "woocommerce_rest_order_invalid_id", "Invalid resource ID.")
    return note


def delete_note(ctx: Ctx, order_id: int, note_id: int) -> Reply:
    if not ctx.params.boolean("force"):
        raise WooError(501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
    with ctx.store.lock:
        note = _find_note(ctx.store, order_id, note_id)
        del ctx.store.order_notes[note_id]
    return Reply(ctx.render("note", note))


# -- refunds -------------------------------------------------------------------------------------
def _refunded(store: Store, order_id: int) -> Decimal:
    return sum(
        (to_decimal(r["amount"]) for r in store.refunds.values() if r["_order_id"] == order_id), Decimal(0)
    )


def create_refund(ctx: Ctx, order_id: int) -> Reply:
    store, data = ctx.store, ctx.data
    with store.lock:
        order = find_order(store, order_id)
        lines = [
            _refund_line(store, order, item)
            for item in data.get("line_items") or []
            if isinstance(item, Mapping)
        ]
        amount = (
            to_decimal(data["amount"])
            if data.get("amount") not in (None, "")
            else sum((-to_decimal(li["total"]) - to_decimal(li["total_tax"]) for li in lines), Decimal(0))
        )
        remaining = to_decimal(order["total"]) - _refunded(store, order_id)
        if amount <= 0:
            raise WooError(
                400, "woocommerce_rest_invalid_order_refund", "Refund amount must be greater than zero."
            )
        if amount > remaining:
            raise WooError(500, "woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.")
        if data.get("api_refund", True) not in (False, "false", "0", 0):
            raise WooError(
                500,
                "woocommerce_rest_cannot_create_order_refund",
                "The payment gateway for this order does not support automatic refunds.",
            )
        refund = _new_refund(ctx, order, amount, lines, full=amount == remaining)
        tax = -sum((to_decimal(li["total_tax"]) for li in lines), Decimal(0))
        order["refunds"].insert(
            0,
            {
                "id": refund["id"],
                "reason": refund["reason"],
                "total": money(-amount),
                "total_tax": money(-tax),
            },
        )
        if amount == remaining:
            set_status(store, order, "refunded")
        store.touch(order)
    store.emit("order", "updated", order_id)
    return Reply(ctx.render("refund", refund), 201)


def _new_refund(ctx: Ctx, order: Record, amount: Decimal, lines: list[Record], *, full: bool) -> Record:
    store = ctx.store
    local, gmt = store.stamp()
    refund = {
        "id": store.next_id("post"),
        "date_created": local,
        "date_created_gmt": gmt,
        "amount": money(amount),
        "reason": str(ctx.data.get("reason", "")),
        "refunded_by": ctx.user_id,
        "refunded_payment": False,
        "meta_data": [
            {"id": store.next_id("meta"), "key": "_refund_type", "value": "full" if full else "partial"}
        ],
        "line_items": lines,
        "shipping_lines": [],
        "tax_lines": [],
        "fee_lines": [],
        "_order_id": order["id"],
    }
    store.refunds[refund["id"]] = refund
    return refund


def _refund_line(store: Store, order: Record, item: Mapping[str, Any]) -> Record:
    source = next((li for li in order["line_items"] if li["id"] == item.get("id")), None)
    if source is None:
        raise WooError(400, "woocommerce_rest_cannot_create_order_refund", "Invalid line item ID.")
    total = to_decimal(item.get("refund_total"))
    tax = sum((to_decimal(t.get("refund_total")) for t in item.get("refund_tax") or []), Decimal(0))
    quantity = int(item.get("quantity") or 0)
    return {
        "id": store.next_id("order_item"),
        "name": source["name"],
        "product_id": source["product_id"],
        "variation_id": source["variation_id"],
        "quantity": -quantity,
        "tax_class": source["tax_class"],
        "subtotal": money(-total),
        "subtotal_tax": money(-tax),
        "total": money(-total),
        "total_tax": money(-tax),
        "taxes": [{"id": t["id"], "total": money(-tax), "subtotal": money(-tax)} for t in source["taxes"]],
        "meta_data": [
            {
                "id": store.next_id("meta"),
                "key": "_refunded_item_id",
                "value": str(source["id"]),
                "display_key": "_refunded_item_id",
                "display_value": str(source["id"]),
            }
        ],
        "sku": source["sku"],
        "global_unique_id": source["global_unique_id"],
        "price": -float(total / quantity) if quantity else 0,
        "image": source["image"],
        "parent_name": source["parent_name"],
    }


def _find_refund(store: Store, order_id: int, refund_id: int) -> Record:
    refund = store.refunds.get(refund_id)
    if refund is None or refund["_order_id"] != order_id:
        raise WooError(404, "woocommerce_rest_invalid_id", "Invalid ID.")
    return refund


def list_refunds(ctx: Ctx, order_id: int) -> Reply:
    find_order(ctx.store, order_id)
    page, per_page, offset = ctx.page()
    ctx.params.check()
    items = sorted(
        (r for r in ctx.store.refunds.values() if r["_order_id"] == order_id),
        key=lambda r: (r["date_created_gmt"], r["id"]),
        reverse=True,
    )
    return ctx.listing("refund", paginate(items, page, per_page, offset))


def delete_refund(ctx: Ctx, order_id: int, refund_id: int) -> Reply:
    if not ctx.params.boolean("force"):
        raise WooError(501, "woocommerce_rest_trash_not_supported", "Refunds do not support trashing.")
    with ctx.store.lock:
        refund = _find_refund(ctx.store, order_id, refund_id)
        order = find_order(ctx.store, order_id)
        del ctx.store.refunds[refund_id]
        order["refunds"] = [r for r in order["refunds"] if r["id"] != refund_id]
    return Reply(ctx.render("refund", refund))


def order_child_routes() -> list[tuple[str, str, str, Any]]:
    """(method, path pattern, permission action, handler) for an order's notes and refunds."""
    notes, refunds = r"/orders/(?P<oid>\d+)/notes", r"/orders/(?P<oid>\d+)/refunds"
    return [
        ("GET", notes, "list", lambda ctx, oid: list_notes(ctx, int(oid))),
        ("POST", notes, "create", lambda ctx, oid: create_note(ctx, int(oid))),
        (
            "GET",
            notes + r"/(?P<id>\d+)",
            "view",
            lambda ctx, oid, id: Reply(ctx.render("note", _find_note(ctx.store, int(oid), int(id)))),
        ),
        (
            "DELETE",
            notes + r"/(?P<id>\d+)",
            "delete",
            lambda ctx, oid, id: delete_note(ctx, int(oid), int(id)),
        ),
        ("GET", refunds, "list", lambda ctx, oid: list_refunds(ctx, int(oid))),
        ("POST", refunds, "create", lambda ctx, oid: create_refund(ctx, int(oid))),
        (
            "GET",
            refunds + r"/(?P<id>\d+)",
            "view",
            lambda ctx, oid, id: Reply(ctx.render("refund", _find_refund(ctx.store, int(oid), int(id)))),
        ),
        (
            "DELETE",
            refunds + r"/(?P<id>\d+)",
            "delete",
            lambda ctx, oid, id: delete_refund(ctx, int(oid), int(id)),
        ),
    ]

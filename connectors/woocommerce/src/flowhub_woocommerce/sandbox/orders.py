"""Orders with their status flow, totals and stock, as WooCommerce 11 (HPOS) behaves."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from flowhub_woocommerce.sandbox.context import Ctx, Reply, batch
from flowhub_woocommerce.sandbox.errors import WooError, enum_message, invalid_params
from flowhub_woocommerce.sandbox.pricing import apply_stock, to_decimal
from flowhub_woocommerce.sandbox.products import SORT_KEYS, in_dates, sync_variable
from flowhub_woocommerce.sandbox.query import paginate, sort_records
from flowhub_woocommerce.sandbox.store import Record, Store, merge_meta
from flowhub_woocommerce.sandbox.templates import new_order
from flowhub_woocommerce.sandbox.totals import build_line, check_coupons, compute_totals

__all__ = ["add_note", "derive", "order_routes", "set_status"]

STATUSES = (
    "auto-draft",
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
)
FILTER_STATUSES = ("any", "trash", *STATUSES)
HIDDEN_FROM_ANY = ("trash", "checkout-draft", "auto-draft")
LABELS = {
    "pending": "Pending payment",
    "processing": "Processing",
    "on-hold": "On hold",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
    "failed": "Failed",
    "checkout-draft": "Draft",
    "auto-draft": "Draft",
    "trash": "Trash",
}
REDUCES_STOCK = ("processing", "completed", "on-hold")
ORDERBY = ("date", "id", "include", "title", "slug", "modified")
ADDRESS = (
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "state",
    "postcode",
    "country",
)
SEARCHED = ("first_name", "last_name", "company", "address_1", "city", "postcode", "email", "phone")


# -- lookups -----------------------------------------------------------------------------------
def find_order(store: Store, order_id: int) -> Record:
    order = store.orders.get(order_id)
    if order is None:
        raise WooError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
    return order


def _coupons_for(store: Store, codes: list[str]) -> list[Record]:
    found = []
    for code in codes:
        coupon = next(
            (
                c
                for c in store.coupons.values()
                if c["code"].casefold() == code.casefold() and c.get("status") != "trash"
            ),
            None,
        )
        if coupon is None:
            raise WooError(
                400, "woocommerce_rest_invalid_coupon", f"Coupon &quot;{code}&quot; does not exist!"
            )
        found.append(coupon)
    return found


# -- notes and stock ---------------------------------------------------------------------------
def add_note(
    store: Store, order_id: int, text: str, *, customer_note: bool = False, author: str = "WooCommerce"
) -> Record:
    local, gmt = store.stamp()
    note: Record = {
        "id": store.next_id("comment"),
        "author": author,
        "date_created": local,
        "date_created_gmt": gmt,
        "note": text,
        "customer_note": customer_note,
        "_order_id": order_id,
    }
    store.order_notes[note["id"]] = note
    return note


def _adjust_stock(store: Store, order: Record, sign: int) -> list[str]:
    """Move stock for each managed line (sign -1 reduces); product.updated for each one moved."""
    changes = []
    for line in order["line_items"]:
        item = store.variations.get(line["variation_id"]) or store.products.get(line["product_id"])
        if item is None or item.get("manage_stock") is not True or item.get("stock_quantity") is None:
            continue
        before = item["stock_quantity"]
        item["stock_quantity"] = before + sign * line["quantity"]
        apply_stock(item)
        store.touch(item)
        target = store.products.get(item.get("parent_id") or 0) if line["variation_id"] else None
        if target is not None:
            sync_variable(store, target)
            store.touch(target)
        changes.append(f"{line['name']} ({before}&rarr;{item['stock_quantity']})")
        _mark_line(store, line, "_reduced_stock", str(line["quantity"]) if sign < 0 else None)
        store.emit("product", "updated", item["id"])
    return changes


def _mark_line(store: Store, line: Record, key: str, value: str | None) -> None:
    """Set (or, with None, remove) a line item meta entry such as ``_reduced_stock``."""
    line["meta_data"] = [m for m in line["meta_data"] if m["key"] != key]
    if value is not None:
        line["meta_data"].append(
            {
                "id": store.next_id("meta"),
                "key": key,
                "value": value,
                "display_key": key,
                "display_value": value,
            }
        )


def _count_sales(store: Store, order: Record) -> None:
    for line in order["line_items"]:
        product = store.products.get(line["product_id"])
        if product is not None:
            product["total_sales"] = int(product.get("total_sales") or 0) + line["quantity"]
        variation = store.variations.get(line["variation_id"])
        if variation is not None:
            variation["_total_sales"] = int(variation.get("_total_sales") or 0) + line["quantity"]


def set_status(store: Store, order: Record, new: str) -> None:
    """Move an order to ``new``: notes, stock reduction/restoration, paid/completed dates."""
    old = order["status"]
    if new == old:
        return
    order["status"] = new
    if new in REDUCES_STOCK and not order.get("_stock_reduced"):
        order["_stock_reduced"] = True
        changes = _adjust_stock(store, order, -1)
        _count_sales(store, order)
        if changes:
            add_note(store, order["id"], "Stock levels reduced: " + ", ".join(changes))
    elif new in ("cancelled", "pending") and order.get("_stock_reduced"):
        order["_stock_reduced"] = False
        changes = _adjust_stock(store, order, +1)
        if changes:
            add_note(store, order["id"], "Stock levels increased: " + ", ".join(changes))
    add_note(
        store, order["id"], f"Order status changed from {LABELS.get(old, old)} to {LABELS.get(new, new)}."
    )
    local, gmt = store.stamp()
    if new == "completed" and not order.get("date_paid"):
        order["date_paid"], order["date_paid_gmt"] = local, gmt
    if new == "completed":
        order["date_completed"], order["date_completed_gmt"] = local, gmt
    derive(order)


def derive(order: Record) -> None:
    status = order["status"]
    order["is_editable"] = status in ("pending", "on-hold", "auto-draft", "checkout-draft")
    order["needs_payment"] = status in ("pending", "failed") and to_decimal(order.get("total")) > 0
    order["number"] = str(order["id"])
    order["payment_url"] = (
        f"{{site}}/checkout/order-pay/{order['id']}/?pay_for_order=true&key={order['order_key']}"
    )


def _status_param(data: Mapping[str, Any]) -> str | None:
    status = data.get("status")
    if status is None:
        return None
    if status not in STATUSES:
        raise invalid_params({"status": ("rest_not_in_enum", enum_message("status", STATUSES))})
    return str(status)


def _apply(store: Store, order: Record, data: Mapping[str, Any]) -> bool:
    """Copy plain fields and lines from a request; True when lines changed (totals to redo)."""
    for name in (
        "currency",
        "customer_note",
        "payment_method",
        "payment_method_title",
        "transaction_id",
        "parent_id",
        "customer_ip_address",
        "customer_user_agent",
        "created_via",
    ):
        if name in data:
            order[name] = data[name]
    if "customer_id" in data:
        order["customer_id"] = int(data["customer_id"] or 0)
    for part in ("billing", "shipping"):
        if isinstance(data.get(part), Mapping):
            order[part] = {
                **order[part],
                **{k: str(v or "") for k, v in data[part].items() if k in order[part]},
            }
    if isinstance(data.get("meta_data"), list):
        order["meta_data"] = merge_meta(order["meta_data"], data["meta_data"], lambda: store.next_id("meta"))
    changed = False
    if isinstance(data.get("line_items"), list):
        changed = True
        for item in data["line_items"]:
            _apply_line(store, order, item)
    for name, builder in (("shipping_lines", _shipping_line), ("fee_lines", _fee_line)):
        if isinstance(data.get(name), list):
            changed = True
            order[name] += [builder(store, item) for item in data[name] if isinstance(item, Mapping)]
    if isinstance(data.get("coupon_lines"), list):
        changed = True
        codes = [c.get("code", "") for c in data["coupon_lines"] if isinstance(c, Mapping) and c.get("code")]
        known = order.get("_coupon_codes", [c["code"] for c in order.get("coupon_lines", [])])
        order["_coupon_codes"] = list(dict.fromkeys([*known, *codes]))
    return changed


def _apply_line(store: Store, order: Record, item: Any) -> None:
    if not isinstance(item, Mapping):
        return
    existing = next((li for li in order["line_items"] if item.get("id") and li["id"] == item["id"]), None)
    if existing is None:
        order["line_items"].append(build_line(store, item))
    elif int(float(item.get("quantity", existing["quantity"]) or 0)) <= 0:
        order["line_items"].remove(existing)
    else:
        existing["quantity"] = int(float(item.get("quantity", existing["quantity"])))


def _shipping_line(store: Store, item: Mapping[str, Any]) -> Record:
    return {
        "id": store.next_id("order_item"),
        "method_title": str(item.get("method_title", "")),
        "method_id": str(item.get("method_id", "")),
        "instance_id": str(item.get("instance_id", "")),
        "total": str(item.get("total") or "0"),
        "total_tax": "0.00",
        "taxes": [],
        "tax_status": item.get("tax_status", "taxable"),
        "meta_data": list(item.get("meta_data") or []),
    }


def _fee_line(store: Store, item: Mapping[str, Any]) -> Record:
    return {
        "id": store.next_id("order_item"),
        "name": str(item.get("name", "")),
        "tax_class": str(item.get("tax_class", "")),
        "tax_status": item.get("tax_status", "taxable"),
        "amount": str(item.get("amount", "")),
        "total": str(item.get("total") or "0"),
        "total_tax": "0.00",
        "taxes": [],
        "meta_data": list(item.get("meta_data") or []),
    }


def _recompute(store: Store, order: Record) -> None:
    codes = order.get("_coupon_codes")
    if codes is None:
        codes = [c["code"] for c in order.get("coupon_lines", [])]
    coupons = _coupons_for(store, codes)
    check_coupons(store, order["line_items"], coupons)
    compute_totals(store, order, coupons)


def create_order(ctx: Ctx, data: Mapping[str, Any]) -> Record:
    store = ctx.store
    status = _status_param(data)
    with store.lock:
        order = new_order(store, store.next_id("post"))
        _apply(store, order, data)
        try:
            _recompute(store, order)
        except WooError as error:
            if error.code == "woocommerce_rest_invalid_coupon" and order["line_items"]:
                order["status"] = "checkout-draft"  # WooCommerce leaves the draft behind
                order["_coupon_codes"] = []
                compute_totals(store, order, [])
                _store_new(store, order)
                error.data["new_draft_order_id"] = order["id"]
                store.emit("order", "created", order["id"])
                store.emit("order", "updated", order["id"])
            raise
        _store_new(store, order)
        if data.get("set_paid") and status in (None, "pending"):
            status = "processing"
        if data.get("set_paid"):
            order["date_paid"], order["date_paid_gmt"] = store.stamp()
        if status:
            set_status(store, order, status)
    store.emit("order", "created", order["id"])
    store.emit("order", "updated", order["id"])
    return ctx.render("order", order)


def _store_new(store: Store, order: Record) -> None:
    derive(order)
    store.orders[order["id"]] = order


def update_order(ctx: Ctx, order_id: int, data: Mapping[str, Any]) -> Record:
    store = ctx.store
    status = _status_param(data)
    with store.lock:
        order = find_order(store, order_id)
        if _apply(store, order, data):
            _recompute(store, order)
        if data.get("set_paid") and not order.get("date_paid"):
            order["date_paid"], order["date_paid_gmt"] = store.stamp()
            status = status or ("processing" if order["status"] == "pending" else None)
        if status:
            set_status(store, order, status)
        derive(order)
        store.touch(order)
    store.emit("order", "updated", order_id)
    return ctx.render("order", order)


def delete_order(ctx: Ctx, order_id: int, force: bool) -> Record:
    store = ctx.store
    with store.lock:
        order = find_order(store, order_id)
        if force:
            before = ctx.render("order", order)
            del store.orders[order_id]
            for bucket in (store.refunds, store.order_notes):
                for child_id in [k for k, v in bucket.items() if v["_order_id"] == order_id]:
                    del bucket[child_id]
        else:
            if order["status"] == "trash":
                raise WooError(410, "woocommerce_rest_already_trashed", "The order has already been deleted.")
            before = ctx.render("order", order)  # WooCommerce answers with the order as it was
            store.trash_meta(order, "wc-" + order["status"])
            order["_trashed_status"], order["status"] = order["status"], "trash"
            store.touch(order)
    store.emit("order", "deleted", order_id, {"id": order_id})
    return before


def list_orders(ctx: Ctx) -> Reply:
    p, store = ctx.params, ctx.store
    statuses = p.enum_list("status", FILTER_STATUSES, ["any"])
    orderby = p.enum("orderby", ORDERBY, "date")
    order = p.enum("order", ("asc", "desc"), "desc")
    gmt = p.boolean("dates_are_gmt")
    dates = {
        name: p.date(name, store, gmt=gmt)
        for name in ("after", "before", "modified_after", "modified_before")
    }
    customer, product = p.integer("customer"), p.integer("product")
    include, exclude, parents = p.ids("include"), p.ids("exclude"), p.ids("parent")
    search = (p.text("search") or "").casefold()
    page, per_page, offset = ctx.page()
    p.check()
    suffix = "_gmt" if gmt else ""
    checks: list[Callable[[Record], bool]] = []
    if customer is not None:
        checks.append(lambda o: o["customer_id"] == customer)
    if include:
        checks.append(lambda o: o["id"] in include)
    if exclude:
        checks.append(lambda o: o["id"] not in exclude)
    if parents:
        checks.append(lambda o: o["parent_id"] in parents)
    if product is not None:
        checks.append(lambda o: any(li["product_id"] == product for li in o["line_items"]))
    if search:
        checks.append(lambda o: _matches(o, search))
    if any(bound is not None for bound in dates.values()):
        checks.append(lambda o: in_dates(o, dates, suffix))
    found = _with_status(store.orders.values(), statuses)
    if checks:
        found = [o for o in found if all(check(o) for check in checks)]
    items = sort_records(found, SORT_KEYS, orderby or "date", order or "desc", include)
    defaults = (
        [("status[0]", "any"), ("dp", "2"), ("context", "view")]
        if ctx.namespace == "wc/v3"
        else [("dp", "2"), ("context", "view")]
    )
    return ctx.listing("order", paginate(items, page, per_page, offset), defaults=defaults)


def _with_status(orders: Iterable[Record], statuses: list[str]) -> list[Record]:
    """The orders whose status was asked for; ``any`` is every status but the hidden ones.

    Every list request walks all orders, so this test runs alone first, as one comprehension:
    the other filters (most requests have none) only see the orders it keeps.
    """
    wanted = set(statuses)
    if "any" in wanted:
        return [o for o in orders if o["status"] not in HIDDEN_FROM_ANY or o["status"] in wanted]
    return [o for o in orders if o["status"] in wanted]


def _matches(order: Record, needle: str) -> bool:
    if needle == str(order["id"]):
        return True
    fields = [order["billing"].get(f, "") for f in SEARCHED] + [
        order["shipping"].get(f, "") for f in SEARCHED
    ]
    fields += [li["name"] for li in order["line_items"]]
    return any(needle in str(value).casefold() for value in fields)


# -- routes --------------------------------------------------------------------------------------
def _batch(ctx: Ctx) -> Reply:
    return batch(
        ctx, partial(create_order, ctx), partial(update_order, ctx), lambda i: delete_order(ctx, i, True)
    )


def order_routes() -> list[tuple[str, str, str, Any]]:
    """(method, path pattern, permission action, handler) for /orders."""
    item = r"/orders/(?P<id>\d+)"
    return [
        ("GET", r"/orders", "list", list_orders),
        ("POST", r"/orders", "create", lambda ctx: Reply(create_order(ctx, ctx.data), 201)),
        ("POST", r"/orders/batch", "batch", _batch),
        ("GET", item, "view", lambda ctx, id: Reply(ctx.render("order", find_order(ctx.store, int(id))))),
        ("PUT", item, "edit", lambda ctx, id: Reply(update_order(ctx, int(id), ctx.data))),
        (
            "DELETE",
            item,
            "delete",
            lambda ctx, id: Reply(delete_order(ctx, int(id), ctx.params.boolean("force"))),
        ),
    ]

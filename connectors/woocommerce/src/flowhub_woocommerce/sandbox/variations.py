"""Variations of variable products: own SKU, price and stock; every change moves the parent too."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from flowhub_woocommerce.sandbox.context import Ctx, Reply, batch
from flowhub_woocommerce.sandbox.errors import WooError
from flowhub_woocommerce.sandbox.pricing import apply_stock, refresh_price
from flowhub_woocommerce.sandbox.products import (
    SORT_KEYS,
    VARIATION_COPIED,
    apply_sale_dates,
    build_images,
    check_sku,
    copy_fields,
    find_product,
    in_dates,
    set_sku,
    sync_variable,
)
from flowhub_woocommerce.sandbox.query import paginate, sort_records
from flowhub_woocommerce.sandbox.store import Record, Store, slugify
from flowhub_woocommerce.sandbox.templates import new_variation

__all__ = ["variation_routes"]

VARIATION_ORDERBY = ("date", "id", "include", "title", "slug", "modified", "menu_order")


def _find_variation(store: Store, product_id: int, variation_id: int) -> Record:
    parent = store.products.get(product_id)
    variation = store.variations.get(variation_id)
    if parent is None or variation is None or variation["parent_id"] != product_id:
        raise WooError(404, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
    return variation


def apply_variation(store: Store, record: Record, parent: Record, data: Mapping[str, Any]) -> None:
    set_sku(store, record, data)
    copy_fields(store, record, data, VARIATION_COPIED)
    apply_sale_dates(store, record, data)
    if isinstance(data.get("attributes"), list):
        record["attributes"] = _variation_attributes(store, parent, data["attributes"])
    if isinstance(data.get("image"), Mapping):
        images = build_images(store, [data["image"]], parent.get("name", ""))
        record["image"] = (
            {k: v for k, v in images[0].items() if k not in ("srcset", "sizes", "thumbnail")}
            if images
            else None
        )
    record["name"] = ", ".join(str(a["option"]) for a in record["attributes"])
    query = "&".join(
        f"attribute_{a['slug'] if a['id'] else slugify(a['name'])}="
        f"{slugify(a['option']) if a['id'] else a['option']}"
        for a in record["attributes"]
    )
    record["permalink"] = f"{parent.get('permalink', '')}?{query}" if query else parent.get("permalink", "")
    apply_stock(record)
    refresh_price(store, record)


def _variation_attributes(store: Store, parent: Record, items: list[Any]) -> list[Record]:
    found = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        attr = store.attributes.get(int(item.get("id") or 0))
        if attr is None and item.get("name"):
            attr = next((a for a in store.attributes.values() if a["name"] == item["name"]), None)
            if attr is not None and not any(p["id"] == attr["id"] for p in parent.get("attributes", [])):
                attr = None
        if attr:
            found.append(
                {
                    "id": attr["id"],
                    "name": attr["name"],
                    "slug": attr["slug"],
                    "option": str(item.get("option", "")),
                }
            )
        else:
            found.append(
                {
                    "id": 0,
                    "name": str(item.get("name", "")),
                    "slug": str(item.get("name", "")),
                    "option": str(item.get("option", "")),
                }
            )
    return found


def _variation_edit_view(ctx: Ctx, record: Record) -> Record:
    """A variation as write answers show it: its own image only (views fall back to the parent's)."""
    rendered = ctx.render("variation", record)
    parent_images = ctx.store.products.get(record["parent_id"], {}).get("images") or [{}]
    if rendered.get("image") and rendered["image"].get("id") == parent_images[0].get("id"):
        rendered["image"] = None
    return rendered


def _touch_parent(store: Store, parent: Record) -> None:
    sync_variable(store, parent)
    store.touch(parent)


def create_variation(ctx: Ctx, product_id: int, data: Mapping[str, Any]) -> Record:
    store = ctx.store
    with store.lock:
        parent = find_product(store, product_id)
        if "sku" in data:
            check_sku(store, str(data["sku"] or "").strip(), None)
        record = new_variation(store, store.next_id("post"), parent)
        apply_variation(store, record, parent, data)
        store.variations[record["id"]] = record
        _touch_parent(store, parent)
    store.emit("product", "created", record["id"])
    return _variation_edit_view(ctx, record)


def update_variation(ctx: Ctx, product_id: int, variation_id: int, data: Mapping[str, Any]) -> Record:
    store = ctx.store
    with store.lock:
        record = _find_variation(store, product_id, variation_id)
        parent = store.products[product_id]
        apply_variation(store, record, parent, data)
        store.touch(record)
        _touch_parent(store, parent)
    store.emit("product", "updated", variation_id)
    return _variation_edit_view(ctx, record)


def delete_variation(ctx: Ctx, product_id: int, variation_id: int, force: bool) -> Record:
    store = ctx.store
    with store.lock:
        record = _find_variation(store, product_id, variation_id)
        before = ctx.render("variation", record)
        if not force:
            if record["status"] == "trash":
                raise WooError(
                    410, "woocommerce_rest_already_trashed", "The product_variation has already been deleted."
                )
            record["status"] = "trash"
            store.touch(record)
            _touch_parent(store, store.products[product_id])
            return ctx.render("variation", record)
        del store.variations[variation_id]
        store.sku_index.pop(record.get("sku") or "", None)
        _touch_parent(store, store.products[product_id])
    return before


def list_variations(ctx: Ctx, product_id: int) -> Reply:
    p, store = ctx.params, ctx.store
    find_product(store, product_id)
    orderby = p.enum("orderby", VARIATION_ORDERBY, "date")
    order = p.enum("order", ("asc", "desc"), "desc")
    gmt = p.boolean("dates_are_gmt")
    dates = {
        name: p.date(name, store, gmt=gmt)
        for name in ("after", "before", "modified_after", "modified_before")
    }
    skus, include = p.id_strings("sku"), p.ids("include")
    page, per_page, offset = ctx.page()
    p.check()
    suffix = "_gmt" if gmt else ""
    items = [
        v
        for v in store.variations.values()
        if v["parent_id"] == product_id
        and v["status"] != "trash"
        and (not skus or v.get("sku") in skus)
        and (not include or v["id"] in include)
        and in_dates(v, dates, suffix)
    ]
    items = sort_records(items, SORT_KEYS, orderby or "date", order or "desc", include)
    return ctx.listing("variation", paginate(items, page, per_page, offset))


def _get(ctx: Ctx, pid: str, id: str) -> Reply:
    return Reply(ctx.render("variation", _find_variation(ctx.store, int(pid), int(id))))


def _batch(ctx: Ctx, pid: str) -> Reply:
    product_id = int(pid)
    return batch(
        ctx,
        partial(create_variation, ctx, product_id),
        partial(update_variation, ctx, product_id),
        lambda i: delete_variation(ctx, product_id, i, True),
    )


def variation_routes() -> list[tuple[str, str, str, Any]]:
    """(method, path pattern, permission action, handler) for /products/{id}/variations."""
    base, item = r"/products/(?P<pid>\d+)/variations", r"/products/(?P<pid>\d+)/variations/(?P<id>\d+)"
    return [
        ("GET", base, "list", lambda ctx, pid: list_variations(ctx, int(pid))),
        ("POST", base, "create", lambda ctx, pid: Reply(create_variation(ctx, int(pid), ctx.data), 201)),
        ("POST", base + "/batch", "batch", _batch),
        ("GET", item, "view", _get),
        ("PUT", item, "edit", lambda ctx, pid, id: Reply(update_variation(ctx, int(pid), int(id), ctx.data))),
        (
            "DELETE",
            item,
            "delete",
            lambda ctx, pid, id: Reply(delete_variation(ctx, int(pid), int(id), ctx.params.boolean("force"))),
        ),
    ]

"""Products: list filters, writes with the SKU rule, trash, and the write helpers variations share."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

from flowhub_woocommerce.sandbox.context import Ctx, Reply, batch
from flowhub_woocommerce.sandbox.errors import WooError
from flowhub_woocommerce.sandbox.pricing import apply_stock, price_html, refresh_price
from flowhub_woocommerce.sandbox.query import TextKey, paginate, sort_records
from flowhub_woocommerce.sandbox.store import Record, Store, merge_meta, slugify
from flowhub_woocommerce.sandbox.templates import new_product, variation_as_product

__all__ = [
    "apply_sale_dates",
    "build_images",
    "check_sku",
    "copy_fields",
    "find_product",
    "in_dates",
    "product_routes",
    "set_sku",
    "sync_variable",
    "v2_view",
]

PRODUCT_STATUSES = ("draft", "pending", "private", "publish", "future")
PRODUCT_ORDERBY_SHOWN = (
    "date",
    "id",
    "include",
    "title",
    "slug",
    "modified",
    "popularity",
    "rating",
    "post__in",
    "price",
    "sales",
    "menu_order",
    "random",
    "popularity",
    "rating",
    "menu_order",
    "price",
    "popularity",
    "rating",
)

COPIED = (
    "name",
    "type",
    "status",
    "featured",
    "catalog_visibility",
    "description",
    "short_description",
    "virtual",
    "downloadable",
    "downloads",
    "download_limit",
    "download_expiry",
    "external_url",
    "button_text",
    "tax_status",
    "tax_class",
    "manage_stock",
    "backorders",
    "low_stock_amount",
    "sold_individually",
    "weight",
    "shipping_class",
    "reviews_allowed",
    "upsell_ids",
    "cross_sell_ids",
    "purchase_note",
    "menu_order",
    "global_unique_id",
    "post_password",
    "regular_price",
    "sale_price",
    "stock_status",
    "grouped_products",
    "parent_id",
)
VARIATION_COPIED = (
    "description",
    "status",
    "virtual",
    "downloadable",
    "downloads",
    "download_limit",
    "download_expiry",
    "tax_status",
    "tax_class",
    "manage_stock",
    "backorders",
    "low_stock_amount",
    "weight",
    "shipping_class",
    "menu_order",
    "global_unique_id",
    "regular_price",
    "sale_price",
    "stock_status",
)


def _collate(text: str) -> str:
    """A case- and accent-blind sort key, close to MySQL's utf8mb4_unicode_520_ci."""
    return unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()


SORT_KEYS: dict[str, Callable[[Record], Any]] = {
    "id": lambda r: r["id"],
    "date": TextKey("date_created_gmt"),
    "modified": TextKey("date_modified_gmt"),
    "title": lambda r: _collate(r.get("name", "")),
    "slug": lambda r: r.get("slug", ""),
    "price": lambda r: float(r.get("price") or 0),
    "popularity": lambda r: int(r.get("total_sales") or 0),
    "sales": lambda r: int(r.get("total_sales") or 0),
    "rating": lambda r: float(r.get("average_rating") or 0),
    "menu_order": lambda r: r.get("menu_order", 0),
    "random": lambda r: random.random(),
}


# -- shared write helpers ----------------------------------------------------------------------
def check_sku(store: Store, sku: str, own_id: int | None) -> None:
    """SKUs are unique across products and variations: 400 product_invalid_sku otherwise."""
    holder = store.sku_index.get(sku)
    if not sku or holder is None or holder == own_id:
        return
    n = 1
    while f"{sku}-{n}" in store.sku_index:
        n += 1
    raise WooError(
        400, "product_invalid_sku", "Invalid or duplicated SKU.", resource_id=holder, unique_sku=f"{sku}-{n}"
    )


def set_sku(store: Store, record: Record, data: Mapping[str, Any]) -> None:
    if "sku" not in data:
        return
    sku = str(data["sku"] or "").strip()
    check_sku(store, sku, record["id"])
    if record.get("sku"):
        store.sku_index.pop(record["sku"], None)
    record["sku"] = sku
    if sku:
        store.sku_index[sku] = record["id"]


def copy_fields(store: Store, record: Record, data: Mapping[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in data:
            value = data[name]
            record[name] = (
                str(value) if name in ("regular_price", "sale_price") and value is not None else value
            )
    if "stock_quantity" in data:
        value = data["stock_quantity"]
        record["stock_quantity"] = None if value in (None, "") else int(float(value))
    if isinstance(data.get("dimensions"), Mapping):
        record["dimensions"] = {
            **record.get("dimensions", {}),
            **{k: str(v) for k, v in data["dimensions"].items()},
        }
    if isinstance(data.get("meta_data"), list):
        record["meta_data"] = merge_meta(
            record.get("meta_data", []), data["meta_data"], lambda: store.next_id("meta")
        )


def apply_sale_dates(store: Store, record: Record, data: Mapping[str, Any]) -> None:
    for name in ("date_on_sale_from", "date_on_sale_to"):
        if f"{name}_gmt" in data:
            store.set_local_date(record, name, data[f"{name}_gmt"], gmt=True)
        elif name in data:
            store.set_local_date(record, name, data[name])


def _terms(store: Store, items: Any, source: dict[int, Record]) -> list[Record]:
    found = []
    for item in items if isinstance(items, list) else []:
        term_id = item.get("id") if isinstance(item, Mapping) else item
        if isinstance(term_id, int | str) and str(term_id).isdigit() and int(term_id) in source:
            term = source[int(term_id)]
            found.append({"id": term["id"], "name": term["name"], "slug": term["slug"]})
    return found


def build_images(store: Store, items: Any, alt: str) -> list[Record]:
    images = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping) or not (item.get("src") or item.get("id")):
            continue
        src = str(item.get("src") or f"{{site}}/wp-content/uploads/image-{item['id']}.jpg")
        images.append(_image(store, int(item.get("id") or store.next_id("post")), src, item.get("alt", alt)))
    return images


def _image(store: Store, image_id: int, src: str, alt: str) -> Record:
    local, gmt = store.stamp()
    name = src.rsplit("/", 1)[-1]
    return {
        "id": image_id,
        "date_created": local,
        "date_created_gmt": gmt,
        "date_modified": local,
        "date_modified_gmt": gmt,
        "src": src,
        "name": name,
        "alt": alt,
        "srcset": f"{src} 801w",
        "sizes": "(max-width: 801px) 100vw, 801px",
        "thumbnail": src,
    }


def _attributes(store: Store, items: Any) -> list[Record]:
    attributes = []
    for position, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, Mapping):
            continue
        global_attr = store.attributes.get(int(item.get("id") or 0))
        name = global_attr["name"] if global_attr else str(item.get("name", ""))
        options = item.get("options") or ([item["option"]] if "option" in item else [])
        attributes.append(
            {
                "id": global_attr["id"] if global_attr else 0,
                "name": name,
                "slug": global_attr["slug"] if global_attr else name,
                "position": item.get("position", position),
                "visible": item.get("visible", True),
                "variation": item.get("variation", False),
                "options": [str(o) for o in options],
            }
        )
    return attributes


def _unique_slug(store: Store, wanted: str, own_id: int) -> str:
    taken = {p["slug"] for p in store.products.values() if p["id"] != own_id}
    slug, n = wanted or str(own_id), 2
    while slug in taken:
        slug, n = f"{wanted}-{n}", n + 1
    return slug


def _recount(store: Store) -> None:
    for source, field in ((store.categories, "categories"), (store.tags, "tags")):
        counts: dict[int, int] = {}
        for product in store.products.values():
            if product.get("status") == "publish":
                for term in product.get(field, []):
                    counts[term["id"]] = counts.get(term["id"], 0) + 1
        for term_id, term in source.items():
            term["count"] = counts.get(term_id, 0)


# -- products ----------------------------------------------------------------------------
def apply_product(store: Store, record: Record, data: Mapping[str, Any]) -> None:
    """Apply a create/update body to a product, then recompute what WooCommerce derives."""
    set_sku(store, record, data)
    copy_fields(store, record, data, COPIED)
    apply_sale_dates(store, record, data)
    if "categories" in data:
        record["categories"] = _terms(store, data["categories"], store.categories)
    if "tags" in data:
        record["tags"] = _terms(store, data["tags"], store.tags)
    if "images" in data:
        record["images"] = build_images(store, data["images"], record.get("name", ""))
    if "attributes" in data:
        record["attributes"] = _attributes(store, data["attributes"])
    if isinstance(data.get("default_attributes"), list):
        record["default_attributes"] = list(data["default_attributes"])
    if "slug" in data or not record.get("slug"):
        record["slug"] = _unique_slug(
            store, slugify(str(data.get("slug") or record.get("name") or "")), record["id"]
        )
    record["permalink"] = f"{{site}}/product/{record['slug']}/"
    record["has_options"] = record.get("type") == "variable"
    if "categories" in data:
        record["related_ids"] = _related(store, record)
    apply_stock(record)
    refresh_price(store, record)
    if record.get("type") == "variable":
        sync_variable(store, record)


def sync_variable(store: Store, parent: Record) -> None:
    """A variable product shows its cheapest variation's price and lists its variation ids."""
    children = [v for v in store.variations.values() if v["parent_id"] == parent["id"]]
    parent["variations"] = [v["id"] for v in children]
    priced = sorted(
        (float(v["price"]), v["price"])
        for v in children
        if v.get("price") not in (None, "") and v.get("status") != "trash"
    )
    if priced:
        parent["price"] = priced[0][1]
        parent["price_html"] = price_html({"price": priced[0][1]})
        if priced[-1][0] != priced[0][0]:
            parent["price_html"] += " &ndash; " + price_html({"price": priced[-1][1]})


def _edit_view(ctx: Ctx, record: Record) -> Record:
    """A product as write answers show it (context=edit adds two keys)."""
    rendered = ctx.render("product", record)
    rendered["permalink_template"] = "{site}/product/%pagename%/"
    rendered["generated_slug"] = slugify(record.get("name", ""))
    return rendered


V2_DROPPED = ("low_stock_amount", "stock_status", "has_options", "post_password", "global_unique_id")


def v2_view(record: Record) -> Record:
    """A product as wc/v2 shows it: ``in_stock`` instead of ``stock_status``, fewer fields."""
    view = {k: v for k, v in record.items() if k not in V2_DROPPED}
    view["in_stock"] = record.get("stock_status") == "instock"
    view["images"] = [
        {k: v for k, v in image.items() if k not in ("srcset", "sizes", "thumbnail")} | {"position": i}
        for i, image in enumerate(record.get("images", []))
    ]
    return view


def _related(store: Store, record: Record) -> list[int]:
    """Up to five published products sharing a category (WooCommerce picks them at random)."""
    mine = {c["id"] for c in record.get("categories", [])}
    related = [
        p["id"]
        for p in reversed(store.products.values())
        if p["id"] != record["id"]
        and p.get("status") == "publish"
        and mine & {c["id"] for c in p.get("categories", [])}
    ]
    return related[:5]


def find_product(store: Store, product_id: int) -> Record:
    record = store.products.get(product_id)
    if record is None:
        raise WooError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
    return record


def create_product(ctx: Ctx, data: Mapping[str, Any]) -> Record:
    store = ctx.store
    with store.lock:
        if "sku" in data:
            check_sku(store, str(data["sku"] or "").strip(), None)
        record = new_product(store, store.next_id("post"))
        apply_product(store, record, data)
        store.products[record["id"]] = record
        _recount(store)
    store.emit("product", "created", record["id"])
    return _edit_view(ctx, record)


def update_product(ctx: Ctx, product_id: int, data: Mapping[str, Any]) -> Record:
    store = ctx.store
    with store.lock:
        record = find_product(store, product_id)
        apply_product(store, record, data)
        store.touch(record)
        _recount(store)
    store.emit("product", "updated", product_id)
    return _edit_view(ctx, record)


def delete_product(ctx: Ctx, product_id: int, force: bool) -> Record:
    """Trash (product.deleted webhook) or delete for good (no webhook, as in WooCommerce)."""
    store = ctx.store
    with store.lock:
        record = find_product(store, product_id)
        before = _edit_view(ctx, record)
        if force:
            del store.products[product_id]
            for variation_id in [v["id"] for v in store.variations.values() if v["parent_id"] == product_id]:
                store.sku_index.pop(store.variations.pop(variation_id).get("sku") or "", None)
            store.sku_index.pop(record.get("sku") or "", None)
            _recount(store)
            return before
        if record["status"] == "trash":
            raise WooError(410, "woocommerce_rest_already_trashed", "The product has already been deleted.")
        store.trash_meta(record, record["status"], record["slug"])
        record["_trashed_status"], record["status"] = record["status"], "trash"
        store.touch(record)
        _recount(store)
    store.emit("product", "deleted", product_id, {"id": product_id})
    return _edit_view(ctx, record)


def _product_filter(ctx: Ctx) -> Iterator[Record]:
    p, store = ctx.params, ctx.store
    statuses = p.enum("status", ("any", "trash", *PRODUCT_STATUSES), "any")
    kind = p.enum("type", ("simple", "grouped", "external", "variable"))
    stock = p.enum("stock_status", ("instock", "outofstock", "onbackorder"))
    gmt = p.boolean("dates_are_gmt")
    dates = {
        name: p.date(name, store, gmt=gmt)
        for name in ("after", "before", "modified_after", "modified_before")
    }
    include, exclude = p.ids("include"), p.ids("exclude")
    skus = p.id_strings("sku")
    category, tag = p.ids("category"), p.ids("tag")
    search = (p.text("search") or "").casefold()
    featured = p.boolean("featured") if "featured" in p.raw else None
    parent = p.ids("parent")
    p.check()
    pool: list[Record] = list(store.products.values())
    if skus:
        pool += [variation_as_product(store, v) for v in store.variations.values()]
    suffix = "_gmt" if gmt else ""
    for r in pool:
        status_ok = (
            r["status"] not in ("trash", "auto-draft") if statuses == "any" else r["status"] == statuses
        )
        if not status_ok:
            continue
        if (kind and r["type"] != kind) or (stock and r["stock_status"] != stock):
            continue
        if (skus and r.get("sku") not in skus) or (include and r["id"] not in include):
            continue
        if (exclude and r["id"] in exclude) or (parent and r.get("parent_id") not in parent):
            continue
        if category and not any(c["id"] in category for c in r.get("categories", [])):
            continue
        if tag and not any(t["id"] in tag for t in r.get("tags", [])):
            continue
        if featured is not None and r.get("featured") != featured:
            continue
        if search and not any(
            search in str(r.get(f, "")).casefold()
            for f in ("name", "description", "short_description", "sku")
        ):
            continue
        if not in_dates(r, dates, suffix):
            continue
        yield r


def in_dates(record: Record, dates: Mapping[str, str | None], suffix: str) -> bool:
    """WordPress date_query: after/before on the created date, modified_* on the modified date; exclusive."""
    created, modified = record.get(f"date_created{suffix}") or "", record.get(f"date_modified{suffix}") or ""
    checks = (
        (dates.get("after"), created, 1),
        (dates.get("before"), created, -1),
        (dates.get("modified_after"), modified, 1),
        (dates.get("modified_before"), modified, -1),
    )
    for bound, value, sign in checks:
        if bound is not None and not ((value > bound) if sign > 0 else (value < bound)):
            return False
    return True


def list_products(ctx: Ctx) -> Reply:
    p = ctx.params
    orderby = p.enum("orderby", PRODUCT_ORDERBY_SHOWN, "date", shown=PRODUCT_ORDERBY_SHOWN)
    order = p.enum("order", ("asc", "desc"), "desc")
    page, per_page, offset = ctx.page()
    items = sort_records(
        list(_product_filter(ctx)), SORT_KEYS, orderby or "date", order or "desc", p.ids("include")
    )
    view = v2_view if ctx.namespace == "wc/v2" else None
    return ctx.listing("product", paginate(items, page, per_page, offset), view=view)


def get_product(ctx: Ctx, product_id: int) -> Reply:
    record = find_product(ctx.store, product_id)
    return Reply(ctx.render("product", v2_view(record) if ctx.namespace == "wc/v2" else record))


# -- routes --------------------------------------------------------------------------------
def _batch(ctx: Ctx) -> Reply:
    return batch(
        ctx,
        partial(create_product, ctx),
        partial(update_product, ctx),
        lambda i: delete_product(ctx, i, True),
    )


def product_routes() -> list[tuple[str, str, str, Any]]:
    """(method, path pattern, permission action, handler) for /products."""
    item = r"/products/(?P<id>\d+)"
    return [
        ("GET", r"/products", "list", list_products),
        ("POST", r"/products", "create", lambda ctx: Reply(create_product(ctx, ctx.data), 201)),
        ("POST", r"/products/batch", "batch", _batch),
        ("GET", item, "view", lambda ctx, id: get_product(ctx, int(id))),
        ("PUT", item, "edit", lambda ctx, id: Reply(update_product(ctx, int(id), ctx.data))),
        (
            "DELETE",
            item,
            "delete",
            lambda ctx, id: Reply(delete_product(ctx, int(id), ctx.params.boolean("force"))),
        ),
    ]

"""Coupons and the shop's own setup: taxes, shipping, gateways, settings, status, the API index."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flowhub_woocommerce.sandbox.context import Ctx, Reply, batch
from flowhub_woocommerce.sandbox.errors import WooError
from flowhub_woocommerce.sandbox.products import SORT_KEYS, in_dates
from flowhub_woocommerce.sandbox.query import paginate, sort_records
from flowhub_woocommerce.sandbox.render import apply_fields
from flowhub_woocommerce.sandbox.store import Record, Store, merge_meta

__all__ = ["shop_routes"]

COUPON_FIELDS = (
    "amount",
    "status",
    "discount_type",
    "description",
    "individual_use",
    "product_ids",
    "excluded_product_ids",
    "usage_limit",
    "usage_limit_per_user",
    "limit_usage_to_x_items",
    "free_shipping",
    "product_categories",
    "excluded_product_categories",
    "exclude_sale_items",
    "minimum_amount",
    "maximum_amount",
    "email_restrictions",
)
TAX_FIELDS = (
    "country",
    "state",
    "postcode",
    "city",
    "rate",
    "name",
    "priority",
    "compound",
    "shipping",
    "order",
    "class",
    "postcodes",
    "cities",
)


# -- coupons -----------------------------------------------------------------------------------
def _find_coupon(store: Store, coupon_id: int) -> Record:
    if coupon_id not in store.coupons:
        raise WooError(404, "woocommerce_rest_shop_coupon_invalid_id", "Invalid ID.")
    return store.coupons[coupon_id]


def _save_coupon(ctx: Ctx, data: Mapping[str, Any], coupon_id: int | None = None) -> Record:
    store = ctx.store
    with store.lock:
        code = str(data.get("code", "")).strip().casefold()
        if coupon_id is None and not code:
            raise WooError(400, "rest_missing_callback_param", "Missing parameter(s): code", params=["code"])
        if code and any(c["code"] == code and c["id"] != coupon_id for c in store.coupons.values()):
            raise WooError(
                400, "woocommerce_rest_coupon_code_already_exists", "The coupon code already exists"
            )
        record = _find_coupon(store, coupon_id) if coupon_id is not None else _new_coupon(store, code)
        if code:
            record["code"] = code
        for name in COUPON_FIELDS:
            if name in data:
                record[name] = data[name]
        if isinstance(data.get("meta_data"), list):
            record["meta_data"] = merge_meta(
                record["meta_data"], data["meta_data"], lambda: store.next_id("meta")
            )
        if "date_expires" in data:
            store.set_local_date(record, "date_expires", data["date_expires"])
        if coupon_id is not None:
            store.touch(record)
        store.coupons[record["id"]] = record
    store.emit("coupon", "created" if coupon_id is None else "updated", record["id"])
    return ctx.render("coupon", record)


def _new_coupon(store: Store, code: str) -> Record:
    record: Record = {
        "id": store.next_id("post"),
        "code": code,
        "amount": "0.00",
        "status": "publish",
        "date_created": None,
        "date_created_gmt": None,
        "date_modified": None,
        "date_modified_gmt": None,
        "discount_type": "fixed_cart",
        "description": "",
        "date_expires": None,
        "date_expires_gmt": None,
        "usage_count": 0,
        "individual_use": False,
        "product_ids": [],
        "excluded_product_ids": [],
        "usage_limit": None,
        "usage_limit_per_user": None,
        "limit_usage_to_x_items": None,
        "free_shipping": False,
        "product_categories": [],
        "excluded_product_categories": [],
        "exclude_sale_items": False,
        "minimum_amount": "0.00",
        "maximum_amount": "0.00",
        "email_restrictions": [],
        "used_by": [],
        "meta_data": [],
    }
    store.touch(record, created=True)
    return record


def _delete_coupon(ctx: Ctx, coupon_id: int, force: bool) -> Record:
    store = ctx.store
    with store.lock:
        record = _find_coupon(store, coupon_id)
        rendered = ctx.render("coupon", record)
        if force:
            del store.coupons[coupon_id]
        elif record["status"] == "trash":
            raise WooError(
                410, "woocommerce_rest_already_trashed", "The shop_coupon has already been deleted."
            )
        else:
            record["status"] = "trash"
            store.touch(record)
    store.emit("coupon", "deleted", coupon_id, {"id": coupon_id})
    return rendered


def _list_coupons(ctx: Ctx) -> Reply:
    p, store = ctx.params, ctx.store
    orderby = p.enum("orderby", ("date", "id", "include", "title", "slug", "modified"), "date")
    order = p.enum("order", ("asc", "desc"), "desc")
    status = p.enum("status", ("any", "trash", "draft", "pending", "private", "publish", "future"), "any")
    code = (p.text("code") or "").casefold()
    gmt = p.boolean("dates_are_gmt")
    dates = {
        name: p.date(name, store, gmt=gmt)
        for name in ("after", "before", "modified_after", "modified_before")
    }
    include = p.ids("include")
    search = (p.text("search") or "").casefold()
    page, per_page, offset = ctx.page()
    p.check()
    items = [
        c
        for c in store.coupons.values()
        if (c["status"] != "trash" if status == "any" else c["status"] == status)
        and (not code or c["code"] == code)
        and (not include or c["id"] in include)
        and (not search or search in c["code"])
        and in_dates(c, dates, "_gmt" if gmt else "")
    ]
    keys = {**SORT_KEYS, "title": lambda r: r["code"], "slug": lambda r: r["code"]}
    items = sort_records(items, keys, orderby or "date", order or "desc", include)
    return ctx.listing("coupon", paginate(items, page, per_page, offset))


# -- taxes ---------------------------------------------------------------------------------------
def _find_tax(store: Store, tax_id: int) -> Record:
    if tax_id not in store.taxes:
        raise WooError(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")
    return store.taxes[tax_id]


def _save_tax(ctx: Ctx, data: Mapping[str, Any], tax_id: int | None = None) -> Record:
    store = ctx.store
    with store.lock:
        record: Record = (
            _find_tax(store, tax_id)
            if tax_id is not None
            else {
                "id": store.next_id("tax_rate"),
                "country": "",
                "state": "",
                "postcode": "",
                "city": "",
                "rate": "0.0000",
                "name": "",
                "priority": 1,
                "compound": False,
                "shipping": True,
                "order": 0,
                "class": "standard",
                "postcodes": [],
                "cities": [],
            }
        )
        for name in TAX_FIELDS:
            if name in data:
                record[name] = data[name]
        record["rate"] = f"{float(record['rate'] or 0):.4f}"
        store.taxes[record["id"]] = record
    return ctx.render("tax", record)


def _delete_tax(ctx: Ctx, tax_id: int, force: bool) -> Record:
    if not force:
        raise WooError(501, "woocommerce_rest_trash_not_supported", "Taxes do not support trashing.")
    with ctx.store.lock:
        record = _find_tax(ctx.store, tax_id)
        del ctx.store.taxes[tax_id]
    return ctx.render("tax", record)


def _list_taxes(ctx: Ctx) -> Reply:
    p = ctx.params
    tax_class = p.text("class")
    page, per_page, offset = ctx.page()
    p.check()
    items = sorted(
        (t for t in ctx.store.taxes.values() if not tax_class or t["class"] == tax_class),
        key=lambda t: (t.get("order", 0), t["id"]),
    )
    return ctx.listing("tax", paginate(items, page, per_page, offset))


def _tax_classes(ctx: Ctx) -> Reply:
    return ctx.everything("tax_class", ctx.store.tax_classes)


# -- shipping, gateways, settings ----------------------------------------------------------------
def _zone(store: Store, zone_id: int) -> Record:
    if zone_id not in store.shipping_zones:
        raise WooError(404, "woocommerce_rest_shipping_zone_invalid", "Invalid resource ID.")
    return store.shipping_zones[zone_id]


def _zone_methods(ctx: Ctx, zone_id: int) -> Reply:
    _zone(ctx.store, zone_id)
    return ctx.everything(
        "zone_method", [{**m, "_zone_id": zone_id} for m in ctx.store.zone_methods.get(zone_id, [])]
    )


def _zone_locations(ctx: Ctx, zone_id: int) -> Reply:
    _zone(ctx.store, zone_id)
    return Reply(
        [
            ctx.render("zone_location", {**loc, "_zone_id": zone_id})
            for loc in ctx.store.zone_locations.get(zone_id, [])
        ]
    )


def _gateway(ctx: Ctx, gateway_id: str) -> Record:
    if gateway_id not in ctx.store.payment_gateways:
        raise WooError(404, "woocommerce_rest_payment_gateway_invalid", "Invalid payment gateway ID.")
    return ctx.store.payment_gateways[gateway_id]


def _update_gateway(ctx: Ctx, gateway_id: str) -> Reply:
    with ctx.store.lock:
        record = _gateway(ctx, gateway_id)
        for name in ("title", "description", "order", "enabled"):
            if name in ctx.data:
                record[name] = ctx.data[name]
        for key, value in (ctx.data.get("settings") or {}).items():
            if key in record.get("settings", {}):
                record["settings"][key]["value"] = value
    return Reply(ctx.render("gateway", record))


def _settings_group(ctx: Ctx, group: str) -> Reply:
    if group not in ctx.store.settings:
        raise WooError(404, "rest_setting_setting_group_invalid", "Invalid setting group.")
    return Reply([_setting_view(ctx, group, s) for s in ctx.store.settings[group]])


def _setting_view(ctx: Ctx, group: str, setting: Record) -> Record:
    rendered = ctx.render("setting", {**setting, "group_id": group})
    if "group_id" not in setting:
        rendered.pop("group_id", None)
    return rendered


def _settings_index(ctx: Ctx) -> Reply:
    labels = {"general": "General", "products": "Products", "tax": "Tax"}
    return Reply(
        [
            {
                "id": group,
                "label": labels.get(group, group.title()),
                "description": "",
                "parent_id": "",
                "sub_groups": [],
            }
            for group in ctx.store.settings
        ]
    )


def _system_status(ctx: Ctx) -> Reply:
    return Reply(ctx.store.system_status)


def index(ctx: Ctx) -> Reply:
    """GET /wp-json/: site name, time zone and namespaces, so a client can tell WooCommerce is there."""
    return Reply(apply_fields(ctx.store.index, ctx.params.text("_fields")))


def shop_routes() -> list[tuple[str, str, str, Any]]:
    coupon, tax = r"/coupons/(?P<id>\d+)", r"/taxes/(?P<id>\d+)"
    zone = r"/shipping/zones/(?P<zid>\d+)"
    return [
        ("GET", r"/coupons", "list", _list_coupons),
        ("POST", r"/coupons", "create", lambda ctx: Reply(_save_coupon(ctx, ctx.data), 201)),
        (
            "POST",
            r"/coupons/batch",
            "batch",
            lambda ctx: batch(
                ctx,
                lambda d: _save_coupon(ctx, d),
                lambda i, d: _save_coupon(ctx, d, i),
                lambda i: _delete_coupon(ctx, i, True),
            ),
        ),
        (
            "GET",
            coupon,
            "view",
            lambda ctx, id: Reply(ctx.render("coupon", _find_coupon(ctx.store, int(id)))),
        ),
        ("PUT", coupon, "edit", lambda ctx, id: Reply(_save_coupon(ctx, ctx.data, int(id)))),
        (
            "DELETE",
            coupon,
            "delete",
            lambda ctx, id: Reply(_delete_coupon(ctx, int(id), ctx.params.boolean("force"))),
        ),
        ("GET", r"/taxes", "list", _list_taxes),
        ("POST", r"/taxes", "create", lambda ctx: Reply(_save_tax(ctx, ctx.data), 201)),
        (
            "POST",
            r"/taxes/batch",
            "batch",
            lambda ctx: batch(
                ctx,
                lambda d: _save_tax(ctx, d),
                lambda i, d: _save_tax(ctx, d, i),
                lambda i: _delete_tax(ctx, i, True),
            ),
        ),
        ("GET", r"/taxes/classes", "list", _tax_classes),
        ("GET", tax, "view", lambda ctx, id: Reply(ctx.render("tax", _find_tax(ctx.store, int(id))))),
        ("PUT", tax, "edit", lambda ctx, id: Reply(_save_tax(ctx, ctx.data, int(id)))),
        (
            "DELETE",
            tax,
            "delete",
            lambda ctx, id: Reply(_delete_tax(ctx, int(id), ctx.params.boolean("force"))),
        ),
        (
            "GET",
            r"/shipping/zones",
            "list",
            lambda ctx: ctx.everything("zone", list(ctx.store.shipping_zones.values())),
        ),
        ("GET", zone, "view", lambda ctx, zid: Reply(ctx.render("zone", _zone(ctx.store, int(zid))))),
        ("GET", zone + "/methods", "list", lambda ctx, zid: _zone_methods(ctx, int(zid))),
        ("GET", zone + "/locations", "list", lambda ctx, zid: _zone_locations(ctx, int(zid))),
        (
            "GET",
            r"/shipping_methods",
            "list",
            lambda ctx: ctx.everything("shipping_method", ctx.store.shipping_methods),
        ),
        ("GET", r"/shipping_methods/(?P<slug>[\w-]+)", "view", _shipping_method),
        (
            "GET",
            r"/payment_gateways",
            "list",
            lambda ctx: ctx.everything("gateway", list(ctx.store.payment_gateways.values())),
        ),
        (
            "GET",
            r"/payment_gateways/(?P<slug>[\w-]+)",
            "view",
            lambda ctx, slug: Reply(ctx.render("gateway", _gateway(ctx, slug))),
        ),
        ("PUT", r"/payment_gateways/(?P<slug>[\w-]+)", "edit", lambda ctx, slug: _update_gateway(ctx, slug)),
        ("GET", r"/settings", "list", _settings_index),
        ("GET", r"/settings/(?P<group>[\w-]+)", "list", lambda ctx, group: _settings_group(ctx, group)),
        ("GET", r"/system_status", "view", _system_status),
    ]


def _shipping_method(ctx: Ctx, slug: str) -> Reply:
    found = next((m for m in ctx.store.shipping_methods if m["id"] == slug), None)
    if found is None:
        raise WooError(404, "woocommerce_rest_shipping_method_invalid", "Resource does not exist.")
    return Reply(ctx.render("shipping_method", found))

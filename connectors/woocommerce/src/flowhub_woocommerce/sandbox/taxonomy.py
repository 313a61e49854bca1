"""Product categories, tags, global attributes and their terms (WordPress terms share one id sequence)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flowhub_woocommerce.sandbox.context import Ctx, Reply, batch
from flowhub_woocommerce.sandbox.errors import WooError
from flowhub_woocommerce.sandbox.query import paginate, sort_records
from flowhub_woocommerce.sandbox.store import Record, Store, slugify

__all__ = ["taxonomy_routes"]

TERM_ORDERBY = ("id", "include", "name", "slug", "term_group", "description", "count")
TERM_SORT = {
    "id": lambda r: r["id"],
    "name": lambda r: r.get("name", "").casefold(),
    "slug": lambda r: r.get("slug", ""),
    "description": lambda r: r.get("description", ""),
    "count": lambda r: r.get("count", 0),
    "term_group": lambda r: 0,
}


@dataclass(frozen=True)
class Taxonomy:
    """One kind of term: where its records live, its fields and defaults, how it renders."""

    kind: str
    fields: tuple[str, ...]
    defaults: Mapping[str, Any]
    exists_message: str
    collection: Callable[[Store, Ctx], dict[int, Record]]


CATEGORY = Taxonomy(
    "category",
    ("name", "slug", "parent", "description", "display", "image", "menu_order"),
    {
        "name": "",
        "slug": "",
        "parent": 0,
        "description": "",
        "display": "default",
        "image": None,
        "menu_order": 0,
        "count": 0,
    },
    "A term with the name provided already exists with this parent.",
    lambda store, ctx: store.categories,
)
TAG = Taxonomy(
    "tag",
    ("name", "slug", "description"),
    {"name": "", "slug": "", "description": "", "count": 0},
    "A term with the name provided already exists in this taxonomy.",
    lambda store, ctx: store.tags,
)
TERM = Taxonomy(
    "term",
    ("name", "slug", "description", "menu_order"),
    {"name": "", "slug": "", "description": "", "menu_order": 0, "count": 0},
    "A term with the name provided already exists in this taxonomy.",
    lambda store, ctx: _terms_of(store, ctx),
)


def _terms_of(store: Store, ctx: Ctx) -> dict[int, Record]:
    attribute_id = int(ctx.path.split("/")[3])
    if attribute_id not in store.attributes:
        raise WooError(404, "woocommerce_rest_taxonomy_invalid", "Resource does not exist.")
    terms = store.terms.setdefault(attribute_id, {})
    for term in terms.values():
        term.setdefault("_attribute_id", attribute_id)
    return terms


def _find(items: dict[int, Record], term_id: int) -> Record:
    if term_id not in items:
        raise WooError(404, "woocommerce_rest_term_invalid", "Resource does not exist.")
    return items[term_id]


def _apply(tax: Taxonomy, items: dict[int, Record], record: Record, data: Mapping[str, Any]) -> None:
    for name in tax.fields:
        if name in data:
            record[name] = data[name]
    if not record.get("slug") or "slug" in data:
        record["slug"] = slugify(str(record.get("slug") or record["name"]))
    taken = {r["slug"] for r in items.values() if r["id"] != record["id"]}
    base, n = record["slug"], 2
    while record["slug"] in taken:
        record["slug"], n = f"{base}-{n}", n + 1


def _create(tax: Taxonomy, ctx: Ctx, data: Mapping[str, Any]) -> Record:
    store = ctx.store
    with store.lock:
        items = tax.collection(store, ctx)
        name = str(data.get("name") or "").strip()
        if not name:
            raise WooError(400, "rest_missing_callback_param", "Missing parameter(s): name", params=["name"])
        twin = next(
            (
                r
                for r in items.values()
                if r["name"].casefold() == name.casefold() and r.get("parent", 0) == data.get("parent", 0)
            ),
            None,
        )
        if twin is not None:
            raise WooError(400, "term_exists", tax.exists_message, resource_id=twin["id"])
        record = {"id": store.next_id("term"), **tax.defaults}
        if tax.kind == "term":
            record["_attribute_id"] = int(ctx.path.split("/")[3])
        _apply(tax, items, record, data)
        items[record["id"]] = record
    return ctx.render(tax.kind, record)


def _update(tax: Taxonomy, ctx: Ctx, term_id: int, data: Mapping[str, Any]) -> Record:
    with ctx.store.lock:
        items = tax.collection(ctx.store, ctx)
        record = _find(items, term_id)
        _apply(tax, items, record, data)
    return ctx.render(tax.kind, record)


def _delete(tax: Taxonomy, ctx: Ctx, term_id: int, force: bool) -> Record:
    if not force:
        raise WooError(501, "woocommerce_rest_trash_not_supported", "Resource does not support trashing.")
    with ctx.store.lock:
        items = tax.collection(ctx.store, ctx)
        record = _find(items, term_id)
        del items[term_id]
    return ctx.render(tax.kind, record)


def _list(tax: Taxonomy, ctx: Ctx) -> Reply:
    p = ctx.params
    orderby = p.enum("orderby", TERM_ORDERBY, "name")
    order = p.enum("order", ("asc", "desc"), "asc")
    include, exclude = p.ids("include"), p.ids("exclude")
    hide_empty = p.boolean("hide_empty")
    parent = p.integer("parent")
    slug, search = p.text("slug"), (p.text("search") or "").casefold()
    page, per_page, offset = ctx.page()
    p.check()
    items = [
        r
        for r in tax.collection(ctx.store, ctx).values()
        if (not include or r["id"] in include)
        and (not exclude or r["id"] not in exclude)
        and (not hide_empty or r.get("count"))
        and (parent is None or r.get("parent", 0) == parent)
        and (not slug or r.get("slug") == slug)
        and (not search or search in r["name"].casefold())
    ]
    items = sort_records(items, TERM_SORT, orderby or "name", order or "asc", include)
    return ctx.listing(tax.kind, paginate(items, page, per_page, offset))


def _routes_for(tax: Taxonomy, base: str) -> list[tuple[str, str, str, Any]]:
    item = base + r"/(?P<id>\d+)"
    return [
        ("GET", base, "list", lambda ctx, **kw: _list(tax, ctx)),
        ("POST", base, "create", lambda ctx, **kw: Reply(_create(tax, ctx, ctx.data), 201)),
        (
            "POST",
            base + "/batch",
            "batch",
            lambda ctx, **kw: batch(
                ctx,
                lambda d: _create(tax, ctx, d),
                lambda i, d: _update(tax, ctx, i, d),
                lambda i: _delete(tax, ctx, i, True),
            ),
        ),
        (
            "GET",
            item,
            "view",
            lambda ctx, id, **kw: Reply(ctx.render(tax.kind, _find(tax.collection(ctx.store, ctx), int(id)))),
        ),
        ("PUT", item, "edit", lambda ctx, id, **kw: Reply(_update(tax, ctx, int(id), ctx.data))),
        (
            "DELETE",
            item,
            "delete",
            lambda ctx, id, **kw: Reply(_delete(tax, ctx, int(id), ctx.params.boolean("force"))),
        ),
    ]


# -- global attributes ---------------------------------------------------------------------
def _find_attribute(store: Store, attribute_id: int) -> Record:
    if attribute_id not in store.attributes:
        raise WooError(404, "woocommerce_rest_attribute_invalid", "Resource does not exist.")
    return store.attributes[attribute_id]


def _save_attribute(ctx: Ctx, data: Mapping[str, Any], attribute_id: int | None = None) -> Record:
    store = ctx.store
    with store.lock:
        if attribute_id is None:
            name = str(data.get("name") or "").strip()
            if not name:
                raise WooError(
                    400, "rest_missing_callback_param", "Missing parameter(s): name", params=["name"]
                )
            record: Record = {
                "id": store.next_id("attribute"),
                "name": name,
                "slug": "",
                "type": "select",
                "order_by": "menu_order",
                "has_archives": False,
            }
        else:
            record = _find_attribute(store, attribute_id)
        for name in ("name", "type", "order_by", "has_archives"):
            if name in data:
                record[name] = data[name]
        slug = "pa_" + slugify(str(data.get("slug") or record["slug"].removeprefix("pa_") or record["name"]))
        if any(a["slug"] == slug and a["id"] != record["id"] for a in store.attributes.values()):
            raise WooError(
                400,
                "woocommerce_rest_cannot_create",
                f'Slug "{slug.removeprefix("pa_")}" is already in use. Change it, please.',
            )
        record["slug"] = slug
        store.attributes[record["id"]] = record
        store.terms.setdefault(record["id"], {})
    return ctx.render("attribute", record)


def _delete_attribute(ctx: Ctx, attribute_id: int) -> Record:
    with ctx.store.lock:
        record = _find_attribute(ctx.store, attribute_id)
        del ctx.store.attributes[attribute_id]
        ctx.store.terms.pop(attribute_id, None)
    return ctx.render("attribute", record)


def _list_attributes(ctx: Ctx) -> Reply:
    items = sorted(ctx.store.attributes.values(), key=lambda a: a["name"].casefold())
    return ctx.listing("attribute", paginate(items, 1, max(len(items), 1)))


def taxonomy_routes() -> list[tuple[str, str, str, Any]]:
    attribute = r"/products/attributes/(?P<attr>\d+)"
    return [
        *_routes_for(CATEGORY, r"/products/categories"),
        *_routes_for(TAG, r"/products/tags"),
        *_routes_for(TERM, attribute + "/terms"),
        ("GET", r"/products/attributes", "list", _list_attributes),
        ("POST", r"/products/attributes", "create", lambda ctx: Reply(_save_attribute(ctx, ctx.data), 201)),
        (
            "POST",
            r"/products/attributes/batch",
            "batch",
            lambda ctx: batch(
                ctx,
                lambda d: _save_attribute(ctx, d),
                lambda i, d: _save_attribute(ctx, d, i),
                lambda i: _delete_attribute(ctx, i),
            ),
        ),
        (
            "GET",
            attribute,
            "view",
            lambda ctx, attr: Reply(ctx.render("attribute", _find_attribute(ctx.store, int(attr)))),
        ),
        ("PUT", attribute, "edit", lambda ctx, attr: Reply(_save_attribute(ctx, ctx.data, int(attr)))),
        ("DELETE", attribute, "delete", lambda ctx, attr: Reply(_delete_attribute(ctx, int(attr)))),
    ]

"""Customers (WordPress users): unique e-mail and username, role filter, no trash."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from flowhub_woocommerce.sandbox.context import Ctx, Reply, batch
from flowhub_woocommerce.sandbox.errors import WooError
from flowhub_woocommerce.sandbox.query import paginate, sort_records
from flowhub_woocommerce.sandbox.store import Record, Store, merge_meta

__all__ = ["customer_routes"]

ROLES = ("all", "administrator", "editor", "author", "contributor", "subscriber", "customer", "shop_manager")
ORDERBY = ("id", "include", "name", "registered_date")
SORT = {
    "id": lambda r: r["id"],
    "name": lambda r: r.get("username", "").casefold(),
    "registered_date": lambda r: r.get("date_created_gmt") or "",
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ADDRESS = (
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "postcode",
    "country",
    "state",
)


def _find(store: Store, customer_id: int) -> Record:
    record = store.customers.get(customer_id)
    if record is None:
        raise WooError(404, "wc_user_invalid_id", "Invalid user ID.")
    return record


def _email_taken(store: Store, email: str, own_id: int | None) -> bool:
    return any(
        c["email"].casefold() == email.casefold() and c["id"] != own_id for c in store.customers.values()
    )


def _username(store: Store, data: Mapping[str, Any], email: str) -> str:
    wanted = str(data.get("username") or "").strip()
    if wanted:
        if any(c["username"] == wanted for c in store.customers.values()):
            raise WooError(
                400,
                "registration-error-username-exists",
                "An account is already registered with that username. Please choose another.",
            )
        return wanted
    base = re.sub(r"[^a-z0-9._-]", "", email.split("@")[0].lower()) or "customer"
    name, n = base, 1
    while any(c["username"] == name for c in store.customers.values()):
        n += 1
        name = f"{base}{n}"
    return name


def _apply(store: Store, record: Record, data: Mapping[str, Any]) -> None:
    for name in ("email", "first_name", "last_name"):
        if name in data:
            record[name] = str(data[name] or "")
    for part, fields in (("billing", (*ADDRESS, "email", "phone")), ("shipping", (*ADDRESS, "phone"))):
        if isinstance(data.get(part), Mapping):
            record[part] = {f: str(data[part].get(f, record[part].get(f, "")) or "") for f in fields}
    if isinstance(data.get("meta_data"), list):
        record["meta_data"] = merge_meta(
            record["meta_data"], data["meta_data"], lambda: store.next_id("meta")
        )


def _new(store: Store, customer_id: int, email: str, username: str) -> Record:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    record: Record = {
        "id": customer_id,
        "date_created": None,
        "date_created_gmt": None,
        "date_modified": None,
        "date_modified_gmt": None,
        "email": email,
        "first_name": "",
        "last_name": "",
        "role": "customer",
        "username": username,
        "billing": {f: "" for f in (*ADDRESS, "email", "phone")},
        "shipping": {f: "" for f in (*ADDRESS, "phone")},
        "is_paying_customer": False,
        "avatar_url": f"https://secure.gravatar.com/avatar/{digest}?s=96&d=mm&r=g",
        "meta_data": [],
    }
    store.touch(record, created=True)
    return record


def create_customer(ctx: Ctx, data: Mapping[str, Any]) -> Record:
    store = ctx.store
    email = str(data.get("email") or "").strip()
    if not email:
        raise WooError(400, "rest_missing_callback_param", "Missing parameter(s): email", params=["email"])
    if not EMAIL.match(email):
        raise WooError(400, "registration-error-invalid-email", "Please provide a valid email address.")
    with store.lock:
        if _email_taken(store, email, None):
            raise WooError(
                400,
                "registration-error-email-exists",
                f"An account is already registered with {email}. Please log in or use a different"
                " email address.",
            )
        record = _new(store, store.next_id("user"), email, _username(store, data, email))
        if not data.get("password"):  # WordPress nags users whose password it generated
            record["meta_data"].append(
                {"id": store.next_id("meta"), "key": "default_password_nag", "value": "1"}
            )
        _apply(store, record, data)
        store.customers[record["id"]] = record
    store.emit("customer", "created", record["id"])
    return ctx.render("customer", record)


def update_customer(ctx: Ctx, customer_id: int, data: Mapping[str, Any]) -> Record:
    store = ctx.store
    with store.lock:
        record = _find(store, customer_id)
        if "username" in data and data["username"] != record["username"]:
            raise WooError(400, "woocommerce_rest_customer_invalid_argument", "Username isn't editable.")
        email = str(data.get("email") or record["email"])
        if not EMAIL.match(email) or _email_taken(store, email, customer_id):
            raise WooError(400, "woocommerce_rest_customer_invalid_email", "Email address is invalid.")
        _apply(store, record, data)
        store.touch(record)
    store.emit("customer", "updated", customer_id)
    return ctx.render("customer", record)


def delete_customer(ctx: Ctx, customer_id: int, force: bool) -> Record:
    store = ctx.store
    with store.lock:
        record = _find(store, customer_id)
        if not force:
            raise WooError(501, "woocommerce_rest_trash_not_supported", "Customers do not support trashing.")
        del store.customers[customer_id]
    store.emit("customer", "deleted", customer_id, {"id": customer_id})
    return ctx.render("customer", {**record, "_deleted": True})


def list_customers(ctx: Ctx) -> Reply:
    p = ctx.params
    role = p.enum("role", ROLES, "customer")
    orderby = p.enum("orderby", ORDERBY, "name")
    order = p.enum("order", ("asc", "desc"), "asc")
    include, exclude = p.ids("include"), p.ids("exclude")
    email = (p.text("email") or "").casefold()
    search = (p.text("search") or "").casefold().strip("*")
    page, per_page, offset = ctx.page()
    p.check()  # modified_after is accepted and ignored, as WooCommerce does for users
    items = [
        c
        for c in ctx.store.customers.values()
        if (role == "all" or c["role"] == role)
        and (not email or c["email"].casefold() == email)
        and (not include or c["id"] in include)
        and (not exclude or c["id"] not in exclude)
        and (
            not search
            or any(
                search in str(c.get(f, "")).casefold()
                for f in ("email", "username", "first_name", "last_name")
            )
        )
    ]
    items = sort_records(items, SORT, orderby or "name", order or "asc", include)
    return ctx.listing("customer", paginate(items, page, per_page, offset))


def customer_routes() -> list[tuple[str, str, str, Any]]:
    item = r"/customers/(?P<id>\d+)"
    return [
        ("GET", r"/customers", "list", list_customers),
        ("POST", r"/customers", "create", lambda ctx: Reply(create_customer(ctx, ctx.data), 201)),
        (
            "POST",
            r"/customers/batch",
            "batch",
            lambda ctx: batch(
                ctx,
                lambda d: create_customer(ctx, d),
                lambda i, d: update_customer(ctx, i, d),
                lambda i: delete_customer(ctx, i, True),
            ),
        ),
        ("GET", item, "view", lambda ctx, id: Reply(ctx.render("customer", _find(ctx.store, int(id))))),
        ("PUT", item, "edit", lambda ctx, id: Reply(update_customer(ctx, int(id), ctx.data))),
        (
            "DELETE",
            item,
            "delete",
            lambda ctx, id: Reply(delete_customer(ctx, int(id), ctx.params.boolean("force"))),
        ),
    ]

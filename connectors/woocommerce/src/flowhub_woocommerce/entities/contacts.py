"""Order contacts (G8, G9): the buyer of every order, registered or guest, as one contact each.

Guests (``customer_id`` 0) exist nowhere but on their orders, so a contact is built from the
order's billing data and keyed by the e-mail (``guest:<email, lower case>``), flagged
``guest: true``. Registered buyers are keyed by their customer id. Each buyer is yielded once
per read, from the first (oldest-changed) order that names them; a guest order without an
e-mail has nothing to key a contact by and is left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel

from flowhub.connector import ReadQuery
from flowhub_woocommerce.entities.base import WooEntity
from flowhub_woocommerce.entities.orders import Orders
from flowhub_woocommerce.models import WooBillingAddress, WooDateTime, WooOrder, WooRecord, WooShippingAddress

__all__ = ["OrderContacts", "WooOrderContact", "contact_of"]


class WooOrderContact(WooRecord):
    """The buyer of an order, as a contact: who, how to reach them, and the order it came from."""

    key: str
    guest: bool
    customer_id: int = 0
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    phone: str | None = None
    billing: WooBillingAddress | None = None
    shipping: WooShippingAddress | None = None
    order_id: int | None = None
    order_number: str | None = None
    date_modified_gmt: WooDateTime = None


def contact_of(order: WooOrder) -> WooOrderContact | None:
    """The order's buyer; None for a guest order without an e-mail."""
    billing = order.billing or WooBillingAddress()
    email = (billing.email or "").strip()
    customer_id = order.customer_id or 0
    if customer_id:
        key = str(customer_id)
    elif email:
        key = f"guest:{email.lower()}"
    else:
        return None
    return WooOrderContact(
        key=key,
        guest=not customer_id,
        customer_id=customer_id,
        email=email or None,
        first_name=billing.first_name,
        last_name=billing.last_name,
        company=billing.company or None,
        phone=billing.phone or None,
        billing=order.billing,
        shipping=order.shipping,
        order_id=order.id,
        order_number=order.number,
        date_modified_gmt=order.date_modified_gmt,
    )


class OrderContacts(WooEntity):
    """Read-only: one contact per buyer of the orders read (same filters as ``order``)."""

    name = "order_contact"
    model = WooOrderContact
    key = "key"
    cursor = "date_modified_gmt"
    filters: ClassVar[Mapping[str, str]] = {
        **{k: v for k, v in Orders.filters.items() if k != "include_trashed"},
        "guests_only": "true: only guest buyers (customer_id 0)",
    }

    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        where: dict[str, Any] = {k: v for k, v in query.where.items() if k != "guests_only"}
        where["include_trashed"] = False
        guests_only = str(query.where.get("guests_only", False)).lower() in ("true", "1", "yes")
        if guests_only:
            where["customer"] = 0
        seen: set[str] = set()
        orders = self.connector.entity("order")
        for order in orders.read(ReadQuery(where=where, since=query.since)):
            contact = contact_of(order)  # type: ignore[arg-type]
            if contact is None or contact.key in seen or (guests_only and not contact.guest):
                continue
            seen.add(contact.key)
            yield contact

"""Customers: only the configured roles (G7), ``since`` filtered here, duplicate e-mail is a match.

``/customers`` ignores ``modified_after`` (capture 114), so ``server_side_since`` is False: a
read lists the customers of the wanted roles and keeps those whose ``date_modified_gmt`` is at
or after ``since``. To keep the cursor safe for an interrupted run (the runner saves the newest
cursor of each finished chunk), the kept customers are yielded oldest first, which means they
are collected and sorted before the first is yielded, on full reads too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from pydantic import BaseModel

from flowhub.connector import ReadQuery
from flowhub_woocommerce.client import stable_order
from flowhub_woocommerce.entities.base import Creates, Deletes, Finds, Reads, Updates, parse_since
from flowhub_woocommerce.entities.products import sort_key
from flowhub_woocommerce.models import WooCustomer

__all__ = ["Customers"]


class Customers(Reads, Finds, Updates, Deletes, Creates):
    """Registered customers (WordPress users); companies are told only by ``billing.company``."""

    name = "customer"
    model = WooCustomer
    path = "customers"
    cursor = "date_modified_gmt"
    server_side_since = False
    filters: ClassVar[Mapping[str, str]] = {
        "role": "a role or a list of roles (default: the connection's `roles`, customer and subscriber)",
    }
    find_fields = ("email",)
    webhooks = True
    natural_key = "email"
    duplicate_codes = frozenset({"registration-error-email-exists"})
    duplicate_is_match = "always"

    def read(self, query: ReadQuery) -> Iterator[BaseModel]:
        roles = self._roles(query.where.get("role"))
        params: dict[str, Any] = {"role": roles[0] if len(roles) == 1 else "all", **stable_order(False)}
        since = (
            None
            if query.since is None
            else parse_since(query.since) - timedelta(seconds=self.settings.lookback_seconds)
        )
        kept = [
            self.parse(item)
            for item in self.client.iter_pages(self.path, params)
            if (len(roles) == 1 or "all" in roles or item.get("role") in roles) and _since(item, since)
        ]
        yield from sorted(kept, key=sort_key)

    def _roles(self, given: Any) -> list[str]:
        if given in (None, "", []):
            return list(self.settings.roles)
        return [str(r).strip() for r in (given if isinstance(given, list | tuple) else str(given).split(","))]

    def find_params(self, field: str, value: str) -> dict[str, Any]:
        return {field: value, "role": "all"}  # ?email= alone searches only the role "customer"

    def delete(self, key: str, *, soft: bool) -> None:
        """Customers have no trash (501 without force); only a hard delete exists."""
        super().delete(key, soft=soft)


def _since(item: Mapping[str, Any], since: datetime | None) -> bool:
    if since is None:
        return True
    modified = item.get("date_modified_gmt") or item.get("date_created_gmt")
    if not modified:
        return True  # no date: keep it rather than lose it
    return parse_since(modified) >= since.replace(microsecond=0)

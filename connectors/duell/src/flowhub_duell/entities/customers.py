"""Customers: found by phone or e-mail, created and updated through ``PUT customer`` (query params)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flowhub.connector import ReadQuery
from flowhub.errors import RejectedError
from flowhub_duell.entities.base import DuellEntity, first, wire
from flowhub_duell.models import DuellCustomer

__all__ = ["PLACEHOLDER_PHONE", "CustomerEntity", "normal_phone"]

PLACEHOLDER_PHONE = "99999999"  # what DUELL's plugin sends when a web order has no phone


def normal_phone(value: Any) -> str:
    """Digits only, the Norwegian country prefix (+47 / 0047) removed, as DUELL stores phones."""
    digits = re.sub(r"\D", "", str(value or ""))
    if str(value or "").strip().startswith("+") and digits.startswith("47") and len(digits) > 8:
        digits = digits[2:]
    elif digits.startswith("0047"):
        digits = digits[4:]
    return digits


class CustomerEntity(DuellEntity):
    name = "customer"
    model = DuellCustomer
    key = "customer_id"
    list_path, rows_key = "customer/list", "customers"
    find_fields = ("email", "phone", "customer_id")

    def read(self, query: ReadQuery) -> Iterator[DuellCustomer]:
        for row in self.client.rows("customer/list", "customers"):
            yield DuellCustomer.model_validate(row)

    def find(self, field: str, value: Any) -> list[DuellCustomer]:
        """Exact matches: e-mail case-blind, phone by its digits; the placeholder phone finds nobody."""
        if field == "email":
            wanted = str(value).strip().casefold()
            return self.matching(
                {"filter[customer_email]": str(value).strip()},
                lambda c: (c.email or "").strip().casefold() == wanted != "",
            )
        if field == "phone":
            phone = normal_phone(value)
            if len(phone) < 8 or phone == PLACEHOLDER_PHONE:
                return []
            return self.matching({"filter[customer_phone]": phone}, lambda c: normal_phone(c.phone) == phone)
        if field == "customer_id":
            return self.matching(
                {"filter[customer_id]": str(value)}, lambda c: str(c.customer_id) == str(value)
            )
        raise NotImplementedError(f"duell customers cannot be found by {field}")

    def get(self, key: str) -> DuellCustomer | None:
        return first(self.find("customer_id", key))

    def create(self, payload: DuellCustomer) -> DuellCustomer:  # type: ignore[override]
        """Create; a lost answer is followed by a look-up by e-mail, then phone, before re-sending."""
        params = _params(payload, drop=("customer_id",))

        def lookup() -> DuellCustomer | None:
            for field in ("email", "phone"):
                value = getattr(payload, field)
                if value and (found := self.find(field, value)):
                    return found[0]
            return None

        def send() -> DuellCustomer:
            answer = self.client.call("PUT", "customer", params=params, idempotent=False)
            return payload.model_copy(update={"customer_id": _new_id(answer)})

        return self.create_once(send, lookup, what=f"customer {payload.email or payload.phone or ''}".strip())

    def update(self, key: str, payload: DuellCustomer) -> DuellCustomer:  # type: ignore[override]
        """Only the fields set on ``payload`` are sent; an update is safe to repeat."""
        params = {**_params(payload, drop=("customer_id",)), "customer_id": key}
        self.client.call("PUT", "customer", params=params, idempotent=True)
        return payload.model_copy(update={"customer_id": int(key)})


def _params(payload: DuellCustomer, *, drop: tuple[str, ...]) -> dict[str, str]:
    data = wire(payload, drop=drop)
    if data.get("phone"):
        data["phone"] = normal_phone(data["phone"]) or data["phone"]
    return {k: v if isinstance(v, str) else str(v) for k, v in data.items() if not isinstance(v, dict | list)}


def _new_id(answer: dict[str, Any]) -> int:
    """``{"customers": <new id>}`` (also as a list or an object with customer_id)."""
    value: Any = answer.get("customers", answer.get("customer_id"))
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("customer_id")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise RejectedError(
            f"duell: PUT customer answered without a customer id: {answer!r}"[:300], detail=answer
        ) from None

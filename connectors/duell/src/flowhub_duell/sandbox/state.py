"""The sandbox's DUELL client data and its rules: products, stock, customers, orders, tokens.

Pure Python with no HTTP in it, so the rules can be read (and tested) on their own. A rule
that refuses raises ``Failure``; the app turns it into DUELL's error form chosen in settings.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import secrets
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flowhub_duell.sandbox.settings import SandboxSettings

__all__ = ["DuellState", "Failure"]

_SIGNING_KEY = b"flowhub-duell-sandbox"
_OSLO = ZoneInfo("Europe/Oslo")


class Failure(Exception):
    """A refusal in DUELL's words: code (HTTP-like), message, and optionally validation_message."""

    def __init__(self, code: int, message: str, validation_message: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.validation_message = code, message, validation_message


def now_text() -> str:
    return datetime.now(_OSLO).strftime("%Y-%m-%d %H:%M:%S")


class DuellState:
    """Everything one sandboxed DUELL client holds; ``reset`` restores the seed."""

    def __init__(self, seed: Mapping[str, Any], settings: SandboxSettings) -> None:
        self.seed = copy.deepcopy(dict(seed))
        self.settings = settings
        self.reset()

    def reset(self) -> None:
        data = copy.deepcopy(self.seed)
        self.departments: dict[str, str] = {d["token"]: d["name"] for d in data.get("departments", [])}
        self.products: dict[int, dict[str, Any]] = {p["product_id"]: p for p in data.get("products", [])}
        self.categories: dict[int, dict[str, Any]] = {c["category_id"]: c for c in data.get("categories", [])}
        self.customers: dict[int, dict[str, Any]] = {c["customer_id"]: c for c in data.get("customers", [])}
        self.stock: dict[str, dict[str, dict[str, float]]] = data.get("stock", {})
        orders = data.get("orders", {})
        self.orders: dict[str, dict[int, dict[str, Any]]] = {
            kind: {o["order_id"]: o for o in orders.get(kind, [])} for kind in ("sale", "logistics")
        }
        self.tokens: dict[str, float | None] = {}
        self.windows: dict[str, tuple[float, int]] = {}
        self.calls: Counter[str] = Counter()
        self.logins = 0

    # -- tokens and limits -------------------------------------------------------------------
    def login(self, client_number: str, client_token: str, ip: str) -> str:
        if client_number != self.settings.client_number or not hmac.compare_digest(
            client_token.encode(), self.settings.client_token.encode()
        ):
            raise Failure(401, "Invalid client number or client token")
        ttl = self.settings.token_ttl
        expires = None if ttl is None else time.time() + ttl
        claims: dict[str, Any] = {
            "username": client_number,
            "ip": ip,
            "clientRoles": ["api"],
            "jti": secrets.token_hex(8),
        }
        if expires is not None:
            claims["exp"] = expires
        token = _jwt(claims)
        self.tokens[token] = expires
        self.logins += 1
        return token

    def authorize(self, header: str | None) -> str:
        """The client number behind a Bearer token; 401 when missing, unknown or expired."""
        token = (header or "").removeprefix("Bearer ").strip()
        if token not in self.tokens:
            raise Failure(401, "Unauthorized: invalid or missing token")
        expires = self.tokens[token]
        if expires is not None and time.time() >= expires:
            del self.tokens[token]
            raise Failure(401, "Token expired")
        return self.settings.client_number

    def expire_tokens(self) -> int:
        count = len(self.tokens)
        self.tokens.clear()
        return count

    def take_turn(self, who: str) -> tuple[int, float] | None:
        """Count one request against the rate limit: (remaining, reset epoch), or None if no limit.

        Raises Failure(429) when the window is used up.
        """
        limit = self.settings.rate_limit
        if limit is None:
            return None
        now = time.time()
        start, used = self.windows.get(who, (now, 0))
        if now - start >= self.settings.rate_window:
            start, used = now, 0
        reset = start + self.settings.rate_window
        if used >= limit:
            raise Failure(429, "Too Many Requests: rate limit exceeded")
        self.windows[who] = (start, used + 1)
        return limit - used - 1, reset

    def department(self, token: Any) -> str:
        name = self.departments.get(str(token or ""))
        if name is None:
            raise Failure(403, "Invalid department token")
        return name

    # -- products and groups -----------------------------------------------------------------
    def list_products(self, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
        rows = sorted(self.products.values(), key=lambda p: p["product_id"])
        deleted = _true(filters.get("is_deleted"))
        rows = [p for p in rows if bool(p.get("is_deleted")) == deleted]
        checks = {
            "product_number": lambda p, v: str(p.get("product_number")) == v,
            "product_id": lambda p, v: str(p["product_id"]) in v.split(","),
            "barcode": lambda p, v: str(p.get("barcode") or "") == v,
            "category_id": lambda p, v: str(p.get("category_id")) == v,
            "view_on_webshop": lambda p, v: bool(p.get("view_on_webshop")) == _true(v),
            "last_update_date": lambda p, v: str(p.get("last_update_date") or "") >= v,
        }
        for name, check in checks.items():
            value = filters.get(name)
            if value not in (None, ""):
                rows = [p for p in rows if check(p, str(value))]
        return rows

    def save_products(self, items: Iterable[Any]) -> list[dict[str, Any]]:
        saved, problems = [], []
        for n, item in enumerate(items):
            if not isinstance(item, Mapping):
                problems.append(f"product_data[{n}]: not an object")
                continue
            known = self.products.get(_int(item.get("product_id")) or -1)
            if known is not None:
                known.update(
                    {k: v for k, v in item.items() if k != "product_id"}, last_update_date=now_text()
                )
                saved.append({"product_id": known["product_id"]})
                continue
            if not item.get("product_name") or not item.get("product_number"):
                problems.append(f"product_data[{n}]: product_name and product_number are required")
                continue
            product_id = max(self.products, default=1000) + 1
            self.products[product_id] = {
                "product_id": product_id,
                "is_deleted": False,
                "view_on_webshop": False,
                "is_parent": False,
                "parent_variant": 0,
                "custom_fields": [],
                **dict(item),
                "last_update_date": now_text(),
            }
            self.products[product_id]["product_id"] = product_id
            saved.append({"product_id": product_id})
        if problems and not saved:
            raise Failure(422, "Validation failed", problems)
        return saved

    def touch_product(self, product_id: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        product = self.products.get(product_id)
        if product is None:
            raise Failure(404, f"Product {product_id} not found")
        product.update(changes)
        product["last_update_date"] = changes.get("last_update_date") or now_text()
        return product

    def list_categories(self, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
        rows = sorted(self.categories.values(), key=lambda c: c["category_id"])
        name = str(filters.get("category_name") or "").casefold()  # MySQL compares names case-blind
        return [c for c in rows if not name or c["category_name"].casefold() == name]

    def save_categories(self, items: Iterable[Any]) -> list[dict[str, Any]]:
        saved = []
        for item in items:
            if not isinstance(item, Mapping) or not item.get("category_name"):
                raise Failure(422, "Validation failed", "category_name is required")
            category_id = max(self.categories, default=10) + 1
            self.categories[category_id] = {
                "category_id": category_id,
                "category_name": item["category_name"],
                "category_type": item.get("category_type", "product"),
            }
            saved.append({"category_id": category_id})
        return saved

    # -- stock -------------------------------------------------------------------------------
    def stock_rows(self, department: str, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
        levels = self.stock.get(department, {})
        rows = []
        ids = {s for s in str(filters.get("product_id") or "").split(",") if s}
        for product in self.list_products({"view_on_webshop": filters.get("view_on_webshop")}):
            if ids and str(product["product_id"]) not in ids:
                continue
            places = levels.get(str(product["product_number"]), {})
            rows.append(
                {
                    "product_id": str(product["product_id"]),
                    "product_number": product["product_number"],
                    "department": [
                        {
                            "stock": _number(sum(places.values())),
                            "location": [{"name": k, "stock": _number(v)} for k, v in places.items()],
                        }
                    ],
                }
            )
        return rows

    def adjust_stock(self, department: str, lines: Iterable[Any]) -> list[str]:
        """Apply lines; answer the problems (DUELL reports them in validation_message)."""
        problems = []
        sign = -1 if self.settings.adjust_stock_sign == "deduct" else 1
        for line in lines:
            number = str(line.get("product_number", "")) if isinstance(line, Mapping) else ""
            quantity = _float(line.get("quantity")) if isinstance(line, Mapping) else None
            if not self.list_products({"product_number": number}) or quantity is None:
                problems.append(f"Product number {number or '?'} not found or quantity missing")
                continue
            places = self.stock.setdefault(department, {}).setdefault(number, {"Hovedlager": 0})
            first = next(iter(places))
            places[first] = places[first] + sign * quantity
        return problems

    def set_stock(self, department: str, number: str, quantity: float, location: str | None) -> None:
        places = self.stock.setdefault(department, {}).setdefault(number, {})
        places[location or next(iter(places), "Hovedlager")] = quantity

    # -- customers ---------------------------------------------------------------------------
    def list_customers(self, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
        rows = sorted(self.customers.values(), key=lambda c: c["customer_id"])
        phone, email, wanted = (
            filters.get("customer_phone"),
            filters.get("customer_email"),
            filters.get("customer_id"),
        )
        if phone:
            rows = [c for c in rows if str(c.get("phone") or "") == str(phone)]
        if email:
            rows = [c for c in rows if str(c.get("email") or "").lower() == str(email).lower()]
        if wanted:
            rows = [c for c in rows if str(c["customer_id"]) == str(wanted)]
        return rows

    def put_customer(self, fields: Mapping[str, str]) -> int:
        allowed = {"customer_name", "phone", "email", "primary_address", "primary_zip", "city"}
        changes = {k: v for k, v in fields.items() if k in allowed}
        if fields.get("customer_id"):
            customer = self.customers.get(_int(fields["customer_id"]) or -1)
            if customer is None:
                raise Failure(404, f"Customer {fields['customer_id']} not found")
            customer.update(changes)
            return int(customer["customer_id"])
        if not changes.get("customer_name"):
            raise Failure(422, "Validation failed", {"customer_name": "The customer name field is required."})
        customer_id = max(self.customers, default=500) + 1
        self.customers[customer_id] = {"customer_id": customer_id, **changes}
        return customer_id

    # -- orders ------------------------------------------------------------------------------
    def save_orders(self, kind: str, orders: Any) -> tuple[list[dict[str, Any]], list[str]]:
        """Save each order; answer the saved rows and the problems of the refused ones."""
        if not isinstance(orders, Mapping) or not orders:
            raise Failure(422, "Validation failed", "orders must be an object keyed by the web shop order id")
        saved, problems = [], []
        for key, order in orders.items():
            try:
                saved.append(self._save_order(kind, str(key), order))
            except Failure as refusal:
                problems.append(f"{key}: {refusal.validation_message or refusal.message}")
        if not saved:
            raise Failure(422, "Validation failed", problems)
        return saved, problems

    def _save_order(self, kind: str, key: str, order: Any) -> dict[str, Any]:
        data = dict(order.get("order_data") or {}) if isinstance(order, Mapping) else {}
        reference = str(data.get("reference_order_number") or key)
        department = self.departments.get(str(data.pop("department_id", "") or ""))
        if department is None:
            raise Failure(422, "Validation failed", "department_id is not a valid department token")
        lines = order.get("product_data") or {}
        lines = lines if isinstance(lines, Mapping) else {str(n): line for n, line in enumerate(lines, 1)}
        for line_id, line in lines.items():
            if (
                line.get("entity_type", "product") == "product"
                and _int(line.get("product_id")) not in self.products
            ):
                raise Failure(
                    422, "Validation failed", f"line {line_id}: product_id {line.get('product_id')} not found"
                )
        if self.settings.duplicate_orders == "reject" and self.find_orders(
            kind, {"reference_order_number": reference}
        ):
            raise Failure(
                409, "Validation failed", f"An order with reference_order_number {reference} already exists"
            )
        everything = [o for orders in self.orders.values() for o in orders]
        order_id = max(everything, default=7000) + 1
        stored: dict[str, Any] = {
            "order_id": order_id,
            "order_number": str(20000 + order_id - 7000),
            "reference_order_number": reference,
            "department": department,
            "order_data": {**data, "reference_order_number": reference},
            "product_data": dict(lines),
            "created_at": now_text(),
        }
        if kind == "logistics":
            stored["order_data"].setdefault("purchase_order_status_id", 1)
        self.orders[kind][order_id] = stored
        return {
            "reference_order_number": reference,
            "order_id": order_id,
            "order_number": stored["order_number"],
        }

    def find_orders(self, kind: str, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
        rows = sorted(self.orders[kind].values(), key=lambda o: o["order_id"])
        reference, order_id = filters.get("reference_order_number"), filters.get("order_id")
        status = filters.get("purchase_order_status_id")
        if reference not in (None, ""):
            rows = [o for o in rows if o["reference_order_number"] == str(reference)]
        if order_id not in (None, ""):
            rows = [o for o in rows if str(o["order_id"]) == str(order_id)]
        if status not in (None, ""):
            rows = [o for o in rows if str(o["order_data"].get("purchase_order_status_id")) == str(status)]
        return rows

    def order(self, kind: str, order_id: int) -> dict[str, Any]:
        found = self.orders[kind].get(order_id)
        if found is None:
            raise Failure(404, f"Order {order_id} not found")
        return found

    def set_order_status(self, order_id: int, status: int) -> dict[str, Any]:
        order = self.order("logistics", order_id)
        order["order_data"]["purchase_order_status_id"] = status
        return order


def _jwt(claims: Mapping[str, Any]) -> str:
    """A JWT-shaped token (HS256 over the sandbox's own key): header.claims.signature."""

    def part(value: Any) -> str:
        raw = value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    signing = f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(dict(claims))}"
    signature = hmac.new(_SIGNING_KEY, signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{part(signature)}"


def _true(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value

"""The sandbox's data: organisations (clients) with their CRM, catalogue, orders and lookups.

Records are kept in the REST API's shape (camelCase dicts); the SOAP views translate. Keys
starting with ``_`` hold what only SOAP shows (company Type, DistributionMethod, Maps, …).
Both APIs therefore read and write the same records, as they do in 24SevenOffice.
"""

from __future__ import annotations

import copy
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

__all__ = ["Organisation", "Store", "load_seed"]


def load_seed(path: str | Path | None = None) -> dict[str, Any]:
    """The seed file: ``path``, or the shipped demo organisation."""
    source = Path(path) if path else files("flowhub_24sevenoffice") / "data" / "organisation.json"
    return json.loads(source.read_text(encoding="utf-8"))


class Clock:
    """UTC now in milliseconds, never the same instant twice (so change order is total)."""

    def __init__(self) -> None:
        self._last = datetime(2000, 1, 1, tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            clock = datetime.now(UTC)
            now = clock.replace(microsecond=clock.microsecond // 1000 * 1000)
            if now <= self._last:
                now = self._last + timedelta(milliseconds=1)
            self._last = now
            return now


@dataclass
class Organisation:
    """One client (company) in 24SevenOffice and everything in it."""

    id: int
    name: str
    organizationNumber: str
    info: dict[str, Any]
    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    persons: dict[int, dict[str, Any]] = field(default_factory=dict)
    categories: dict[int, dict[str, Any]] = field(default_factory=dict)
    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    payment_methods: list[dict[str, Any]] = field(default_factory=list)
    sales_types: list[dict[str, Any]] = field(default_factory=list)
    taxes: list[dict[str, Any]] = field(default_factory=list)
    dimensions: list[dict[str, Any]] = field(default_factory=list)
    next_ids: dict[str, int] = field(default_factory=dict)

    def new_id(self, kind: str, table: dict[int, Any]) -> int:
        start = self.next_ids.get(kind) or (max(table, default=0) + 1)
        self.next_ids[kind] = start + 1
        return start

    def next_invoice_number(self) -> int:
        numbers = [
            o["invoice"]["number"] for o in self.orders.values() if (o.get("invoice") or {}).get("number")
        ]
        return max(numbers, default=10000) + 1

    def dimension(self, kind: str) -> dict[str, Any] | None:
        """The dimension type called ``kind`` (Department / Project)."""
        return next((d for d in self.dimensions if d["name"].casefold() == kind.casefold()), None)

    def element(self, kind: str, value: Any) -> dict[str, Any] | None:
        dim = self.dimension(kind)
        if dim is None or value is None:
            return None
        return next((e for e in dim["elements"] if str(e["value"]) == str(value)), None)


@dataclass
class Session:
    organisation: int
    identity: str
    username: str
    expires: datetime


class Store:
    """Every organisation, the OAuth applications, SOAP users, tokens and sessions."""

    def __init__(self, seed: dict[str, Any], *, token_ttl: float = 3600, session_ttl: float = 1200) -> None:
        self.seed = seed
        self.token_ttl, self.session_ttl = token_ttl, session_ttl
        self.lock = threading.RLock()
        self.clock = Clock()
        self.sync_page_size = 1000  # GetCompanySyncList's ItemsPerPage
        self.reset()

    def reset(self) -> None:
        seed = copy.deepcopy(self.seed)
        self.applications: dict[str, dict[str, Any]] = {a["client_id"]: a for a in seed["applications"]}
        self.soap_applications: set[str] = {a.lower() for a in seed["soap_applications"]}
        self.users: dict[str, dict[str, Any]] = {u["username"].casefold(): u for u in seed["users"]}
        self.organisations: dict[int, Organisation] = {
            o["id"]: _organisation(o) for o in seed["organizations"]
        }
        self.tokens: dict[str, tuple[int, datetime]] = {}
        self.sessions: dict[str, Session] = {}
        self.stats: dict[str, Any] = {
            "tokens_issued": {},
            "logins": 0,
            "soap_calls": 0,
            "quota_faults": 0,
            "session_faults": 0,
        }

    # -- REST tokens ----------------------------------------------------------------------
    def issue_token(self, organisation: int) -> tuple[str, int]:
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = (organisation, self.clock.now() + timedelta(seconds=self.token_ttl))
            issued = self.stats["tokens_issued"]
            issued[str(organisation)] = issued.get(str(organisation), 0) + 1
        return token, int(self.token_ttl)

    def organisation_of_token(self, token: str) -> Organisation | None:
        with self.lock:
            found = self.tokens.get(token)
            if found is None or found[1] <= datetime.now(UTC):
                return None
            return self.organisations.get(found[0])

    # -- SOAP sessions --------------------------------------------------------------------
    def open_session(self, username: str, identity: dict[str, Any]) -> str:
        session = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz012345") for _ in range(24))
        with self.lock:
            self.sessions[session] = Session(
                identity["organization"],
                identity["id"],
                username,
                datetime.now(UTC) + timedelta(seconds=self.session_ttl),
            )
            self.stats["logins"] += 1
        return session

    def session(self, session_id: str | None) -> Session | None:
        with self.lock:
            found = self.sessions.get(session_id or "")
            if found is None or found.expires <= datetime.now(UTC):
                return None
            found.expires = datetime.now(UTC) + timedelta(seconds=self.session_ttl)  # sliding, like ASP.NET
            return found

    def expire(self) -> None:
        """Forget every token and session (tests of renewal)."""
        with self.lock:
            self.tokens.clear()
            self.sessions.clear()


def _organisation(seed: dict[str, Any]) -> Organisation:
    def by_id(items: list[dict[str, Any]], key: str = "id") -> dict[int, dict[str, Any]]:
        return {int(item[key]): _dates(item) for item in items}

    return Organisation(
        id=int(seed["id"]),
        name=seed["name"],
        organizationNumber=seed["organizationNumber"],
        info=seed["info"],
        customers=by_id(seed.get("customers", [])),
        persons=by_id(seed.get("persons", []), "Id"),
        categories=by_id(seed.get("categories", [])),
        products=by_id(seed.get("products", [])),
        orders=by_id(seed.get("salesOrders", [])),
        payment_methods=seed.get("paymentMethods", []),
        sales_types=seed.get("salesTypes", []),
        taxes=seed.get("taxes", []),
        dimensions=seed.get("dimensions", []),
    )


_DATE_KEYS = ("createdAt", "modifiedAt", "DateRegistered", "DateChanged")


def _dates(item: dict[str, Any]) -> dict[str, Any]:
    for key in _DATE_KEYS:
        if isinstance(item.get(key), str):
            item[key] = datetime.fromisoformat(item[key].replace("Z", "+00:00"))
    return item

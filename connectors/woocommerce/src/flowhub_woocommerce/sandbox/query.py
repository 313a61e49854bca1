"""Request parameters the WordPress way: PHP-style parsing, validation errors, paging, Link headers."""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from operator import itemgetter
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from flowhub_woocommerce.sandbox.errors import enum_message, invalid_params
from flowhub_woocommerce.sandbox.store import Record, Store, fmt, parse_datetime

__all__ = ["Page", "Params", "TextKey", "link_header", "paginate", "php_query", "sort_records"]

_BRACKET = re.compile(r"^([^\[\]]+)\[([^\[\]]*)\]$")
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def php_query(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Decoded query pairs as PHP's ``$_GET`` holds them: last value wins, ``a[]`` makes a list."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        match = _BRACKET.match(key)
        if match:
            existing = result.get(match.group(1))
            items = existing if isinstance(existing, list) else []
            items.append(value)
            result[match.group(1)] = items
        else:
            result[key] = value
    return result


def split_query(raw: str) -> list[tuple[str, str]]:
    """Raw query string into decoded (key, value) pairs, in order ('+' is a space, as in PHP)."""
    pairs = []
    for part in raw.split("&"):
        if part:
            key, _, value = part.partition("=")
            pairs.append((unquote_plus(key), unquote_plus(value)))
    return pairs


@dataclass
class Params:
    """One request's parameters with WordPress's validation: problems collect, then raise once."""

    raw: Mapping[str, Any]
    problems: dict[str, tuple[str, str]] = field(default_factory=dict)

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name, default)
        return value if value is None or isinstance(value, str) else ",".join(map(str, value))

    def integer(
        self, name: str, default: int | None = None, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(str(value))
        except ValueError:
            self.problems[name] = ("rest_invalid_type", f"{name} is not of type integer.")
            return default
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            self.problems[name] = ("rest_out_of_bounds", _bounds(name, minimum, maximum))
            return default
        return number

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value is None or isinstance(value, bool):
            return default if value is None else value
        if str(value).lower() in TRUE:
            return True
        if str(value).lower() in FALSE:
            return False
        self.problems[name] = ("rest_invalid_type", f"{name} is not of type boolean.")
        return default

    def enum(
        self,
        name: str,
        allowed: Sequence[str],
        default: str | None = None,
        shown: Sequence[str] | None = None,
    ) -> str | None:
        value = self.text(name)
        if value is None:
            return default
        if value not in allowed:
            self.problems[name] = ("rest_not_in_enum", enum_message(name, shown or allowed))
            return default
        return value

    def enum_list(self, name: str, allowed: Sequence[str], default: list[str]) -> list[str]:
        """A list parameter (``a,b`` or ``a[]=..``) whose items must be in ``allowed``."""
        values = self.id_strings(name)
        if values is None:
            return default
        for i, value in enumerate(values):
            if value not in allowed:
                self.problems[name] = ("rest_not_in_enum", enum_message(f"{name}[{i}]", allowed))
                return default
        return values

    def id_strings(self, name: str) -> list[str] | None:
        value = self.raw.get(name)
        if value is None:
            return None
        items = value if isinstance(value, list) else re.split(r"[,\s]+", str(value))
        return [str(item) for item in items if str(item) != ""]

    def ids(self, name: str) -> list[int] | None:
        values = self.id_strings(name)
        if values is None:
            return None
        try:
            return [int(v) for v in values]
        except ValueError:
            self.problems[name] = ("rest_invalid_type", f"{name}[0] is not of type integer.")
            return None

    def date(self, name: str, store: Store, *, gmt: bool) -> str | None:
        """A date filter as a comparable ``YYYY-MM-DDTHH:MM:SS`` in GMT (``gmt``) or site time."""
        value = self.text(name)
        if value is None:
            return None
        parsed = parse_datetime(value)
        if parsed is None:
            self.problems[name] = ("rest_invalid_date", "Invalid date.")
            return None
        moment, zoned = parsed
        if not zoned:
            return fmt(moment)
        utc = moment.astimezone(UTC)
        return fmt(utc) if gmt else fmt(utc.astimezone(store.tz))

    def check(self) -> None:
        if self.problems:
            raise invalid_params(self.problems)


def _bounds(name: str, minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"{name} must be between {minimum} (inclusive) and {maximum} (inclusive)"
    if minimum is not None:
        return f"{name} must be greater than or equal to {minimum}"
    return f"{name} must be less than or equal to {maximum}"


@dataclass(frozen=True)
class Page:
    items: list[Record]
    total: int
    pages: int
    page: int


def paging(params: Params) -> tuple[int, int, int | None]:
    """(page, per_page, offset) with WordPress's bounds: per_page 1..100, page >= 1."""
    page = params.integer("page", 1, minimum=1) or 1
    per_page = params.integer("per_page", 10, minimum=1, maximum=100) or 10
    offset = params.integer("offset", None, minimum=0)
    return page, per_page, offset


def paginate(items: Sequence[Record], page: int, per_page: int, offset: int | None = None) -> Page:
    """One page of ``items``; a page past the end is empty, the totals stay right."""
    start = offset + (page - 1) * per_page if offset is not None else (page - 1) * per_page
    total = len(items)
    pages = math.ceil(total / per_page) if total else 0
    return Page(list(items[start : start + per_page]), total, pages, page)


@dataclass(frozen=True)
class TextKey:
    """A sort key that is a text field, "" when missing or empty (the dates); see `sort_records`."""

    field: str

    def __call__(self, record: Record) -> Any:
        return record.get(self.field) or ""


def sort_records(
    items: list[Record],
    keys: Mapping[str, Callable[[Record], Any]],
    orderby: str,
    order: str,
    include: Sequence[int] | None = None,
) -> list[Record]:
    """Sort by ``orderby`` (ties by id in the same direction), or by the ``include`` list's order.

    ``keys["id"]`` must be the record's id; ``orderby=id`` (or an unknown one) sorts by it alone.
    """
    if orderby in ("include", "post__in") and include:
        position = {item_id: i for i, item_id in enumerate(include)}
        return sorted(items, key=lambda r: position.get(r["id"], len(position)))
    descending = order == "desc"
    key = keys.get(orderby)
    if key is None or orderby == "id":
        return sorted(items, key=itemgetter("id"), reverse=descending)
    if isinstance(key, TextKey):
        return _sorted_by_text(items, key.field, descending)
    return _sorted_by(items, key, descending)


def _sorted_by(items: list[Record], key: Callable[[Record], Any], descending: bool) -> list[Record]:
    # Sorting is stable (also reversed), so the id order stays among equal keys: the same as
    # sorting by (key, id), without building a tuple per record on every list request.
    by_id = sorted(items, key=itemgetter("id"), reverse=descending)
    return sorted(by_id, key=key, reverse=descending)


_LAST_TEXT_SORT: dict[tuple[str, bool], tuple[list[Record], list[Any], list[Record]]] = {}


def _sorted_by_text(items: list[Record], name: str, descending: bool) -> list[Record]:
    """``items`` sorted by the text field ``name`` (ties by id), the last answer reused if nothing moved.

    Paging through a list asks for the same sort once per page. The key values are read in one
    pass; when they and the records (the same objects, in the same order) are those of the
    last call, so is the answer (a record's id never changes: it is its key in the store).
    """
    values = [r.get(name) or "" for r in items]
    last = _LAST_TEXT_SORT.get((name, descending))
    if last is not None and last[1] == values and _same_objects(last[0], items):
        return list(last[2])
    answer = _sorted_by(items, TextKey(name), descending)
    _LAST_TEXT_SORT[(name, descending)] = (list(items), values, answer)
    return list(answer)


def _same_objects(a: list[Record], b: list[Record]) -> bool:
    return len(a) == len(b) and all(map(operator.is_, a, b))


def link_header(collection_url: str, pairs: Sequence[tuple[str, str]], page: int, pages: int) -> str | None:
    """The Link header WooCommerce 11 builds: only ``prev`` and ``next``, never first/last.

    ``pairs`` are the query parameters in request order (already normalised the way WordPress
    normalises them); ``page`` is replaced where it stands, or appended at the end.
    """
    links = []
    if page > 1:
        links.append((min(page - 1, max(pages, 1)), "prev"))
    if pages > page:
        links.append((page + 1, "next"))
    if not links:
        return None
    return ", ".join(f'<{_with_page(collection_url, pairs, number)}>; rel="{rel}"' for number, rel in links)


def _with_page(url: str, pairs: Sequence[tuple[str, str]], number: int) -> str:
    out = [(k, str(number)) if k == "page" else (k, v) for k, v in pairs]
    if not any(k == "page" for k, _ in pairs):
        out.append(("page", str(number)))
    return url + "?" + "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in out)

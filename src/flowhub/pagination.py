"""Reusable paginators that walk an API's pages lazily: by number, offset, cursor or Link header.

Each paginator takes a small ``fetch`` callable that knows the API (build the request, parse
the answer) and yields items one at a time, so a reader never holds more than a few pages.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import httpx

from flowhub.errors import ConnectorError
from flowhub.redact import redact_url

__all__ = ["Page", "next_link", "pages_by_cursor", "pages_by_number", "pages_by_offset"]

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of items and, when the API says so (``X-WP-TotalPages``), how many pages exist."""

    items: list[T] = field(default_factory=list)
    total_pages: int | None = None


def pages_by_number(
    fetch: Callable[[int], Page[T]], *, start: int = 1, concurrency: int = 1, per_page: int | None = None
) -> Iterator[T]:
    """Yield the items of pages ``start, start+1, …`` in order.

    Stops on an empty page, once ``total_pages`` is reached, or, when the total is unknown
    and ``per_page`` is given, on a page shorter than ``per_page``. A short page does not
    stop the walk while the total is known: WooCommerce drops items the key may not read
    from a page after paging, so a short page is not proof of the end.

    With ``concurrency > 1`` and a total known after the first page, the rest is fetched by
    a pool of ``concurrency`` threads, never more than ``concurrency`` pages ahead of the
    page being yielded, and still yielded strictly in page order.
    """
    first = fetch(start)
    yield from first.items
    if not first.items or (first.total_pages is None and _is_short(first, per_page)):
        return
    if first.total_pages is not None and concurrency > 1:
        yield from _fetch_ahead(fetch, range(start + 1, start + first.total_pages), concurrency)
        return
    yield from _walk_in_turn(fetch, start + 1, first.total_pages, start, per_page)


def _is_short(page: Page[T], per_page: int | None) -> bool:
    return per_page is not None and len(page.items) < per_page


def _walk_in_turn(
    fetch: Callable[[int], Page[T]], number: int, total: int | None, start: int, per_page: int | None
) -> Iterator[T]:
    """One page after the other; each page may update the total (items added meanwhile)."""
    while total is None or number < start + total:
        page = fetch(number)
        yield from page.items
        total = page.total_pages if page.total_pages is not None else total
        if not page.items or (total is None and _is_short(page, per_page)):
            return
        number += 1


def _fetch_ahead(fetch: Callable[[int], Page[T]], numbers: range, concurrency: int) -> Iterator[T]:
    """Keep ``concurrency`` pages in flight; yield them in order; stop at the first empty one."""
    pending = iter(numbers)
    window: deque[Future[Page[T]]] = deque()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="flowhub-page") as pool:
        try:
            for number in itertools.islice(pending, concurrency):
                window.append(pool.submit(fetch, number))
            while window:
                page = window.popleft().result()
                if not page.items:
                    return
                if (following := next(pending, None)) is not None:  # refill first: fetch while consuming
                    window.append(pool.submit(fetch, following))
                yield from page.items
        finally:
            for future in window:
                future.cancel()


def pages_by_offset(fetch: Callable[[int, int], list[T]], *, limit: int, start: int = 0) -> Iterator[T]:
    """Yield items of ``fetch(offset, limit)`` pages, advancing by the rows actually received.

    A server may cap a page below ``limit``, so only an empty page ends the walk.
    """
    offset = start
    while rows := fetch(offset, limit):
        yield from rows
        offset += len(rows)


def pages_by_cursor(fetch: Callable[[str | None], tuple[list[T], str | None]]) -> Iterator[T]:
    """Yield items while ``fetch(token)`` hands back a continuation token (None/"" ends it).

    Also walks ``Link`` headers: let ``fetch`` request the URL and return ``next_link(response)``.
    A token seen twice is an error rather than an endless loop.
    """
    token: str | None = None
    seen: set[str] = set()
    while True:
        items, token = fetch(token)
        yield from items
        if not token:
            return
        if token in seen:
            raise ConnectorError(
                f"pagination stopped: the server handed back the same "
                f"continuation token twice ({redact_url(token)[:80]!r})"
            )
        seen.add(token)


def next_link(response: httpx.Response) -> str | None:
    """The absolute URL of the ``rel="next"`` entry of the Link header, or None."""
    url = response.links.get("next", {}).get("url")
    return str(response.url.join(url)) if url else None

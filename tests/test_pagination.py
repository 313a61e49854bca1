"""Paginators: every item once, in order, stopping where the API says, bounded read-ahead."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import threading
from collections import Counter
from collections.abc import Generator, Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from flowhub.errors import ConnectorError, RetryableError
from flowhub.http import ApiClient
from flowhub.pagination import Page, next_link, pages_by_cursor, pages_by_number, pages_by_offset


def _load_servers() -> ModuleType:
    name = "flowhub_tests_servers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("_servers.py"))
        assert spec is not None and spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


servers = _load_servers()

# --- the server: a WooCommerce-like list with a counter of requests in flight -----------------

TOTAL_ITEMS, PER_PAGE = 112, 5
TOTAL_PAGES = -(-TOTAL_ITEMS // PER_PAGE)  # 23


class Flight:
    """Requests the server is answering right now, and the most it ever answered at once."""

    def __init__(self) -> None:
        self.now = self.most = 0
        self.pages: Counter[int] = Counter()


FLIGHT = Flight()


async def products(request: Request) -> Response:
    page = int(request.query_params["page"])
    FLIGHT.pages[page] += 1
    FLIGHT.now += 1  # one event loop thread: no lock needed
    FLIGHT.most = max(FLIGHT.most, FLIGHT.now)
    await asyncio.sleep(0.03)  # long enough for concurrent requests to overlap
    FLIGHT.now -= 1
    items = list(range((page - 1) * PER_PAGE, min(page * PER_PAGE, TOTAL_ITEMS)))
    return JSONResponse(items, headers={"X-WP-Total": str(TOTAL_ITEMS), "X-WP-TotalPages": str(TOTAL_PAGES)})


async def rows(request: Request) -> Response:
    """Offset paging where the server caps every page at 7 rows, whatever the limit."""
    offset, limit = int(request.query_params["offset"]), int(request.query_params["limit"])
    return JSONResponse(list(range(offset, min(offset + min(limit, 7), 30))))


async def linked(request: Request) -> Response:
    page = int(request.query_params.get("page", "1"))
    headers = {"Link": f'<{request.url.replace_query_params(page=page + 1)}>; rel="next"'} if page < 3 else {}
    return JSONResponse([f"p{page}a", f"p{page}b"], headers=headers)


APP = Starlette(routes=[Route("/products", products), Route("/rows", rows), Route("/linked", linked)])


@pytest.fixture(scope="module")
def api() -> Iterator[ApiClient]:
    with servers.serve(APP) as url, ApiClient(url, max_wait=0.05) as client:
        yield client


# --- by page number -------------------------------------------------------------------------


def test_concurrent_pages_yield_every_item_once_in_order_with_bounded_requests_in_flight(
    api: ApiClient,
) -> None:
    def fetch(number: int) -> Page[int]:
        response = api.get("/products", params={"page": number, "per_page": PER_PAGE})
        return Page(api.json(response), int(response.headers["X-WP-TotalPages"]))

    assert list(pages_by_number(fetch, concurrency=4)) == list(range(TOTAL_ITEMS))
    assert FLIGHT.pages == Counter(range(1, TOTAL_PAGES + 1))
    assert 2 <= FLIGHT.most <= 4


class Recorder:
    """A page source in memory that records which pages were asked for."""

    def __init__(self, pages: dict[int, list[int]], total: int | None) -> None:
        self.pages, self.total, self.asked = pages, total, list[int]()
        self._lock = threading.Lock()

    def __call__(self, number: int) -> Page[int]:
        with self._lock:
            self.asked.append(number)
        return Page(self.pages.get(number, []), self.total)


def test_never_more_than_concurrency_pages_are_fetched_ahead() -> None:
    source = Recorder({n: [n] * 3 for n in range(1, 31)}, total=30)
    seen = []
    for item in pages_by_number(source, concurrency=3):
        assert max(source.asked) <= item + 3  # item is the number of the page being consumed
        seen.append(item)
    assert seen == [n for n in range(1, 31) for _ in range(3)]
    assert sorted(source.asked) == list(range(1, 31))


def test_a_consumer_that_stops_early_stops_the_fetching() -> None:
    source = Recorder({n: [n] * 3 for n in range(1, 101)}, total=100)
    walk = pages_by_number(source, concurrency=4)
    assert isinstance(walk, Generator)
    assert [next(walk) for _ in range(4)] == [1, 1, 1, 2]
    walk.close()
    assert len(source.asked) <= 1 + 1 + 4  # the first page, the one consumed, four ahead


def test_an_empty_page_ends_a_concurrent_walk_even_before_the_total() -> None:
    source = Recorder({1: [1], 2: [2], 3: [3]}, total=10)
    assert list(pages_by_number(source, concurrency=2)) == [1, 2, 3]
    assert max(source.asked) <= 4 + 2


def test_a_failing_page_stops_the_walk_with_its_error() -> None:
    def fetch(number: int) -> Page[int]:
        if number == 3:
            raise RetryableError("api: GET /products?page=3 -> 503")
        return Page([number], total_pages=6)

    walk = pages_by_number(fetch, concurrency=3)
    assert [next(walk), next(walk)] == [1, 2]
    with pytest.raises(RetryableError, match=r"page=3 -> 503"):
        next(walk)


def test_sequential_walk_stops_on_an_empty_page_when_the_total_is_unknown() -> None:
    source = Recorder({1: [1, 1], 2: [2, 2], 3: [3]}, total=None)
    assert list(pages_by_number(source)) == [1, 1, 2, 2, 3]
    assert source.asked == [1, 2, 3, 4]


def test_sequential_walk_stops_at_the_total_without_asking_for_more() -> None:
    source = Recorder({0: [0], 1: [1], 2: [2]}, total=3)
    assert list(pages_by_number(source, start=0)) == [0, 1, 2]
    assert source.asked == [0, 1, 2]


def test_a_short_page_ends_the_walk_only_when_the_total_is_unknown() -> None:
    unknown = Recorder({1: [1, 1], 2: [2], 3: [3, 3]}, total=None)
    assert list(pages_by_number(unknown, per_page=2)) == [1, 1, 2]
    known = Recorder({1: [1, 1], 2: [2], 3: [3, 3]}, total=3)
    assert list(pages_by_number(known, per_page=2)) == [1, 1, 2, 3, 3]


# --- by offset, cursor and Link header ------------------------------------------------------


def test_offset_paging_advances_by_the_rows_the_server_really_sent(api: ApiClient) -> None:
    offsets: list[int] = []

    def fetch(offset: int, limit: int) -> list[int]:
        offsets.append(offset)
        return list(api.json(api.get("/rows", params={"offset": offset, "limit": limit})))

    assert list(pages_by_offset(fetch, limit=10)) == list(range(30))
    assert offsets == [0, 7, 14, 21, 28, 30]


def test_cursor_paging_follows_continuation_tokens_to_the_end() -> None:
    chain = {None: ([1, 2], "t1"), "t1": ([], "t2"), "t2": ([3], None)}
    assert list(pages_by_cursor(lambda token: chain[token])) == [1, 2, 3]


def test_a_continuation_token_seen_twice_is_an_error_not_an_endless_loop() -> None:
    chain = {None: ([1], "t1"), "t1": ([2], "t2"), "t2": ([3], "t1")}
    with pytest.raises(
        ConnectorError,
        match=r"^pagination stopped: the server handed back the same "
        r"continuation token twice \('t1'\)$",
    ):
        list(pages_by_cursor(lambda token: chain[token]))


def test_link_headers_are_followed_through_a_real_server(api: ApiClient) -> None:
    def fetch(url: str | None) -> tuple[list[str], str | None]:
        response = api.get(url or "/linked")
        return list(api.json(response)), next_link(response)

    assert list(pages_by_cursor(fetch)) == ["p1a", "p1b", "p2a", "p2b", "p3a", "p3b"]


def _with_link(link: str | None) -> httpx.Response:
    headers = {"Link": link} if link else {}
    return httpx.Response(
        200, headers=headers, request=httpx.Request("GET", "https://shop.example/wp-json/wc/v3/orders?page=1")
    )


def test_next_link_reads_rel_next_and_resolves_relative_links() -> None:
    woo = (
        '<https://shop.example/wp-json/wc/v3/orders?page=1>; rel="prev", '
        '<https://shop.example/wp-json/wc/v3/orders?status%5B0%5D=any&page=3>; rel="next"'
    )
    assert next_link(_with_link(woo)) == "https://shop.example/wp-json/wc/v3/orders?status%5B0%5D=any&page=3"
    assert (
        next_link(_with_link('</api/customers?page=2>; rel="next"'))
        == "https://shop.example/api/customers?page=2"
    )
    assert next_link(_with_link('<https://shop.example/x?page=1>; rel="prev"')) is None
    assert next_link(_with_link(None)) is None

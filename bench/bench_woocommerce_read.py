"""Read N orders from the WooCommerce sandbox: flowhub's reader vs the official `woocommerce` client.

Both page through /orders with 100 per page, in this process, against one sandbox (in a process
of its own) with the same injected latency. flowhub learns the page count from page 1
(X-WP-TotalPages) and fetches the other pages concurrently; it also reads the trash (one more
request) so soft deletes reach the target. The official client pages one after the other.
Each reader reads once untimed first (sandbox, connections and validators warm), then
``--rounds`` rounds time both, the one that goes first alternating; the medians are compared.
Goal: flowhub >= 2x faster with the minimum number of requests.
Run: python bench/bench_woocommerce_read.py [--records N] [--latency-ms MS] [--rounds R]
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from flowhub_woocommerce.connector import WooCommerce
from flowhub_woocommerce.sandbox import SANDBOX
from flowhub_woocommerce.settings import WooCommerceSettings
from woocommerce import API

from flowhub.connector import ReadQuery


def _requests_seen(base_url: str) -> int:
    return int(httpx.get(f"{base_url}/__sandbox/stats", timeout=10).json()["seen"])


def read_with_flowhub(base_url: str, concurrency: int) -> tuple[int, int, float]:
    before = _requests_seen(base_url)
    settings = WooCommerceSettings(**SANDBOX.connection(base_url), page_concurrency=concurrency)
    started = time.perf_counter()
    with WooCommerce(settings, connection_name="bench") as shop:
        orders = shop.entity("order")
        keys = {orders.key_of(o) for o in orders.read(ReadQuery()) if not orders.is_deleted(o)}
    elapsed = time.perf_counter() - started
    return len(keys), _requests_seen(base_url) - before, elapsed


def read_with_official_client(base_url: str) -> tuple[int, int, float]:
    conn = SANDBOX.connection(base_url)
    api = API(url=base_url, consumer_key=conn["consumer_key"], consumer_secret=conn["consumer_secret"],
              version="wc/v3", timeout=60)
    before = _requests_seen(base_url)
    started = time.perf_counter()
    keys: set[int] = set()
    page = 1
    while True:
        params = {"per_page": 100, "page": page, "orderby": "id", "order": "asc"}
        items = api.get("orders", params=params).json()
        keys.update(item["id"] for item in items)
        if len(items) < 100:
            break
        page += 1
    elapsed = time.perf_counter() - started
    return len(keys), _requests_seen(base_url) - before, elapsed


SERVER = """
import gc, sys
from flowhub.sandboxes import Faults, serve
from flowhub_woocommerce.sandbox import create_app, generate
records, latency = int(sys.argv[1]), float(sys.argv[2])
seed = generate(orders=records, customers=50, products=40, seed=1)
live = sum(1 for o in seed["orders"] if o["status"] not in ("trash", "checkout-draft"))
trashed = sum(1 for o in seed["orders"] if o["status"] == "trash")
app = create_app(seed=seed, faults=Faults(latency_ms=latency))
gc.freeze()  # the seed lives as long as the server: keep it out of every garbage collection
with serve(app) as served:
    print(served.base_url, live, trashed, flush=True)
    sys.stdin.read()
"""


@contextmanager
def sandbox_process(records: int, latency_ms: float) -> Iterator[tuple[str, int, int]]:
    """The sandbox in a process of its own, so its work does not share this process's GIL.

    Yields its base URL, the number of orders a list shows (not trashed, not drafts) and the
    number in the trash.
    """
    child = subprocess.Popen([sys.executable, "-c", SERVER, str(records), str(latency_ms)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        base_url, live, trashed = child.stdout.readline().split()
        yield base_url, int(live), int(trashed)
    finally:
        child.kill()
        child.wait(30)


Run = tuple[int, int, float]  # (orders read, requests sent, seconds)


def timed_rounds(base_url: str, concurrency: int, rounds: int) -> tuple[list[Run], list[Run]]:
    """One untimed read each, then ``rounds`` timed rounds, who goes first alternating."""
    read_with_flowhub(base_url, concurrency)
    read_with_official_client(base_url)
    ours: list[Run] = []
    theirs: list[Run] = []
    for number in range(rounds):
        if number % 2:
            theirs.append(read_with_official_client(base_url))
            ours.append(read_with_flowhub(base_url, concurrency))
        else:
            ours.append(read_with_flowhub(base_url, concurrency))
            theirs.append(read_with_official_client(base_url))
    return ours, theirs


def _median(runs: list[Run], index: int) -> float:
    return statistics.median(run[index] for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=8, help="flowhub's concurrent page fetches")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (the medians are compared)")
    args = parser.parse_args()
    with sandbox_process(args.records, args.latency_ms) as (base_url, live, trashed):
        ours, theirs = timed_rounds(base_url, args.concurrency, max(1, args.rounds))
    for run in (*ours, *theirs):
        assert run[0] == live, (run[0], live)
    live_pages = max(1, math.ceil(live / 100))
    trash_pages = max(1, math.ceil(trashed / 100))
    ours_s, theirs_s = _median(ours, 2), _median(theirs, 2)
    print(f"orders: {live}, latency {args.latency_ms:.0f} ms, minimum requests {live_pages} "
          f"(flowhub also reads the trash: {live_pages + trash_pages})")
    print(f"flowhub:  {live / ours_s:9,.0f} records/s, {max(r[1] for r in ours)} requests, {ours_s:.2f} s")
    print(f"official: {live / theirs_s:9,.0f} records/s, {max(r[1] for r in theirs)} requests, "
          f"{theirs_s:.2f} s")
    rounds = ", ".join(f"{t[2] / o[2]:.2f}" for o, t in zip(ours, theirs, strict=True))
    print(f"flowhub/official speed ratio: {theirs_s / ours_s:.2f} (goal >= 2; "
          f"median of {len(ours)} rounds: {rounds})")


if __name__ == "__main__":
    main()

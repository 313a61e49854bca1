"""Read N orders from the WooCommerce sandbox: flowhub's reader vs the official `woocommerce` client.

Both page through /orders with 100 per page, one after the other in this process, against one
sandbox (in a process of its own) with the same injected latency. flowhub learns the page count from page 1 (X-WP-TotalPages) and fetches the
other pages concurrently; the official client pages one after the other. Goal: flowhub >= 2x
faster with the minimum number of requests. Run: python bench/bench_woocommerce_read.py
[--records N] [--latency-ms MS]
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from woocommerce import API

from flowhub.connector import ReadQuery
from flowhub_woocommerce.connector import WooCommerce
from flowhub_woocommerce.sandbox import SANDBOX
from flowhub_woocommerce.settings import WooCommerceSettings


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
        items = api.get("orders", params={"per_page": 100, "page": page, "orderby": "id", "order": "asc"}).json()
        keys.update(item["id"] for item in items)
        if len(items) < 100:
            break
        page += 1
    elapsed = time.perf_counter() - started
    return len(keys), _requests_seen(base_url) - before, elapsed


SERVER = """
import sys, time
from flowhub.sandboxes import Faults, serve
from flowhub_woocommerce.sandbox import create_app, generate
records, latency = int(sys.argv[1]), float(sys.argv[2])
seed = generate(orders=records, customers=50, products=40, seed=1)
total = sum(1 for o in seed["orders"] if o["status"] not in ("trash", "checkout-draft"))
with serve(create_app(seed=seed, faults=Faults(latency_ms=latency))) as served:
    print(served.base_url, total, flush=True)
    sys.stdin.read()
"""


@contextmanager
def sandbox_process(records: int, latency_ms: float) -> Iterator[tuple[str, int]]:
    """The sandbox in a process of its own, so its work does not share this process's GIL."""
    child = subprocess.Popen([sys.executable, "-c", SERVER, str(records), str(latency_ms)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        base_url, total = child.stdout.readline().split()
        yield base_url, int(total)
    finally:
        child.kill()
        child.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=8, help="flowhub's concurrent page fetches")
    args = parser.parse_args()
    with sandbox_process(args.records, args.latency_ms) as (base_url, total):
        ours = read_with_flowhub(base_url, args.concurrency)
        theirs = read_with_official_client(base_url)
    assert ours[0] == theirs[0] == total, (ours[0], theirs[0], total)
    print(f"orders: {total}, latency {args.latency_ms:.0f} ms, minimum requests {math.ceil(total / 100)}")
    print(f"flowhub:  {ours[0] / ours[2]:9,.0f} records/s, {ours[1]} requests, {ours[2]:.2f} s")
    print(f"official: {theirs[0] / theirs[2]:9,.0f} records/s, {theirs[1]} requests, {theirs[2]:.2f} s")
    print(f"flowhub/official speed ratio: {theirs[2] / ours[2]:.2f} (goal >= 2)")


if __name__ == "__main__":
    main()

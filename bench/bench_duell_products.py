"""5,000 DUELL products -> WooCommerce through the shipped flow: batch writes, then nothing.

Both sandboxes are served in this process; every request the shop sees is counted by method
and route, with the number of items in each batch call. Printed: the requests of the first
run (a full product sync) and of a second run with no changes in DUELL (goal: no write).
Run: python bench/bench_duell_products.py [--products N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from flowhub.demo import sandbox_env
from flowhub.plugins import Plugins
from flowhub.sandboxes import serve
from flowhub.settings import FlowhubSettings
from flowhub.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
FLOW = "duell-products-to-woocommerce"


class Counting:
    """ASGI wrapper: counts requests by ``METHOD /route`` and the items of each batch call."""

    def __init__(self, app: Any) -> None:
        self.app, self.calls, self.batch_items = app, Counter[str](), []  # type: list[int]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or "/__" in scope["path"]:
            await self.app(scope, receive, send)
            return
        route = re.sub(r"/\d+", "/{id}", scope["path"].split("/wc/v3", 1)[-1])
        self.calls[f"{scope['method']} {route}"] += 1
        if not route.endswith("/batch"):
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        doc = json.loads(body or b"{}")
        self.batch_items.append(sum(len(doc.get(k, [])) for k in ("create", "update", "delete")))
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def take(self) -> tuple[Counter[str], list[int]]:
        calls, items = self.calls, self.batch_items
        self.calls, self.batch_items = Counter(), []
        return calls, items


def _report(title: str, calls: Counter[str], items: list[int], elapsed: float, counts: Counter[str]) -> None:
    print(f"{title}: {elapsed:.1f} s, {dict(counts)}")
    for call, n in sorted(calls.items()):
        print(f"  {n:6d}  {call}")
    if items:
        print(f"  batch calls {len(items)}, items per call max {max(items)}, mean {sum(items) / len(items):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", "--records", type=int, default=5000)
    args = parser.parse_args()
    from flowhub_duell.sandbox import SANDBOX as POS
    from flowhub_duell.sandbox import create_app as duell_app
    from flowhub_woocommerce.sandbox import SANDBOX as SHOP
    from flowhub_woocommerce.sandbox import create_app as shop_app

    root = Path(tempfile.mkdtemp(prefix="flowhub-bench-"))
    shutil.copytree(REPO / "flows", root / "flows")
    shutil.copytree(REPO / "mappings", root / "mappings")
    os.environ["FLOWHUB_DEMO_DIR"] = str(root)
    shop = Counting(shop_app())
    with serve(shop) as shop_server, serve(duell_app(demo=False, generated_products=args.products)) as pos:
        os.environ.update({**sandbox_env("shop", SHOP.connection(shop_server.base_url)),
                           **sandbox_env("pos", POS.connection(pos.base_url))})
        ws = Workspace(settings=FlowhubSettings(home=root / ".flowhub"), plugins=Plugins(),
                       connections=root / "flows" / "connections.yaml", flows_dir=root / "flows")
        try:
            largest = 0
            for title in ("first run (full product sync)", "second run (no changes)"):
                shop.take()
                started = time.perf_counter()
                summary = ws.run(FLOW)
                elapsed = time.perf_counter() - started
                calls, items = shop.take()
                _report(title, calls, items, elapsed, summary.counts)
                writes = sum(n for call, n in calls.items() if not call.startswith("GET"))
                largest = max(largest, *items, 0)
            print(f"writes in the second run: {writes} (goal 0); largest batch: {largest} items (goal <= 100)")
        finally:
            ws.close()
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

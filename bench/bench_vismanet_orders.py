"""N WooCommerce orders -> Visma.net sales orders through the shipped flow, with injected latency.

Both sandboxes run in processes of their own with `--latency-ms` added to every request; the
products flows run first (untimed), then the orders flow is timed. Printed: records/s, requests
per record, and the ratio to the network bound (requests x latency / concurrency); goal <= 1.3.
Run: python bench/bench_vismanet_orders.py [--records N] [--latency-ms MS] [--concurrency C]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from flowhub.demo import sandbox_env
from flowhub.plugins import Plugins
from flowhub.settings import FlowhubSettings
from flowhub.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
SERVER = """
import sys
from flowhub.sandboxes import Faults, serve
name, records, latency = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
faults = Faults(latency_ms=latency)
if name == "woocommerce":
    from flowhub_woocommerce.sandbox import create_app, generate
    app = create_app(seed=generate(orders=records, customers=max(records // 20, 10), products=40, seed=1),
                     faults=faults)
else:
    from flowhub_visma_net.sandbox import create_app
    app = create_app(faults=faults)
with serve(app) as served:
    print(served.base_url, flush=True)
    sys.stdin.read()
"""


CHILDREN: list[int] = []


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 where /proc is not there."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


@contextmanager
def sandbox(name: str, records: int, latency_ms: float) -> Iterator[str]:
    child = subprocess.Popen([sys.executable, "-c", SERVER, name, str(records), str(latency_ms)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    CHILDREN.append(child.pid)
    try:
        assert child.stdout is not None
        yield child.stdout.readline().strip()
    finally:
        child.kill()
        child.wait(30)


def _seen(base_url: str) -> int:
    return int(httpx.get(f"{base_url}/__sandbox/stats", timeout=10).json()["seen"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=4, help="workers (the shipped flows use 4)")
    args = parser.parse_args()
    from flowhub_visma_net.sandbox import SANDBOX as ERP
    from flowhub_woocommerce.sandbox import SANDBOX as SHOP

    root = Path(tempfile.mkdtemp(prefix="flowhub-bench-"))
    shutil.copytree(REPO / "flows", root / "flows")
    shutil.copytree(REPO / "mappings", root / "mappings")
    flow = root / "flows" / "woocommerce-orders-to-vismanet.yaml"
    flow.write_text(flow.read_text() + f"concurrency: {args.concurrency}\n")
    os.environ["FLOWHUB_DEMO_DIR"] = str(root)
    with ExitStack() as stack:
        shop = stack.enter_context(sandbox("woocommerce", args.records, args.latency_ms))
        erp = stack.enter_context(sandbox("visma_net", args.records, args.latency_ms))
        os.environ.update({**sandbox_env("shop", SHOP.connection(shop)), **sandbox_env("erp", ERP.connection(erp))})
        ws = Workspace(settings=FlowhubSettings(home=root / ".flowhub"), plugins=Plugins(),
                       connections=root / "flows" / "connections.yaml", flows_dir=root / "flows")
        for name in ("woocommerce-products-to-vismanet", "woocommerce-variations-to-vismanet"):
            ws.run(name)
        before = _seen(shop) + _seen(erp)
        servers_started = sum(map(_cpu_of, CHILDREN))
        started, cpu_started = time.perf_counter(), time.process_time()
        summary = ws.run("woocommerce-orders-to-vismanet")
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        servers = sum(map(_cpu_of, CHILDREN)) - servers_started
        requests = _seen(shop) + _seen(erp) - before
        ws.close()
    done = summary.counts["created"]
    bound = requests * args.latency_ms / 1000 / args.concurrency
    print(f"orders read {summary.counts['read']}, created {done}, waiting {summary.counts['waiting']}, "
          f"failed {summary.counts['failed']}")
    print(f"{done / elapsed:,.0f} records/s, {requests / max(done, 1):.2f} requests per record, "
          f"{elapsed:.1f} s; flowhub's own CPU {cpu:.1f} s ({cpu / elapsed:.0%} of one core)")
    print(f"the two sandboxes' CPU {servers:.1f} s ({servers / max(requests, 1) * 1000:.1f} ms per request), "
          f"on a machine with {os.cpu_count()} cores")
    print(f"network bound {bound:.1f} s ({requests} requests x {args.latency_ms:.0f} ms / {args.concurrency})")
    print(f"ratio to the network bound: {elapsed / bound:.2f} (goal <= 1.3)" if bound else "no latency: no bound")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Cost per record of the state store in the runner's create pattern, against bare SQLite inserts.

Run: ``python bench/bench_state.py [--records N]``. Both sides use a file database in a temp
directory with the same WAL / synchronous=NORMAL settings and one commit per statement, so the
ratio shows what SQLAlchemy, the schema, the indexes and redaction cost on top of SQLite.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from flowhub.activity import ActivityLog
from flowhub.state import StateStore

SCOPE = "shop/order->db/orders"
FLOW = "orders-to-db"


def bare_inserts(path: Path, records: int) -> float:
    """Seconds for ``records`` single-row inserts, each committed, into a one-table file DB."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
    start = time.perf_counter()
    for number in range(records):
        conn.execute("INSERT INTO t (k, v) VALUES (?, ?)", (f"k{number}", f"v{number}"))
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


STEPS = ("get_link", "record_state", "put_intent", "put_link", "mark_done", "activity")


def store_creates(url: str, records: int) -> tuple[float, dict[str, float]]:
    """Seconds for ``records`` creates done the way the runner does them, and per step."""
    store = StateStore(url)
    log = ActivityLog(store)
    run_id = store.start_run(FLOW, "run")
    steps = dict.fromkeys(STEPS, 0.0)
    start = time.perf_counter()
    for number in range(records):
        _one_create(store, log, run_id, str(number), steps)
    elapsed = time.perf_counter() - start
    store.finish_run(run_id, status="ok", counts={"created": records})
    store.close()
    return elapsed, steps


def _one_create(store: StateStore, log: ActivityLog, run_id: int, key: str, steps: dict[str, float]) -> None:
    began = datetime.now(UTC)
    source = {"id": key, "total": Decimal("149.50"), "billing": {"email": f"c{key}@example.com"}}
    payload = {"orderNumber": key, "amount": Decimal("149.50"), "date": began}
    calls: tuple[Callable[[], object], ...] = (
        lambda: store.get_link(SCOPE, key),
        lambda: store.record_state(FLOW, key),
        lambda: store.put_intent(SCOPE, key, "hash"),
        lambda: store.put_link(SCOPE, key, f"T{key}", "hash"),
        lambda: store.mark_done(FLOW, key, began.isoformat(), "created"),
        lambda: log.record(
            run_id=run_id,
            flow=FLOW,
            source_key=key,
            outcome="created",
            source=source,
            payload=payload,
            request={"method": "POST", "url": "/orders"},
            response={"status": 201, "id": f"T{key}"},
            started_at=began,
            duration_ms=1.5,
        ),
    )
    for name, call in zip(STEPS, calls, strict=True):
        step_start = time.perf_counter()
        call()
        steps[name] += time.perf_counter() - step_start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    records = parser.parse_args().records
    with tempfile.TemporaryDirectory() as folder:
        bare = bare_inserts(Path(folder) / "bare.db", records) / records * 1e6
        elapsed, steps = store_creates(f"sqlite:///{Path(folder) / 'state.db'}", records)
    store = elapsed / records * 1e6
    print(f"records: {records}")
    print(f"bare sqlite insert per record: {bare:.1f} us")
    for name, seconds in steps.items():
        print(f"  {name:<13} {seconds / records * 1e6:7.1f} us")
    print(f"state store per record: {store:.1f} us (ratio {store / bare:.2f} vs bare insert)")


if __name__ == "__main__":
    main()

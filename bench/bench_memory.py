"""Peak memory of a files -> sql flow at 100k records vs 1k records (goal: ratio <= 1.5).

Each size runs in its own process, which reports its own peak RSS, so the two do not share
allocator state. Run: python bench/bench_memory.py [--records N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

CHILD = textwrap.dedent("""
    import json, resource, sys
    from pathlib import Path
    from flowhub.settings import FlowhubSettings
    from flowhub.workspace import Workspace

    root = Path(sys.argv[1])
    ws = Workspace(settings=FlowhubSettings(home=root / ".flowhub"), connections=root / "connections.yaml",
                   flows_dir=root / "flows")
    summary = ws.run("orders")
    ws.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_kb": peak_kb, "counts": dict(summary.counts)}))
""")


def _project(root: Path, n: int) -> None:
    (root / "data").mkdir(parents=True)
    (root / "flows").mkdir()
    with (root / "data" / "orders.jsonl").open("w") as out:
        for i in range(1, n + 1):
            lines = [{"sku": f"SKU-{i % 97}", "qty": 1 + i % 3, "price": f"{i % 50}.90"} for _ in range(1 + i % 4)]
            out.write(json.dumps({"id": i, "number": str(1000 + i), "status": "processing",
                                  "email": f"b{i}@example.com", "total": f"{i % 500}.00",
                                  "modified": f"2026-01-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}",
                                  "line_items": lines}) + "\n")
    (root / "connections.yaml").write_text(textwrap.dedent(f"""\
        inbox: {{connector: files, directory: {root / 'data'}, cursor: modified}}
        db: {{connector: sql, url: "sqlite:///{root / 'out.db'}", tables: {{orders: {{key: id}}}}}}
        """))
    (root / "orders.yaml").write_text(textwrap.dedent("""\
        fields:
          id: "{{ source.id }}"
          number: "{{ source.number }}"
          email: "{{ source.email | lower }}"
          total: "{{ source.total | decimal }}"
          lines: "{{ source.line_items | length }}"
        """))
    (root / "flows" / "orders.yaml").write_text(textwrap.dedent("""\
        source: {connection: inbox, entity: orders}
        target: {connection: db, entity: orders}
        mapping: ../orders.yaml
        match: [link, {field: id}]
        chunk: 500
        """))


def measure(n: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _project(root, n)
        done = subprocess.run([sys.executable, "-c", CHILD, str(root)], capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"benchmark child failed:\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    args = parser.parse_args()
    small, big = measure(args.baseline), measure(args.records)
    ratio = int(big["peak_kb"]) / int(small["peak_kb"])  # type: ignore[call-overload]
    print(f"{args.baseline} records: peak {int(small['peak_kb']) // 1024} MiB {small['counts']}")  # type: ignore[call-overload]
    print(f"{args.records} records: peak {int(big['peak_kb']) // 1024} MiB {big['counts']}")  # type: ignore[call-overload]
    print(f"peak memory ratio {args.records}/{args.baseline}: {ratio:.2f} (goal <= 1.5)")


if __name__ == "__main__":
    main()

"""The benchmarks still run (on small inputs) and print their ratio lines; no timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_benchmark_runs_and_prints_its_ratio() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run_all.py"), "--quick", "mapping", "memory",
                           "state"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    for line in ("mapping/handwritten ratio:", "peak memory ratio", "state store per record:"):
        assert line in done.stdout

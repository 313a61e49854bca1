"""Run every benchmark in bench/ and print the lines that carry their ratios.

Run: .venv/bin/python bench/run_all.py [--quick]
Each benchmark is a script of its own (python bench/bench_NAME.py --help); --quick runs them on
smaller inputs to check that they work, not to measure.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
QUICK = {"--records": "2000"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small inputs: a smoke run")
    parser.add_argument("only", nargs="*", help="benchmark names (e.g. mapping state); default: all")
    args = parser.parse_args()
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        name = script.stem.removeprefix("bench_")
        if args.only and name not in args.only:
            continue
        extra = [x for pair in QUICK.items() for x in pair] if args.quick else []
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(script), *extra], text=True, capture_output=True)
        print(done.stdout.rstrip())
        if done.returncode:
            failed += 1
            print(f"   FAILED ({done.returncode}):\n{done.stderr.rstrip()}")
        print(f"   ({time.perf_counter() - started:.1f} s)\n", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

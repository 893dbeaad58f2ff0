"""How long each shipped model takes to load offline, once TensorFlow is imported.

For every entry of the pretrained catalogue: the first `load_pretrained(name)` in a
fresh process (after `import tensorflow`, which alone takes about 5 s and is paid
once per kernel), and the median of a few more loads. The target is under 2 s.
Writes `benchmarks/results/pretrained_load.json` and `pretrained_load.md`
(the README's block).

    python -m benchmarks.pretrained_load
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from autoaegan.pretrained import CATALOG
from benchmarks import harness

TARGET_SECONDS = 2.0

# Run in a child process per model, so that each first load is really a first one.
CHILD = """
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow  # noqa: F401  (the time the target excludes)
from autoaegan.pretrained import load_pretrained
name, repeats = sys.argv[1], int(sys.argv[2])
times = []
for _ in range(1 + repeats):
    started = time.perf_counter()
    load_pretrained(name)
    times.append(time.perf_counter() - started)
print(json.dumps(times))
"""


def time_loads(name: str, repeats: int = 3) -> dict:
    """Seconds for the first load of `name` in a fresh process, and the median of `repeats` more."""
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, name, str(repeats)], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"loading {name!r} failed:\n{completed.stderr[-2000:]}")
    times = json.loads(completed.stdout.strip().splitlines()[-1])
    return {"first_seconds": round(times[0], 3), "again_seconds": round(statistics.median(times[1:]), 3)}


def markdown(results: dict) -> str:
    """The README block: one row per shipped model."""
    rows = [
        (
            f"`{name}`",
            f"{figures['first_seconds']:.2f}",
            f"{figures['again_seconds']:.2f}",
            f"< {TARGET_SECONDS:.0f} s",
            "pass" if figures["first_seconds"] < TARGET_SECONDS else "FAIL",
        )
        for name, figures in results["models"].items()
    ]
    header = ("pretrained model", "first load (s)", "next loads, median (s)", "target", "result")
    return (
        harness.table(header, rows, align="lrrll")
        + f"\n\nEach first load in a fresh process after `import tensorflow`, SHA-256 check included. "
        f"Measured {results['measured_at'][:10]} on {results['machine']['cpus']} CPUs."
    )


BENCHMARK = harness.Benchmark("pretrained_load", markdown)


def measure(repeats: int) -> dict:
    """Time every catalogue entry's loads."""
    results = {"machine": harness.machine(cpus=len(os.sched_getaffinity(0))), "models": {}}
    for name in CATALOG:
        started = time.perf_counter()
        results["models"][name] = time_loads(name, repeats)
        print(f"{name}: {results['models'][name]} ({time.perf_counter() - started:.0f} s with the import)", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    """Time every catalogue entry, write the results files, print the table; exit 1 if one misses the target."""
    parser = harness.command_line(__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    results = harness.run(BENCHMARK, args, lambda: measure(args.repeats))
    return 0 if all(figures["first_seconds"] < TARGET_SECONDS for figures in results["models"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())

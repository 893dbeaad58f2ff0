"""Copy the benchmark table (benchmarks/results.md) into the README, between its benchmark markers."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- benchmarks: start -->", "<!-- benchmarks: end -->"


def readme_with_results(readme: str, results: str) -> str:
    """Return `readme` with the text between the benchmark markers replaced by `results`."""
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(readme):
        raise ValueError(f"the README has no benchmark block: expected the markers {START} and {END}")
    return pattern.sub(lambda _: f"{START}\n{results.strip()}\n{END}", readme)


def main() -> int:
    """Rewrite README.md from benchmarks/results.md."""
    readme = ROOT / "README.md"
    readme.write_text(readme_with_results(readme.read_text(), (ROOT / "benchmarks" / "results.md").read_text()))
    print(f"updated the benchmark table in {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Copy the benchmark tables (benchmarks/*.md, listed in BLOCKS) into the README, each between its own markers."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- benchmarks: start -->", "<!-- benchmarks: end -->"
# README block name -> the results file whose text fills it
BLOCKS = {
    "benchmarks": "results.md",
    "time-to-quality": "time_to_quality.md",
    "slides-model-quality": "slides_model_quality.md",
    "pretrained-load": "pretrained_load.md",
    "latent-explorer-latency": "latent_explorer_latency.md",
    "adversarial-grading": "autograding.md",
    "gan-fixes": "gan_fixes.md",
    "progressive-ablation": "progressive_ablation.md",
    "generative-quality": "generative_quality.md",
    "dcgan-quality": "dcgan_quality.md",
    "dcgan-throughput": "dcgan_throughput.md",
}


def readme_with_results(readme: str, results: str, block: str = "benchmarks") -> str:
    """Return `readme` with the text between the markers of `block` replaced by `results`."""
    start, end = f"<!-- {block}: start -->", f"<!-- {block}: end -->"
    # A results file's own title ("# ...") would be a top-level heading in the README, whose section names it already.
    lines = results.strip().splitlines()
    if lines and lines[0].startswith("# "):
        results = "\n".join(lines[1:])
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(readme):
        raise ValueError(f"the README has no {block} block: expected the markers {start} and {end}")
    return pattern.sub(lambda _: f"{start}\n{results.strip()}\n{end}", readme)


def main() -> int:
    """Rewrite the README's benchmark blocks from their results files."""
    readme = ROOT / "README.md"
    text = readme.read_text()
    for block, results in BLOCKS.items():
        text = readme_with_results(text, (ROOT / "benchmarks" / results).read_text(), block)
    readme.write_text(text)
    print(f"updated the benchmark table in {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Copy the benchmark tables into the README, each between its own markers, and write the list of assignments.

    python -m benchmarks.update_readme

A block is filled from a benchmark's table (`benchmarks/results/NAME.md`, listed in
BLOCKS), from a recording's table (`benchmarks.recorded_tables`, listed in
RECORDED) or from a shipped model's manifest (listed in FROM_MANIFESTS); the
`assignments` block lists the solution notebooks' parts.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

from benchmarks import diffusion_curve, harness, recorded_tables

ROOT = harness.ROOT
START, END = "<!-- benchmarks: start -->", "<!-- benchmarks: end -->"
# README block name -> the results file (in benchmarks/results) whose text fills it
BLOCKS = {
    "benchmarks": "chapters.md",
    "time-to-quality": "time_to_quality.md",
    "slides-model-quality": "slides_model_quality.md",
    "pretrained-load": "pretrained_load.md",
    "latent-explorer-latency": "latent_explorer_latency.md",
    "adversarial-grading": "autograding.md",
    "generative-quality": "generative_quality.md",
    "dcgan-quality": "dcgan_quality.md",
    "dcgan-throughput": "dcgan_throughput.md",
    "training-parts": "training_parts.md",
    "diffusion-budgets": "diffusion_budgets.md",
}
# README block name -> the recording whose table fills it
RECORDED = {"gan-fixes": "gan_fixes", "progressive-ablation": "progressive_ablation"}
# README block name -> the function that renders it from a shipped model's manifest
FROM_MANIFESTS = {"diffusion-fd-curve": diffusion_curve.markdown}
PART = re.compile(r"^###\s+(\S+)\s+·\s+(.+?)\s+\((\d+) points?\)\s*$", re.M)


def block_texts(results: Path = harness.RESULTS) -> dict[str, str]:
    """The text of every benchmark block of the README, by block name."""
    texts = {block: (Path(results) / name).read_text() for block, name in BLOCKS.items()}
    texts.update({block: recorded_tables.table_of(name) for block, name in RECORDED.items()})
    texts.update({block: render() for block, render in FROM_MANIFESTS.items()})
    return texts


def assignment_list(solutions: Path = ROOT / "solutions") -> str:
    """One line per assignment (its title, linked to the student's notebook, its total) and its parts with points."""
    lines = []
    for path in sorted(solutions.glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        title = nb.cells[0].source.splitlines()[0].lstrip("# ").strip()
        total = sum(cell.metadata.get("nbgrader", {}).get("points", 0) for cell in nb.cells)
        release = Path("exercises") / path.relative_to(solutions)
        parts = [
            f"{number} {name} ({points})"
            for cell in nb.cells
            if cell.cell_type == "markdown"
            for number, name, points in PART.findall(cell.source)
        ]
        lines.append(f"- [{title}]({release.as_posix()}), {total:g} points: " + ", ".join(parts))
    return "\n".join(lines)


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


def main(argv: list[str] | None = None) -> int:
    """Rewrite the README's benchmark blocks from their tables, and its list of assignments."""
    harness.command_line(__doc__, results=False).parse_args(argv)
    readme = ROOT / "README.md"
    text = readme.read_text()
    for block, results in block_texts().items():
        text = readme_with_results(text, results, block)
    text = readme_with_results(text, assignment_list(), "assignments")
    readme.write_text(text)
    print(f"updated the benchmark tables in {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

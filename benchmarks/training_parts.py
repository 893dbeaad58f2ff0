"""How often the training parts pass, over 20 seeds: the solutions, and the wrong designs of the round-trip cases.

Each assignment ends with a training part (`autoaegan/grading/training.py`): the
student's `train_...` function is trained with a fixed seed and scored on test images
it never saw. Grading uses one seed; this benchmark asks whether that seed is luck.
For each assignment, in a process of its own, the solution notebook's code cells run
as a notebook would run them (the test cells' bridge served in this process), then its
training test cells run once per seed (`AUTOAEGAN_TRAINING_SEED`): the solution must
pass each of them in at least 19 of 20 seeds. The same is done, over fewer seeds, for
every submission of `tests/roundtrip_cases/` that replaces the training function (a
model too small, one that copies its training images): each training cell must fail
where that case deserves less than its points, in every seed.

    python -m benchmarks.training_parts                  # every assignment; writes results/training_parts.json and .md
    python -m benchmarks.training_parts --only 06        # re-measure one assignment, keep the others' entries
    python -m benchmarks.training_parts --only 06 --seeds 5   # a quick look (nothing written)
    python -m benchmarks.update_readme                   # copies training_parts.md into the README
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from autoaegan.grading import training as grading_training
from autoaegan.grading import wire as grading_wire
from autoaegan.grading.bridge import student
from benchmarks import harness
from tests.roundtrip_cases import all_cases

ROOT = harness.ROOT

SOLUTION_SEEDS = 20
DESIGN_SEEDS = 3
REQUIRED_PASSES = 19  # of SOLUTION_SEEDS: the rate for the reference solution
# The report's figures shown in the table, when the part reports them.
FIGURES = (
    "test_mse",
    "pca_mse",
    "fd",
    "fd_real",
    "classes_covered",
    "label_accuracy",
    "copy_share",
    "mean_mse",
    "wrong_step_ratio",
)


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell) -> bool:
    """A graded cell that is not an answer: a test."""
    meta = _nbgrader(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def training_cells(nb) -> list:
    """The test cells of the notebook's training part (they call `autoaegan.grading.training`)."""
    return [cell for cell in nb.cells if is_test_cell(cell) and "autoaegan.grading.training" in cell.source]


def run_assignment(notebook: Path, answers: dict[str, str], seeds: list[int]) -> dict:
    """Run `notebook` (with `answers` in place of its answer cells) and its training cells once per seed, here.

    Returns {"cells": {grade_id: [passed per seed]}, "reports": [the report per seed], "errors": {...}}.
    """

    nb = nbformat.read(ROOT / "solutions" / notebook, as_version=4)
    namespace: dict = {"__name__": "__main__"}
    grading_wire._namespace = lambda: namespace  # the bridge serves the notebook's names, as in a student's kernel
    os.chdir(ROOT / "solutions" / notebook.parent)
    for cell in nb.cells:
        if cell.cell_type != "code" or is_test_cell(cell):
            continue
        source = answers.get(_nbgrader(cell).get("grade_id"), cell.source)
        try:
            exec(compile(_python(source), f"<{_nbgrader(cell).get('grade_id', 'cell')}>", "exec"), namespace)
        except Exception as error:  # a wrong answer breaks its cell, as it would in the student's kernel: go on
            print(
                f"  {notebook.parent}: cell {_nbgrader(cell).get('grade_id', '(locked)')} raised "
                f"{type(error).__name__}: {str(error)[:200]}",
                flush=True,
            )
    cells = training_cells(nb)
    result: dict = {"cells": {_nbgrader(cell)["grade_id"]: [] for cell in cells}, "reports": [], "errors": {}}
    for seed in seeds:
        os.environ[grading_training.TRAINING_SEED_VARIABLE] = str(seed)
        grading_training.clear_reports()
        for cell in cells:
            student.reset()
            grade_id = _nbgrader(cell)["grade_id"]
            try:
                exec(compile(_python(cell.source), f"<{grade_id}>", "exec"), {"__name__": "__checker__"})
                passed = True
            except Exception as error:  # a failed test: an AssertionError, or the student's error
                passed = False
                result["errors"].setdefault(grade_id, f"{type(error).__name__}: {str(error)[:300]}")
            result["cells"][grade_id].append(passed)
        reports = list(grading_training._reports.values())
        result["reports"].append(reports[0] if reports else {})
        print(
            f"  {notebook.parent} seed {seed}: "
            + " ".join(
                f"{grade_id} {'pass' if passed[-1] else 'FAIL'}" for grade_id, passed in result["cells"].items()
            ),
            flush=True,
        )
    return result


def _python(source: str) -> str:
    """A cell's code without IPython's magics and shell lines, which plain Python cannot run."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))


def designs(notebook: Path) -> dict:
    """The round-trip submissions of `notebook` that replace a training function, with the cells they must fail."""

    cases = all_cases().get(notebook)
    if cases is None:
        return {}
    nb = nbformat.read(ROOT / "solutions" / notebook, as_version=4)
    training_ids = {_nbgrader(cell)["grade_id"] for cell in training_cells(nb)}
    trained = {
        _nbgrader(cell)["grade_id"]
        for cell in nb.cells
        if _nbgrader(cell).get("solution") and "def train_" in cell.source
    }
    found = {}
    for name, submission in cases.submissions.items():
        # A submission whose training answer is still the released stub trains nothing: it is no design.
        if any(
            grade_id in trained and "raise NotImplementedError" not in source
            for grade_id, source in submission.answers.items()
        ):
            fails = sorted(
                grade_id
                for grade_id in training_ids
                if submission.deserved.get(grade_id, cases.points[grade_id]) < cases.points[grade_id]
            )
            found[name] = {"answers": submission.answers, "must_fail": fails, "why": submission.why}
    return found


def worker(notebook: Path, design: str | None, seeds: list[int]) -> None:
    """Measure one notebook (or one design of it) in this process and print the result as JSON on the last line."""
    answers = designs(notebook)[design]["answers"] if design else {}
    start = time.perf_counter()
    result = run_assignment(notebook, answers, seeds)
    result["seconds"] = time.perf_counter() - start
    print(json.dumps(result, default=float))


def measure(notebook: Path, design: str | None, seeds: list[int]) -> dict:
    """Run `worker` in a fresh process (TensorFlow's memory goes with it)."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.training_parts",
        "--worker",
        notebook.as_posix(),
        "--seeds",
        str(len(seeds)),
        "--first-seed",
        str(seeds[0]),
    ]
    if design:
        command += ["--design", design]
    done = subprocess.run(
        command,
        cwd=ROOT,
        text=True,
        capture_output=True,
        env={**os.environ, "AUTOAEGAN_NO_DOWNLOAD": "1", "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"{notebook} {design or 'solution'} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median(reports: list[dict], key: str):
    values = [report[key] for report in reports if isinstance(report.get(key), (int, float))]
    return statistics.median(values) if values else None


def summarise(notebook: Path, design: str | None, measured: dict, must_fail: list[str]) -> dict:
    """One row per training cell: passes over seeds, what was required, whether it held.

    The solution must pass each cell in `REQUIRED_PASSES` of `SOLUTION_SEEDS` seeds. A wrong design must lose
    points in every seed: at least one of the cells it deserves to fail (at the grading seed) fails, seed by seed;
    the cells it deserves to pass, pass in every seed.
    """
    seeds = len(measured["reports"])
    failing = [passed for grade_id, passed in measured["cells"].items() if grade_id in must_fail]
    caught = sum(not all(cell[seed] for cell in failing) for seed in range(seeds)) if failing else 0
    rows = []
    for grade_id, passed in measured["cells"].items():
        if design is None:
            required, held = (
                f"≥ {REQUIRED_PASSES * seeds // SOLUTION_SEEDS}/{seeds} pass",
                sum(passed) >= REQUIRED_PASSES * seeds / SOLUTION_SEEDS,
            )
        elif grade_id in must_fail:
            required, held = f"the design loses points: {caught}/{seeds} seeds", caught == seeds
        else:
            required, held = f"{seeds}/{seeds} pass", all(passed)
        rows.append(
            {
                "cell": grade_id,
                "passed": sum(passed),
                "seeds": seeds,
                "required": required,
                "held": held,
                "error": measured["errors"].get(grade_id),
            }
        )
    figures = {key: _median(measured["reports"], key) for key in FIGURES}
    return {
        "notebook": notebook.as_posix(),
        "design": design or "solution",
        "rows": rows,
        "train_seconds": _median(measured["reports"], "seconds"),
        "figures": {k: v for k, v in figures.items() if v is not None},
    }


def markdown(results: list[dict], when: str, machine: dict) -> str:
    """The README's table of the training parts, one row per submission, measured `when` on `machine`."""
    rows = []
    for entry in results:
        cells = ", ".join(
            f"`{row['cell']}` {row['passed']}/{row['seeds']}" + ("" if row["held"] else " **✗**")
            for row in entry["rows"]
        )
        rows.append(
            (
                f"`{Path(entry['notebook']).parent}`",
                f"`{entry['design']}`",
                cells,
                "; ".join(dict.fromkeys(row["required"] for row in entry["rows"])),
                "—" if entry["train_seconds"] is None else format(entry["train_seconds"], ".1f"),
                ", ".join(f"{k} {v:.4g}" for k, v in entry["figures"].items()),
            )
        )
    header = (
        "assignment",
        "submission",
        "seeds passed, cell by cell",
        "required",
        "training s (median)",
        "figures (median)",
    )
    held = sum(row["held"] for entry in results for row in entry["rows"])
    total = sum(len(entry["rows"]) for entry in results)
    lines = [
        harness.table(header, rows, align="llllrl"),
        "",
        f"{held} of {total} training cells as required: the solutions pass each cell in at least "
        f"{REQUIRED_PASSES} of {SOLUTION_SEEDS} seeds; each wrong design of the round-trip cases loses points "
        f"in every one of {DESIGN_SEEDS} seeds (a cell it deserves to fail fails) and keeps the others; "
        f"answers in other styles pass. Measured {when[:10]} on {machine['cpus']} CPUs, Python "
        f"{machine['python']}, one submission at a time.",
    ]
    return "\n".join(lines) + "\n"


def render(record: dict) -> str:
    """The README's table of a whole record."""
    return markdown(record["results"], record["measured_at"], record["machine"])


BENCHMARK = harness.Benchmark("training_parts", render)


def main(argv: list[str] | None = None) -> int:
    """Measure the assignments' training parts (or, with --worker, one notebook in this process)."""
    parser = harness.command_line(__doc__)
    parser.add_argument("--only", nargs="*", default=[], help="assignments whose name starts so (nothing is written)")
    parser.add_argument("--seeds", type=int, default=None, help="seeds for the solutions (default 20)")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--design", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.design, list(range(args.first_seed, args.first_seed + args.seeds)))
        return 0
    if args.markdown:
        harness.run(BENCHMARK, args, dict)
        return 0

    notebooks = sorted(path.relative_to(ROOT / "solutions") for path in (ROOT / "solutions").glob("*/*.ipynb"))
    notebooks = [n for n in notebooks if not args.only or any(n.parts[0].startswith(o) for o in args.only)]
    solution_seeds = list(range(args.first_seed, args.first_seed + (args.seeds or SOLUTION_SEEDS)))
    results = []
    for notebook in notebooks:
        print(f"{notebook}: the solution over {len(solution_seeds)} seeds", flush=True)
        results.append(summarise(notebook, None, measure(notebook, None, solution_seeds), []))
        for name, design in designs(notebook).items():
            seeds = solution_seeds[:DESIGN_SEEDS]
            print(f"{notebook}: {name} over {len(seeds)} seeds", flush=True)
            results.append(summarise(notebook, name, measure(notebook, name, seeds), design["must_fail"]))
    when = harness.now()
    print(markdown(results, when, harness.machine()))
    if args.seeds in (None, SOLUTION_SEEDS) and args.first_seed == 0:
        BENCHMARK.write(merged_record(results, {n.as_posix() for n in notebooks}, when, args.output), args.output)
    return 0 if all(row["held"] for entry in results for row in entry["rows"]) else 1


def merged_record(results: list[dict], measured: set[str], when: str, folder: Path = harness.RESULTS) -> dict:
    """The record with `results` in place of the earlier entries of the notebooks in `measured` (a run with --only
    re-measures some assignments and keeps the others'), in the order of the solution notebooks."""
    saved = BENCHMARK.json_file(folder)
    earlier = harness.read_json(saved).get("results", []) if saved.is_file() else []
    kept = [entry for entry in earlier if entry["notebook"] not in measured]
    order = sorted(path.relative_to(ROOT / "solutions").as_posix() for path in (ROOT / "solutions").glob("*/*.ipynb"))
    entries = sorted(
        kept + results,
        key=lambda entry: (
            order.index(entry["notebook"]) if entry["notebook"] in order else len(order),
            entry["design"] != "solution",
        ),
    )
    return {
        "measured_at": when,
        "machine": harness.machine(),
        "solution_seeds": SOLUTION_SEEDS,
        "design_seeds": DESIGN_SEEDS,
        "results": [entry for entry in entries if entry["notebook"] in order],
    }


if __name__ == "__main__":
    sys.exit(main())

"""Autograding that holds, for every assignment: the adversarial matrix, graded as nbgrader grades it, and the time.

For each assignment, `benchmarks/adversarial_cases.py` makes one submission per class
of `CLASSES` from the solution notebook (warnings everywhere, test cells deleted, moved
and edited, a hunt for the instructor's files, always-equal results, patches, the
test's namespace read, the package's code imported, exec'd and rebuilt, a crash, a hang,
a memory hog, an output flood), each with the points every test cell deserves, decided
before grading by the rules stated there. Each assignment's submissions are graded by
one `nbgrader autograde` call with the course's configuration, in a copy of the course,
with a per-cell time limit of TIME_LIMIT s (the hang costs one per test cell it reaches);
two assignments run side by side.

In the same run, the solution and a few cases of each assignment are graded again by
plain nbgrader (a configuration with the course id and the folders only, nothing of
autoaegan's), so that the seconds per submission of both stand side by side.

    python -m benchmarks.autograding                 # every assignment; writes results/autograding.json and .md
    python -m benchmarks.autograding --only 01_02    # re-grade those assignments, keep the others' entries
    python -m benchmarks.update_readme               # copies autograding.md into the README

`tests/test_classroom_autograding.py` checks the recorded results against the notebooks
and the README; `tests/test_adversarial_grading.py` grades the classes, folded into three
submissions per assignment, in the test suite.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks import harness
from benchmarks.adversarial_cases import CLASSES, cases
from benchmarks.adversarial_grading import grade, instructor_paths, read_results
from benchmarks.adversarial_grading import prepare_course as prepare_assignment_course
from benchmarks.adversarial_notebook import read_assignment, solution_notebooks

# The per-cell time limit: the hang costs one per test cell that calls it. The slowest cell of the solutions, in
# the test profile on 2 busy CPUs, takes well under it.
TIME_LIMIT = 30
# Graded by plain nbgrader too, for the time per submission (no hang, crash or memory hog: nothing limits those).
TIMED_WITH_PLAIN = ("solution", "noisy", "always_equal")


def grade_assignment(notebook: Path, workdir: Path) -> dict:
    """Grade every case of one assignment with the course's configuration, then the timed ones with plain
    nbgrader; return the rows and the seconds."""
    assignment = read_assignment(notebook)
    course = prepare_assignment_course(workdir / assignment.name, assignment)
    made = cases(assignment, instructor_paths(course))
    batch = grade(course, assignment, made, timeout=TIME_LIMIT)
    results = read_results(batch, made)
    plain_course = prepare_assignment_course(workdir / f"plain_{assignment.name}", assignment, plain=True)
    timed = [case for case in made if case.student in TIMED_WITH_PLAIN]
    plain = grade(plain_course, assignment, timed, timeout=TIME_LIMIT, feedback=False)
    rows = []
    for case in made:
        graded = results[case.student]
        rows.append(
            {
                "case": case.kind,
                "what": case.what,
                "deserved": sum(case.deserved.values()),
                "given": sum(graded.scores.values()),
                "as_deserved": graded.as_deserved,
                "flag_deserved": case.flagged,
                "flagged": graded.flagged,
                "outputs_as_planned": graded.outputs_as_planned,
                "seconds": batch.per_submission.get(case.student),
                "cells": {name: [case.deserved[name], graded.scores.get(name)] for name in case.deserved},
            }
        )
    print(
        f"{assignment.name}: {len(made)} submissions in {batch.seconds:.0f} s, autograde exit "
        f"{batch.autograde.returncode}; plain nbgrader {len(timed)} in {plain.seconds:.0f} s",
        flush=True,
    )
    return {
        "assignment": assignment.name,
        "total": assignment.total,
        "autograde_exit": batch.autograde.returncode,
        "feedback_exit": batch.feedback.returncode if batch.feedback else None,
        "batch_seconds": round(batch.seconds, 1),
        "rows": rows,
        "plain_seconds": plain.per_submission,
        "project_seconds": {case.student: batch.per_submission.get(case.student) for case in timed},
    }


def cell(row: dict) -> str:
    """One case of one assignment in the table: given of deserved, a mark when it is not as deserved, the flag."""
    ok = row["as_deserved"] and row["flagged"] == row["flag_deserved"] and row["outputs_as_planned"]
    text = f"{row['given']:g}/{row['deserved']:g}"
    if row["flagged"]:
        text += " ⚑"
    return text if ok else f"**{text} ✗**"


def render_markdown(record: dict) -> str:
    """The README block: the matrix (a row per class, a column per assignment), then the seconds."""
    assignments = record["assignments"]
    rows = []
    for kind, what in CLASSES.items():
        row_cells = []
        for entry in assignments:
            row = next((row for row in entry["rows"] if row["case"] == kind), None)
            row_cells.append(cell(row) if row else "—")
        rows.append((f"`{kind}`: {what}", *row_cells))
    header = ("case", *(f"`{entry['assignment']}` ({entry['total']:g})" for entry in assignments))
    lines = [harness.table(header, rows, align="l" + "r" * len(assignments))]
    held = sum(
        row["as_deserved"] and row["flagged"] == row["flag_deserved"] and row["outputs_as_planned"]
        for entry in assignments
        for row in entry["rows"]
    )
    count = sum(len(entry["rows"]) for entry in assignments)
    lines += [
        "",
        f"Each cell: points given / points deserved (decided before grading, by the rules of "
        f"`benchmarks/adversarial_cases.py`), ⚑ flagged for review, **✗** not as deserved (points, flag, or what the "
        f"hunt found). {held} of {count} submissions graded exactly as deserved.",
        "",
        "Seconds to autograde one submission, the project's configuration against plain nbgrader, measured in the "
        "same run:",
        "",
    ]
    rows = []
    for entry in assignments:
        parts = []
        for name in TIMED_WITH_PLAIN:
            ours, plain = entry["project_seconds"].get(name), entry["plain_seconds"].get(name)
            ratio = f" (×{ours / plain:.1f})" if ours and plain else ""
            parts.append(f"{ours:g} s vs {plain:g} s{ratio}" if ours is not None and plain is not None else "—")
        rows.append((f"`{entry['assignment']}`", *parts))
    header = ("assignment", *(f"`{name}`" for name in TIMED_WITH_PLAIN))
    lines.append(harness.table(header, rows, align="l" + "r" * len(TIMED_WITH_PLAIN)))
    batches = ", ".join(f"`{entry['assignment']}` {entry['batch_seconds']:g} s" for entry in assignments)
    lines += [
        "",
        f"Each assignment's {len(CLASSES)} submissions in one autograde call, with a {record['time_limit']} s "
        f"limit per cell: {batches} (two assignments side by side). Measured {record['measured_at'][:10]} on "
        f"{record['machine']['cpus']} CPUs, Python {record['machine']['python']}, test profile.",
    ]
    return "\n".join(lines) + "\n"


BENCHMARK = harness.Benchmark("autograding", render_markdown)


def main(argv: list[str] | None = None) -> int:
    """Grade the matrix of every assignment (or those given), print it, and write the results."""
    parser = harness.command_line(__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        nargs="*",
        default=None,
        help="grade only the assignments whose name starts with these; their entries replace the "
        "record's, the others stay",
    )
    args = parser.parse_args(argv)
    harness.run(BENCHMARK, args, lambda: measure(args.only, args.output))
    return 0


def measure(only: list[str] | None, folder: Path) -> dict:
    """Grade every assignment (or those whose name starts with one of `only`, keeping the others' saved entries)."""
    os.environ.setdefault("AUTOAEGAN_PROFILE", "test")
    notebooks = [
        notebook
        for notebook in solution_notebooks()
        if not only or any(notebook.parts[0].startswith(prefix) for prefix in only)
    ]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="autoaegan-adversarial-") as tmp:
        with ThreadPoolExecutor(max_workers=2) as pool:
            entries = list(pool.map(lambda notebook: grade_assignment(notebook, Path(tmp)), notebooks))
    record = {
        "measured_at": harness.now(),
        "machine": harness.machine(),
        "time_limit": TIME_LIMIT,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "assignments": entries,
    }
    if only:  # a partial run replaces those assignments' entries in the record, the others stay
        earlier = BENCHMARK.read(folder)
        graded = {entry["assignment"]: entry for entry in entries}
        kept = {entry["assignment"]: entry for entry in earlier.get("assignments", [])}
        names = [notebook.parts[0] for notebook in solution_notebooks()]
        record["assignments"] = [graded.get(name, kept.get(name)) for name in names if name in graded or name in kept]
    return record


# ----- for other tests: hand-written answers of assignment 01_02_representations, and its course copy ----------------
# (tests/test_grading_reuse.py, tests/test_grading_sandbox.py and tests/test_classroom_instructor_flow.py use them)

NOTEBOOK_01_02 = Path("01_02_representations/representations.ipynb")
ASSIGNMENT = NOTEBOOK_01_02.parts[0]
POINTS = read_assignment(NOTEBOOK_01_02).points

OTHER_STYLE = {
    "encode_hailstone": (
        "def encode_hailstone(run):\n"
        "    run = tuple(run)\n"
        "    if not run or any(n < 1 for n in run):\n"
        '        raise ValueError("not a hailstone run: empty, or a number below 1")\n'
        "    if any(b != (a // 2 if a % 2 == 0 else 3 * a + 1) for a, b in zip(run, run[1:])):\n"
        '        raise ValueError("not a hailstone run: a step breaks the rule")\n'
        "    return (run[0], len(run))\n"
    ),
    "decode_hailstone": (
        "from itertools import islice\n\n\n"
        "def decode_hailstone(first, count):\n"
        "    if first < 1 or count < 1:\n"
        '        raise ValueError("first and count must be positive")\n\n'
        "    def steps(n):\n"
        "        while True:\n"
        "            yield n\n"
        "            n = n // 2 if n % 2 == 0 else 3 * n + 1\n\n"
        "    return list(islice(steps(first), count))\n"
    ),
    "principal_angles": (
        "import numpy as np\n\n\n"
        "def principal_angles(a, b):\n"
        "    # Orthonormal bases from the SVD instead of QR.\n"
        "    ua = np.linalg.svd(np.asarray(a, dtype=float), full_matrices=False)[0]\n"
        "    ub = np.linalg.svd(np.asarray(b, dtype=float), full_matrices=False)[0]\n"
        "    cosines = np.linalg.svd(ua.T @ ub, compute_uv=False)\n"
        "    return np.sort(np.rad2deg(np.arccos(np.minimum(cosines, 1.0))))\n"
    ),
}
SIGN_ERROR_DECODER = {
    "decode_hailstone": (
        "def decode_hailstone(first, count):\n"
        "    if first < 1 or count < 1:\n"
        '        raise ValueError("first and count must be at least 1")\n'
        "    run = [first]\n"
        "    while len(run) < count:\n"
        "        run.append(3 * run[-1] - 1 if run[-1] % 2 else run[-1] // 2)\n"
        "    return run\n"
    ),
}


def stealing(answers: dict[str, str]) -> dict[str, str]:
    """`answers` whose encoder copies the code of the cell that calls it, hidden tests included, and whose
    decoder prints what was copied: the hidden tests run before the visible decoder test, whose output the
    feedback shows."""
    stolen = dict(answers)
    stolen["encode_hailstone"] = "import linecache\nimport sys\n\nSTOLEN = []\n\n\n" + answers[
        "encode_hailstone"
    ].replace(
        "    ### BEGIN SOLUTION\n",
        "    ### BEGIN SOLUTION\n"
        "    frame = sys._getframe(1)\n"
        "    while frame is not None:  # up to the notebook cell that called, through the grading helpers\n"
        "        if 'ipykernel_' in frame.f_code.co_filename:\n"
        "            for line in linecache.getlines(frame.f_code.co_filename):\n"
        "                if line not in STOLEN:\n"
        "                    STOLEN.append(line)\n"
        "        frame = frame.f_back\n",
        1,
    )
    stolen["decode_hailstone"] = answers["decode_hailstone"].replace(
        "    ### BEGIN SOLUTION\n", '    ### BEGIN SOLUTION\n    print("".join(STOLEN))\n    STOLEN.clear()\n', 1
    )
    return stolen


def solution_answers() -> dict[str, str]:
    """The answer cells of assignment 01_02_representations' solution, by grade_id."""
    return {part.grade_id: part.source for part in read_assignment(NOTEBOOK_01_02).parts}


def prepare_course(folder: Path) -> Path:
    """A copy of the course holding assignment 01_02_representations alone, its release generated."""
    return prepare_assignment_course(folder, read_assignment(NOTEBOOK_01_02))


if __name__ == "__main__":
    sys.exit(main())

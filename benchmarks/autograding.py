"""Autograding that holds: broken and hostile submissions of one assignment, graded as nbgrader grades them.

Assignment 01_02_representations (15 points) is submitted by one student per case
below: the solution, a correct answer in another style, common mistakes, an empty
answer, edited and deleted test cells, an infinite loop, a hang that ignores the
interrupt, `os._exit`, a memory hog,
objects that equal everything, NumPy and the grading helpers patched, the
package's code taken instead of one's own, and a flood of output. Each case says
the points every test cell deserves. The cases are graded in two batches (one
`nbgrader autograde` call each, side by side, each in its own copy of the course),
then given feedback; `tests/test_classroom_autograding.py` checks the result,
case by case.

    python benchmarks/autograding.py            # grade, time, and write autograding.json and .md
    python benchmarks/autograding.py --no-hub   # without the hub's start-up time

also times the autograding of every assignment's solution (one autograde call per
assignment) and the start of a student's server on a local hub
(`classroom/localhub.py`). It writes `benchmarks/autograding.json` and
`benchmarks/autograding.md`, the README's `adversarial-grading` block.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
# The nbgrader helpers of the round-trip tests, shared rather than copied.
sys.path.insert(0, str(ROOT / "tests"))
from test_nbgrader_roundtrip import (  # noqa: E402
    PART_1,
    PART_2,
    REPRESENTATIONS,
    nbgrader,
    nbgrader_cells,
    normalise,
    read,
    region_lines,
)

ASSIGNMENT = REPRESENTATIONS.parts[0]
POINTS = {**PART_1, **PART_2}
TOTAL = sum(POINTS.values())
# The per-cell time limit of the hostile batch: the infinite loop costs two of these. The slowest cell of the
# assignment (the linear autoencoder's training, test profile) takes about 5 s on 2 busy CPUs.
HOSTILE_TIMEOUT = 30

# ----- the answers ------------------------------------------------------------------------------------------------

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
    "plane_angles": "plane_angles = principal_angles(np.transpose(decoder_kernel), np.transpose(pca.components_))\n",
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
OFF_BY_ONE_ENCODER = {
    "encode_hailstone": (
        "def encode_hailstone(run):\n"
        "    if not run or min(run) < 1:\n"
        '        raise ValueError("not a hailstone run")\n'
        "    for before, after in zip(run, run[1:]):\n"
        "        if after != (3 * before + 1 if before % 2 else before // 2):\n"
        '            raise ValueError("not a hailstone run")\n'
        "    return run[0], len(run) - 1\n"
    ),
}
WRONG_AXIS_ANGLES = {
    "principal_angles": (
        "import numpy as np\n\n\n"
        "def principal_angles(a, b):\n"
        "    qa, _ = np.linalg.qr(np.asarray(a, dtype=float))\n"
        "    qb, _ = np.linalg.qr(np.asarray(b, dtype=float))\n"
        "    cosines = np.linalg.svd(qa @ qb.T, compute_uv=False)  # the transpose on the wrong side\n"
        "    return np.sort(np.degrees(np.arccos(np.clip(cosines, -1.0, 1.0))))\n"
    ),
}
EMPTY = {"encode_hailstone": "", "decode_hailstone": "", "principal_angles": "", "plane_angles": ""}
INFINITE_LOOP_DECODER = {
    "decode_hailstone": (
        "def decode_hailstone(first, count):\n"
        "    if first < 1 or count < 1:\n"
        '        raise ValueError("first and count must be at least 1")\n'
        "    run, number = [first], first\n"
        "    while len(run) < count:  # forgets to append: never ends once count > 1\n"
        "        number = 3 * number + 1 if number % 2 else number // 2\n"
        "    return run\n"
    ),
}
INTERRUPT_IGNORING_DECODER = {
    "decode_hailstone": (
        "import time\n\n\n"
        "def decode_hailstone(first, count):\n"
        "    while True:  # waits forever, and swallows the interrupt sent at the time limit\n"
        "        try:\n"
        "            time.sleep(0.1)\n"
        "        except KeyboardInterrupt:\n"
        "            pass\n"
    ),
}
EXITING_DECODER = {
    "decode_hailstone": (
        "import os\n\n\n"
        "def decode_hailstone(first, count):\n"
        "    os._exit(1)\n"
    ),
}
MEMORY_HOG_ANGLES = {
    "principal_angles": (
        "import numpy as np\n\n\n"
        "def principal_angles(a, b):\n"
        "    workspace = np.ones(3 * 1024**3 // 8)  # 3 GiB, touched page by page\n"
        "    qa, _ = np.linalg.qr(np.asarray(a, dtype=float))\n"
        "    qb, _ = np.linalg.qr(np.asarray(b, dtype=float))\n"
        "    cosines = np.linalg.svd(qa.T @ qb, compute_uv=False)\n"
        "    return np.sort(np.degrees(np.arccos(np.clip(cosines, -1.0, 1.0)))) + 0 * workspace[0]\n"
    ),
}
ALWAYS_EQUAL = {
    "encode_hailstone": (
        "class Anything(tuple):\n"
        "    def __eq__(self, other):\n"
        "        return True\n\n"
        "    def __ne__(self, other):\n"
        "        return False\n\n"
        "    __hash__ = tuple.__hash__\n\n\n"
        "def encode_hailstone(run):\n"
        "    return Anything()\n"
    ),
    "decode_hailstone": (
        "class AnyRun(list):\n"
        "    def __eq__(self, other):\n"
        "        return True\n\n\n"
        "def decode_hailstone(first, count):\n"
        "    return AnyRun()\n"
    ),
    "principal_angles": (
        "import numpy as np\n\n\n"
        "class AnyAngles(np.ndarray):\n"
        "    def __eq__(self, other):\n"
        "        return np.ones(np.shape(self), dtype=bool)\n\n\n"
        "def principal_angles(a, b):\n"
        "    return np.zeros(min(np.shape(a)[1], np.shape(b)[1])).view(AnyAngles)\n"
    ),
    "plane_angles": "plane_angles = principal_angles(decoder_kernel.T, pca.components_.T)\n",
}
ZERO_ANGLES = (
    "def principal_angles(a, b):\n"
    "    return np.zeros(min(np.shape(a)[1], np.shape(b)[1]))\n"
)
PATCHED_NUMPY = {
    "principal_angles": (
        "import numpy as np\n\n"
        "np.testing.assert_allclose = lambda *args, **kwargs: None\n"
        "np.allclose = lambda *args, **kwargs: True\n\n\n" + ZERO_ANGLES
    ),
}
PATCHED_NUMPY_BY_NAME = {
    "principal_angles": (
        "import numpy as np\n\n"
        "# The same patch, with names built at run time: no statement names what it changes.\n"
        "setattr(getattr(np, 'test' + 'ing'), 'assert_' + 'allclose', lambda *args, **kwargs: None)\n\n\n"
        + ZERO_ANGLES
    ),
}
PATCHED_GRADING = {
    "principal_angles": (
        "import numpy as np\n"
        "import autoaegan.grading as grading\n\n"
        "grading.expect_close = lambda *args, **kwargs: None\n"
        "grading.assert_own_implementation = lambda *args, **kwargs: None\n\n\n" + ZERO_ANGLES
    ),
}
PACKAGE_CODE = {
    # The package's function under the exercise's name, and one rebuilt from the package's code object.
    "encode_hailstone": (
        "import types\n"
        "import autoaegan.representations as reference\n\n"
        "encode_hailstone = types.FunctionType(\n"
        "    reference.encode_hailstone_run.__code__, {**vars(reference), '__name__': '__main__'}, 'encode_hailstone'\n"
        ")\n"
    ),
    "decode_hailstone": "from autoaegan.representations import decode_hailstone_run as decode_hailstone\n",
    "principal_angles": "from autoaegan.subspace import principal_angles\n",
}


def flooding(answers: dict[str, str]) -> dict[str, str]:
    """`answers` with a line printed at every call of the encoder and 300,000 more when the cell runs."""
    flooded = dict(answers)
    flooded["encode_hailstone"] = answers["encode_hailstone"].replace(
        '    ### BEGIN SOLUTION\n', '    ### BEGIN SOLUTION\n    print("encoding", len(run), "numbers")\n', 1
    ) + '\nfor line in range(300_000):\n    print("flooding the output, line", line)\n'
    return flooded


def stealing(answers: dict[str, str]) -> dict[str, str]:
    """`answers` whose encoder copies the code of the cell that calls it, hidden tests included, and whose
    decoder prints what was copied: the hidden tests run before the visible decoder test, whose output the
    feedback shows."""
    stolen = dict(answers)
    stolen["encode_hailstone"] = (
        "import linecache\nimport sys\n\nSTOLEN = []\n\n\n"
        + answers["encode_hailstone"].replace(
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
    )
    stolen["decode_hailstone"] = answers["decode_hailstone"].replace(
        "    ### BEGIN SOLUTION\n", '    ### BEGIN SOLUTION\n    print("".join(STOLEN))\n    STOLEN.clear()\n', 1
    )
    return stolen


# ----- the cases ---------------------------------------------------------------------------------------------------


def losing(*grade_ids: str) -> dict[str, float]:
    """The points each test cell deserves when the cells `grade_ids` earn nothing and the others earn all."""
    return {grade_id: 0.0 if grade_id in grade_ids else float(points) for grade_id, points in POINTS.items()}


ENCODER_TESTS = ("test_encode_hailstone", "test_encode_hailstone_hidden")
DECODER_TESTS = ("test_decode_hailstone", "test_decode_hailstone_hidden")
ANGLE_TESTS = ("test_principal_angles", "test_principal_angles_hidden", "test_plane_angles")


@dataclass
class Case:
    """One student's submission: what it does, its answers, and the points each test cell deserves."""

    student: str
    what: str
    answers: dict[str, str]
    deserved: dict[str, float]
    hostile: bool = False  # graded in the second batch, with the shorter time limit
    flagged: bool = False  # should be flagged for the instructor's review
    edits: dict[str, str] = field(default_factory=dict)  # test cells (by grade_id) the student rewrote
    deletes: tuple[str, ...] = ()  # test cells the student deleted


def solution_answers() -> dict[str, str]:
    """The answer cells of the assignment's solution, by grade_id."""
    solution = read(ROOT / "solutions" / REPRESENTATIONS)
    return {grade_id: cell.source for grade_id, cell in nbgrader_cells(solution, solution=True).items()}


def cases(solution: dict[str, str]) -> list[Case]:
    """Every case of the matrix, built on `solution` (the solution's answers, by grade_id)."""
    return [
        Case("solution", "the solution", solution, losing()),
        Case("other_style", "correct, in another style (tuples, a generator, SVD bases)", OTHER_STYLE, losing()),
        Case("sign_error", "sign error: 3N − 1 in the decoder", {**solution, **SIGN_ERROR_DECODER},
             losing(*DECODER_TESTS)),
        Case("off_by_one", "off by one: the encoder's count", {**solution, **OFF_BY_ONE_ENCODER},
             losing(*ENCODER_TESTS)),
        Case("wrong_axis", "wrong axis: qa @ qb.T instead of qa.T @ qb", {**solution, **WRONG_AXIS_ANGLES},
             losing(*ANGLE_TESTS)),
        Case("empty", "empty answer cells", EMPTY, losing(*POINTS)),
        Case("edited_tests", "test cells edited (the off-by-one encoder's made to pass, another made to fail)",
             {**solution, **OFF_BY_ONE_ENCODER}, losing(*ENCODER_TESTS),
             flagged=True,
             edits={"test_encode_hailstone": 'print("encode_hailstone passes the visible tests")\n',
                    "test_decode_hailstone": 'raise AssertionError("this test cell was edited")\n'}),
        Case("deleted_tests", "the sign-error decoder's test cells deleted", {**solution, **SIGN_ERROR_DECODER},
             losing(*DECODER_TESTS), flagged=True, deletes=DECODER_TESTS),
        Case("always_equal", "results whose == is always True", ALWAYS_EQUAL, losing(*POINTS)),
        Case("package_code", "the package's implementations, imported or rebuilt from their code",
             {**solution, **PACKAGE_CODE}, losing(*POINTS)),
        Case("output_flood", "300,000 printed lines, and a line per call", flooding(solution), losing()),
        Case("stolen_tests", "copies the hidden tests' code as they run, prints it in a later visible test",
             stealing(solution), losing()),
        Case("infinite_loop", "an infinite loop in the decoder", {**solution, **INFINITE_LOOP_DECODER},
             losing(*DECODER_TESTS), hostile=True, flagged=True),
        Case("ignores_interrupt", "a decoder that hangs and swallows the interrupt at the time limit",
             {**solution, **INTERRUPT_IGNORING_DECODER}, losing(*DECODER_TESTS, *PART_2), hostile=True,
             flagged=True),
        Case("os_exit", "os._exit(1) in the decoder, which kills the kernel", {**solution, **EXITING_DECODER},
             losing(*DECODER_TESTS, *PART_2), hostile=True, flagged=True),
        Case("memory_hog", "a 3 GiB allocation in principal_angles", {**solution, **MEMORY_HOG_ANGLES},
             losing(*ANGLE_TESTS), hostile=True),
        Case("patched_numpy", "np.testing.assert_allclose and np.allclose patched", {**solution, **PATCHED_NUMPY},
             losing(*POINTS), hostile=True, flagged=True),
        Case("patched_numpy_by_name", "the same patch with names built at run time",
             {**solution, **PATCHED_NUMPY_BY_NAME}, losing(*POINTS), hostile=True, flagged=True),
        Case("patched_grading", "the grading helpers (expect_close, assert_own_implementation) patched",
             {**solution, **PATCHED_GRADING}, losing(*POINTS), hostile=True, flagged=True),
    ]


# ----- grading -----------------------------------------------------------------------------------------------------


def submission_of(release: nbformat.NotebookNode, case: Case) -> nbformat.NotebookNode:
    """The release as `case`'s student hands it in: answers filled in, test cells edited or deleted."""
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    for grade_id, cell in nbgrader_cells(nb).items():
        if grade_id in case.answers:
            cell.source = case.answers[grade_id]
        if grade_id in case.edits:
            cell.source = case.edits[grade_id]
    nb.cells = [cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade_id") not in case.deletes]
    return nb


def prepare_course(folder: Path) -> Path:
    """A copy of the course holding the assignment alone, its release generated (which fills the gradebook)."""
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, folder / "solutions" / ASSIGNMENT)
    done = nbgrader(folder, "generate_assignment", ASSIGNMENT, "--force")
    if done.returncode != 0:
        raise RuntimeError(f"generate_assignment failed in {folder}:\n{done.stderr[-3000:]}")
    return folder


@dataclass
class Batch:
    """One batch: its course copy, the seconds autograde took, and the two nbgrader calls."""

    course: Path
    seconds: float
    autograde: subprocess.CompletedProcess
    feedback: subprocess.CompletedProcess


def grade_batch(course: Path, batch: list[Case], timeout: int | None = None) -> Batch:
    """Submit every case of `batch` in `course`, autograde them in one call, then generate their feedback."""
    notebook = REPRESENTATIONS.name
    release = read(course / "exercises" / ASSIGNMENT / notebook)
    for case in batch:
        path = course / "submitted" / case.student / ASSIGNMENT / notebook
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(submission_of(release, case), path)
    options = [f"--ExecutePreprocessor.timeout={timeout}"] if timeout else []
    started = time.perf_counter()
    autograde = nbgrader(course, "autograde", ASSIGNMENT, *options, timeout=1800)
    seconds = time.perf_counter() - started
    feedback = nbgrader(course, "generate_feedback", ASSIGNMENT, timeout=600)
    return Batch(course, seconds, autograde, feedback)


@dataclass
class Graded:
    """What grading gave one case: the points of each test cell, the flag, and the feedback page."""

    case: Case
    scores: dict[str, float]
    flagged: bool
    feedback: str  # the page, as plain text
    feedback_bytes: int
    autograded: nbformat.NotebookNode | None


def feedback_text(page: str) -> str:
    """A feedback page as plain text: tags, styles and scripts removed, entities decoded, spaces normalised."""
    page = re.sub(r"<style.*?</style>|<script.*?</script>", "", page, flags=re.S)
    return normalise(html.unescape(re.sub(r"<[^>]+>", "", page)))


def read_results(batch: Batch, cases_: list[Case]) -> dict[str, Graded]:
    """The gradebook's scores and flags, and the feedback, of each case of `batch`."""
    from nbgrader.api import Gradebook, MissingEntry

    results = {}
    notebook = REPRESENTATIONS
    with Gradebook(f"sqlite:///{batch.course / 'gradebook.db'}") as gradebook:
        for case in cases_:
            try:
                submitted = gradebook.find_submission_notebook(notebook.stem, ASSIGNMENT, case.student)
                scores = {grade.name: float(grade.score) for grade in submitted.grades}
                flagged = bool(submitted.flagged)
            except MissingEntry:  # autograde dropped the submission: nothing in the gradebook
                scores, flagged = {}, False
            page_path = batch.course / "feedback" / case.student / ASSIGNMENT / notebook.with_suffix(".html").name
            page = page_path.read_text() if page_path.exists() else ""
            autograded_path = batch.course / "autograded" / case.student / ASSIGNMENT / notebook.name
            autograded = read(autograded_path) if autograded_path.exists() else None
            results[case.student] = Graded(case, scores, flagged, feedback_text(page), len(page.encode()), autograded)
    return results


def grade_cases(workdir: Path) -> tuple[dict[str, Graded], dict[str, Batch]]:
    """Grade every case: the ordinary and the hostile batch side by side, each in its own copy of the course."""
    every = cases(solution_answers())
    batches = {"ordinary": [case for case in every if not case.hostile],
               "hostile": [case for case in every if case.hostile]}
    courses = {name: prepare_course(workdir / name) for name in batches}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(grade_batch, courses[name], batch, HOSTILE_TIMEOUT if name == "hostile" else None)
            for name, batch in batches.items()
        }
        graded_batches = {name: future.result() for name, future in futures.items()}
    results = {}
    for name, batch in batches.items():
        results.update(read_results(graded_batches[name], batch))
    return {case.student: results[case.student] for case in every}, graded_batches


def hidden_only_lines() -> set[str]:
    """The code lines of the assignment's hidden tests that appear nowhere else in the notebook."""
    source = read(ROOT / "solutions" / REPRESENTATIONS)
    return {line for line in region_lines(source, inside=True) - region_lines(source, inside=False) if len(line) >= 10}


# ----- the table ---------------------------------------------------------------------------------------------------


def rows(results: dict[str, Graded]) -> list[dict]:
    """One row per case: what it is, the score it deserves, the score given, and whether it was flagged."""
    return [
        {
            "case": graded.case.student,
            "what": graded.case.what,
            "deserved": sum(graded.case.deserved.values()),
            "given": sum(graded.scores.values()),
            "cells_match": graded.scores == graded.case.deserved,
            "flagged": graded.flagged,
        }
        for graded in results.values()
    ]


def render_table(table_rows: list[dict]) -> str:
    """The README's table of the cases (without the timings, which vary from run to run)."""
    lines = [
        f"| case | submission | deserves (of {TOTAL:g}) | given | every test cell as planned | flagged for review |",
        "| --- | --- | ---: | ---: | --- | --- |",
    ]
    for row in table_rows:
        lines.append(
            f"| `{row['case']}` | {row['what']} | {row['deserved']:g} | {row['given']:g} | "
            f"{'yes' if row['cells_match'] else 'NO'} | {'yes' if row['flagged'] else '—'} |"
        )
    return "\n".join(lines)


def time_solutions(workdir: Path) -> dict[str, float]:
    """Seconds `nbgrader autograde` takes for each assignment's solution alone (one call per assignment)."""
    seconds = {}
    for assignment in sorted(path.name for path in (ROOT / "solutions").iterdir() if path.is_dir()):
        course = workdir / f"solo_{assignment}"
        course.mkdir(parents=True)
        shutil.copy(ROOT / "nbgrader_config.py", course)
        shutil.copytree(ROOT / "solutions" / assignment, course / "solutions" / assignment)
        done = nbgrader(course, "generate_assignment", assignment, "--force")
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-3000:])
        for notebook in (course / "solutions" / assignment).glob("*.ipynb"):
            target = course / "submitted" / "solution" / assignment / notebook.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(notebook, target)
        started = time.perf_counter()
        done = nbgrader(course, "autograde", assignment, timeout=1800)
        seconds[assignment] = round(time.perf_counter() - started, 1)
        if done.returncode != 0:
            raise RuntimeError(f"autograde of {assignment}'s solution failed:\n{done.stderr[-3000:]}")
    return seconds


def time_hub_start() -> float:
    """Seconds from asking a local hub to start a student's server to the server answering."""
    sys.path.insert(0, str(ROOT))
    from classroom.localhub import LocalHub

    with tempfile.TemporaryDirectory() as tmp, LocalHub(Path(tmp)) as hub:
        hub.create_user("timing-student")
        return round(hub.start_server("timing-student"), 1)


def main() -> int:
    """Grade the cases, time the assignments and the hub, and write autograding.json and autograding.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-hub", action="store_true", help="leave out the student server's start-up time")
    args = parser.parse_args()
    os.environ.setdefault("AUTOAEGAN_PROFILE", "test")
    with tempfile.TemporaryDirectory() as tmp:
        results, batches = grade_cases(Path(tmp) / "cases")
        batch_sizes = {name: len(list((batch.course / "submitted").iterdir())) for name, batch in batches.items()}
        print(render_table(rows(results)), flush=True)
        per_assignment = time_solutions(Path(tmp) / "solo")
    hub_seconds = None if args.no_hub else time_hub_start()
    table = rows(results)
    record = {
        "measured": dt.date.today().isoformat(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "assignment": ASSIGNMENT,
        "cases": table,
        "batch_seconds": {name: round(batch.seconds, 1) for name, batch in batches.items()},
        "batch_sizes": batch_sizes,
        "solution_autograde_seconds": per_assignment,
        "hub_server_start_seconds": hub_seconds,
    }
    (BENCHMARKS / "autograding.json").write_text(json.dumps(record, indent=2) + "\n")
    (BENCHMARKS / "autograding.md").write_text(render_markdown(record))
    print(render_markdown(record))
    return 0


def render_markdown(record: dict) -> str:
    """The README block: the table of cases, then the timings."""
    timings = ", ".join(f"`{name}` {seconds:g} s" for name, seconds in record["solution_autograde_seconds"].items())
    batches = "; ".join(
        f"{name}: {record['batch_sizes'][name]} submissions in {seconds:g} s"
        for name, seconds in record["batch_seconds"].items()
    )
    hub = record["hub_server_start_seconds"]
    hub_line = f"A student's server on the local test hub starts in {hub:g} s. " if hub is not None else ""
    return (
        render_table(record["cases"])
        + f"\n\nAutograding one solution, per assignment: {timings}. The batches above ({batches}; the hostile one "
        f"with a {HOSTILE_TIMEOUT} s time limit per cell). {hub_line}Measured {record['measured']} on "
        f"{record['cpus']} CPUs, Python {record['python']}, test profile.\n"
    )


if __name__ == "__main__":
    sys.exit(main())

"""Adversarial submissions made from any assignment's solution, each with the score it deserves, decided before grading.

Nothing here is written for one exercise. `benchmarks.adversarial_notebook` reads a
solution notebook's structure (its parts, its test cells, which test needs which
part); each class of submission is then made by rewriting the solution's answer cells
(`benchmarks.adversarial_rewrites`), and its deserved points follow from one of two
rules, stated with the class:

- `losing(parts)`: every test cell that needs one of `parts` gets 0, every other test
  cell its full points;
- `stopping(parts)`: the same, and when a cell of the student's own kernel (not a test)
  uses one of `parts`, that cell kills or hangs the kernel there, so every test cell
  after it gets 0 too (autograding marks the cells after a dead kernel as not run).

The classes (`CLASSES`): the solution; warnings and stderr in every function; test cells
deleted, moved and edited; a hunt for the instructor's files; results whose `==` is
always true; NumPy, Keras, the package and the builtins patched, by statements and by
names built at run time; functions that read the test's namespace; the package's code
imported, exec'd or rebuilt from its code object; a crash (`os._exit`), a hang that
swallows the interrupt, a memory hog and an output flood in one part. `combined_cases`
folds them into three submissions per assignment whose deserved points stay computable,
for the test suite.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field

import nbformat

from benchmarks.adversarial_notebook import Assignment, Part, is_answer, nbgrader_metadata, parse_source
from benchmarks.adversarial_rewrites import (
    CRASH,
    FLOOD_CALL,
    FLOOD_CELL,
    HANG,
    HUNT_FOUND,
    HUNT_NOTHING,
    MEMORY_HOG,
    always_equal,
    at_every_call,
    hunting,
    noisy,
    package_code,
    package_definitions,
    patching,
    reading_namespace,
)


@dataclass
class Case:
    """One submission: its class, what it does, its answers, its layout changes, and what it deserves."""

    student: str
    kind: str  # the class (see CLASSES)
    what: str
    answers: dict[str, str]  # answer cell grade_id -> source; the answer cells not named stay as released
    deserved: dict[str, float]  # test cell grade_id -> points, decided before grading
    flagged: bool = False  # should be flagged for review
    hostile: bool = False  # needs the short per-cell time limit (it hangs)
    deletes: tuple[str, ...] = ()  # test cells deleted
    moves: tuple[str, ...] = ()  # test cells moved to the top, in this order
    edits: dict[str, str] = field(default_factory=dict)  # test cells rewritten
    expect_in_output: tuple[str, ...] = ()  # text the autograded notebook's answer cells must show
    forbid_in_output: tuple[str, ...] = ()  # text they must not show

    def submission(self, release) -> nbformat.NotebookNode:
        """The release as this student hands it in."""
        nb = copy.deepcopy(release)
        for cell in nb.cells:
            grade_id = nbgrader_metadata(cell).get("grade_id")
            if grade_id in self.answers and is_answer(cell):
                cell.source = self.answers[grade_id]
            if grade_id in self.edits:
                cell.source = self.edits[grade_id]
        by_id = {nbgrader_metadata(cell).get("grade_id"): cell for cell in nb.cells}
        moved = [by_id[name] for name in self.moves]
        kept = [
            cell
            for cell in nb.cells
            if nbgrader_metadata(cell).get("grade_id") not in set(self.deletes) | set(self.moves)
        ]
        if moved:
            scratch = nbformat.v4.new_code_cell('scratch = "a cell of my own, among the moved tests"\nprint(scratch)')
            moved = moved[:1] + [scratch] + moved[1:]
        nb.cells = moved + kept
        return nb


def solution(assignment: Assignment) -> dict[str, str]:
    return {part.grade_id: part.source for part in assignment.parts}


def rearranged(
    assignment: Assignment, student: str = "rearranged", answers: dict[str, str] | None = None, broken=None
) -> Case:
    """Test cells deleted, moved and edited: the test cells after an ungraded locked cell and every second other one
    deleted, the rest moved to the top in reverse order, except those of the `broken` parts, edited to print that
    they pass, and one in three of the others, edited to fail. All are put back and graded as released, and the
    notebook is flagged. By default the last code part is left as released and is the broken one."""
    if answers is None:
        released = assignment.code_parts[-1].grade_id
        answers = {grade_id: source for grade_id, source in solution(assignment).items() if grade_id != released}
        broken, what = [released], f"`{released}` as released; test cells deleted, moved and edited"
    else:
        what = "test cells deleted, moved and edited"
    names = [test.grade_id for test in assignment.tests]
    deletes, moves, edits = [], [], {}
    for number, name in enumerate(names):
        if name in assignment.ungraded_locked_before or number % 2:
            deletes.append(name)
        elif assignment.needs[name] & set(broken):
            edits[name] = 'print("this test passes")\n'
        elif number % 3 == 0:
            edits[name] = 'raise AssertionError("this test cell was edited")\n'
        else:
            moves.append(name)
    return Case(
        student,
        "rearranged",
        what,
        answers,
        assignment.losing(broken),
        flagged=True,
        deletes=tuple(deletes),
        moves=tuple(moves[::-1]),
        edits=edits,
    )


CLASSES = {
    "solution": "the solution",
    "noisy": "warnings, stderr and descriptor-2 lines in every function and answer cell",
    "rearranged": "a part as released; test cells deleted, moved and edited",
    "hunt": "the solution, hunting for the instructor's files and printing them",
    "always_equal": "results whose == is always true",
    "patched": "NumPy, Keras, the package, the bridge and builtins patched; answers as released",
    "patched_by_name": "the same patches with names built at run time; the package's code",
    "namespace": "functions that return what they find in the test's namespace",
    "package_imported": "the package's code imported for its parts",
    "package_exec": "the package's code exec'd from its source",
    "package_rebuilt": "the package's code rebuilt from its code object",
    "crash": "os._exit(1) in one part",
    "hang": "a hang that swallows the interrupt, in one part",
    "memory_hog": "a 3 GiB allocation in one part",
    "flood": "300,000 printed lines, and a line per call, in one part",
}


def cases(assignment: Assignment, course_paths: list[str], package: dict[str, str] | None = None) -> list[Case]:
    """Every class of `CLASSES` for `assignment`, one case each. `course_paths`: the absolute paths of the
    instructor's files the hunt is told of (the course copy's solutions/, gradebook, submitted/)."""
    package = package_definitions() if package is None else package
    answers = solution(assignment)
    parts = assignment.parts
    everything = [part.grade_id for part in parts]
    first = parts[0].grade_id
    borrowed = [part for part in assignment.code_parts if any(name in package for name in part.code_names)]
    target = assignment.target()
    crash_target = target.grade_id
    made = [
        Case("solution", "solution", CLASSES["solution"], answers, assignment.losing([])),
        Case("noisy", "noisy", CLASSES["noisy"], {g: noisy(s) for g, s in answers.items()}, assignment.losing([])),
        rearranged(assignment),
        Case(
            "hunt",
            "hunt",
            CLASSES["hunt"],
            {**answers, first: answers[first] + hunting(course_paths)},
            assignment.losing([]),
            expect_in_output=(HUNT_NOTHING,),
            forbid_in_output=(HUNT_FOUND + ":",),
        ),
        Case(
            "always_equal",
            "always_equal",
            CLASSES["always_equal"],
            {g: always_equal(s) for g, s in answers.items()},
            assignment.losing(everything),
        ),
        Case(
            "patched",
            "patched",
            CLASSES["patched"],
            {first: patching(False) + released_stub(parts[0])},
            assignment.losing(everything),
            flagged=True,
        ),
        Case(
            "patched_by_name",
            "patched_by_name",
            CLASSES["patched_by_name"],
            {
                **{part.grade_id: package_code(part, package, "rebuilt") for part in borrowed},
                first: patching(True)
                + (package_code(parts[0], package, "rebuilt") if parts[0] in borrowed else released_stub(parts[0])),
            },
            assignment.losing(everything),
            flagged=True,
        ),
        Case(
            "namespace",
            "namespace",
            CLASSES["namespace"],
            {g: reading_namespace(s) for g, s in answers.items()},
            assignment.losing([part.grade_id for part in assignment.code_parts]),
        ),
    ]
    for how in ("imported", "exec", "rebuilt"):
        # Code exec'd at the notebook's top level counts for every part (grading_reuse cannot know, without
        # running it, which names it defines): `exec` does that, and so does `rebuilt` for a class (package_code
        # rebuilds a function from its code object in the statement that binds it, a class from its source with
        # exec). An import, or a function rebuilt, counts for the parts that take it.
        classes = any(
            isinstance(node, ast.ClassDef) and node.name in package
            for part in borrowed
            for node in parse_source(part.source).body
        )
        tops = how == "exec" or (how == "rebuilt" and classes)
        lost = everything if tops else [part.grade_id for part in borrowed]
        if not borrowed:  # the package defines no part's name: nothing to take, the case is the solution
            made.append(
                Case(
                    f"package_{how}",
                    f"package_{how}",
                    CLASSES[f"package_{how}"] + ": none (the package defines no part's name)",
                    answers,
                    assignment.losing([]),
                )
            )
            continue
        made.append(
            Case(
                f"package_{how}",
                f"package_{how}",
                CLASSES[f"package_{how}"]
                + ": "
                + ", ".join(f"`{name}`" for part in borrowed for name in part.code_names if name in package),
                {**answers, **{part.grade_id: package_code(part, package, how) for part in borrowed}},
                assignment.losing(lost),
                flagged=True,
            )
        )
    made += [
        Case(
            "crash",
            "crash",
            f"os._exit(1) in `{crash_target}`",
            {**answers, crash_target: at_every_call(answers[crash_target], CRASH)},
            assignment.stopping([crash_target]),
            flagged=True,
        ),
        Case(
            "hang",
            "hang",
            f"a hang that swallows the interrupt, in `{crash_target}`",
            {**answers, crash_target: at_every_call(answers[crash_target], HANG)},
            assignment.stopping([crash_target]),
            flagged=True,
            hostile=True,
        ),
        Case(
            "memory_hog",
            "memory_hog",
            f"a 3 GiB allocation in `{crash_target}`",
            {**answers, crash_target: at_every_call(answers[crash_target], MEMORY_HOG)},
            assignment.losing([crash_target]),
        ),
        Case(
            "flood",
            "flood",
            f"300,000 printed lines, and a line per call, in `{crash_target}`",
            {**answers, crash_target: at_every_call(answers[crash_target], FLOOD_CALL) + FLOOD_CELL},
            assignment.losing([]),
        ),
    ]
    return made


def released_stub(part: Part) -> str:
    """The part's answer as released: each solution region replaced by `raise NotImplementedError()`."""
    lines, inside, out = part.source.splitlines(), False, []
    for line in lines:
        if "### BEGIN SOLUTION" in line:
            inside = True
            out.append(line.split("###")[0] + "raise NotImplementedError()")
        elif "### END SOLUTION" in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out) + "\n"


def combined_cases(
    assignment: Assignment, course_paths: list[str], package: dict[str, str] | None = None
) -> list[Case]:
    """Every class folded into three submissions whose deserved points stay computable (for the test suite):

    - `mixed`: warnings and stderr everywhere, the hunt, a flood in one part, the namespace read in another and
      always-equal results in a third (as many as there are code parts): rule 1 on the last two, not flagged;
    - `hostile`: the test cells deleted, moved and edited with a part as released, the package's code imported
      for a part it has (exec'd code costs every part: the full matrix has it), a crash in one part, a hang in the
      part the fewest test cells need, a memory hog in another: rule 2 on all of those, flagged;
    - `patched`: the patches by statements and by names built at run time, with the package's code or the
      answers as released: 0 everywhere, flagged.
    """
    package = package_definitions() if package is None else package
    answers = solution(assignment)
    code = [part.grade_id for part in assignment.code_parts]
    pick = iter(code)
    flood_part = next(pick)
    namespace_part = next(pick, None)
    equal_part = next(pick, None)
    mixed_answers = {g: noisy(s) for g, s in answers.items()}
    mixed_answers[flood_part] = noisy(at_every_call(answers[flood_part], FLOOD_CALL) + FLOOD_CELL)
    lost = []
    if namespace_part:
        mixed_answers[namespace_part] = noisy(reading_namespace(answers[namespace_part]))
        lost.append(namespace_part)
    if equal_part:
        mixed_answers[equal_part] = always_equal(answers[equal_part])
        lost.append(equal_part)
    # The hunt prints in a cell of its own part, not after the flood, which uses up the cell's output.
    hunt_part = [part.grade_id for part in assignment.parts if part.grade_id != flood_part][-1]
    mixed_answers[hunt_part] += hunting(course_paths)
    mixed = Case(
        "mixed",
        "mixed",
        f"noisy everywhere; hunt; flood in `{flood_part}`; namespace read in "
        f"`{namespace_part}`; always-equal `{equal_part}`",
        mixed_answers,
        assignment.losing(lost),
        expect_in_output=(HUNT_NOTHING, "an answer cell writes to stderr"),
        forbid_in_output=(HUNT_FOUND + ":",),
    )

    # One part per role, while parts last: a hang where it costs least, the package's code, a crash, a memory hog.
    isolated = [part.grade_id for part in assignment.code_parts if assignment.isolated(part.grade_id)]
    roles: dict[str, str] = {}
    if isolated:
        roles["hang"] = min(isolated, key=assignment.tests_needing)
    borrowable = [
        part.grade_id
        for part in assignment.code_parts
        if part.grade_id not in roles.values() and any(name in package for name in part.code_names)
    ]
    if borrowable:
        roles["package"] = borrowable[0]
    for role in ("crash", "memory_hog"):
        left = [grade_id for grade_id in isolated if grade_id not in roles.values()]
        if left:
            roles[role] = left[0]
    hostile_answers = dict(answers)
    for role, grade_id in roles.items():
        if role == "package":
            hostile_answers[grade_id] = package_code(assignment.part(grade_id), package, "imported")
        else:
            statement = {"hang": HANG, "crash": CRASH, "memory_hog": MEMORY_HOG}[role]
            hostile_answers[grade_id] = at_every_call(answers[grade_id], statement)
    layout = rearranged(assignment, "hostile", hostile_answers, list(roles.values()))
    hostile = Case(
        "hostile",
        "hostile",
        "test cells deleted, moved and edited; "
        + "; ".join(f"{role.replace('_', ' ')} in `{grade_id}`" for role, grade_id in roles.items()),
        hostile_answers,
        assignment.combined(lost=list(roles.values()), stopped=[roles[r] for r in ("hang", "crash") if r in roles]),
        flagged=True,
        hostile=True,
        deletes=layout.deletes,
        moves=layout.moves,
        edits=layout.edits,
    )

    first_part = assignment.parts[0]
    patched_answers = {first_part.grade_id: patching(False) + patching(True) + released_stub(first_part)}
    patched = Case(
        "patched",
        "patched",
        "NumPy, Keras, the package, the bridge and builtins patched, by statements "
        "and by names built at run time; answers as released",
        patched_answers,
        assignment.losing([part.grade_id for part in assignment.parts]),
        flagged=True,
    )
    return [mixed, hostile, patched]

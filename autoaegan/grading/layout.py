"""Every deleted, moved or edited test cell put back in its place and graded; no submission dropped.

nbgrader 0.9.6 restores the source of an edited locked cell from its checksum and,
with `OverwriteCells.add_missing_cells`, puts a deleted test cell back after "the
previous nbgrader cell". When that previous cell is a locked cell that is not graded
(`tied_autoencoder` before `test_tied_autoencoder`, `kl_curve` before
`test_kl_response`, `dcgan_summaries` before `test_pieces_together`), it raises
KeyError: the submission gets no grades and no feedback, and autograde exits 1. A
test cell moved above the answer it tests stays there and fails; a deleted locked
cell that a test needs is never put back; forged nbgrader metadata (a cell claiming
100 points, a locked cell without a grade_id) makes the sanitizing itself raise.

`RestoreCells` replaces nbgrader's DeduplicateIds and OverwriteCells in the
sanitizing step of autograde. It rebuilds the notebook on the assignment's own
layout:

- the order is the source notebook's (`solutions/<assignment>/<notebook>.ipynb`,
  else the release's, else the gradebook's), and the content of every locked cell
  (setup, given code, visible and hidden tests) is the gradebook's, with nbgrader's
  metadata rewritten from the gradebook, whatever the submission holds: a deleted,
  moved, edited, retyped or duplicated locked cell comes back as it was released,
  hidden tests included, at its place;
- the student's answer cells keep their content and go to their own places; a
  deleted answer cell is not put back (its code may live in another cell);
- cells the student added keep their content and follow the nearest cell before
  them that the student did not move (in the order of the longest run of the
  assignment's cells that kept their order); nbgrader metadata they carry (a cell
  that claims to be graded, a duplicate of a test) is removed, so they are graded
  as nothing.

It never raises on a layout: a notebook whose cells cannot be read as nbgrader's
keeps what can be kept and is rebuilt as above. What it changed is written into the
notebook's metadata (`REVIEW_METADATA`), which `autoaegan.grading.autograding.FlagForReview`
reads after the grades are saved: a notebook whose layout was changed is flagged for
the instructor's review, the restored test cells marked `needs_manual_grade`.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import DeduplicateIds, OverwriteCells

# Where the findings travel from the sanitizing step to FlagForReview: the notebook's own metadata (a key the
# student's copy may hold too; RestoreCells always replaces it).
REVIEW_METADATA = "autoaegan_layout"
HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"


@dataclass
class SourceCell:
    """One nbgrader cell of the assignment as the gradebook holds it."""

    name: str
    cell_type: str
    source: str
    locked: bool
    grade: bool
    solution: bool
    task: bool
    points: float | None
    checksum: str | None

    @property
    def kept_from_gradebook(self) -> bool:
        """Whether the cell's content is the instructor's (locked, a test, a task), not the student's."""
        return self.locked or (self.grade and not self.solution) or self.task

    def metadata(self) -> dict:
        meta = {
            "grade": self.grade,
            "grade_id": self.name,
            "locked": self.locked,
            "schema_version": 3,
            "solution": self.solution,
            "task": self.task,
            "cell_type": self.cell_type,
        }
        if self.grade:
            meta["points"] = self.points
        if self.checksum:
            meta["checksum"] = self.checksum
        return meta

    def released_source(self) -> str:
        """The source as students receive it: the hidden-test regions removed."""
        return strip_hidden(self.source)


def strip_hidden(source: str) -> str:
    lines, inside = [], False
    for line in source.split("\n"):
        if HIDDEN_BEGIN in line:
            inside = True
        elif HIDDEN_END in line:
            inside = False
        elif not inside:
            lines.append(line)
    return "\n".join(lines)


def _normalise(text) -> str:
    return " ".join(str(text).split()) if isinstance(text, str) else repr(text)


def _nbgrader_meta(cell) -> dict | None:
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    if not isinstance(metadata, dict):
        return None
    meta = metadata.get("nbgrader")
    return meta if isinstance(meta, dict) else None


def _grade_id(cell) -> str | None:
    meta = _nbgrader_meta(cell)
    grade_id = meta.get("grade_id") if meta else None
    return grade_id if isinstance(grade_id, str) else None


def _longest_increasing(positions: list[int], weights: list[float]) -> set[int]:
    """The indices (into `positions`) of the increasing subsequence of `positions` of largest total weight."""
    best = list(weights)
    previous = [-1] * len(positions)
    for i in range(len(positions)):
        for j in range(i):
            if positions[j] < positions[i] and best[j] + weights[i] > best[i]:
                best[i], previous[i] = best[j] + weights[i], j
    if not positions:
        return set()
    index = max(range(len(positions)), key=lambda k: best[k])
    chosen = set()
    while index != -1:
        chosen.add(index)
        index = previous[index]
    return chosen


def _new_cell(spec: SourceCell) -> NotebookNode:
    if spec.cell_type == "code":
        cell = nbformat.v4.new_code_cell(spec.source)
    elif spec.cell_type == "raw":
        cell = nbformat.v4.new_raw_cell(spec.source)
    else:
        cell = nbformat.v4.new_markdown_cell(spec.source)
    cell.metadata = NotebookNode({"deletable": False, "editable": False, "nbgrader": NotebookNode(spec.metadata())})
    return cell


def _fresh(cell, cell_type: str | None = None) -> NotebookNode:
    """A well-formed cell of `cell_type` (else the cell's own type, markdown if unknown) with `cell`'s source and
    metadata: whatever fields a submitted cell lacks or forges, the one graded is a plain cell."""
    cell_type = cell_type or cell.get("cell_type")
    make = {"code": nbformat.v4.new_code_cell, "raw": nbformat.v4.new_raw_cell}.get(
        cell_type, nbformat.v4.new_markdown_cell
    )
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(map(str, source))
    new = make(source if isinstance(source, str) else str(source))
    metadata = cell.get("metadata")
    new.metadata = metadata if isinstance(metadata, dict) else NotebookNode()
    if isinstance(cell.get("id"), str):
        new["id"] = cell["id"]
    if cell_type != "code" and isinstance(cell.get("attachments"), dict):
        new["attachments"] = cell["attachments"]
    return new


def restore_layout(cells: list, plan: list[SourceCell]) -> tuple[list[NotebookNode], list[str], list[str]]:
    """Rebuild `cells` (a submission's) on the layout `plan` (the assignment's nbgrader cells, in order).

    Returns the new cells, the findings (one sentence each, empty when the layout is the
    assignment's) and the names of the graded cells that were put back, moved or restored.
    """
    specs = {spec.name: spec for spec in plan}
    order = {spec.name: index for index, spec in enumerate(plan)}
    findings: list[str] = []
    touched: list[str] = []

    # The last copy of each of the assignment's cells is the one kept (as nbgrader's DeduplicateIds does).
    last = {}
    for index, cell in enumerate(cells):
        grade_id = _grade_id(cell)
        if grade_id in specs:
            last[grade_id] = index
    entries = []  # ("known", name, cell) or ("extra", None, cell), in the submission's order
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            findings.append(f"cell {index} is not a notebook cell and was left out")
            continue
        grade_id = _grade_id(cell)
        if grade_id in specs and last[grade_id] == index:
            entries.append(("known", grade_id, cell))
            continue
        meta = _nbgrader_meta(cell)
        if grade_id in specs:
            findings.append(
                f"cell `{grade_id}` appears more than once: its other copies were graded as the student's own cells"
            )
        elif meta and (meta.get("grade") or meta.get("solution") or meta.get("locked") or meta.get("task")):
            findings.append(
                f"a cell carries nbgrader metadata that is not the assignment's "
                f"(grade_id {_normalise(meta.get('grade_id'))[:60]!s}): it was graded as an ordinary cell"
            )
        elif meta is None and isinstance(cell.get("metadata"), dict) and "nbgrader" in cell["metadata"]:
            findings.append(
                "a cell carries nbgrader metadata that is not a dictionary: it was graded as an ordinary cell"
            )
        cell = _fresh(cell)
        cell.metadata.pop("nbgrader", None)
        entries.append(("extra", None, cell))

    known = [(position, name) for position, (kind, name, _) in enumerate(entries) if kind == "known"]
    # The cells that kept their order: the longest such run; where two runs are as long, the one that counts the
    # test cells as the ones moved (a test cell swapped with the locked cell before it was moved, not the other).
    weights = [1.0 if specs[name].grade and not specs[name].solution else 1.001 for _, name in known]
    stable_indices = _longest_increasing([order[name] for _, name in known], weights)
    stable = {known[i][1] for i in stable_indices}
    moved = [name for _, name in known if name not in stable]

    present: dict[str, NotebookNode] = {}
    after: dict[str | None, list[NotebookNode]] = {None: []}
    anchor = None
    for kind, name, cell in entries:
        if kind == "extra":
            after.setdefault(anchor, []).append(cell)
            continue
        present[name] = cell
        if name in stable:
            anchor = name

    rebuilt = list(after[None])
    for spec in plan:
        cell = present.get(spec.name)
        if spec.kept_from_gradebook:
            if cell is None:
                findings.append(f"{'test cell' if spec.grade else 'cell'} `{spec.name}` was deleted; it was put back")
                touched.append(spec.name)
            else:
                submitted = _normalise(cell.get("source", ""))
                if submitted not in (_normalise(spec.released_source()), _normalise(spec.source)):
                    findings.append(
                        f"{'test cell' if spec.grade else 'cell'} `{spec.name}` was edited; it was graded as released"
                    )
                    touched.append(spec.name)
                _check_metadata(cell, spec, findings)
            rebuilt.append(_new_cell(spec))
        elif cell is not None:
            _check_metadata(cell, spec, findings)
            cell = _fresh(cell, spec.cell_type)
            cell.metadata["nbgrader"] = NotebookNode(spec.metadata())
            rebuilt.append(cell)
        else:
            findings.append(f"answer cell `{spec.name}` was deleted")
        rebuilt.extend(after.get(spec.name, []))
    if moved:
        findings.append(
            "cells moved from their places: "
            + ", ".join(f"`{name}`" for name in moved)
            + "; they were graded in their places"
        )
        touched.extend(name for name in moved if specs[name].grade)
    return rebuilt, list(dict.fromkeys(findings)), list(dict.fromkeys(touched))


def _check_metadata(cell, spec: SourceCell, findings: list[str]) -> None:
    meta = _nbgrader_meta(cell) or {}
    changed = [key for key in ("grade", "solution", "locked", "task") if bool(meta.get(key)) != getattr(spec, key)]
    if spec.grade:
        try:
            if float(meta.get("points")) != float(spec.points):
                changed.append("points")
        except (TypeError, ValueError):
            changed.append("points")
    if cell.get("cell_type") != spec.cell_type:
        changed.append("cell type")
    if changed:
        findings.append(f"cell `{spec.name}`: its {', '.join(changed)} changed; the assignment's were put back")


def _fix_cell_ids(nb: NotebookNode) -> None:
    """Unique cell ids for nbformat 4.5 and later; none before (where the field does not exist)."""
    if (nb.get("nbformat"), nb.get("nbformat_minor", 0)) >= (4, 5):
        seen = set()
        for cell in nb.cells:
            if not isinstance(cell.get("id"), str) or cell["id"] in seen or not cell["id"]:
                cell["id"] = uuid.uuid4().hex[:8]
            seen.add(cell["id"])
    else:
        for cell in nb.cells:
            cell.pop("id", None)


class RestoreCells(OverwriteCells):
    """nbgrader's DeduplicateIds and OverwriteCells in one, that rebuilds the notebook on the assignment's layout."""

    def plan(self, gradebook: Gradebook) -> list[SourceCell]:
        """The assignment's nbgrader cells, from the gradebook, in the order of the source (or release) notebook."""
        notebook = gradebook.find_notebook(self.notebook_id, self.assignment_id)
        points = {cell.name: float(cell.max_score) for cell in notebook.grade_cells}
        solutions = {cell.name for cell in notebook.solution_cells}
        tasks = {cell.name for cell in notebook.task_cells}
        cells = {
            cell.name: SourceCell(
                cell.name,
                cell.cell_type,
                cell.source,
                bool(cell.locked),
                cell.name in points,
                cell.name in solutions,
                cell.name in tasks,
                points.get(cell.name),
                cell.checksum,
            )
            for cell in notebook.source_cells
        }
        ordered = [name for name in self._file_order() if name in cells]
        ordered += [name for name in cells if name not in ordered]
        return [cells[name] for name in dict.fromkeys(ordered)]

    def _file_order(self) -> list[str]:

        try:
            coursedir = CourseDirectory(config=self.config)
            for step in (coursedir.source_directory, coursedir.release_directory):
                folder = coursedir.format_path(step, ".", self.assignment_id)
                path = os.path.join(folder, f"{self.notebook_id}.ipynb")
                if os.path.isfile(path):
                    nb = nbformat.read(path, as_version=4)
                    return [name for name in map(_grade_id, nb.cells) if name]
        except Exception as error:  # the order then comes from the gradebook
            self.log.warning("the source notebook's order could not be read (%s): using the gradebook's", error)
        return []

    def preprocess(self, nb: NotebookNode, resources):
        """Rebuild `nb` on the assignment's layout and record what changed in its metadata."""
        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id, self.db_url = info["notebook"], info["assignment"], info["db_url"]
        with Gradebook(self.db_url) as gradebook:
            try:
                plan = self.plan(gradebook)
            except MissingEntry:
                plan = []
        cells = nb.get("cells")
        if not isinstance(cells, list):
            cells = []
        nb.cells, findings, touched = restore_layout(cells, plan)
        if not isinstance(nb.get("metadata"), dict):
            nb.metadata = NotebookNode()
        nb.metadata.pop(REVIEW_METADATA, None)
        unreadable = nb.metadata.pop(UNREADABLE_METADATA, None)
        if unreadable:
            findings.insert(
                0,
                f"the submitted notebook could not be read ({_normalise(unreadable)[:200]}); it was "
                "kept beside as .ipynb.unreadable and graded as an empty notebook",
            )
        if findings:
            nb.metadata[REVIEW_METADATA] = NotebookNode({"findings": findings, "cells": touched})
            for finding in findings:
                self.log.warning("%s, %s: %s", info.get("student"), self.notebook_id, finding)
        _fix_cell_ids(nb)
        return nb, resources


def sanitize_preprocessors(defaults: list) -> list:
    """nbgrader's sanitizing preprocessors with DeduplicateIds and OverwriteCells replaced by RestoreCells, first:
    the others (ClearOutput first of all) then work on well-formed cells, whatever the submission held."""

    return [RestoreCells] + [
        preprocessor for preprocessor in defaults if preprocessor not in (DeduplicateIds, OverwriteCells)
    ]


UNREADABLE_METADATA = "autoaegan_unreadable"  # set on the stand-in of a notebook that could not be read


def set_aside_unreadable_notebooks(notebooks=(), **_) -> None:
    """nbgrader's `pre_convert_hook` for autograde: a submitted notebook that cannot be read (not JSON, not a
    notebook) would make nbgrader drop the submission and exit 1. It is renamed `<name>.ipynb.unreadable`, kept for
    the instructor, and an empty notebook takes its place: RestoreCells puts the assignment's locked and test
    cells back in it, they are graded (the answers are missing: zero), and the notebook is flagged."""
    for path in notebooks:
        try:
            nb = nbformat.read(path, as_version=4)
            if not isinstance(nb.get("cells"), list):
                raise ValueError("the notebook has no list of cells")
            continue
        except Exception as error:  # whatever a file holds, it must not stop the batch
            reason = f"{type(error).__name__}: {str(error)[:200]}"
        kept = f"{path}.unreadable"
        os.replace(path, kept)
        stand_in = nbformat.v4.new_notebook()
        stand_in.metadata[UNREADABLE_METADATA] = reason
        nbformat.write(stand_in, path)


def run_hooks(*hooks):
    """One nbgrader convert hook that runs `hooks` in turn, with the same arguments."""

    def run(**kwargs):
        for hook in hooks:
            hook(**kwargs)

    return run

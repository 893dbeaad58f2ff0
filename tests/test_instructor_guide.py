"""The instructor's guide, `solutions/INSTRUCTOR_GUIDE.md`: one section per chapter and appendix, in course order,
headed as the chapter's notebook is, with one numbered answer per question of the chapter's `## Questions` cell; it
is never released to students, and it calls the slide deck "the slides"."""

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from test_chapters import slides_called_seed  # noqa: E402  (the course's one detector of "the seed" for the slides)

from autoaegan.course.chapters import APPENDICES, CHAPTERS  # noqa: E402
from classroom.deliver import HUB_FILES, student_files  # noqa: E402

GUIDE = ROOT / "solutions" / "INSTRUCTOR_GUIDE.md"
COURSE = ROOT / "course"
# Every chapter and appendix whose notebook exists, in course order: the chapters, then the appendices.
WRITTEN = [chapter for chapter in CHAPTERS + APPENDICES if chapter.available]
NUMBERED = re.compile(r"^(\d+)\.\s", re.M)  # a numbered item at the start of a line: a question, or its answer


def guide_text() -> str:
    assert GUIDE.is_file(), f"the instructor's guide is missing: expected {GUIDE.relative_to(ROOT)}"
    return GUIDE.read_text(encoding="utf-8")


def sections(text: str) -> dict[str, str]:
    """The guide's `## ` sections, by heading (without the `## `), each with its text up to the next one."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return {heading.strip(): body for heading, body in zip(parts[1::2], parts[2::2])}


def subsection(body: str, heading: str) -> str | None:
    """The text of the `### heading` subsection of a section, up to the next `### `, or None if there is none."""
    parts = re.split(r"^### (.+)$", body, flags=re.M)
    found = [text for title, text in zip(parts[1::2], parts[2::2]) if title.strip() == heading]
    return found[0] if found else None


def notebook_heading(chapter) -> str:
    """The chapter's title as its notebook's first cell writes it, without the `# `."""
    first = nbformat.read(COURSE / chapter.notebook, as_version=4).cells[0].source.splitlines()[0]
    assert first.startswith("# "), f"{chapter.notebook} should open with a '# NN · Title' line, got {first!r}"
    return first[2:].strip()


def question_numbers(chapter) -> list[int]:
    """The numbers of the questions in the chapter's `## Questions` cell, in order."""
    cells = nbformat.read(COURSE / chapter.notebook, as_version=4).cells
    questions = [cell for cell in cells if cell.cell_type == "markdown" and cell.source.startswith("## Questions")]
    assert len(questions) == 1, f"{chapter.notebook} should have one '## Questions' cell, got {len(questions)}"
    return [int(number) for number in NUMBERED.findall(questions[0].source)]


def test_the_guide_has_one_section_per_chapter_in_course_order_titled_as_the_notebooks():
    headings = list(sections(guide_text()))
    expected = [notebook_heading(chapter) for chapter in WRITTEN]
    assert [chapter.label for chapter in WRITTEN] == expected, "the catalogue's titles differ from the notebooks'"
    assert headings == expected, (
        "the guide's '## ' sections should be the chapters and appendices of autoaegan/course/chapters.py, "
        "in course order, "
        f"each headed as its notebook's first line:\nexpected {expected}\ngot      {headings}"
    )


@pytest.mark.parametrize("chapter", WRITTEN, ids=lambda chapter: chapter.notebook)
def test_a_section_answers_every_question_of_its_chapter_numbered_as_they_are(chapter):
    questions = question_numbers(chapter)
    assert questions == list(range(1, len(questions) + 1)), (
        f"{chapter.notebook}'s questions should be numbered 1 to {len(questions)}, got {questions}"
    )
    body = sections(guide_text()).get(chapter.label)
    assert body is not None, f"the guide has no '## {chapter.label}' section"
    answers = subsection(body, "Answers to the questions")
    assert answers is not None, f"'## {chapter.label}' has no '### Answers to the questions' subsection"
    numbers = [int(number) for number in NUMBERED.findall(answers)]
    assert numbers == questions, (
        f"'## {chapter.label}' should answer questions {questions} in order, one numbered answer each; "
        f"its numbered answers are {numbers}"
    )


def test_every_chapter_with_an_assignment_has_its_graded_parts_subsection():
    found = sections(guide_text())
    for chapter in WRITTEN:
        graded = subsection(found.get(chapter.label, ""), "Graded parts: learning goals and common mistakes")
        if chapter.exercise:
            assert graded and f"`{chapter.exercise}`" in graded, (
                f"'## {chapter.label}' should describe the graded parts of `{chapter.exercise}` in its "
                "'### Graded parts: learning goals and common mistakes' subsection"
            )
        else:
            assert graded is None, f"'## {chapter.label}' has no assignment, and so no graded parts to describe"


def test_the_guide_is_never_released_nor_delivered_to_students():
    guide_text()  # it exists
    guide = GUIDE.relative_to(ROOT)
    assignments = sorted(
        path.name for path in (ROOT / "solutions").iterdir() if path.is_dir() and any(path.glob("*.ipynb"))
    )
    assert assignments, "expected the assignment folders in solutions/"
    # nbgrader generates and releases assignment folders only: the guide sits beside them, in none of them.
    assert guide.parent == Path("solutions"), f"the guide should sit directly in solutions/, not in {guide.parent}"
    assert guide.parts[1] not in assignments
    assert not any((ROOT / "exercises" / name / guide.name).exists() for name in assignments), (
        "an assignment's released folder in exercises/ holds a copy of the instructor's guide"
    )
    # The hub delivers classroom/deliver.py's allow-list, and serves the hub's own files besides.
    delivered = student_files(ROOT)
    assert guide not in delivered and not [path for path in delivered if path.name == guide.name]
    assert str(guide) not in HUB_FILES


def test_the_guide_calls_the_slide_deck_the_slides():
    found = slides_called_seed(guide_text())
    assert not found, "the slide deck is 'the slides', never 'the seed':\n" + "\n".join(found)

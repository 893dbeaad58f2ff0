"""The chapter catalogue matches the notebooks in `course/`, and every notebook opens and ends the same way."""

import dataclasses
from pathlib import Path

import nbformat
import pytest

from autoaegan.chapters import CHAPTERS, available_chapters, get_chapter, render_chapter_list

COURSE = Path(__file__).resolve().parents[1] / "course"
COURSE_NOTEBOOKS = sorted(COURSE.glob("*.ipynb"))


def read(path: Path):
    return nbformat.read(path, as_version=4)


def heading(cell) -> str:
    """The text of a markdown cell's first line, without its `#` marks or bold stars."""
    return cell.source.lstrip().splitlines()[0].lstrip("#").strip().strip("*").strip()


def test_the_catalogue_numbers_the_chapters_in_order():
    assert [chapter.number for chapter in CHAPTERS] == list(range(12))
    for chapter in CHAPTERS:
        assert chapter.notebook.startswith(f"{chapter.number:02d}_") and chapter.notebook.endswith(".ipynb")
        assert chapter.title and chapter.summary
    assert len({chapter.notebook for chapter in CHAPTERS}) == len(CHAPTERS)
    course = Path(__file__).resolve().parents[1] / "course"
    written = sorted(int(path.name[:2]) for path in course.glob("[0-9][0-9]_*.ipynb"))
    assert [chapter.number for chapter in available_chapters()] == written


def test_a_chapter_is_found_by_number():
    assert get_chapter(2).notebook == "02_pca_linear_autoencoder.ipynb"
    assert get_chapter(6).label == "06 · Variational autoencoders"
    with pytest.raises(ValueError, match="no chapter numbered 12"):
        get_chapter(12)


def test_the_rendered_list_links_available_chapters_and_marks_the_others():
    lines = render_chapter_list().splitlines()
    assert len(lines) == len(CHAPTERS)
    assert lines[0].startswith("- [00 · Start here](00_start_here.ipynb): ")
    assert lines[11].startswith("- [11 · StyleGAN](11_stylegan.ipynb): ")
    planned = dataclasses.replace(CHAPTERS[11], available=False)
    assert render_chapter_list(chapters=(CHAPTERS[0], planned)).splitlines()[1].startswith("- 11 · StyleGAN (coming): ")
    for line, chapter in zip(lines, CHAPTERS):
        assert ("(coming)" in line) == (not chapter.available)
        assert (f"]({chapter.notebook})" in line) == chapter.available
    from_readme = render_chapter_list(link_prefix="course/").splitlines()
    assert from_readme[1].startswith("- [01 · Efficient data representations](course/01_efficient_representations.ipynb)")


def test_every_available_chapter_has_its_notebook():
    missing = [chapter.notebook for chapter in available_chapters() if not (COURSE / chapter.notebook).is_file()]
    assert not missing, f"chapters marked available without a notebook in course/: {missing}"


def test_every_notebook_in_the_course_is_an_available_chapter():
    catalogue = {chapter.notebook: chapter for chapter in CHAPTERS}
    for path in COURSE_NOTEBOOKS:
        assert path.name in catalogue, f"{path.name} is not in autoaegan.chapters.CHAPTERS"
        assert catalogue[path.name].available, f"{path.name} exists but its chapter is marked available=False"


def test_chapter_00_lists_the_catalogue():
    cells = [cell for cell in read(COURSE / "00_start_here.ipynb").cells if cell.cell_type == "markdown"]
    (chapter_list,) = [cell for cell in cells if cell.source.startswith("## The chapters")]
    listed = [line for line in chapter_list.source.splitlines() if line.startswith("- ")]
    assert listed == render_chapter_list().splitlines()


@pytest.mark.parametrize("path", COURSE_NOTEBOOKS, ids=lambda path: path.name)
def test_a_notebook_opens_with_title_goals_and_setup(path):
    chapter = {chapter.notebook: chapter for chapter in CHAPTERS}.get(path.name)
    assert chapter is not None, f"{path.name} is not in the catalogue"
    title, goals, setup = read(path).cells[:3]
    assert title.cell_type == "markdown"
    assert title.source.splitlines()[0] == chapter.heading
    assert goals.cell_type == "markdown" and heading(goals).startswith("What you will learn")
    assert any(line.startswith("- ") for line in goals.source.splitlines()), "the goals should be a bullet list"
    assert setup.cell_type == "code"
    assert "from autoaegan.chapter_setup import setup_chapter" in setup.source
    assert "setup_chapter(" in setup.source


@pytest.mark.parametrize("path", COURSE_NOTEBOOKS, ids=lambda path: path.name)
def test_a_notebook_ends_with_questions_and_references(path):
    questions, references = read(path).cells[-2:]
    assert questions.cell_type == "markdown" and heading(questions).startswith("Questions")
    assert references.cell_type == "markdown" and heading(references).startswith("References")

"""The chapter catalogue matches the notebooks in `course/`, and every notebook opens and ends the same way,
keeps to the course's lengths, and calls the slide deck "the slides"."""

import dataclasses
import re
from pathlib import Path

import nbformat
import pytest

from autoaegan.course.chapters import (
    APPENDICES,
    CHAPTERS,
    available_chapters,
    get_chapter,
    notebook_metadata,
    render_chapter_list,
)

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
COURSE_NOTEBOOKS = sorted(COURSE.glob("*.ipynb"))
CATALOGUE = {chapter.notebook: chapter for chapter in CHAPTERS + APPENDICES}

# The course's lengths (issue: chapters written for the learner).
MAX_CHAPTER_WORDS = 3000
MAX_MARKDOWN_CELL_WORDS = 250
MAX_CODE_CELL_LINES = 25
MAX_CLASS_CELL_LINES = 45


def read(path: Path):
    return nbformat.read(path, as_version=4)


def heading(cell) -> str:
    """The text of a markdown cell's first line, without its `#` marks or bold stars."""
    return cell.source.lstrip().splitlines()[0].lstrip("#").strip().strip("*").strip()


def test_the_catalogue_numbers_the_chapters_in_order():
    assert [chapter.number for chapter in CHAPTERS] == list(range(13))
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
    assert get_chapter(12).notebook == "12_diffusion_models.ipynb" and get_chapter(12).exercise == "12_diffusion"
    with pytest.raises(ValueError, match="no chapter numbered 13: the course has chapters 0 to 12"):
        get_chapter(13)


def test_the_rendered_list_links_available_chapters_and_marks_the_others():
    lines = render_chapter_list().splitlines()
    assert len(lines) == len(CHAPTERS) + len(APPENDICES)
    assert lines[-1].startswith("- [Appendix · Training fast on a CPU](appendix_training_fast.ipynb): ")
    assert lines[0].startswith("- [00 · Start here](00_start_here.ipynb): ")
    assert lines[11].startswith("- [11 · StyleGAN](11_stylegan.ipynb): ")
    assert lines[12].startswith("- [12 · Diffusion models](12_diffusion_models.ipynb): ")
    planned = dataclasses.replace(CHAPTERS[11], available=False)
    assert render_chapter_list(chapters=(CHAPTERS[0], planned)).splitlines()[1].startswith("- 11 · StyleGAN (coming): ")
    for line, chapter in zip(lines, CHAPTERS + APPENDICES):
        assert ("(coming)" in line) == (not chapter.available)
        assert (f"]({chapter.notebook})" in line) == chapter.available
    from_readme = render_chapter_list(link_prefix="course/").splitlines()
    assert from_readme[1].startswith(
        "- [01 · Efficient data representations](course/01_efficient_representations.ipynb)"
    )


def test_every_available_chapter_has_its_notebook():
    missing = [chapter.notebook for chapter in available_chapters() if not (COURSE / chapter.notebook).is_file()]
    assert not missing, f"chapters marked available without a notebook in course/: {missing}"


def test_every_notebook_in_the_course_is_an_available_chapter():
    for path in COURSE_NOTEBOOKS:
        assert path.name in CATALOGUE, f"{path.name} is not in autoaegan.course.chapters.CHAPTERS or APPENDICES"
        assert CATALOGUE[path.name].available, f"{path.name} exists but its chapter is marked available=False"
    missing = [appendix.notebook for appendix in APPENDICES if not (COURSE / appendix.notebook).is_file()]
    assert not missing, f"appendices without a notebook in course/: {missing}"


def test_chapter_00_lists_the_catalogue():
    cells = [cell for cell in read(COURSE / "00_start_here.ipynb").cells if cell.cell_type == "markdown"]
    (chapter_list,) = [cell for cell in cells if cell.source.startswith("## The chapters")]
    listed = [line for line in chapter_list.source.splitlines() if line.startswith("- ")]
    assert listed == render_chapter_list().splitlines()


@pytest.mark.parametrize("path", COURSE_NOTEBOOKS, ids=lambda path: path.name)
def test_a_notebook_opens_with_title_goals_and_setup(path):
    chapter = CATALOGUE.get(path.name)
    assert chapter is not None, f"{path.name} is not in the catalogue"
    title, goals, setup = read(path).cells[:3]
    assert title.cell_type == "markdown"
    assert title.source.splitlines()[0] == chapter.heading
    assert goals.cell_type == "markdown" and heading(goals).startswith("What you will learn")
    assert any(line.startswith("- ") for line in goals.source.splitlines()), "the goals should be a bullet list"
    assert setup.cell_type == "code"
    assert "from autoaegan.course.chapter_setup import setup_chapter" in setup.source
    assert "setup_chapter(" in setup.source


@pytest.mark.parametrize("path", COURSE_NOTEBOOKS, ids=lambda path: path.name)
def test_a_notebook_ends_with_questions_references_and_its_exercises(path):
    questions, references, exercises = read(path).cells[-3:]
    assert questions.cell_type == "markdown" and heading(questions).startswith("Questions")
    assert references.cell_type == "markdown" and heading(references).startswith("References")
    assert exercises.cell_type == "markdown" and heading(exercises).startswith("Exercises"), (
        f"{path.name} should end with a '## Exercises' cell; its last cell starts {exercises.source[:40]!r}"
    )
    folder = CATALOGUE[path.name].exercise
    named = f"`exercises/{folder}`" if folder else "`exercises/`"
    assert named in exercises.source, f"{path.name}'s last cell should name {named}; it says {exercises.source!r}"
    if folder:
        assert (ROOT / "exercises" / folder).is_dir(), f"{path.name} names exercises/{folder}, which does not exist"


def markdown_words(cell) -> int:
    """Words a reader reads: the markdown without its link targets, HTML tags and LaTeX commands."""
    text = re.sub(r"\]\([^)]*\)", "]", cell.source)
    text = re.sub(r"<[^>]+>|\\[a-zA-Z]+", " ", text)
    return len(re.findall(r"[\w’'][\w’'.,:;/-]*", text))


@pytest.mark.parametrize("path", COURSE_NOTEBOOKS, ids=lambda path: path.name)
def test_a_notebook_keeps_to_the_course_lengths(path):
    cells = read(path).cells
    markdown = [cell for cell in cells if cell.cell_type == "markdown"]
    total = sum(markdown_words(cell) for cell in markdown)
    assert total <= MAX_CHAPTER_WORDS, f"{path.name} has {total} words of markdown; at most {MAX_CHAPTER_WORDS}"
    long_cells = [
        f"cell {index}: {markdown_words(cell)} words"
        for index, cell in enumerate(cells)
        if cell.cell_type == "markdown" and markdown_words(cell) > MAX_MARKDOWN_CELL_WORDS
    ]
    assert not long_cells, f"{path.name}: markdown cells over {MAX_MARKDOWN_CELL_WORDS} words: {long_cells}"
    long_code = []
    for index, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        lines = len(cell.source.splitlines())
        one_class = len(re.findall(r"^class \w", cell.source, flags=re.M)) == 1
        limit = MAX_CLASS_CELL_LINES if one_class else MAX_CODE_CELL_LINES
        if lines > limit:
            long_code.append(f"cell {index}: {lines} lines (at most {limit})")
    assert not long_code, f"{path.name}: code cells too long: {long_code}"


STUDENT_NOTEBOOKS = COURSE_NOTEBOOKS + sorted((ROOT / "exercises").glob("*/*.ipynb"))


@pytest.mark.parametrize("path", STUDENT_NOTEBOOKS, ids=lambda path: path.name)
def test_a_notebook_opens_unmodified_in_jupyterlab(path):
    """JupyterLab replaces a notebook's language_info with the kernel's, and marks any other one as modified."""
    assert read(path).metadata == notebook_metadata(), (
        f"{path.name}'s metadata should be exactly autoaegan.course.chapters.notebook_metadata() "
        "(the exercises take theirs from solutions/)"
    )


# "The seed" once named the slide deck the course follows; a student cannot know the word, and "seed" also means a
# random seed in the same notebooks. The deck is "the slides". Random seeds keep their name: a line that mentions one
# says so (a number, an argument, "random", "per seed", ...).
SLIDES_AS_SEED = re.compile(
    r"\bthe seed\b(?!\s*[=(\d])|\bseed['’]s\b|\bseed (?:slides?|deck)\b|\bSEED_[A-Z]|"
    r"\bseed_(?:figures|history|run|model|slides)\b|train_seed_model|seed_model_quality",
    re.I,
)
RANDOM_SEED_CONTEXT = re.compile(
    r"random|seed\s*[=:(]|seed\s*\d|\.seed\b|set_seed|sample seed|rng|reproduc|repeat|"
    r"determinis|stream|generator|defaults|(?:same|another|other|different|each|every|one|fixed|its|this) seed",
    re.I,
)
READ_BY_PEOPLE = (
    "course/**/*.ipynb",
    "solutions/**/*.ipynb",
    "exercises/**/*.ipynb",
    "README.md",
    "classroom/**/*",
    "autoaegan/**/*.py",
    "benchmarks/**/*.py",
    "benchmarks/**/*.md",
)


def slides_called_seed(text: str) -> list[str]:
    """The lines of `text` that call the slide deck "the seed"."""
    return [
        line.strip()
        for line in text.splitlines()
        if SLIDES_AS_SEED.search(line) and not RANDOM_SEED_CONTEXT.search(line)
    ]


def test_the_seed_detector_tells_the_slides_from_random_seeds():
    assert slides_called_seed("As the seed's slides put it, autoencoders can have layers.")
    assert slides_called_seed("We call it the seed's model.")
    assert slides_called_seed("the formula of the seed, not the paper's")
    assert slides_called_seed("from autoaegan.data.hailstone import SEED_HAILSTONE_RUN")
    assert not slides_called_seed("Run t-SNE again with another seed: what stays the same?")
    assert not slides_called_seed("set_seed(42) seeds every random number generator")
    assert not slides_called_seed("the seed = 42 makes the run repeat")
    assert not slides_called_seed("As the slides put it, autoencoders can have layers.")


def test_nothing_a_reader_reads_calls_the_slides_the_seed():
    found = []
    for pattern in READ_BY_PEOPLE:
        for path in sorted(ROOT.glob(pattern)):
            if not path.is_file() or ".ipynb_checkpoints" in path.parts or path.suffix in {".npz", ".h5", ".db"}:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if path.suffix == ".ipynb":
                text = "\n".join(cell.source for cell in nbformat.reads(text, as_version=4).cells)
            found += [f"{path.relative_to(ROOT)}: {line[:120]}" for line in slides_called_seed(text)]
    assert not found, "the slide deck is 'the slides', never 'the seed':\n" + "\n".join(found)

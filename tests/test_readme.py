"""The README stays true: its commands, its chapter list and its benchmark table."""

import re
from pathlib import Path

from autoaegan.course.chapters import render_chapter_list
from benchmarks.update_readme import (
    BLOCKS,
    END,
    FROM_MANIFESTS,
    RECORDED,
    START,
    assignment_list,
    block_texts,
    readme_with_results,
)

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_gives_the_two_commands_and_the_makefile_has_them():
    assert "make course" in README and "make test" in README
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^course:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "course/00_start_here.ipynb" in makefile


def test_readme_chapter_list_is_the_catalogue():
    block = README.split("<!-- chapters: start -->")[1].split("<!-- chapters: end -->")[0].strip()
    assert block == render_chapter_list(link_prefix="course/")


def test_readme_benchmark_tables_are_the_measured_ones():
    assert START in README and END in README
    texts = block_texts()
    assert set(texts) == {*BLOCKS, *RECORDED, *FROM_MANIFESTS}
    for block, text in texts.items():
        assert readme_with_results(README, text, block) == README, f"run python -m benchmarks.update_readme ({block})"


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_assignment_list_is_the_solution_notebooks_parts():
    block = README.split("<!-- assignments: start -->")[1].split("<!-- assignments: end -->")[0].strip()
    assert block == assignment_list(), "the README's assignment list is stale: run python -m benchmarks.update_readme"
    assert block.count("\n- ") + 1 == len(list((ROOT / "solutions").glob("*/*.ipynb")))

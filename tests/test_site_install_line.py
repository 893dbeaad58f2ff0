"""Each chapter's first code cell opens with the one commented line that installs the wheel from the course website,
made from `classroom/site/site.toml`'s address and pyproject's version
(`python -m autoaegan.course.site_install_line`)."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

from autoaegan.course.site_install_line import (
    README_END,
    README_START,
    chapter_paths,
    first_code_cell,
    install_line,
    package_version,
    readme_commands,
    rewrite_chapters,
    rewrite_readme,
    site_url,
    with_install_line,
)

ROOT = Path(__file__).resolve().parents[1]


def test_the_line_is_made_from_the_site_setting_and_the_version():
    settings = tomllib.loads((ROOT / "classroom" / "site" / "site.toml").read_text())
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert site_url(ROOT) == settings["site"]["url"].rstrip("/")
    assert package_version(ROOT) == version
    assert install_line(site_url(ROOT), version) == (
        f"# %pip install {settings['site']['url'].rstrip('/')}/autoaegan-{version}-py3-none-any.whl"
    )


@pytest.mark.parametrize("path", chapter_paths(ROOT), ids=lambda path: path.name)
def test_every_chapters_first_cell_has_the_current_install_line(path):
    expected = install_line(site_url(ROOT), package_version(ROOT))
    notebook = nbformat.read(path, as_version=4)
    assert first_code_cell(notebook).source.splitlines()[0] == expected, (
        f"{path.name}: stale or missing install line; run python -m autoaegan.course.site_install_line"
    )
    lines = [line for cell in notebook.cells for line in cell.source.splitlines() if line.startswith("# %pip install")]
    assert lines == [expected], f"{path.name} should hold the install line once"


def test_the_readme_gives_a_learner_with_only_pip_the_same_wheel():
    readme = (ROOT / "README.md").read_text()
    block = readme.split(README_START)[1].split(README_END)[0].strip()
    assert block == readme_commands(site_url(ROOT), package_version(ROOT)), (
        "the README's pip-install block is stale; run python -m autoaegan.course.site_install_line"
    )
    wheel = install_line(site_url(ROOT), package_version(ROOT)).removeprefix("# %pip install ")
    assert f"pip install {wheel}" in block and "python -m autoaegan.course " in block


def test_the_line_goes_into_every_notebook_in_course():
    assert [path.name for path in chapter_paths(ROOT)] == sorted(path.name for path in ROOT.glob("course/*.ipynb"))
    assert len(chapter_paths(ROOT)) >= 13


def test_rewriting_replaces_an_earlier_line_and_is_idempotent():
    old = "# %pip install https://old.example/autoaegan-0.0.1-py3-none-any.whl\nfrom x import y\n"
    line = install_line("https://new.example/course/", "1.2.3")
    assert line == "# %pip install https://new.example/course/autoaegan-1.2.3-py3-none-any.whl"
    assert with_install_line(old, line) == f"{line}\nfrom x import y\n"
    assert with_install_line(with_install_line(old, line), line) == f"{line}\nfrom x import y\n"
    assert with_install_line("profile = 1", line) == f"{line}\nprofile = 1"


def copy_of_the_repository_files(tmp_path: Path) -> Path:
    (tmp_path / "course").mkdir()
    (tmp_path / "classroom" / "site").mkdir(parents=True)
    for path in chapter_paths(ROOT)[:2]:
        shutil.copyfile(path, tmp_path / "course" / path.name)
    shutil.copyfile(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copyfile(ROOT / "README.md", tmp_path / "README.md")
    (tmp_path / "classroom" / "site" / "site.toml").write_text('[site]\nurl = "https://moved.example/aegan/"\n')
    return tmp_path


def test_the_command_rewrites_the_chapters_keeping_ids_and_empty_outputs(tmp_path):
    root = copy_of_the_repository_files(tmp_path)
    before = {path.name: nbformat.read(path, as_version=4) for path in chapter_paths(root)}
    check = subprocess.run(
        [sys.executable, "-m", "autoaegan.course.site_install_line", "--root", str(root), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 1 and "stale install line in 3 file(s)" in check.stderr
    assert "README.md" in check.stderr
    assert rewrite_chapters(root) == chapter_paths(root)
    assert rewrite_chapters(root) == []
    assert rewrite_readme(root) is True and rewrite_readme(root) is False
    assert "pip install https://moved.example/aegan/autoaegan-" in (root / "README.md").read_text()
    expected = f"# %pip install https://moved.example/aegan/autoaegan-{package_version(ROOT)}-py3-none-any.whl"
    for path in chapter_paths(root):
        after = nbformat.read(path, as_version=4)
        assert [cell.id for cell in after.cells] == [cell.id for cell in before[path.name].cells]
        assert all(not cell.get("outputs") for cell in after.cells if cell.cell_type == "code")
        cell = first_code_cell(after)
        assert cell.source.splitlines()[0] == expected
        assert cell.source.split("\n", 1)[1] == first_code_cell(before[path.name]).source.split("\n", 1)[1]
    check = subprocess.run(
        [sys.executable, "-m", "autoaegan.course.site_install_line", "--root", str(root), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stderr


def test_a_bad_setting_gets_a_clear_error(tmp_path):
    root = copy_of_the_repository_files(tmp_path)
    (root / "classroom" / "site" / "site.toml").write_text('[site]\nurl = "autoaegan.github.io"\n')
    expected = r'expected `\[site\] url = "https://\.\.\."`, found url = .autoaegan.github.io'
    with pytest.raises(ValueError, match=expected):
        site_url(root)
    (root / "classroom" / "site" / "site.toml").write_text('[site]\nurl = "https://fine.example"\n')
    (root / "README.md").write_text("# a README without the block\n")
    with pytest.raises(ValueError, match="has no pip-install block"):
        rewrite_readme(root)
    done = subprocess.run(
        [sys.executable, "-m", "autoaegan.course.site_install_line", "--root", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "run this from the repository's root" in done.stderr

"""The commented `%pip install` line in each chapter's first code cell, made from the site's address and the version.

A learner on a hosted notebook, or on a hub without the course, uncomments it to
install the wheel that the course website publishes at its root
(`<url>/autoaegan-<version>-py3-none-any.whl`). The README's commands for a learner
with only pip (its `pip-install` block) name the same wheel. The address is the one
setting of `classroom/site/site.toml` (`[site] url`); the version is pyproject.toml's.
Run from the repository's root after changing either:

    python -m autoaegan.course.site_install_line            # rewrite the chapters' line and the README's block
    python -m autoaegan.course.site_install_line --check    # exit 1 if one is out of date
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat

SITE_SETTINGS = Path("classroom", "site", "site.toml")
CHAPTERS_GLOB = "course/*.ipynb"
README_START, README_END = "<!-- pip-install: start -->", "<!-- pip-install: end -->"
# Any earlier form of the line: rewritten, never duplicated.
INSTALL_LINE = re.compile(r"^# %pip install \S*autoaegan\S*\.whl[^\n]*\n?", flags=re.M)


def site_url(root: Path) -> str:
    """The site's address from `classroom/site/site.toml` under `root`, without a trailing slash."""
    path = Path(root) / SITE_SETTINGS
    if not path.is_file():
        raise FileNotFoundError(f"no {SITE_SETTINGS} under {Path(root).resolve()}: run this from the repository's root")
    url = tomllib.loads(path.read_text()).get("site", {}).get("url")
    if not isinstance(url, str) or not re.fullmatch(r"https?://[^\s\"']+", url):
        raise ValueError(f'{path}: expected `[site] url = "https://..."`, found url = {url!r}')
    return url.rstrip("/")


def package_version(root: Path) -> str:
    """The version that pyproject.toml under `root` gives the package."""
    path = Path(root) / "pyproject.toml"
    if not path.is_file():
        raise FileNotFoundError(f"no pyproject.toml under {Path(root).resolve()}: run this from the repository's root")
    version = tomllib.loads(path.read_text()).get("project", {}).get("version")
    if not isinstance(version, str) or not version:
        raise ValueError(f'{path}: expected a static `[project] version = "X.Y.Z"`, found {version!r}')
    return version


def wheel_name(version: str) -> str:
    """The file name of the course's wheel at `version` (pure Python, any platform)."""
    return f"autoaegan-{version}-py3-none-any.whl"


def install_line(url: str, version: str) -> str:
    """The commented line that installs the wheel of `version` from the site at `url`."""
    return f"# %pip install {wheel_url(url, version)}"


def wheel_url(url: str, version: str) -> str:
    """Where the site publishes the wheel of `version`: at its root."""
    return f"{url.rstrip('/')}/{wheel_name(version)}"


def readme_commands(url: str, version: str) -> str:
    """The README's two commands for a learner with only pip, as a fenced block."""
    return (
        "```bash\n"
        f"pip install {wheel_url(url, version)}\n"
        "python -m autoaegan.course autoaegan-course   # copy the course there, open JupyterLab on chapter 00\n"
        "```"
    )


def with_install_line(source: str, line: str) -> str:
    """A first code cell's `source` with `line` as its first line, any earlier install line removed."""
    return f"{line}\n{INSTALL_LINE.sub('', source)}"


def first_code_cell(notebook):
    """The notebook's first code cell (its setup cell)."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            return cell
    raise ValueError("the notebook has no code cell: expected a setup cell")


def chapter_paths(root: Path) -> list[Path]:
    """The chapters (and appendices) whose first cell carries the line."""
    return sorted(Path(root).glob(CHAPTERS_GLOB))


def rewrite_chapters(root: Path, *, check: bool = False) -> list[Path]:
    """Give every chapter under `root` the current install line; return the chapters that were (or, with `check`,
    would be) changed. Each notebook is read, changed and written at once, its cell ids and outputs kept."""

    line = install_line(site_url(root), package_version(root))
    changed = []
    for path in chapter_paths(root):
        notebook = nbformat.read(path, as_version=4)
        try:
            cell = first_code_cell(notebook)
        except ValueError as problem:
            raise ValueError(f"{path}: {problem}") from None
        rewritten = with_install_line(cell.source, line)
        if rewritten != cell.source:
            changed.append(path)
            if not check:
                cell.source = rewritten
                nbformat.write(notebook, path)
    return changed


def rewrite_readme(root: Path, *, check: bool = False) -> bool:
    """Give the README under `root` the current commands in its pip-install block; return whether it was (or, with
    `check`, would be) changed."""
    path = Path(root) / "README.md"
    readme = path.read_text()
    pattern = re.compile(re.escape(README_START) + ".*?" + re.escape(README_END), re.DOTALL)
    if not pattern.search(readme):
        raise ValueError(f"{path} has no pip-install block: expected the markers {README_START} and {README_END}")
    block = f"{README_START}\n{readme_commands(site_url(root), package_version(root))}\n{README_END}"
    rewritten = pattern.sub(lambda _: block, readme)
    if rewritten != readme and not check:
        path.write_text(rewritten)
    return rewritten != readme


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: rewrite the chapters' install line, or with `--check` only report the stale ones."""
    parser = argparse.ArgumentParser(
        prog="python -m autoaegan.course.site_install_line",
        description="Write the site's wheel address into each chapter's first code cell.",
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the repository's root (default: here)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a chapter's line is stale")
    args = parser.parse_args(argv)
    try:
        changed = rewrite_chapters(args.root, check=args.check)
        if rewrite_readme(args.root, check=args.check):
            changed.append(Path(args.root) / "README.md")
    except (FileNotFoundError, ValueError) as problem:
        print(problem, file=sys.stderr)
        return 2
    names = ", ".join(path.name for path in changed)
    if args.check:
        if changed:
            print(
                f"stale install line in {len(changed)} file(s): {names}; "
                "run python -m autoaegan.course.site_install_line",
                file=sys.stderr,
            )
        return 1 if changed else 0
    print(
        f"install line {install_line(site_url(args.root), package_version(args.root))!r}: "
        f"{len(changed)} file(s) rewritten" + (f" ({names})" if changed else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

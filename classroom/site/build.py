"""Build the course website: the student's tree, every chapter with its outputs, as static HTML (make site).

    python classroom/site/build.py                      # execute every chapter (classroom profile), then build
    python classroom/site/build.py --executed DIR       # build from chapters already executed into DIR

Three steps:

1. **Execute** (without --executed): each notebook of `course/` and `course/apps/` runs in a fresh kernel,
   in the `classroom` profile, from its own folder, as a learner's would; the copies go to
   `build/site-executed/`. With --executed, the copies come from DIR (as the test run's conftest
   writes them with $AUTOAEGAN_EXECUTED_DIR), laid out as the repository (DIR/course/...).
2. **Stage** into `build/site-source/`: the chapters with their outputs, the apps, `exercises/` as released
   (not executed: they are the learner's to fill), the README and the site's index. Never `solutions/`:
   the allow-list below does not reach it, and a staged file with nbgrader's solution or hidden-test
   markers stops the build. Outputs become what a page without a kernel shows: a plotly figure becomes
   its div and the script that draws it with the plotly.js the site carries; a widget becomes the
   picture of its first state that the package's widgets display beside their view, with its alt text.
3. **Render** with Sphinx, MyST-NB and sphinx-book-theme (`classroom/site/conf.py`) into `build/site/`,
   which any static host serves as it is, and put the package's wheel at its root (the address the
   chapters' install line and the README give, `autoaegan.course.site_install_line`).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat

from autoaegan.widgets.snapshot import STATIC_FIGURE_MIME

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "classroom" / "site"
BUILD = ROOT / "build"
EXECUTED = BUILD / "site-executed"
SOURCE = BUILD / "site-source"
OUTPUT = BUILD / "site"
# Where the student's tree lives; solutions/ is never among them.
CHAPTER_GLOBS = ("course/*.ipynb", "course/apps/*.ipynb")
EXERCISE_GLOBS = ("exercises/*/*.ipynb",)
PAGES = ("README.md",)
# Text only the instructor's notebooks hold (nbgrader's markers): a staged file with one stops the build.
FORBIDDEN_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS")
PLOTLY_MIME = "application/vnd.plotly.v1+json"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
CELL_TIMEOUT = 900
# CSS classes of the converted outputs, for the site's style sheet and the browser tests.
PLOTLY_CLASS = "autoaegan-plotly"
SNAPSHOT_CLASS = "autoaegan-widget-snapshot"
MISSING_WIDGET_CLASS = "autoaegan-widget-missing"


def chapter_paths(root: Path = ROOT) -> list[Path]:
    """The notebooks the site shows executed (chapters and apps), relative to `root`."""
    return sorted(path.relative_to(root) for pattern in CHAPTER_GLOBS for path in root.glob(pattern))


def exercise_paths(root: Path = ROOT) -> list[Path]:
    """The released exercises, relative to `root` (shown as released, unexecuted)."""
    return sorted(path.relative_to(root) for pattern in EXERCISE_GLOBS for path in root.glob(pattern))


def execute_chapters(
    destination: Path = EXECUTED, *, profile: str = "classroom", root: Path = ROOT
) -> dict[str, float]:
    """Run every chapter and app in a fresh kernel in `profile`; write the copies under `destination`.

    Returns each notebook's wall time in seconds. A chapter that fails stops the build with its error.
    """
    from nbclient import NotebookClient

    environment = {**os.environ, "AUTOAEGAN_PROFILE": profile}
    environment.pop("PYTEST_CURRENT_TEST", None)
    timings = {}
    for relative in chapter_paths(root):
        notebook = nbformat.read(root / relative, as_version=4)
        started = time.perf_counter()
        print(f"site: executing {relative} ({profile} profile)", flush=True)
        client = NotebookClient(
            notebook,
            timeout=CELL_TIMEOUT,
            kernel_name="python3",
            store_widget_state=False,
            resources={"metadata": {"path": str((root / relative).parent)}},
        )
        client.execute(env=environment)
        timings[str(relative)] = time.perf_counter() - started
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
    return timings


def plotly_html(figure: dict) -> str:
    """The div and script that draw a plotly figure (its JSON as a notebook stores it) with the site's plotly.js."""
    div_id = f"plotly-{uuid.uuid4().hex[:12]}"
    layout = dict(figure.get("layout", {}))
    width, height = layout.get("width"), layout.get("height")
    style = f"height:{height or 450}px;" + (f"width:{width}px;" if width else "width:100%;")
    payload = json.dumps({"data": figure.get("data", []), "layout": layout, "frames": figure.get("frames", [])})
    payload = payload.replace("</", "<\\/")  # a "</script>" inside a string must not end the script
    return (
        f'<div class="{PLOTLY_CLASS}"><div id="{div_id}" class="plotly-graph-div" style="{style}"></div>'
        f'<script type="text/javascript">(function () {{ var figure = {payload}; '
        f'Plotly.newPlot("{div_id}", figure.data, figure.layout, {{"responsive": true, "displaylogo": false}})'
        f'.then(function () {{ if (figure.frames.length) {{ Plotly.addFrames("{div_id}", figure.frames); }} }}); '
        f"}})();</script></div>"
    )


def snapshot_html(png_base64: str, alt: str) -> str:
    """An <img> of a widget's picture, with its alt text."""
    return (
        f'<img class="{SNAPSHOT_CLASS}" src="data:image/png;base64,{png_base64}" '
        f'alt="{html.escape(alt, quote=True)}" title="{html.escape(alt, quote=True)}">'
    )


def static_output(output: dict) -> dict:
    """One output as a page without a kernel can show it (a new dict; streams and errors as they are)."""
    data = output.get("data")
    if not data:
        return output
    output = dict(output)
    if PLOTLY_MIME in data:
        output["data"] = {"text/html": plotly_html(data[PLOTLY_MIME])}
    elif STATIC_FIGURE_MIME in data:  # a widget that a plain figure shows best (autoaegan/widgets/snapshot.py)
        output["data"] = {"text/html": plotly_html(data[STATIC_FIGURE_MIME])}
    elif WIDGET_MIME in data:
        alt = str(data.get("text/plain", "an interactive widget"))
        if "image/png" in data:
            output["data"] = {"text/html": snapshot_html(str(data["image/png"]).strip(), alt)}
        else:
            text = html.escape("An interactive widget: run the notebook to use it.")
            output["data"] = {"text/html": f'<p class="{MISSING_WIDGET_CLASS}">{text}</p>'}
    output["metadata"] = {}
    return output


def static_notebook(notebook):
    """The notebook with every output made static (`static_output`); widget state dropped."""
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.from_dict(static_output(output)) for output in cell.outputs]
    notebook.metadata.pop("widgets", None)
    return notebook


def check_no_instructor_text(path: Path) -> None:
    """Refuse a staged file that holds nbgrader's solution or hidden-test markers."""
    text = path.read_text(encoding="utf-8", errors="replace")
    found = [marker for marker in FORBIDDEN_MARKERS if marker in text]
    if found:
        raise RuntimeError(f"{path} holds instructor-only text ({', '.join(found)}): the site never shows solutions")


def stage(executed: Path, source: Path = SOURCE, *, root: Path = ROOT) -> list[Path]:
    """Write the site's sources into `source` (emptied first): executed chapters, exercises, README, index.

    Every chapter and app must be in `executed` (as `executed/course/...`): a page without its
    outputs would not be the executed course. Returns the staged files, relative to `source`.
    """
    chapters = chapter_paths(root)
    missing = [str(relative) for relative in chapters if not (executed / relative).is_file()]
    if missing:
        raise FileNotFoundError(
            f"no executed copy in {executed} of: {', '.join(missing)} "
            "(run make site to execute them, or make test with AUTOAEGAN_EXECUTED_DIR set)"
        )
    if source.exists():
        shutil.rmtree(source)
    staged = []
    for relative in chapters:
        notebook = nbformat.read(executed / relative, as_version=4)
        staged.append(_write_notebook(static_notebook(notebook), source / relative))
    for relative in exercise_paths(root):
        staged.append(_write_notebook(nbformat.read(root / relative, as_version=4), source / relative))
    for page in PAGES:
        staged.append(_copy(root / page, source / page))
    for page in PAGES:
        _unlink_outside(source / page, source)
    staged.append(_copy(CONFIG / "index.md", source / "index.md"))
    for path in staged:
        check_no_instructor_text(path)
    return [path.relative_to(source) for path in staged]


def _write_notebook(notebook, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    return target


MARKDOWN_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")


def _unlink_outside(page: Path, source: Path) -> None:
    """Turn the page's links to files the site does not hold (the classroom's README, the licence) into their text.

    Such files stay with the repository; a link to them would be a dead link on the site.
    """

    def keep_or_unlink(match):
        text, target = match.groups()
        if (
            re.match(r"[a-z]+:|#", target)
            or (page.parent / target.split("#")[0]).resolve().is_relative_to(source.resolve())
            and (page.parent / target.split("#")[0]).exists()
        ):
            return match.group(0)
        return text

    page.write_text(MARKDOWN_LINK.sub(keep_or_unlink, page.read_text(encoding="utf-8")), encoding="utf-8")


def _copy(path: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return target


def render(source: Path = SOURCE, output: Path = OUTPUT) -> None:
    """Render the staged sources into HTML with Sphinx (classroom/site/conf.py)."""
    if output.exists():
        shutil.rmtree(output)
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-q",
        "-c",
        str(CONFIG),
        str(source),
        str(output),
        "-d",
        str(BUILD / "site-doctrees"),
    ]
    subprocess.run(command, check=True)


def publish_wheel(output: Path = OUTPUT, *, root: Path = ROOT) -> Path:
    """Build the package's wheel into the site's root, where the chapters' install line and the README point."""
    from autoaegan.course.site_install_line import package_version, wheel_name

    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(output), str(root)]
    subprocess.run(command, check=True)
    wheel = output / wheel_name(package_version(root))
    if not wheel.is_file():
        raise FileNotFoundError(
            f"pip wheel made no {wheel.name} in {output}: found {sorted(path.name for path in output.glob('*.whl'))}"
        )
    return wheel


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--executed",
        type=Path,
        help="a folder of executed chapters (DIR/course/...); without it, every chapter runs first (classroom profile)",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"where the site goes (default {OUTPUT})")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    executed = args.executed
    if executed is None:
        timings = execute_chapters(EXECUTED)
        for name, seconds in timings.items():
            print(f"site: {name} ran in {seconds:.0f} s")
        executed = EXECUTED
    staged = stage(executed.resolve())
    render(SOURCE, args.output)
    wheel = publish_wheel(args.output)
    print(f"site: the wheel {wheel.name} published at the site's root")
    print(f"site: {len(staged)} pages in {args.output} ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

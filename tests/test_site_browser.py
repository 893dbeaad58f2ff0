"""The built course website in headless Chromium: every chapter page draws its figures, the kernel-free explorers move.

Run by `make site-check` (and by CI, after `make site-from-executed`) on the site in $AUTOAEGAN_SITE_DIR,
served by a plain static HTTP server, as any static host would serve it. Without $AUTOAEGAN_SITE_DIR there is no
site to look at: tests/conftest.py leaves the module out of `make test`, which runs before the site is built.

- every chapter and app page: each plotly figure is drawn by the site's own plotly.js and the maths by its own
  MathJax (no request leaves the server), each widget shows its picture with alt text, and the page raises no error;
- chapter 06's latent explorer, chapter 11's style-mixing grid and chapter 12's diffusion scrubber, as figures
  without a kernel: a click on a slider's rail moves it, and the image changes;
- no solution code anywhere in the built site.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from autoaegan.course.site_install_line import package_version, wheel_name
from classroom.localhub import free_port

ROOT = Path(__file__).resolve().parents[1]
SITE = os.environ.get("AUTOAEGAN_SITE_DIR")
if not SITE:
    raise pytest.UsageError("no built site to check ($AUTOAEGAN_SITE_DIR is unset): make site, then make site-check")

from test_site import solution_lines  # noqa: E402  (after the skip: it imports Keras)

SITE_DIR = Path(SITE).resolve()
CHAPTER_PAGES = sorted(path.relative_to(SITE_DIR).as_posix() for path in (SITE_DIR / "course").rglob("*.html"))
DRAW_SECONDS = 60
IMAGE_SECONDS = 5  # how long a moved slider's new picture may take to show

pytestmark = [pytest.mark.browser, pytest.mark.needs("chromium"), pytest.mark.timeout(600)]

# The figure behind a kernel-free explorer: the div plotly drew with the package's slider-explorer meta.
FIND_EXPLORER = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .findIndex(gd => gd.layout && gd.layout.meta === 'autoaegan-slider-explorer')"""
IMAGE_OF = """([figure, trace]) => {
    const gd = document.querySelectorAll('.js-plotly-plot')[figure];
    const image = gd.querySelectorAll('g.imagelayer image')[trace];
    return [gd._fullLayout.sliders[trace].active, image.getAttribute('href')];
}"""


@pytest.fixture(scope="module")
def site_url():
    """The site served over HTTP on a free loopback port by Python's static file server."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(SITE_DIR)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/index.html", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextlib.contextmanager
def opened(browser, url: str):
    """A page at `url` whose uncaught errors and requests that leave the site are collected."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, outside = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    site = url.split("/")[2]

    def route(route_request):
        if route_request.request.url.split("/")[2] == site:
            route_request.continue_()
        else:  # offline, as a classroom without internet: a request that leaves the site is noted and refused
            outside.append(route_request.request.url)
            route_request.abort()

    page.route("**/*", route)
    page.goto(url, wait_until="load")
    try:
        yield page, errors, outside
    finally:
        page.close()


def test_the_site_has_a_page_for_every_chapter_and_app():
    pages = {Path(page).stem for page in CHAPTER_PAGES}
    expected = {path.stem for path in (ROOT / "course").glob("*.ipynb")} | {
        path.stem for path in (ROOT / "course" / "apps").glob("*.ipynb")
    }
    assert pages == expected
    assert (SITE_DIR / "index.html").is_file() and (SITE_DIR / "_static" / "plotly.min.js").is_file()
    # The wheel the chapters' install line and the README name, at the site's root.
    assert (SITE_DIR / wheel_name(package_version(ROOT))).is_file()


def test_no_solution_code_reaches_the_built_site():
    lines = solution_lines()
    assert len(lines) > 50
    leaked = set()
    for path in SITE_DIR.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".txt", ".ipynb", ".js", ".md"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            if path.suffix == ".html":  # code is split into highlighted spans: compare the text a reader sees
                text = html.unescape(re.sub(r"<[^>]+>", "", text))
            assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, path
            leaked |= {line for line in lines if line in text}
    assert not leaked, f"solution code in the site: {sorted(leaked)[:3]}"


@pytest.mark.parametrize("page_path", CHAPTER_PAGES)
def test_every_chapter_page_draws_its_figures_and_shows_its_widgets(browser, site_url, page_path):
    with opened(browser, f"{site_url}/{page_path}") as (page, errors, outside):
        figures = page.locator("div.autoaegan-plotly").count()
        pictures = page.locator("img.autoaegan-widget-snapshot").count()
        if Path(page_path).parent.name == "course" and not Path(page_path).name.startswith("00_"):
            assert figures + pictures > 0, f"{page_path} shows no figure"  # every chapter after 00 has figures
        page.wait_for_function(
            "n => document.querySelectorAll('div.autoaegan-plotly .js-plotly-plot .main-svg').length >= n",
            arg=figures,
            timeout=DRAW_SECONDS * 1000,
        )
        drawn = page.evaluate("""() => [...document.querySelectorAll('div.autoaegan-plotly .js-plotly-plot')]
            .map(gd => gd._fullData.length)""")
        assert len(drawn) == figures and all(traces > 0 for traces in drawn)
        images = page.evaluate("""() => [...document.querySelectorAll('img.autoaegan-widget-snapshot')]
            .map(img => [img.complete && img.naturalWidth > 0, img.alt])""")
        assert all(loaded for loaded, _ in images), f"a widget's picture did not load on {page_path}"
        assert all(len(alt) > 40 and "run the notebook" in alt for _, alt in images)
        assert not page.locator(".autoaegan-widget-missing").count()
        if page.locator("span.math, div.math").count():  # the maths, typeset by the MathJax the site carries
            page.wait_for_function(
                "() => document.querySelectorAll('.MathJax, .MathJax_Display').length > 0", timeout=DRAW_SECONDS * 1000
            )
        assert not errors, f"{page_path} raised {errors[:2]}"
        assert not outside, f"{page_path} asked for files the site does not carry: {outside[:3]}"


def move_slider(page, figure: int, slider: int, share: float) -> None:
    """Click slider `slider` of figure `figure` at `share` of its rail's length (0 the left end, 1 the right)."""
    rail = page.locator(".js-plotly-plot").nth(figure).locator(".slider-container .slider-rail-touch-rect").nth(slider)
    box = rail.bounding_box()
    page.mouse.click(box["x"] + share * box["width"], box["y"] + box["height"] / 2)


@pytest.mark.parametrize(
    "page_path",
    ["course/06_variational_autoencoders.html", "course/11_stylegan.html", "course/12_diffusion_models.html"],
)
def test_the_kernel_free_explorers_answer_their_sliders(browser, site_url, page_path):
    with opened(browser, f"{site_url}/{page_path}") as (page, errors, outside):
        page.wait_for_function(f"() => ({FIND_EXPLORER})() >= 0", timeout=DRAW_SECONDS * 1000)
        figure = page.evaluate(FIND_EXPLORER)
        count = page.evaluate("i => document.querySelectorAll('.js-plotly-plot')[i]._fullLayout.sliders.length", figure)
        assert count >= (2 if "06_" in page_path else 1)
        page.locator(".js-plotly-plot").nth(figure).scroll_into_view_if_needed()
        for slider in range(count):
            before = page.evaluate(IMAGE_OF, [figure, slider])
            for share in (0.02, 0.98):  # one end or the other is away from where the slider starts
                move_slider(page, figure, slider, share)
                page.wait_for_timeout(150)
                after = page.evaluate(IMAGE_OF, [figure, slider])
                if after[0] != before[0]:
                    break
            assert after[0] != before[0], f"slider {slider} of {page_path} did not move"
            # plotly swaps the picture once its PNG has loaded: on a busy machine, later than the slider moves
            deadline = time.monotonic() + IMAGE_SECONDS
            while after[1] == before[1] and time.monotonic() < deadline:
                page.wait_for_timeout(100)
                after = page.evaluate(IMAGE_OF, [figure, slider])
            assert after[1] != before[1], f"slider {slider} of {page_path} moved, but its image stayed"
        assert not errors

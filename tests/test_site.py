"""The course website's pieces, without Sphinx or a browser: staging, static outputs, widget pictures, slider figures.

The built site itself is checked in Chromium by tests/test_site_browser.py (make site-check).
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import sys
from pathlib import Path

import ipywidgets
import keras
import nbformat
import numpy as np
import pytest
from PIL import Image

from autoaegan.widgets.decoding import decode
from autoaegan.widgets.kernel_free import latent_slider_figure, mixing_picture, style_mixing_slider_figure
from autoaegan.widgets.latent_explorer import LatentExplorer
from autoaegan.widgets.png import read_grey_png
from autoaegan.widgets.snapshot import widget_description, with_snapshot

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from classroom.site import build  # noqa: E402

SOLUTION_BLOCK = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


def tiny_decoder(latent_dim=3, side=6):
    codings = keras.Input((latent_dim,))
    pixels = keras.layers.Dense(
        side * side, activation="sigmoid", kernel_initializer=keras.initializers.RandomNormal(stddev=1.0, seed=1)
    )(codings)
    return keras.Model(codings, keras.layers.Reshape((side, side))(pixels))


def solution_lines() -> set[str]:
    """The lines of solutions/' solution blocks that the student's tree does not hold: code only the instructor has.

    Lines of 30 characters or more; those a chapter or a released exercise also shows (a model's first layer,
    say) are public and left out.
    """
    lines = set()
    for path in (ROOT / "solutions").glob("*/*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            for block in SOLUTION_BLOCK.findall(cell.source):
                lines |= {line.strip() for line in block.splitlines() if len(line.strip()) >= 30}
    public = "\n".join(
        cell.source
        for path in [*build.chapter_paths(), *build.exercise_paths()]
        for cell in nbformat.read(ROOT / path, as_version=4).cells
    )
    public += "\n".join((ROOT / page).read_text() for page in build.PAGES)
    return {line for line in lines if line not in public}


def test_the_staged_site_holds_the_students_tree_and_no_solution_code(tmp_path):
    staged = build.stage(_executed_copies(tmp_path / "executed"), tmp_path / "source")

    tops = {path.parts[0] for path in staged}
    assert tops == {"course", "exercises", "README.md", "index.md"}
    assert {path for path in staged if path.parts[0] == "course"} == set(build.chapter_paths())
    assert Path("course/apps/latent_explorer.ipynb") in staged
    assert len([path for path in staged if path.parts[0] == "exercises"]) == len(build.exercise_paths()) >= 5
    lines = solution_lines()
    assert len(lines) > 50  # the check below looks for something real
    text = "\n".join((tmp_path / "source" / path).read_text() for path in staged)
    leaked = sorted(line for line in lines if line in text)
    assert not leaked, f"solution code reached the site: {leaked[:3]}"


def test_the_staged_readme_links_only_to_pages_the_site_holds(tmp_path):
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "01_x.ipynb").write_text("{}")
    page = tmp_path / "README.md"
    page.write_text(
        "[chapter](course/01_x.ipynb), [part](course/01_x.ipynb#a), [hub](classroom/README.md), "
        "[web](https://example.org/a), [here](#section), ![figure](missing.png), [licence](../LICENSE)\n"
    )
    build._unlink_outside(page, tmp_path)
    assert page.read_text() == (
        "[chapter](course/01_x.ipynb), [part](course/01_x.ipynb#a), hub, "
        "[web](https://example.org/a), [here](#section), ![figure](missing.png), licence\n"
    )
    staged = build.stage(_executed_copies(tmp_path / "executed"), tmp_path / "source")
    readme = (tmp_path / "source" / "README.md").read_text()
    links = re.findall(r"(?<!!)\[[^\]]+\]\(([^)\s]+)\)", readme)
    assert Path("README.md") in staged and links
    for target in links:
        local = target.split("#")[0]
        assert re.match(r"[a-z]+:|#", target) or (tmp_path / "source" / local).exists(), target


def _executed_copies(executed: Path) -> Path:
    for relative in build.chapter_paths():
        (executed / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / relative, executed / relative)
    return executed


def test_staging_refuses_a_chapter_with_instructor_text_and_a_missing_chapter(tmp_path):
    executed = tmp_path / "executed"
    for relative in build.chapter_paths():
        (executed / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / relative, executed / relative)
    chapter = executed / "course" / "06_variational_autoencoders.ipynb"
    notebook = nbformat.read(chapter, as_version=4)
    notebook.cells[2].source += "\n### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION"
    nbformat.write(notebook, chapter)
    with pytest.raises(RuntimeError, match="instructor-only text .*BEGIN SOLUTION"):
        build.stage(executed, tmp_path / "source")
    chapter.unlink()
    with pytest.raises(FileNotFoundError, match="no executed copy .*06_variational_autoencoders"):
        build.stage(executed, tmp_path / "source")


def test_a_plotly_output_becomes_a_figure_drawn_by_the_sites_own_plotly_js():
    figure = {"data": [{"type": "scatter", "y": [1, 3, 2], "name": "</script><b>"}], "layout": {"height": 321}}
    output = {
        "output_type": "execute_result",
        "execution_count": 1,
        "metadata": {},
        "data": {"application/vnd.plotly.v1+json": figure, "text/plain": "Figure(...)"},
    }
    converted = build.static_output(output)
    html = converted["data"]["text/html"]
    assert set(converted["data"]) == {"text/html"}
    assert f'class="{build.PLOTLY_CLASS}"' in html and "Plotly.newPlot(" in html and "height:321px" in html
    assert "cdn" not in html.lower() and "<script src" not in html  # plotly.js comes from the site, not a CDN
    assert html.count("</script>") == 1  # a figure's text cannot end the script early
    payload = re.search(r"var figure = (\{.*?\}); Plotly", html).group(1)
    assert json.loads(payload.replace("<\\/", "</"))["data"] == figure["data"]


def test_a_widget_output_becomes_its_picture_with_alt_text_or_a_note():
    png = base64.b64encode(Image.new("L", (4, 4), 200).tobytes()).decode()
    view = {"version_major": 2, "version_minor": 0, "model_id": "abc"}
    pictured = build.static_output(
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {
                "application/vnd.jupyter.widget-view+json": view,
                "image/png": png,
                "text/plain": 'The explorer: z[0] "+1.0"',
            },
        }
    )
    html = pictured["data"]["text/html"]
    assert f'class="{build.SNAPSHOT_CLASS}"' in html and f"base64,{png}" in html
    assert 'alt="The explorer: z[0] &quot;+1.0&quot;"' in html
    bare = build.static_output(
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"application/vnd.jupyter.widget-view+json": view, "text/plain": "VBox(...)"},
        }
    )
    assert build.MISSING_WIDGET_CLASS in bare["data"]["text/html"] and "run the notebook" in bare["data"]["text/html"]
    stream = {"output_type": "stream", "name": "stdout", "text": "hello\n"}
    assert build.static_output(stream) == stream


def test_a_package_widget_displays_a_picture_of_its_first_state_and_its_alt_text():
    explorer = LatentExplorer(tiny_decoder(), seed=3)
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # JupyterLab still shows the live widget
    picture = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    assert picture.format == "PNG" and picture.width > 200 and picture.height > 100
    # The decoded image the explorer shows is in the picture, pixel for pixel.
    shown = np.asarray(Image.open(io.BytesIO(bytes(explorer.image.value))).convert("RGB"))
    pixels = np.asarray(picture.convert("RGB"))
    windows = np.lib.stride_tricks.sliding_window_view(pixels, shown.shape)
    assert (windows == shown).all(axis=(-3, -2, -1)).any()
    alt = bundle["text/plain"]
    assert alt.startswith("The latent explorer, 4 images")
    for slider in explorer.sliders:
        assert f"{slider.description} {slider.value:+.1f}" in alt
    assert "run the notebook" in alt


def test_a_widget_description_reads_texts_controls_and_figures_in_order():
    box = ipywidgets.VBox(
        [
            ipywidgets.HTML("<b>Title</b> &amp; more"),
            ipywidgets.IntSlider(3, description="n"),
            ipywidgets.HBox(
                [
                    ipywidgets.Button(description="Go"),
                    ipywidgets.Dropdown(options=[("Bag", 8), ("Coat", 4)], value=4, description="class"),
                ]
            ),
        ]
    )
    assert widget_description(box, "A box").startswith("A box, 0 images: Title & more; n 3; button “Go”; class Coat.")
    bundle = with_snapshot({"text/plain": "VBox()"}, box)
    assert Image.open(io.BytesIO(base64.b64decode(bundle["image/png"]))).format == "PNG"
    assert "image/png" not in with_snapshot({}, ipywidgets.VBox([]))  # nothing to draw: no picture


def sources(figure, row):
    return [step["args"][0]["source"][0] for step in figure.layout.sliders[row].steps]


def test_the_latent_slider_figure_holds_every_decoded_image_a_slider_reaches():
    decoder = tiny_decoder()
    base = np.array([0.5, -1.0, 0.0], dtype=np.float32)
    start, end = np.zeros(3, np.float32), np.ones(3, np.float32)
    figure = latent_slider_figure(decoder, dims=[2, 0], base=base, endpoints=(start, end), scale=2)
    assert [slider.currentvalue.prefix for slider in figure.layout.sliders] == ["z[2]: ", "z[0]: ", "t (start → end): "]
    assert len(figure.data) == 3 and all(trace.type == "image" for trace in figure.data)
    first = figure.layout.sliders[0]
    assert [step.label for step in first.steps][::6] == ["-3.0", "+0.0", "+3.0"] and first.active == 6
    # Step k of z[2]'s slider shows the base coding with z[2] at its value, decoded.
    values = np.arange(-3.0, 3.01, 0.5)
    for step, value in ((0, values[0]), (9, values[9])):
        coding = base.copy()
        coding[2] = value
        expected = 255 - np.round(decode(decoder, coding[None])[0] * 255).astype(np.uint8)
        uri = sources(figure, 0)[step]
        drawn = read_grey_png(base64.b64decode(uri.split(",", 1)[1]))[::2, ::2]
        np.testing.assert_array_equal(drawn, expected)
    assert len(set(sources(figure, 0))) == 13 and len(set(sources(figure, 2))) == 11
    assert figure.data[1].source == sources(figure, 1)[figure.layout.sliders[1].active]  # z[0] starts at 0.5
    assert figure.layout.sliders[1].steps[figure.layout.sliders[1].active].label == "+0.5"
    with pytest.raises(ValueError, match="distinct latent indices in 0..2, got \\[3\\]"):
        latent_slider_figure(decoder, dims=[3])


def test_the_style_mixing_slider_figure_steps_through_every_crossover():
    from autoaegan.models.stylegan import StyleGenerator
    from autoaegan.seeding import set_seed
    from autoaegan.widgets.style_mixing import StyleMixingGrid

    set_seed(0)
    generator = StyleGenerator(6, 5, (4, 3), mapping_depth=2, seed=0)
    for layer in generator.synthesis.noises:  # noise scales start at zero; any value will do here
        layer.scale.assign(np.full(layer.scale.shape, 0.1, np.float32))
    mixing = StyleMixingGrid(generator, rows=2, columns=3, seed=1)
    figure = style_mixing_slider_figure(mixing, scale=1)
    (slider,) = figure.layout.sliders
    assert [step.label for step in slider.steps] == [str(c) for c in range(mixing.num_styles + 1)]
    assert slider.active == mixing.slider.value
    uris = sources(figure, 0)
    assert len(set(uris)) > 2  # the crossover changes the cells
    drawn = read_grey_png(base64.b64decode(uris[0].split(",", 1)[1]))
    expected = 255 - np.round(np.clip(mixing_picture(mixing.grid(0)), 0, 1) * 255).astype(np.uint8)
    np.testing.assert_array_equal(drawn, expected)
    assert "crossover 0: higher styles 0–3" in slider.steps[0].args[1]["title.text"]


def test_the_mixing_picture_lays_the_grid_out_with_wider_gaps_after_the_sources():
    grid = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2) / 12
    picture = mixing_picture(grid, gap=1, source_gap=3)
    assert picture.shape == (2 + 3 + 2, 2 + 3 + 2 + 1 + 2)
    np.testing.assert_array_equal(picture[:2, :2], grid[0, 0])
    np.testing.assert_array_equal(picture[5:, 5:7], grid[1, 1])
    np.testing.assert_array_equal(picture[5:, 8:], grid[1, 2])


def test_the_readme_links_to_the_sites_address_and_says_how_to_build_and_publish_it():
    import tomllib

    url = tomllib.loads((ROOT / "classroom" / "site" / "site.toml").read_text())["site"]["url"].rstrip("/")
    readme = (ROOT / "README.md").read_text()
    assert f"<{url}>" in readme
    for command in ("make site", "make site-from-executed", "make site-check", "build/site/"):
        assert command in readme


def test_the_test_run_keeps_each_chapter_it_executes_with_its_outputs(tmp_path):
    import os
    import subprocess

    chapter = Path("course/00_start_here.ipynb")
    env = {**os.environ, "AUTOAEGAN_EXECUTED_DIR": str(tmp_path), "AUTOAEGAN_PROFILE": "test"}
    env.pop("PYTEST_CURRENT_TEST", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "0", "-q", "-p", "no:randomly", str(chapter)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    kept = nbformat.read(tmp_path / chapter, as_version=4)
    original = nbformat.read(ROOT / chapter, as_version=4)
    assert [(cell.id, cell.source) for cell in kept.cells] == [(cell.id, cell.source) for cell in original.cells]
    code = [cell for cell in kept.cells if cell.cell_type == "code"]
    assert "profile 'test'" in code[0].outputs[0]["text"]  # the setup cell's line, as the run printed it
    assert all(cell.outputs for cell in code)  # every code cell of chapter 00 shows something
    assert not any(cell.get("outputs") for cell in original.cells)  # course/ itself stays without outputs


def test_the_embedding_explorer_stands_on_a_static_page_as_its_scatter():
    from autoaegan.widgets.embedding import embedding_explorer
    from autoaegan.widgets.snapshot import STATIC_FIGURE_MIME

    rng = np.random.default_rng(0)
    explorer = embedding_explorer(rng.normal(size=(20, 2)), np.arange(20) % 3, rng.random((20, 5, 5)), ["a", "b", "c"])
    bundle = explorer._repr_mimebundle_()
    figure = bundle[STATIC_FIGURE_MIME]

    def values(array):  # plotly's JSON holds numeric arrays as base64 typed arrays, which plotly.js reads
        if isinstance(array, dict):
            return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
        return np.asarray(array)

    assert sum(len(values(trace["x"])) for trace in figure["data"]) == 20
    json.dumps(bundle)  # plain JSON, as the kernel sends it
    converted = build.static_output(
        {"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": bundle}
    )
    assert build.PLOTLY_CLASS in converted["data"]["text/html"] and set(converted["data"]) == {"text/html"}


def test_without_dejavu_sans_the_picture_spells_the_letters_pillows_own_font_lacks(monkeypatch):
    from PIL import ImageFont

    from autoaegan.widgets import snapshot

    monkeypatch.setattr(snapshot, "_font_and_letters", lambda: (ImageFont.load_default(size=13), False))
    assert snapshot._drawable("4×4 → μ, ψ – σ") == "4x4 -> mu, psi - sigma"
    box = ipywidgets.VBox([ipywidgets.HTML("styles 0–3 (4×4)"), ipywidgets.FloatSlider(0.5, description="ψ")])
    assert Image.open(io.BytesIO(base64.b64decode(with_snapshot({}, box)["image/png"]))).format == "PNG"
    assert "styles 0–3 (4×4)" in widget_description(box)  # the alt text keeps the real letters

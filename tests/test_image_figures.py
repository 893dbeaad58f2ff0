"""Image grids stay readable at a notebook's width: titles wrap inside their column instead of running together."""

import numpy as np
import pytest

from autoaegan.figures.images import (
    CHARACTER_WIDTH,
    LABEL_FONT_SIZE,
    NOTEBOOK_WIDTH,
    TITLE_FONT_SIZE,
    image_grid,
    reconstruction_grid,
    wrap_label,
)


def line_widths(text: str, font_size: int) -> list[float]:
    return [len(line) * font_size * CHARACTER_WIDTH for line in text.split("<br>")]


def test_wrap_label_breaks_at_words_to_fit_the_width():
    assert wrap_label("dark pullovers", 200) == "dark pullovers"
    assert wrap_label("dark pullovers", 40) == "dark<br>pullov<br>ers"
    assert wrap_label("", 40) == ""
    assert all(width <= 60 for width in line_widths(wrap_label("noise at 16×16 resolution", 60), LABEL_FONT_SIZE))


@pytest.mark.parametrize(
    "columns, titles",
    [
        (5, ["sample 1", "sample 2", "sample 3", "pixel mean", "latent mean"]),
        (2, ["dark pullovers", "light pullovers"]),
        (8, [f"noise at {size}×{size}" for size in (4, 8, 16, 32)] * 4),
        (16, [f"crossover {index}" for index in range(16)]),
    ],
)
def test_every_title_fits_its_column_and_the_figure_fits_a_notebook(columns, titles):
    figure = image_grid(
        np.zeros((len(titles), 28, 28)),
        columns=columns,
        titles=titles,
        title="Averaging in the latent space, or in pixels (below): which one stays a garment?",
    )
    width = figure.layout.width
    assert width <= NOTEBOOK_WIDTH, f"a {columns}-column grid is {width} px wide; a notebook shows {NOTEBOOK_WIDTH}"
    column_px = (width - figure.layout.margin.l - figure.layout.margin.r) / columns
    for annotation in figure.layout.annotations:
        widest = max(line_widths(annotation.text, LABEL_FONT_SIZE))
        assert widest <= column_px, f"title {annotation.text!r} is {widest:.0f} px wide in a {column_px:.0f} px column"
    heading = figure.layout.title.text
    assert (
        heading.replace("<br>", " ")
        == "Averaging in the latent space, or in pixels (below): which one stays a garment?"
    )
    assert max(line_widths(heading, TITLE_FONT_SIZE)) <= width - 20, "the figure's title runs past its width"


def test_reconstruction_grid_labels_the_originals_only():
    figure = reconstruction_grid(
        np.zeros((3, 28, 28), np.uint8), np.ones((3, 28, 28)), labels=["T-shirt/top", "Trouser", "Bag"]
    )
    texts = [annotation.text for annotation in figure.layout.annotations]
    assert texts[:3] == ["T-shirt/top", "Trouser", "Bag"]
    assert "original" in texts and "reconstruction" in texts

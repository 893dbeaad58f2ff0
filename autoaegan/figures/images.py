"""Grids of Fashion-MNIST images as plotly figures: samples, and originals beside reconstructions."""

from __future__ import annotations

import textwrap

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from autoaegan.figures.theme import IMAGE_COLOURSCALE
from autoaegan.pixels import generated_to_images, uint8_to_unit

# A notebook's output area is about 900 px wide: wider figures get cut or scrolled.
NOTEBOOK_WIDTH = 900
LABEL_FONT_SIZE = 11
TITLE_FONT_SIZE = 15
# Average width of a character, as a share of the font size, for the theme's sans-serif font.
CHARACTER_WIDTH = 0.6


def wrap_label(text: str, width_px: float, font_size: int = LABEL_FONT_SIZE) -> str:
    """`text` broken into lines (joined by plotly's `<br>`) that fit `width_px` pixels at `font_size`."""
    characters = max(4, int(width_px / (font_size * CHARACTER_WIDTH)))
    # Words stay whole where they fit; only a word longer than a line is cut.
    lines = textwrap.wrap(str(text), characters, break_long_words=False)
    return "<br>".join(line[start : start + characters] for line in lines for start in range(0, len(line), characters))


def as_unit_images(images) -> np.ndarray:
    """Images `(n, height, width)` or `(n, height, width, 1)`, uint8 or floats in [0, 1], as float32
    `(n, height, width)` in [0, 1] (floats clipped): what the figures draw."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(f"expected images shaped (n, height, width), got shape {images.shape}")
    if images.dtype == np.uint8:
        return uint8_to_unit(images)
    return generated_to_images(images, value_range=(0.0, 1.0), name="images")  # already in [0, 1]: clipped only


def image_grid(
    images,
    *,
    columns: int = 10,
    titles=None,
    row_titles=None,
    title: str | None = None,
    size: int = 80,
    bordered=(),
) -> go.Figure:
    """Show images (uint8, or floats in [0, 1]) in a grid of `columns` columns, with optional titles.

    The images whose indices are in `bordered` get a frame, as the slides' figures mark the real images among
    generated ones.
    """
    images = as_unit_images(images)
    bordered = sorted({int(index) for index in bordered})
    if bordered and not 0 <= bordered[0] <= bordered[-1] < len(images):
        raise ValueError(f"bordered indices must lie in [0, {len(images) - 1}], got {bordered}")
    rows = int(np.ceil(len(images) / columns))
    row_titles = None if row_titles is None else [str(text) for text in row_titles]
    # Row titles read horizontally in the left margin: rotated ones overlap when a row is short.
    row_title_px = max(len(text) for text in row_titles) * LABEL_FONT_SIZE * CHARACTER_WIDTH + 8 if row_titles else 0
    margin = {"l": int(10 + row_title_px), "r": 10, "b": 10}
    # Each column is wide enough for its title, within the notebook's width; longer titles wrap.
    longest = max((len(str(text)) for text in titles), default=0) if titles is not None else 0
    wanted = max(size, longest * LABEL_FONT_SIZE * CHARACTER_WIDTH + 8)
    column_width = min(wanted, max(size * 0.5, (NOTEBOOK_WIDTH - margin["l"] - margin["r"]) / columns))
    width = max(300, int(columns * column_width + margin["l"] + margin["r"]))
    wrapped = None if titles is None else [wrap_label(text, column_width - 4) for text in titles]
    title_lines = max((text.count("<br>") + 1 for text in wrapped), default=1) if wrapped is not None else 0
    label_px = title_lines * (LABEL_FONT_SIZE + 3) + 6 if wrapped is not None else 0
    heading = wrap_label(title, width - 20, TITLE_FONT_SIZE) if title else None
    heading_px = (heading.count("<br>") + 1) * (TITLE_FONT_SIZE + 5) + 20 if heading else 0
    image_px = min(column_width, size * 1.5)
    height = int(rows * (image_px + label_px) + heading_px + 30)
    figure = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=wrapped,
        horizontal_spacing=min(0.02, 4 / width),
        vertical_spacing=(label_px + 4) / height if rows > 1 else 0.0,
    )
    for index, image in enumerate(images):
        figure.add_trace(
            go.Heatmap(
                z=image[::-1],
                colorscale=IMAGE_COLOURSCALE,
                zmin=0,
                zmax=1,
                showscale=False,
                hovertemplate="x %{x}, y %{y}: %{z:.2f}<extra></extra>",
            ),
            row=index // columns + 1,
            col=index % columns + 1,
        )
    for index in bordered:
        axis = "" if index == 0 else str(index + 1)  # subplot n's axes are named x{n}, y{n}; the first just x, y
        figure.add_shape(
            type="rect",
            xref=f"x{axis} domain",
            yref=f"y{axis} domain",
            x0=0,
            y0=0,
            x1=1,
            y1=1,
            line={"color": "#D55E00", "width": 3},
        )
    for row, text in enumerate(row_titles or [], start=1):
        axis = "" if row == 1 else str((row - 1) * columns + 1)
        low, high = figure.layout[f"yaxis{axis}"].domain
        figure.add_annotation(
            text=text, xref="paper", yref="paper", x=0, y=(low + high) / 2, xanchor="right", xshift=-6, showarrow=False
        )
    figure.update_annotations(font_size=LABEL_FONT_SIZE)
    figure.update_xaxes(visible=False, scaleanchor=None)
    figure.update_yaxes(visible=False)
    figure.update_layout(
        title={"text": heading, "font": {"size": TITLE_FONT_SIZE}} if heading else None,
        width=width,
        height=height,
        margin={**margin, "t": heading_px + label_px + 16 if heading else label_px + 20},
    )
    return figure


def reconstruction_grid(
    originals, reconstructions, *, n: int = 10, title: str = "Originals (top) and reconstructions (bottom)", labels=None
) -> go.Figure:
    """The first `n` originals above their reconstructions, optionally titled with `labels` (e.g. class names)."""
    originals, reconstructions = as_unit_images(originals)[:n], as_unit_images(reconstructions)[:n]
    if originals.shape != reconstructions.shape:
        raise ValueError(
            f"originals and reconstructions must have the same shape, got {originals.shape} and {reconstructions.shape}"
        )
    titles = None if labels is None else [str(label) for label in list(labels)[:n]] + [""] * len(reconstructions)
    return image_grid(
        np.concatenate([originals, reconstructions]),
        columns=len(originals),
        titles=titles,
        row_titles=["original", "reconstruction"],
        title=title,
    )

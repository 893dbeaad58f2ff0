"""Explorers that need no kernel: plotly figures whose sliders step through images decoded in advance.

The other widgets of `autoaegan.widgets` decode an image at each move, so they need a running kernel.
These figures decode every image a slider can reach when the cell runs, and keep them in the
figure as PNG images (`go.Image` with a `data:` URI); moving a slider swaps the picture in the
browser. They work in JupyterLab, in an exported HTML page and on the course website alike.

- `latent_slider_figure`: chapter 06's latent explorer, one slider per latent dimension (each
  moving that dimension alone from a base coding), and one along the line between two codings.
- `style_mixing_slider_figure`: chapter 11's style-mixing grid, a slider over the crossover.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from autoaegan.latent import blend
from autoaegan.pixels import generated_to_images
from autoaegan.widgets.decoding import decode
from autoaegan.widgets.png import grey_png
from autoaegan.widgets.style_mixing import crossover_description

# Each latent slider walks a dimension across ±LIMIT standard deviations of the prior, in STEP steps.
LIMIT, STEP = 3.0, 0.5
INTERPOLATION_STEPS = 11
FIGURE_WIDTH = 720
MARGIN = {"l": 20, "r": 20, "t": 70, "b": 20}
ROW_GAP = 24  # pixels between two rows
SLIDER_SHARE = 0.62  # the share of the width the sliders take; the images sit right of them
MAX_DIMENSIONS = 10
# The figures' layout.meta: how a page's script (the course website's browser tests) tells them from other figures.
SLIDER_FIGURE_META = "autoaegan-slider-explorer"


def png_uri(image, *, scale: int) -> str:
    """An image (floats in [0, 1] or uint8, dark ink on white as `grey_png` draws it) as a PNG `data:` URI."""
    return "data:image/png;base64," + base64.b64encode(grey_png(image, scale=scale)).decode("ascii")


def slider_rows_figure(rows: Sequence[dict], *, title: str, scale: int = 3) -> go.Figure:
    """A figure of rows, each a slider on the left and the image it selects on the right.

    Each row is a dict: `name` (the slider's prefix), `labels` (one per step), `images`
    (one 2-D image per step, floats in [0, 1]), `active` (the step shown first) and, optionally,
    `titles` (one figure title per step, shown when that step is picked).
    """
    if not rows:
        raise ValueError("expected at least one row of images, got none")
    plot_width = FIGURE_WIDTH - MARGIN["l"] - MARGIN["r"]
    heights = []
    for row in rows:
        images = np.asarray(row["images"])
        if images.ndim != 3 or len(images) != len(row["labels"]) or len(images) < 2:
            raise ValueError(
                f"row {row.get('name')!r}: expected one 2-D image per label, at least two, got "
                f"{len(row['labels'])} labels and images shaped {images.shape}"
            )
        if not 0 <= row["active"] < len(images):
            raise ValueError(f"row {row.get('name')!r}: active step {row['active']} outside 0..{len(images) - 1}")
        heights.append(images.shape[1] * scale)
    plot_height = sum(heights) + ROW_GAP * (len(rows) - 1)
    figure = go.Figure()
    layout = {}
    sliders = []
    top = 0
    for index, (row, height) in enumerate(zip(rows, heights)):
        images = np.asarray(row["images"], dtype=np.float32)
        width = images.shape[2] * scale
        uris = [png_uri(image, scale=scale) for image in images]
        axis = "" if index == 0 else str(index + 1)
        left = 1.0 - width / plot_width
        y_high, y_low = 1.0 - top / plot_height, 1.0 - (top + height) / plot_height
        figure.add_trace(
            go.Image(source=uris[row["active"]], xaxis=f"x{axis}", yaxis=f"y{axis}", hoverinfo="skip", name=row["name"])
        )
        layout[f"xaxis{axis}"] = {
            "domain": [max(left, 0.0), 1.0],
            "range": [0, width],
            "visible": False,
            "fixedrange": True,
        }
        layout[f"yaxis{axis}"] = {
            "domain": [y_low, y_high],
            "range": [height, 0],
            "visible": False,
            "fixedrange": True,
            "anchor": f"x{axis}",
        }
        layout[f"xaxis{axis}"]["anchor"] = f"y{axis}"
        steps = []
        for step, (label, uri) in enumerate(zip(row["labels"], uris)):
            if row.get("titles"):
                steps.append(
                    {
                        "method": "update",
                        "label": label,
                        "args": [{"source": [uri]}, {"title.text": row["titles"][step]}, [index]],
                    }
                )
            else:
                steps.append({"method": "restyle", "label": label, "args": [{"source": [uri]}, [index]]})
        sliders.append(
            {
                "active": row["active"],
                "steps": steps,
                "x": 0.0,
                "len": min(SLIDER_SHARE, max(left - 0.04, 0.2)),
                "y": (y_high + y_low) / 2,
                "yanchor": "middle",
                "pad": {"t": 0, "b": 0},
                "currentvalue": {"prefix": f"{row['name']}: ", "font": {"size": 13}},
                "font": {"size": 10},
            }
        )
        top += height + ROW_GAP
    figure.update_layout(
        width=FIGURE_WIDTH,
        height=plot_height + MARGIN["t"] + MARGIN["b"],
        margin=MARGIN,
        sliders=sliders,
        title={"text": title, "font": {"size": 15}},
        meta=SLIDER_FIGURE_META,
        plot_bgcolor="white",
        **layout,
    )
    return figure


def _base_coding(decoder, base, latent_dim) -> np.ndarray:
    if base is not None:
        base = np.asarray(base, dtype=np.float32)
        if base.ndim != 1:
            raise ValueError(f"expected the base coding as a vector (latent_dim,), got shape {base.shape}")
        return base
    if latent_dim is None:
        inputs = getattr(decoder, "inputs", None)
        if not inputs or len(inputs[0].shape) != 2 or inputs[0].shape[-1] is None:
            raise ValueError("cannot tell the decoder's latent size: pass base= (a coding) or latent_dim=")
        latent_dim = int(inputs[0].shape[-1])
    return np.zeros(int(latent_dim), dtype=np.float32)


def latent_slider_figure(
    decoder,
    *,
    dims: Sequence[int] | None = None,
    base=None,
    endpoints=None,
    endpoint_names: tuple[str, str] = ("start", "end"),
    value_range=(0.0, 1.0),
    latent_dim: int | None = None,
    scale: int = 3,
    title: str = "The latent explorer, without a kernel",
) -> go.Figure:
    """Chapter 06's latent explorer as a plotly figure that needs no kernel.

    One row per latent dimension in `dims` (default the first ones, up to 10): its slider sets
    that dimension from −3 to 3 in steps of 0.5, the others staying at `base` (default the
    origin, the prior's mean), and the row's image is the decoded coding. With `endpoints`
    (two codings), a last row walks the straight line between them, t from 0 to 1.
    Every image is decoded when the figure is made: `len(dims) × 13 + 11` codings.
    """
    base = _base_coding(decoder, base, latent_dim)
    dims = list(range(min(len(base), MAX_DIMENSIONS))) if dims is None else [int(index) for index in dims]
    if not dims or min(dims) < 0 or max(dims) >= len(base) or len(set(dims)) != len(dims):
        raise ValueError(f"dims must list distinct latent indices in 0..{len(base) - 1}, got {dims}")
    values = np.round(np.arange(-LIMIT, LIMIT + STEP / 2, STEP), 6)
    codings = np.repeat(base[None], len(dims) * len(values), axis=0)
    for row, index in enumerate(dims):
        codings[row * len(values) : (row + 1) * len(values), index] = values
    ts = np.linspace(0.0, 1.0, INTERPOLATION_STEPS)
    if endpoints is not None:
        start, end = (np.asarray(point, dtype=np.float32) for point in endpoints)
        if start.shape != base.shape or end.shape != base.shape:
            raise ValueError(f"expected two endpoint codings shaped {base.shape}, got {start.shape} and {end.shape}")
        codings = np.concatenate([codings, np.stack([blend(start, end, t) for t in ts])])
    images = generated_to_images(decode(decoder, codings), value_range=value_range)
    rows = []
    for row, index in enumerate(dims):
        active = int(np.argmin(np.abs(values - base[index])))
        rows.append(
            {
                "name": f"z[{index}]",
                "labels": [f"{value:+.1f}" for value in values],
                "images": images[row * len(values) : (row + 1) * len(values)],
                "active": active,
            }
        )
    if endpoints is not None:
        rows.append(
            {
                "name": f"t ({endpoint_names[0]} → {endpoint_names[1]})",
                "labels": [f"{t:.1f}" for t in ts],
                "images": images[len(dims) * len(values) :],
                "active": INTERPOLATION_STEPS // 2,
            }
        )
    return slider_rows_figure(rows, title=title, scale=scale)


def mixing_picture(grid, *, gap: int = 2, source_gap: int = 6) -> np.ndarray:
    """A style-mixing grid `(rows + 1, columns + 1, r, r)` (`StyleMixingGrid.grid`) as one image, floats in [0, 1].

    Images are separated by `gap` pixels of paper, the sources (first row and column) by `source_gap`.
    """
    grid = np.asarray(grid, dtype=np.float32)
    if grid.ndim != 4:
        raise ValueError(f"expected a grid shaped (rows + 1, columns + 1, height, width), got {grid.shape}")
    n_rows, n_columns, height, width = grid.shape

    def offsets(count, size):
        return [index * (size + gap) + (source_gap - gap if index > 0 else 0) for index in range(count)]

    tops, lefts = offsets(n_rows, height), offsets(n_columns, width)
    picture = np.zeros((tops[-1] + height, lefts[-1] + width), dtype=np.float32)  # 0: paper, as grey_png draws it
    for row, top in enumerate(tops):
        for column, left in enumerate(lefts):
            picture[top : top + height, left : left + width] = grid[row, column]
    return picture


def style_mixing_slider_figure(mixing, *, scale: int = 2, title: str = "Style mixing, without a kernel") -> go.Figure:
    """Chapter 11's style-mixing grid (a `StyleMixingGrid`'s sources) as a plotly figure that needs no kernel.

    Its slider sets the crossover from 0 (every style from the column sources, top row) to
    `num_styles` (every style from the row sources, left column); the grid at every crossover is
    synthesized when the figure is made, and the title says which styles come from where.
    """
    crossovers = list(range(mixing.num_styles + 1))
    pictures = np.stack([mixing_picture(mixing.grid(crossover)) for crossover in crossovers])
    titles = [
        f"{title}<br><sup>crossover {crossover}: {crossover_description(crossover, mixing.num_styles)}</sup>"
        for crossover in crossovers
    ]
    active = mixing.slider.value
    row = {
        "name": "crossover",
        "labels": [str(crossover) for crossover in crossovers],
        "images": pictures,
        "active": active,
        "titles": titles,
    }
    return slider_rows_figure([row], title=titles[active], scale=scale)

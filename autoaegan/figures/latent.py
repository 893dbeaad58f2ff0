"""Figures of a latent space: semantic interpolation, the decoded latent plane, which codings are used and how
Gaussian they look.

The functions that compute (`latent_plane_codings`, `mosaic`, and `autoaegan.latent.dimension_use`) are plain
NumPy, so they are tested on their own; the figure functions only draw what they return.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.stats import norm

from autoaegan.arguments import whole_number
from autoaegan.figures.images import as_unit_images, image_grid
from autoaegan.figures.theme import CLASS_COLOURS, IMAGE_COLOURSCALE
from autoaegan.latent import ACTIVE_THRESHOLD, active_dimensions

# Bars and histograms of the dimensions in use, and of those collapsed to the prior.
USED_COLOUR, UNUSED_COLOUR = CLASS_COLOURS[0], CLASS_COLOURS[8]


def interpolation_figure(
    latent_rows, pixel_rows, *, title: str = "Through the codings (latent) or the pixels", size: int = 90
) -> go.Figure:
    """Pairs of rows from a real image to another: decoded latent interpolations above pixel overlays.

    `latent_rows` and `pixel_rows` hold one sequence of images per pair, each shaped
    `(steps, height, width)`, whose first and last images are the two real images;
    those are framed, as in the slides' figure ("bordered images are actual"). `size` is each image's
    width in pixels; the title must fit in the figure's width (`steps · size`), as the default does.
    """
    latent_rows = [as_unit_images(row) for row in latent_rows]
    pixel_rows = [as_unit_images(row) for row in pixel_rows]
    if not latent_rows or len(latent_rows) != len(pixel_rows):
        raise ValueError(
            f"expected as many latent rows as pixel rows, at least one, got {len(latent_rows)} and {len(pixel_rows)}"
        )
    shapes = {row.shape for row in latent_rows + pixel_rows}
    if len(shapes) != 1 or next(iter(shapes))[0] < 3:
        raise ValueError(f"every row must hold the same number (≥ 3) of same-sized images, got shapes {sorted(shapes)}")
    steps = latent_rows[0].shape[0]
    rows = [row for pair in zip(latent_rows, pixel_rows) for row in pair]
    bordered = [index for row in range(len(rows)) for index in (row * steps, row * steps + steps - 1)]
    row_titles = ["latent", "pixels"] * len(latent_rows)
    return image_grid(
        np.concatenate(rows), columns=steps, row_titles=row_titles, title=title, bordered=bordered, size=size
    )


def latent_plane_codings(n: int = 15, *, low: float = 0.05, high: float = 0.95) -> np.ndarray:
    """An `n`×`n` grid of 2-D codings at evenly spaced quantiles of N(0, 1): shape `(n, n, 2)`, row 0 on top.

    Quantiles rather than even steps: the codings of a VAE follow N(0, 1), so the grid
    spends its cells where the codings are dense. Columns vary the first coding, rows the second.
    """
    n = whole_number(n, "n", at_least=2)
    if not 0.0 < low < high < 1.0:
        raise ValueError(f"expected quantiles 0 < low < high < 1, got low {low} and high {high}")
    values = norm.ppf(np.linspace(low, high, n))
    first, second = np.meshgrid(values, values[::-1])  # the top row has the largest second coding
    return np.stack([first, second], axis=-1).astype(np.float32)


def mosaic(images, rows: int, columns: int) -> np.ndarray:
    """Tile `rows × columns` images, shaped `(rows·columns, h, w)` in reading order, into one `(rows·h, columns·w)`
    image."""
    images = np.asarray(images)
    if images.ndim != 3 or len(images) != rows * columns:
        raise ValueError(
            f"expected {rows}×{columns} = {rows * columns} images shaped (n, h, w), got shape {images.shape}"
        )
    height, width = images.shape[1:]
    return images.reshape(rows, columns, height, width).transpose(0, 2, 1, 3).reshape(rows * height, columns * width)


def latent_plane_figure(decoder, *, n: int = 15, title: str = "The decoded latent plane of the 2-D VAE") -> go.Figure:
    """Decode `latent_plane_codings(n)` with `decoder` (2-D codings → 28×28 in [0, 1]) and draw the mosaic."""
    codings = latent_plane_codings(n)
    decoded = as_unit_images(np.asarray(decoder(codings.reshape(-1, 2), training=False)))
    size = decoded.shape[1]
    picture = mosaic(decoded, n, n)
    ticks = np.arange(n) * size + (size - 1) / 2
    labels = [f"{value:.1f}" for value in codings[0, :, 0]]
    figure = go.Figure(
        go.Heatmap(z=picture[::-1], colorscale=IMAGE_COLOURSCALE, zmin=0, zmax=1, showscale=False, hoverinfo="skip")
    )
    figure.update_xaxes(tickvals=ticks, ticktext=labels, title="first coding", showgrid=False, zeroline=False)
    figure.update_yaxes(
        tickvals=ticks,
        ticktext=[f"{value:.1f}" for value in codings[::-1, 0, 1]],
        title="second coding",
        showgrid=False,
        zeroline=False,
        scaleanchor="x",
    )
    figure.update_layout(title=title, width=640, height=640)
    return figure


def _dimension_labels(n: int) -> list[str]:
    return [f"z[{index}]" for index in range(n)]


def dimension_use_figure(
    use: dict, *, threshold: float = ACTIVE_THRESHOLD, title: str = "How much the VAE uses each coding"
) -> go.Figure:
    """Bars per latent dimension: the spread of μ over the images (left) and its KL in nats (right, if given).

    `use` is what `autoaegan.latent.dimension_use` returns. Dimensions whose activity
    (variance of μ) exceeds `threshold` are drawn in colour as "in use", the others in grey
    as "collapsed to the prior"; a dotted line marks the threshold's spread, √threshold.
    """
    spread = np.asarray(use["spread"], dtype=np.float64)
    kl = use.get("kl")
    labels = _dimension_labels(len(spread))
    used = set(active_dimensions(np.asarray(use["activity"]), threshold=threshold).tolist())
    panels = [("spread of μ over the images", spread)]
    if kl is not None:
        panels.append(("KL per image (nats)", np.asarray(kl, dtype=np.float64)))
    figure = make_subplots(
        rows=1, cols=len(panels), subplot_titles=[name for name, _ in panels], horizontal_spacing=0.12
    )
    for column, (_, values) in enumerate(panels, start=1):
        for in_use, name, colour in ((True, "in use", USED_COLOUR), (False, "collapsed to the prior", UNUSED_COLOUR)):
            picked = [index for index in range(len(values)) if (index in used) == in_use]
            figure.add_trace(
                go.Bar(
                    x=[labels[i] for i in picked],
                    y=values[picked],
                    name=name,
                    marker_color=colour,
                    legendgroup=name,
                    showlegend=column == 1,
                    hovertemplate="%{x}: %{y:.3f}<extra>" + name + "</extra>",
                ),
                row=1,
                col=column,
            )
        figure.update_xaxes(categoryorder="array", categoryarray=labels, row=1, col=column)
    figure.add_hline(y=float(np.sqrt(threshold)), line={"dash": "dot", "color": "black", "width": 1}, row=1, col=1)
    figure.update_layout(
        title=title,
        barmode="overlay",
        width=820,
        height=400,
        margin={"t": 90},
        legend={"orientation": "h", "y": -0.15, "x": 0.5, "xanchor": "center"},
    )
    return figure


def codings_distribution_figure(
    codings,
    *,
    dimensions: Sequence[int] | None = None,
    title: str = "Mean codings μ of the images against N(0, 1)",
    width: int = 860,
) -> go.Figure:
    """One panel per coding dimension: its histogram (as a density) under the N(0, 1) density the latent loss aims at.

    `codings` is shaped `(n, latent_dim)`; `dimensions` picks the panels (default: all). Each panel
    has its own density axis, so a dimension collapsed to a spike does not flatten the others. The
    figure is at most `width` pixels wide, so that it fits a notebook.
    """
    codings = np.asarray(codings, dtype=np.float64)
    if codings.ndim != 2 or len(codings) < 2:
        raise ValueError(f"expected codings shaped (n, latent_dim) with n ≥ 2, got shape {codings.shape}")
    dimensions = list(range(codings.shape[1])) if dimensions is None else [int(d) for d in dimensions]
    if not dimensions or min(dimensions) < 0 or max(dimensions) >= codings.shape[1]:
        raise ValueError(f"dimensions must be indices in [0, {codings.shape[1] - 1}], got {dimensions}")
    figure = make_subplots(
        rows=1,
        cols=len(dimensions),
        subplot_titles=[f"z[{d}]" for d in dimensions],
        horizontal_spacing=0.25 / len(dimensions),
    )
    grid = np.linspace(-4, 4, 201)
    for column, dimension in enumerate(dimensions, start=1):
        figure.add_trace(
            go.Histogram(
                x=codings[:, dimension],
                histnorm="probability density",
                name=f"coding {dimension}",
                opacity=0.7,
                marker_color=USED_COLOUR,
                xbins={"start": -4, "end": 4, "size": 0.2},
                showlegend=False,
            ),
            row=1,
            col=column,
        )
        figure.add_trace(
            go.Scatter(
                x=grid,
                y=norm.pdf(grid),
                mode="lines",
                name="N(0, 1)",
                showlegend=column == 1,
                line={"color": "black", "width": 2},
            ),
            row=1,
            col=column,
        )
        figure.update_xaxes(range=[-4, 4], tickvals=[-2, 0, 2], row=1, col=column)
    figure.update_yaxes(title_text="density", row=1, col=1)
    figure.update_layout(
        title=title,
        width=min(width, 120 + 160 * len(dimensions)),
        height=360,
        margin={"t": 90},
        bargap=0.05,
        legend={"orientation": "h", "y": -0.15, "x": 0.5, "xanchor": "center"},
    )
    return figure

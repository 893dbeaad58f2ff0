"""Figures of a latent space: semantic interpolation, the decoded latent plane, and how Gaussian the codings look.

The functions that compute (`latent_plane_codings`, `mosaic`) are plain NumPy, so
they are tested on their own; the figure functions only draw what they return.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from scipy.stats import norm

from autoaegan.figures.images import _as_unit_images, image_grid
from autoaegan.figures.theme import CLASS_COLOURS, IMAGE_COLOURSCALE


def interpolation_figure(
    latent_rows, pixel_rows, *, title: str = "Interpolating in the latent space (top of each pair) or in pixels (below)"
) -> go.Figure:
    """Pairs of rows from a real image to another: decoded latent interpolations above pixel overlays.

    `latent_rows` and `pixel_rows` hold one sequence of images per pair, each shaped
    `(steps, height, width)`, whose first and last images are the two real images;
    those are framed, as in the seed's figure ("bordered images are actual").
    """
    latent_rows = [_as_unit_images(row) for row in latent_rows]
    pixel_rows = [_as_unit_images(row) for row in pixel_rows]
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
    return image_grid(np.concatenate(rows), columns=steps, row_titles=row_titles, title=title, bordered=bordered)


def latent_plane_codings(n: int = 15, *, low: float = 0.05, high: float = 0.95) -> np.ndarray:
    """An `n`×`n` grid of 2-D codings at evenly spaced quantiles of N(0, 1): shape `(n, n, 2)`, row 0 on top.

    Quantiles rather than even steps: the codings of a VAE follow N(0, 1), so the grid
    spends its cells where the codings are dense. Columns vary the first coding, rows the second.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"n must be an integer ≥ 2, got {n!r}")
    if not 0.0 < low < high < 1.0:
        raise ValueError(f"expected quantiles 0 < low < high < 1, got low {low} and high {high}")
    values = norm.ppf(np.linspace(low, high, n))
    first, second = np.meshgrid(values, values[::-1])  # the top row has the largest second coding
    return np.stack([first, second], axis=-1).astype(np.float32)


def mosaic(images, rows: int, columns: int) -> np.ndarray:
    """Tile `rows × columns` images, shaped `(rows·columns, h, w)` in reading order, into one `(rows·h, columns·w)` image."""
    images = np.asarray(images)
    if images.ndim != 3 or len(images) != rows * columns:
        raise ValueError(f"expected {rows}×{columns} = {rows * columns} images shaped (n, h, w), got shape {images.shape}")
    height, width = images.shape[1:]
    return images.reshape(rows, columns, height, width).transpose(0, 2, 1, 3).reshape(rows * height, columns * width)


def latent_plane_figure(decoder, *, n: int = 15, title: str = "The decoded latent plane of the 2-D VAE") -> go.Figure:
    """Decode `latent_plane_codings(n)` with `decoder` (2-D codings → 28×28 in [0, 1]) and draw the mosaic."""
    codings = latent_plane_codings(n)
    decoded = _as_unit_images(np.asarray(decoder(codings.reshape(-1, 2), training=False)))
    size = decoded.shape[1]
    picture = mosaic(decoded, n, n)
    ticks = np.arange(n) * size + (size - 1) / 2
    labels = [f"{value:.1f}" for value in codings[0, :, 0]]
    figure = go.Figure(go.Heatmap(z=picture[::-1], colorscale=IMAGE_COLOURSCALE, zmin=0, zmax=1, showscale=False,
                                  hoverinfo="skip"))
    figure.update_xaxes(tickvals=ticks, ticktext=labels, title="first coding", showgrid=False, zeroline=False)
    figure.update_yaxes(tickvals=ticks, ticktext=[f"{value:.1f}" for value in codings[::-1, 0, 1]],
                        title="second coding", showgrid=False, zeroline=False, scaleanchor="x")
    figure.update_layout(title=title, width=640, height=640)
    return figure


def codings_distribution_figure(
    codings, *, dimensions: Sequence[int] = (0, 1, 2), title: str = "Encoded means μ of the validation images against N(0, 1)"
) -> go.Figure:
    """Histograms (as densities) of a few coding dimensions, over the standard normal density the latent loss aims at."""
    codings = np.asarray(codings, dtype=np.float64)
    if codings.ndim != 2 or len(codings) < 2:
        raise ValueError(f"expected codings shaped (n, latent_dim) with n ≥ 2, got shape {codings.shape}")
    dimensions = list(dimensions)
    if not dimensions or min(dimensions) < 0 or max(dimensions) >= codings.shape[1]:
        raise ValueError(f"dimensions must be indices in [0, {codings.shape[1] - 1}], got {dimensions}")
    figure = go.Figure()
    for position, dimension in enumerate(dimensions):
        figure.add_trace(go.Histogram(
            x=codings[:, dimension], histnorm="probability density", name=f"coding {dimension}", opacity=0.55,
            marker_color=CLASS_COLOURS[position % len(CLASS_COLOURS)], nbinsx=60,
        ))
    grid = np.linspace(-4, 4, 201)
    figure.add_trace(go.Scatter(x=grid, y=norm.pdf(grid), mode="lines", name="N(0, 1)",
                                line={"color": "black", "width": 2}))
    figure.update_layout(barmode="overlay", title=title, xaxis_title="value", yaxis_title="density",
                         width=720, height=400)
    return figure

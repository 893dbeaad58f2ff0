"""Grids of Fashion-MNIST images as plotly figures: samples, and originals beside reconstructions."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from autoaegan.figures.theme import IMAGE_COLOURSCALE


def _as_unit_images(images) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(f"expected images shaped (n, height, width), got shape {images.shape}")
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255.0
    return np.clip(images.astype(np.float32), 0.0, 1.0)


def image_grid(
    images, *, columns: int = 10, titles=None, row_titles=None, title: str | None = None, size: int = 80,
    bordered=(),
) -> go.Figure:
    """Show images (uint8, or floats in [0, 1]) in a grid of `columns` columns, with optional titles.

    The images whose indices are in `bordered` get a frame, as the seed's figures mark the real images among
    generated ones.
    """
    images = _as_unit_images(images)
    bordered = sorted({int(index) for index in bordered})
    if bordered and not 0 <= bordered[0] <= bordered[-1] < len(images):
        raise ValueError(f"bordered indices must lie in [0, {len(images) - 1}], got {bordered}")
    rows = int(np.ceil(len(images) / columns))
    figure = make_subplots(
        rows=rows, cols=columns, subplot_titles=list(titles) if titles is not None else None,
        row_titles=list(row_titles) if row_titles is not None else None,
        horizontal_spacing=0.01, vertical_spacing=0.06 if titles is not None else 0.02,
    )
    for index, image in enumerate(images):
        figure.add_trace(
            go.Heatmap(z=image[::-1], colorscale=IMAGE_COLOURSCALE, zmin=0, zmax=1, showscale=False,
                       hovertemplate="x %{x}, y %{y}: %{z:.2f}<extra></extra>"),
            row=index // columns + 1, col=index % columns + 1,
        )
    for index in bordered:
        axis = "" if index == 0 else str(index + 1)  # subplot n's axes are named x{n}, y{n}; the first just x, y
        figure.add_shape(type="rect", xref=f"x{axis} domain", yref=f"y{axis} domain", x0=0, y0=0, x1=1, y1=1,
                         line={"color": "#D55E00", "width": 3})
    figure.update_xaxes(visible=False, scaleanchor=None)
    figure.update_yaxes(visible=False)
    figure.update_layout(
        title=title, width=max(300, columns * size), height=rows * size + (80 if title else 30) + (20 * rows if titles is not None else 0),
        margin={"l": 40 if row_titles is not None else 10, "r": 10, "t": 60 if title else 20, "b": 10},
    )
    return figure


def reconstruction_grid(originals, reconstructions, *, n: int = 10, title: str = "Originals (top) and reconstructions (bottom)", labels=None) -> go.Figure:
    """The first `n` originals above their reconstructions, optionally titled with `labels` (e.g. class names)."""
    originals, reconstructions = _as_unit_images(originals)[:n], _as_unit_images(reconstructions)[:n]
    if originals.shape != reconstructions.shape:
        raise ValueError(
            f"originals and reconstructions must have the same shape, got {originals.shape} and {reconstructions.shape}"
        )
    titles = None if labels is None else [str(label) for label in list(labels)[:n]] + [""] * len(reconstructions)
    return image_grid(np.concatenate([originals, reconstructions]), columns=len(originals), titles=titles,
                      row_titles=["original", "reconstruction"], title=title)

"""Figures of chapter 02: the 3-D data with the planes found by the autoencoder and by PCA, and the 2-D codings."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from autoaegan.figures.theme import OKABE_ITO, SEQUENTIAL

DATA_COLOUR = OKABE_ITO[0]  # blue
AUTOENCODER_COLOUR = OKABE_ITO[1]  # orange
PCA_COLOUR = OKABE_ITO[2]  # bluish green
RESIDUAL_COLOUR = "#999999"


def _points(array, name: str, n_columns: int | None = None) -> np.ndarray:
    points = np.asarray(array, dtype=np.float64)
    if points.ndim != 2 or (n_columns is not None and points.shape[1] != n_columns):
        wanted = "(n_points, n_columns)" if n_columns is None else f"(n_points, {n_columns})"
        raise ValueError(f"{name} must be a 2-D array of shape {wanted}, got shape {points.shape}")
    return points


def _same_length(first: np.ndarray, second: np.ndarray, names: str) -> None:
    if len(first) != len(second):
        raise ValueError(f"{names} must have the same number of points, got {len(first)} and {len(second)}")


def plane_grid(points: np.ndarray, *, margin: float = 0.1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y, z grids (2 × 2) of the plane that best fits 3-D `points`, spanning them with a `margin`.

    For reconstructions of a 2-D linear autoencoder or of PCA, which lie exactly on
    a plane, this is that plane.
    """
    points = _points(points, "points", 3)
    centre = points.mean(axis=0)
    directions = np.linalg.svd(points - centre, full_matrices=False)[2][:2]  # the plane's two axes
    coordinates = (points - centre) @ directions.T
    low, high = coordinates.min(axis=0), coordinates.max(axis=0)
    pad = margin * (high - low)
    u, v = np.meshgrid(*np.linspace(low - pad, high + pad, 2).T)
    grid = centre + u[..., None] * directions[0] + v[..., None] * directions[1]
    return grid[..., 0], grid[..., 1], grid[..., 2]


def _plane_trace(points: np.ndarray, name: str, colour: str) -> go.Surface:
    x, y, z = plane_grid(points)
    return go.Surface(
        x=x,
        y=y,
        z=z,
        name=name,
        colorscale=[[0, colour], [1, colour]],
        showscale=False,
        showlegend=True,
        opacity=0.45,
        hoverinfo="name",
    )


def _residual_segments(x: np.ndarray, reconstructions: np.ndarray) -> go.Scatter3d:
    # One trace for all segments: point, reconstruction, then a gap (None) before the next pair.
    segments = np.full((len(x) * 3, 3), np.nan)
    segments[0::3], segments[1::3] = x, reconstructions
    coordinates = [[None if np.isnan(value) else value for value in column] for column in segments.T]
    return go.Scatter3d(
        x=coordinates[0],
        y=coordinates[1],
        z=coordinates[2],
        mode="lines",
        line={"color": RESIDUAL_COLOUR, "width": 2},
        name="point → its reconstruction",
        hoverinfo="skip",
    )


def data_and_planes_figure(x, reconstructions, pca_reconstructions=None, *, show_residuals: bool = True) -> go.Figure:
    """A rotatable 3-D scatter of `x` with the autoencoder's plane through it, and PCA's plane if given.

    `reconstructions` (and `pca_reconstructions`) are arrays shaped like `x`; each
    plane is drawn through them. With `show_residuals`, a grey segment joins each
    point to its reconstruction: the error the autoencoder leaves.
    """
    x = _points(x, "x", 3)
    reconstructions = _points(reconstructions, "reconstructions", 3)
    _same_length(x, reconstructions, "x and reconstructions")
    figure = go.Figure()
    figure.add_trace(_plane_trace(reconstructions, "autoencoder's plane", AUTOENCODER_COLOUR))
    if pca_reconstructions is not None:
        pca_reconstructions = _points(pca_reconstructions, "pca_reconstructions", 3)
        _same_length(x, pca_reconstructions, "x and pca_reconstructions")
        figure.add_trace(_plane_trace(pca_reconstructions, "PCA's plane", PCA_COLOUR))
    if show_residuals:
        figure.add_trace(_residual_segments(x, reconstructions))
    figure.add_trace(
        go.Scatter3d(
            x=x[:, 0],
            y=x[:, 1],
            z=x[:, 2],
            mode="markers",
            marker={"color": DATA_COLOUR, "size": 4},
            name="data",
            hovertemplate="point %{customdata}<br>(%{x:.2f}, %{y:.2f}, %{z:.2f})<extra></extra>",
            customdata=np.arange(len(x)),
        )
    )
    figure.update_layout(
        title="The 3-D data and the plane each method projects it onto (drag to rotate)",
        scene={"xaxis_title": "x₁", "yaxis_title": "x₂", "zaxis_title": "x₃", "aspectmode": "data"},
        height=550,
        legend={"x": 0, "y": 1},
    )
    return figure


def codings_figure(
    codings, pca_projection, *, titles: Sequence[str] = ("Autoencoder codings", "PCA projection")
) -> go.Figure:
    """The 2-D codings beside PCA's 2-D projection of the same points, coloured by the first PCA coordinate.

    The shared colours show which point is which: the codings are PCA's coordinates
    turned, stretched and sheared (and shifted), so the colour bands keep their order.
    """
    codings = _points(codings, "codings", 2)
    pca_projection = _points(pca_projection, "pca_projection", 2)
    _same_length(codings, pca_projection, "codings and pca_projection")
    figure = make_subplots(rows=1, cols=2, subplot_titles=list(titles), horizontal_spacing=0.12)
    colour = pca_projection[:, 0]
    panels = [(codings, ("z₁", "z₂")), (pca_projection, ("PC 1", "PC 2"))]
    for column, (points, labels) in enumerate(panels, start=1):
        figure.add_trace(
            go.Scatter(
                x=points[:, 0],
                y=points[:, 1],
                mode="markers",
                marker={
                    "color": colour,
                    "colorscale": SEQUENTIAL,
                    "size": 8,
                    "showscale": column == 2,
                    "colorbar": {"title": "PC 1"},
                },
                customdata=np.arange(len(points)),
                hovertemplate="point %{customdata}<br>(%{x:.2f}, %{y:.2f})<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=column,
        )
        figure.update_xaxes(title_text=labels[0], row=1, col=column)
        figure.update_yaxes(title_text=labels[1], row=1, col=column)
    # Equal units on both axes of each panel, so that turns and stretches are seen as they are.
    figure.update_layout(
        xaxis={"scaleanchor": "y", "scaleratio": 1},
        xaxis2={"scaleanchor": "y2", "scaleratio": 1},
        height=420,
    )
    return figure


def loss_curve_figure(loss, pca_mse: float) -> go.Figure:
    """The autoencoder's training loss (MSE) per epoch on a log scale, with PCA's MSE as the floor it approaches."""
    loss = np.asarray(loss, dtype=np.float64)
    if loss.ndim != 1 or len(loss) == 0:
        raise ValueError(f"loss must be a non-empty 1-D sequence of per-epoch values, got shape {loss.shape}")
    figure = go.Figure(
        go.Scatter(
            x=np.arange(1, len(loss) + 1),
            y=loss,
            mode="lines",
            line={"color": AUTOENCODER_COLOUR, "width": 3},
            name="autoencoder (training MSE)",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[1, len(loss)],
            y=[pca_mse, pca_mse],
            mode="lines",
            line={"color": PCA_COLOUR, "dash": "dash", "width": 2},
            name=f"PCA's MSE ({pca_mse:.4f})",
        )
    )
    figure.update_layout(
        title="Training brings the reconstruction error down to PCA's",
        xaxis_title="epoch",
        yaxis={
            "title": "mean squared error",
            "type": "log",
            "tickvals": _one_two_five_ticks(min(loss.min(), pca_mse), loss.max()),
        },
        height=400,
    )
    return figure


def _one_two_five_ticks(low: float, high: float) -> list[float]:
    # Plotly labels the minor decades of a log axis with bare digits; 1-2-5 steps read better.
    if not (np.isfinite(low) and np.isfinite(high)) or low <= 0:
        return []
    decades = range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
    ticks = [step * 10.0**decade for decade in decades for step in (1, 2, 5)]
    return [tick for tick in ticks if low / 2 <= tick <= high * 2]

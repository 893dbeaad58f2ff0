"""Chapter 12's figures: the noise schedules' ᾱ_t, strips of images along the diffusion, the cost and quality of
the samplers by number of steps, and the generative models' quality against what they cost.

The figures draw numbers they are given (a schedule's table, a recording's rows) and compute nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from autoaegan.figures.images import image_grid
from autoaegan.figures.theme import OKABE_ITO
from autoaegan.pixels import SIGNED_RANGE, output_to_unit

FLOOR_COLOUR = "#999999"
SAMPLER_KEYS = ("sampler", "steps", "seconds_64", "fd")
MODEL_KEYS = ("label", "fd", "train_seconds", "sample_seconds_2000")


def _named(mapping, what: str) -> dict:
    if not isinstance(mapping, Mapping) or not mapping:
        raise ValueError(f"{what} must be a non-empty dict of name → values, got {type(mapping).__name__}")
    return {str(name): value for name, value in mapping.items()}


def _rows(rows, keys: tuple[str, ...], what: str) -> list[dict]:
    """`rows` as a list of dicts, each with every one of `keys` (a clear error naming the first that lacks one)."""
    if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Sequence) or not rows:
        raise ValueError(f"{what} must be a non-empty list of dicts with keys {keys}, got {type(rows).__name__}")
    for index, row in enumerate(rows):
        missing = [key for key in keys if not isinstance(row, Mapping) or key not in row]
        if missing:
            got = sorted(row) if isinstance(row, Mapping) else type(row).__name__
            raise ValueError(f"{what}[{index}] must have the keys {keys}; it lacks {missing} (got {got})")
    return list(rows)


def schedule_figure(
    alpha_bars, *, marked_steps=(), title: str = "How much of the image is left: ᾱ_t against the step t"
) -> go.Figure:
    """One line per schedule: ᾱ_t for t = 0 … T, from a dict name → table of T + 1 values in [0, 1] (ᾱ₀ = 1).

    `marked_steps`, steps in [0, T], get dotted vertical lines (the steps a strip of images shows).
    """
    tables = {}
    for name, table in _named(alpha_bars, "alpha_bars").items():
        table = np.asarray(table, dtype=np.float64)
        if table.ndim != 1 or len(table) < 2 or not np.all(np.isfinite(table)) or np.any((table < 0) | (table > 1)):
            values = f", values from {table.min()} to {table.max()}" if table.size else ""
            raise ValueError(
                f"alpha_bars[{name!r}] must be a 1-D table of at least 2 values in [0, 1], got shape {table.shape}"
                f"{values}"
            )
        tables[name] = table
    lengths = {len(table) for table in tables.values()}
    if len(lengths) != 1:
        raise ValueError(f"every schedule must have the same number of steps T + 1, got lengths {sorted(lengths)}")
    steps = lengths.pop() - 1
    marked = [int(step) for step in marked_steps]
    if any(not 0 <= step <= steps for step in marked):
        raise ValueError(f"marked_steps must lie in [0, T = {steps}], got {marked}")
    figure = go.Figure()
    for index, (name, table) in enumerate(tables.items()):
        figure.add_trace(
            go.Scatter(
                x=np.arange(steps + 1),
                y=table,
                name=name,
                mode="lines",
                line={"color": OKABE_ITO[index % len(OKABE_ITO)], "width": 2.5},
                hovertemplate=f"{name}<br>t = %{{x}}: ᾱ_t = %{{y:.4f}}<extra></extra>",
            )
        )
    for step in marked:
        figure.add_vline(x=step, line={"color": FLOOR_COLOUR, "dash": "dot", "width": 1})
    figure.update_xaxes(title="step t", range=[0, steps])
    figure.update_yaxes(title="ᾱ_t (share of x₀'s variance left in x_t)", range=[0, 1.02])
    figure.update_layout(title=title, width=700, height=400, legend={"x": 0.78, "y": 0.98})
    return figure


def noising_strip(rows, steps, *, title: str = "x_t at the marked steps", size: int = 80) -> go.Figure:
    """A grid of images along the diffusion: one row per entry of `rows` (a dict label → images), one column per
    step of `steps`, titled "t = …".

    Each row holds `len(steps)` images shaped `(28, 28)` (or `(28, 28, 1)`) in the signed range [-1, 1] of the
    diffusion (x_t or x̂₀); values outside it, which noise makes common, are clipped for display.
    """
    rows = _named(rows, "rows")
    steps = [int(step) for step in steps]
    if not steps:
        raise ValueError("steps must name at least one step, got none")
    images = []
    for label, row in rows.items():
        row = np.asarray(row, dtype=np.float32)
        if row.ndim == 4 and row.shape[-1] == 1:
            row = row[..., 0]
        if row.ndim != 3 or len(row) != len(steps):
            raise ValueError(
                f"rows[{label!r}] must hold one image per step ({len(steps)} images shaped (height, width)), "
                f"got shape {row.shape}"
            )
        if not np.all(np.isfinite(row)):
            raise ValueError(f"rows[{label!r}] must be finite numbers, got {int(np.sum(~np.isfinite(row)))} NaN or inf")
        images.append(output_to_unit(row, SIGNED_RANGE, name=f"rows[{label!r}]"))
    titles = [f"t = {step}" for step in steps] + [""] * (len(steps) * (len(rows) - 1))
    return image_grid(
        np.concatenate(images), columns=len(steps), titles=titles, row_titles=list(rows), title=title, size=size
    )


def sampling_figure(
    samplers, *, floor_fd: float | None = None, title: str = "Sampling: fewer steps, less time; at what quality?"
) -> go.Figure:
    """Two panels from a `diffusion_sampling` recording's rows: seconds to sample 64 images against the steps
    (left), and the FD of the samples against the steps (right, with the real-vs-real `floor_fd` as a line).

    Each row needs `sampler` ("ddim" or "ddpm"), `steps`, `seconds_64` and `fd`; rows of a sampler join in a line,
    in order of steps. Both step axes are logarithmic: from a handful of steps to DDPM's T.
    """
    samplers = _rows(samplers, SAMPLER_KEYS, "samplers")
    figure = make_subplots(
        rows=1, cols=2, subplot_titles=["seconds for 64 images", "FD (lower: closer to real)"], horizontal_spacing=0.12
    )
    kinds = list(dict.fromkeys(str(row["sampler"]) for row in samplers))
    for index, kind in enumerate(kinds):
        chosen = sorted((row for row in samplers if str(row["sampler"]) == kind), key=lambda row: row["steps"])
        steps = [int(row["steps"]) for row in chosen]
        for column, key in ((1, "seconds_64"), (2, "fd")):
            figure.add_trace(
                go.Scatter(
                    x=steps,
                    y=[float(row[key]) for row in chosen],
                    name=kind.upper(),
                    legendgroup=kind,
                    showlegend=column == 1,
                    mode="lines+markers",
                    marker={"size": 9, "color": OKABE_ITO[index % len(OKABE_ITO)]},
                    line={"color": OKABE_ITO[index % len(OKABE_ITO)]},
                    hovertemplate=f"{kind.upper()}, %{{x}} steps: {key} %{{y:.2f}}<extra></extra>",
                ),
                row=1,
                col=column,
            )
    if floor_fd is not None:
        figure.add_hline(
            y=float(floor_fd),
            line={"color": FLOOR_COLOUR, "dash": "dash"},
            annotation_text="real vs real",
            annotation_position="top right",
            row=1,
            col=2,
        )
    figure.update_xaxes(type="log", title="steps (network calls)")
    figure.update_yaxes(type="log", title="seconds", row=1, col=1)
    figure.update_yaxes(title="FD", rangemode="tozero", row=1, col=2)
    figure.update_layout(title=title, width=820, height=400)
    return figure


def cost_quality_figure(
    models, *, floor_fd: float | None = None, title: str = "Quality against cost: training and sampling"
) -> go.Figure:
    """Two panels, one point per generative model: its FD against its training's wall-clock minutes (left) and against
    the seconds it takes to generate 2,000 images (right), with the real-vs-real `floor_fd` as a line.

    Each of `models` needs `label`, `fd`, `train_seconds` and `sample_seconds_2000` (a model whose FD is None is
    left out: it was not measured). The time axes are logarithmic.
    """
    models = [row for row in _rows(models, MODEL_KEYS, "models") if row["fd"] is not None]
    if not models:
        raise ValueError("models must hold at least one model with a measured fd, got none")
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=["to train", "to generate 2,000 images"],
        horizontal_spacing=0.12,
        shared_yaxes=True,
    )
    for index, row in enumerate(models):
        colour = OKABE_ITO[index % len(OKABE_ITO)]
        for column, key, unit, unit_name in ((1, "train_seconds", 60.0, "min"), (2, "sample_seconds_2000", 1.0, "s")):
            figure.add_trace(
                go.Scatter(
                    x=[float(row[key]) / unit],
                    y=[float(row["fd"])],
                    name=str(row["label"]),
                    legendgroup=str(row["label"]),
                    showlegend=column == 1,
                    mode="markers",
                    marker={"size": 13, "color": colour},
                    hovertemplate=f"{row['label']}<br>%{{x:.3g}} {unit_name}, FD %{{y:.1f}}<extra></extra>",
                ),
                row=1,
                col=column,
            )
    if floor_fd is not None:
        for column in (1, 2):
            figure.add_hline(y=float(floor_fd), line={"color": FLOOR_COLOUR, "dash": "dash"}, row=1, col=column)
    figure.update_xaxes(type="log", title="minutes (wall clock)", row=1, col=1)
    figure.update_xaxes(type="log", title="seconds (wall clock)", row=1, col=2)
    figure.update_yaxes(title="FD (lower: closer to real)", rangemode="tozero", row=1, col=1)
    figure.update_layout(title=title, width=820, height=420)
    return figure

"""Figures of the class-coverage meter: mode collapse over training, fixes side by side, a hyperparameter grid."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from autoaegan.data.fashion_mnist import CLASS_NAMES
from autoaegan.figures.images import image_grid
from autoaegan.figures.theme import CLASS_COLOURS, OKABE_ITO, SEQUENTIAL


def _epochs(steps, steps_per_epoch):
    steps = np.asarray(steps, dtype=np.float64)
    return (steps / steps_per_epoch, "epoch") if steps_per_epoch else (steps, "training step")


def class_shares_figure(
    steps,
    counts,
    *,
    steps_per_epoch: int | None = None,
    class_names=CLASS_NAMES,
    title: str = "Which classes the generator makes, over training",
) -> go.Figure:
    """Stacked shares of the samples per predicted class at each record, and the number of classes covered.

    `counts` is `(records, classes)`, as a `CoverageTracker` records them; with
    `steps_per_epoch` the x axis counts epochs. A collapsing generator shows as one
    colour filling the plot; a cycling one as colours taking turns.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2 or len(counts) != len(steps):
        raise ValueError(
            f"counts must be (records, classes) with one row per step; got shape {counts.shape} for {len(steps)} steps"
        )
    shares = counts / counts.sum(axis=1, keepdims=True)
    x, x_title = _epochs(steps, steps_per_epoch)
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.72, 0.28], vertical_spacing=0.06)
    for index, name in enumerate(class_names):
        figure.add_trace(
            go.Scatter(
                x=x,
                y=shares[:, index],
                name=name,
                stackgroup="shares",
                mode="lines",
                line={"width": 0.5, "color": CLASS_COLOURS[index % len(CLASS_COLOURS)]},
                hovertemplate=f"{name}: %{{y:.1%}}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    covered = (shares >= 0.01).sum(axis=1)
    figure.add_trace(
        go.Scatter(
            x=x,
            y=covered,
            name="classes covered (≥1%)",
            mode="lines+markers",
            line={"color": "#000000"},
            showlegend=False,
            hovertemplate="%{y} classes covered<extra></extra>",
        ),
        row=2,
        col=1,
    )
    figure.update_yaxes(title_text="share of samples", range=[0, 1], tickformat=".0%", row=1, col=1)
    figure.update_yaxes(title_text="classes", range=[0, len(class_names) + 0.5], row=2, col=1)
    figure.update_xaxes(title_text=x_title, row=2, col=1)
    figure.update_layout(title=title, height=520, hovermode="x unified")
    return figure


def coverage_comparison_figure(
    runs: dict,
    *,
    key: str = "covered",
    steps_per_epoch: int | None = None,
    title: str = "Classes covered during training",
) -> go.Figure:
    """One line per run: `runs` maps a name to `{"steps": [...], key: [...]}` (a `CoverageTracker.as_dict()`)."""
    x_title = "epoch" if steps_per_epoch else "training step"
    figure = go.Figure()
    for index, (name, record) in enumerate(runs.items()):
        x, _ = _epochs(record["steps"], steps_per_epoch)
        figure.add_trace(
            go.Scatter(
                x=x,
                y=record[key],
                name=name,
                mode="lines",
                line={"color": OKABE_ITO[index % len(OKABE_ITO)], "width": 2},
            )
        )
    y_titles = {"covered": "classes covered (≥1% of the samples)", "entropy": "class entropy, normalised"}
    y_title = y_titles.get(key, key)
    figure.update_layout(
        title=title,
        xaxis_title=x_title,
        yaxis_title=y_title,
        height=420,
        yaxis={"range": [0, 10.5] if key == "covered" else [0, 1.02]},
    )
    return figure


def snapshot_grid(
    snapshots, steps, *, steps_per_epoch: int | None = None, title: str | None = None, size: int = 56
) -> go.Figure:
    """The samples kept at several records, one row per record: `snapshots` is `(records, kept, 28, 28)`."""
    snapshots = np.asarray(snapshots)
    if snapshots.ndim != 4 or len(snapshots) != len(steps):
        raise ValueError(
            f"snapshots must be (records, kept, height, width) with one row per step; got shape "
            f"{snapshots.shape} for {len(steps)} steps"
        )
    x, unit = _epochs(steps, steps_per_epoch)
    labels = [f"{unit} {value:.1f}" if steps_per_epoch else f"step {int(value):,}" for value in x]
    return image_grid(
        snapshots.reshape(-1, *snapshots.shape[2:]),
        columns=snapshots.shape[1],
        row_titles=labels,
        title=title,
        size=size,
    )


def sweep_heatmap(cells, *, key: str = "fd", title: str | None = None) -> go.Figure:
    """A grid of one figure over the discriminator's (rows) and the generator's (columns) learning rates.

    `cells` are the sweep's records, each with `settings.d_learning_rate`,
    `settings.g_learning_rate` and the figure `key` ("fd", "covered", "recall"...).
    """
    d_rates = sorted({c["settings"]["d_learning_rate"] for c in cells})
    g_rates = sorted({c["settings"]["g_learning_rate"] for c in cells})
    grid = np.full((len(d_rates), len(g_rates)), np.nan)
    for cell in cells:
        grid[d_rates.index(cell["settings"]["d_learning_rate"]), g_rates.index(cell["settings"]["g_learning_rate"])] = (
            cell[key]
        )
    text_format = {"fd": "{:.0f}", "covered": "{:.0f}", "recall": "{:.3f}", "precision": "{:.2f}"}.get(key, "{:.3g}")
    text = [[("" if np.isnan(v) else text_format.format(v)) for v in row] for row in grid]
    # Lower FD is better; more classes, recall and precision are better: the scale's bright end is always "good".
    scale = SEQUENTIAL if key in ("covered", "recall", "precision", "entropy") else SEQUENTIAL + "_r"
    figure = go.Figure(
        go.Heatmap(
            z=grid,
            x=[f"{g:g}" for g in g_rates],
            y=[f"{d:g}" for d in d_rates],
            text=text,
            texttemplate="%{text}",
            colorscale=scale,
            colorbar={"title": key},
            hovertemplate="D %{y}, G %{x}: %{text}<extra></extra>",
        )
    )
    figure.update_layout(
        title=title or key,
        xaxis_title="generator's learning rate",
        yaxis_title="discriminator's learning rate",
        height=400,
        width=520,
        xaxis={"type": "category"},
        yaxis={"type": "category"},
    )
    return figure


def fixes_table_figure(recording: dict, *, title: str = "Each fix against the baseline, trained alike") -> go.Figure:
    """The fixes' figures from a `gan_fixes` recording as a table, beside the real-vs-real floor.

    One row per fix: FD, KID, precision, recall, classes covered and class entropy
    of the final generator (means over the recording's seeds), the fewest classes
    covered at any record during training, and the training time.
    """
    rows, floor = recording["rows"], recording["floor"]
    header = [
        "fix",
        "FD ↓",
        "KID ×1000 ↓",
        "precision ↑",
        "recall ↑",
        "classes covered ↑",
        "class entropy ↑",
        "fewest classes during training",
        "train s",
    ]
    columns = [[row["fix"] for row in rows] + ["real vs real (floor)"]]
    for key, text in (
        ("fd", "{:.1f}"),
        ("kid", "{:.1f}"),
        ("precision", "{:.3f}"),
        ("recall", "{:.3f}"),
        ("covered", "{:.0f}/10"),
        ("entropy", "{:.3f}"),
    ):
        scale = 1000 if key == "kid" else 1
        columns.append(
            [text.format(scale * row["mean"][key]) for row in rows]
            + [text.format(scale * floor[key]) if key in floor else ""]
        )
    columns.append([f"{row['min_covered_during_training']}/10" for row in rows] + [""])
    columns.append([f"{row['train_seconds']:.0f}" for row in rows] + [""])
    figure = go.Figure(
        go.Table(
            header={"values": header, "align": "left"},
            cells={"values": columns, "align": ["left"] + ["right"] * (len(header) - 1)},
        )
    )
    figure.update_layout(title=title, height=110 + 32 * (len(rows) + 1), margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return figure

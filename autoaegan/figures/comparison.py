"""The comparison of autoencoder families (chapters 03-04) as a Markdown table and a figure."""

from __future__ import annotations

import plotly.graph_objects as go

from autoaegan.figures.theme import OKABE_ITO
from autoaegan.training.families import FamilyResult


def results_markdown(results: list[FamilyResult], *, epoch_images: int | None = None) -> str:
    """The results as a Markdown table (display it with `IPython.display.Markdown`).

    With `epoch_images`, a last column estimates the seconds an epoch of that many
    images would take at the measured speed (e.g. 55,000 for the whole training set).
    """
    header = "| family | parameters | validation MSE | training MSE | epochs | seconds per epoch | images per second |"
    if epoch_images is not None:
        header += f" seconds per epoch of {epoch_images:,} images |"
    lines = [header, "|---|" + "---:|" * (header.count("|") - 2)]
    for r in results:
        row = (
            f"| {r.name} | {r.parameters:,} | {r.valid_mse:.4f} | {r.train_mse:.4f} | {r.epochs} "
            f"| {r.seconds_per_epoch:.1f} | {r.images_per_second:,.0f} |"
        )
        if epoch_images is not None:
            row += f" {epoch_images / r.images_per_second:.0f} |"
        lines.append(row)
    return "\n".join(lines)


def results_figure(results: list[FamilyResult], *, title: str = "Validation MSE against training time") -> go.Figure:
    """Each family as a point: seconds per epoch across, validation MSE up; hover for the parameter count."""
    if not results:
        raise ValueError("results is empty: expected at least one FamilyResult")
    figure = go.Figure()
    for index, r in enumerate(results):
        figure.add_trace(
            go.Scatter(
                x=[r.seconds_per_epoch],
                y=[r.valid_mse],
                name=r.name,
                mode="markers+text",
                text=[r.name],
                textposition="top center",
                marker={"size": 14, "color": OKABE_ITO[index % len(OKABE_ITO)]},
                hovertemplate=(
                    f"{r.name}<br>{r.parameters:,} parameters<br>%{{x:.1f}} s per epoch"
                    "<br>validation MSE %{y:.4f}<extra></extra>"
                ),
            )
        )
    figure.update_layout(
        title=title,
        showlegend=False,
        xaxis_title="seconds per epoch (training steps)",
        yaxis_title="validation MSE (lower is better)",
    )
    return figure

"""The unsupervised-pretraining experiment as a figure: validation accuracy against the number of labels."""

from __future__ import annotations

import plotly.graph_objects as go

from autoaegan.experiments.unsupervised_pretraining import PretrainingResult
from autoaegan.figures.theme import OKABE_ITO

_DASHES = ("solid", "dash", "dot")


def pretraining_figure(result: PretrainingResult, *, title: str = "Classifiers trained on few labels") -> go.Figure:
    """One line per method: validation accuracy against the number of labelled images (log scale)."""
    if not isinstance(result, PretrainingResult):
        raise TypeError(f"expected a PretrainingResult (from compare_pretraining), got {type(result).__name__}")
    counts = result.label_counts
    figure = go.Figure()
    for number, method in enumerate(result.methods):
        figure.add_trace(
            go.Scatter(
                x=counts,
                y=result.accuracies(method),
                name=method,
                mode="lines+markers",
                line={"color": OKABE_ITO[number], "dash": _DASHES[number % len(_DASHES)]},
                hovertemplate=f"{method}<br>%{{x:,}} labels: accuracy %{{y:.3f}}<extra></extra>",
            )
        )
    figure.update_xaxes(
        type="log", title="labelled training images", tickvals=counts, ticktext=[f"{n:,}" for n in counts]
    )
    figure.update_yaxes(title="validation accuracy", tickformat=".0%")
    figure.update_layout(title=title, width=640, height=420)
    return figure

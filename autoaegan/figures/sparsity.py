"""Figures for sparse autoencoders: the sparsity losses, and the coding neurons' measured activations."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.special import rel_entr

from autoaegan.arguments import whole_number
from autoaegan.figures.theme import OKABE_ITO


def _check_target(target) -> float:
    if not 0.0 < float(target) < 1.0:
        raise ValueError(f"target must lie strictly between 0 and 1, got {target!r}")
    return float(target)


def _activations_by_model(activations_by_model) -> dict[str, np.ndarray]:
    if not isinstance(activations_by_model, dict) or not activations_by_model:
        raise TypeError(
            f"expected a non-empty dict {{model name: activations}}, got {type(activations_by_model).__name__}"
        )
    arrays = {}
    for name, activations in activations_by_model.items():
        activations = np.asarray(activations, dtype=np.float64)
        if activations.ndim != 2 or len(activations) == 0:
            raise ValueError(
                f"activations of {name!r} must be shaped (n_inputs, n_neurons), got shape {activations.shape}"
            )
        arrays[str(name)] = activations
    return arrays


def sparsity_loss_figure(target: float = 0.1, points: int = 199) -> go.Figure:
    """The sparsity loss of one neuron against its measured mean activation q: KL divergence, MSE and MAE to `target`.

    The KL divergence p log(p/q) + (1-p) log((1-p)/(1-q)) grows without bound as q
    nears 0 or 1, where the MSE and MAE stay small: it pushes harder.
    """
    p = _check_target(target)
    q = np.linspace(0.0, 1.0, points + 2)[1:-1]
    curves = {
        "KL divergence": rel_entr(p, q) + rel_entr(1 - p, 1 - q),
        "MSE": (q - p) ** 2,
        "MAE": np.abs(q - p),
    }
    figure = go.Figure()
    for (name, values), colour, dash in zip(curves.items(), OKABE_ITO, ("solid", "dash", "dot")):
        figure.add_trace(
            go.Scatter(
                x=q,
                y=values,
                name=name,
                line={"color": colour, "dash": dash},
                hovertemplate=f"{name}<br>q %{{x:.3f}}: %{{y:.4f}}<extra></extra>",
            )
        )
    figure.add_vline(x=p, line={"color": "grey", "dash": "dot"}, annotation_text=f"target p = {p:g}")
    figure.update_layout(
        title=f"Sparsity loss of one neuron (target {p:g})",
        xaxis_title="measured mean activation q",
        yaxis_title="loss",
        yaxis_range=[0, 1.0],
        width=700,
        height=420,
    )
    return figure


def mean_activation_figure(activations_by_model: dict, target: float | None = None) -> go.Figure:
    """Each coding neuron's mean activation over the inputs, neurons sorted from most to least active, one line per
    model.

    `activations_by_model` maps a model's name to its codings, shaped (n_inputs, n_neurons).
    A dashed line marks the `target` sparsity, if given.
    """
    arrays = _activations_by_model(activations_by_model)
    figure = go.Figure()
    for (name, activations), colour in zip(arrays.items(), OKABE_ITO):
        means = np.sort(activations.mean(axis=0))[::-1]
        figure.add_trace(
            go.Scatter(
                x=np.arange(1, len(means) + 1),
                y=means,
                name=name,
                mode="lines",
                line={"color": colour},
                hovertemplate=f"{name}<br>neuron ranked %{{x}}: mean activation %{{y:.3f}}<extra></extra>",
            )
        )
    if target is not None:
        target = _check_target(target)
        figure.add_hline(y=target, line={"color": "grey", "dash": "dash"}, annotation_text=f"target {target:g}")
    figure.update_layout(
        title="Mean activation of each coding neuron (validation images)",
        xaxis_title="coding neuron, from most to least active",
        yaxis_title="mean activation",
        yaxis_range=[0, 1],
        width=800,
        height=420,
    )
    return figure


def activation_histogram_figure(activations_by_model: dict, bins: int = 50) -> go.Figure:
    """Two histograms per model: the neurons' mean activations (left) and all activations (right), in percent.

    The counts are computed here with numpy, so the figure stays small however many
    activations there are. Activations are expected in [0, 1] (sigmoid codings).
    """
    arrays = _activations_by_model(activations_by_model)
    bins = whole_number(bins, "bins", at_least=2)
    edges = np.linspace(0.0, 1.0, bins + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    figure = make_subplots(rows=1, cols=2, subplot_titles=("mean activation per neuron", "all activations"))
    for (name, activations), colour in zip(arrays.items(), OKABE_ITO):
        for column, values in ((1, activations.mean(axis=0)), (2, activations.ravel())):
            counts, _ = np.histogram(np.clip(values, 0.0, 1.0), bins=edges)
            figure.add_trace(
                go.Scatter(
                    x=centres,
                    y=100 * counts / counts.sum(),
                    name=name,
                    legendgroup=name,
                    showlegend=column == 1,
                    mode="lines",
                    line={"color": colour, "shape": "hvh"},
                    hovertemplate=f"{name}<br>activation %{{x:.2f}}: %{{y:.1f}}%<extra></extra>",
                ),
                row=1,
                col=column,
            )
    figure.update_xaxes(title_text="activation", range=[0, 1])
    figure.update_yaxes(title_text="% of neurons", row=1, col=1)
    figure.update_yaxes(title_text="% of activations", row=1, col=2)
    figure.update_layout(title="How active are the coding neurons? (validation images)", width=950, height=420)
    return figure

"""How much of the image space passes through a linear autoencoder: the singular values of its end-to-end matrix."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from autoaegan.figures.theme import OKABE_ITO


def singular_value_figure(matrices: dict) -> go.Figure:
    """The singular values of each model's end-to-end matrix W, largest first, with the identity's (all 1) for scale.

    `matrices` maps a model's name to its square matrix W (reconstruction = x W + b).
    A singular value near 1 is a direction of the image space that the model copies;
    0 is a direction it drops. A 30-D code can pass at most 30 directions.
    """
    if not isinstance(matrices, dict) or not matrices:
        raise TypeError(f"expected a non-empty dict {{model name: matrix}}, got {type(matrices).__name__}")
    figure = go.Figure()
    size = None
    for (name, matrix), colour in zip(matrices.items(), OKABE_ITO):
        matrix = np.asarray(matrix, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"the matrix of {name!r} must be square, got shape {matrix.shape}")
        size = matrix.shape[0]
        values = np.linalg.svd(matrix, compute_uv=False)
        figure.add_trace(
            go.Scatter(
                x=np.arange(1, len(values) + 1),
                y=values,
                name=str(name),
                mode="lines",
                line={"color": colour},
                hovertemplate=f"{name}<br>direction %{{x}}: gain %{{y:.3f}}<extra></extra>",
            )
        )
    figure.add_hline(y=1.0, line={"color": "grey", "dash": "dash"}, annotation_text="identity (copies everything)")
    figure.update_layout(
        title="Singular values of the end-to-end matrix W",
        xaxis_title=f"direction of the {size}-D image space, by gain",
        yaxis_title="gain (singular value)",
        width=800,
        height=420,
    )
    return figure

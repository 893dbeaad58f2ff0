"""A 2-D embedding of images (t-SNE of an encoder's codings), drawn as a scatter coloured by class.

`tsne_embedding` maps codings to 2-D with scikit-learn's t-SNE (van der Maaten &
Hinton 2008) on one thread: its OpenMP threads busy-wait for each other, and on
a shared 2-core server that made it several times slower (2,000 points: 67 s on
two threads, 10 s on one, measured here under load).

`embedding_figure` draws one trace per class in the course's class colours, each keeping
the dataset index of its points in `customdata`: `autoaegan.widgets.embedding` pairs it
with an image pane that shows the hovered point's image.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from sklearn.manifold import TSNE
from threadpoolctl import threadpool_limits

from autoaegan.figures.theme import CLASS_COLOURS


def tsne_embedding(codings, *, seed: int = 42, threads: int = 1) -> np.ndarray:
    """Embed the rows of `codings` in 2-D with t-SNE (PCA initialisation, automatic learning rate), seeded."""
    codings = np.asarray(codings, dtype=np.float32)
    if codings.ndim != 2 or len(codings) < 5:
        raise ValueError(f"codings must have shape (n, features) with at least 5 rows, got {codings.shape}")
    perplexity = min(30.0, (len(codings) - 1) / 3)  # t-SNE needs more points than its perplexity
    with threadpool_limits(threads):
        return TSNE(
            n_components=2, perplexity=perplexity, init="pca", learning_rate="auto", random_state=seed
        ).fit_transform(codings)


def checked_embedding(points, labels, class_names) -> tuple[np.ndarray, np.ndarray]:
    """`points` `(n, 2)` and `labels` `(n,)` as arrays; ValueError unless each label names a class with a colour."""
    points, labels = np.asarray(points), np.asarray(labels)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), got {points.shape}")
    if labels.shape != (len(points),):
        raise ValueError(f"labels must have one entry per point, shape ({len(points)},), got {labels.shape}")
    if len(labels) and (labels.min() < 0 or labels.max() >= len(class_names)):
        raise ValueError(
            f"labels must lie in 0..{len(class_names) - 1} (one per class name), got {labels.min()}..{labels.max()}"
        )
    if len(class_names) > len(CLASS_COLOURS):
        raise ValueError(f"at most {len(CLASS_COLOURS)} classes have a colour, got {len(class_names)}")
    return points, labels


def embedding_figure(points, labels, class_names: Sequence[str], *, title: str = "t-SNE of the codings") -> go.Figure:
    """A scatter of the 2-D `points`, one trace per class (click the legend to hide one), indices in `customdata`."""
    points, labels = checked_embedding(points, labels, class_names)
    figure = go.Figure()
    for number, name in enumerate(class_names):
        (indices,) = np.nonzero(labels == number)
        figure.add_trace(
            go.Scatter(
                x=points[indices, 0],
                y=points[indices, 1],
                customdata=indices,
                mode="markers",
                name=name,
                marker={"color": CLASS_COLOURS[number], "size": 5, "opacity": 0.8},
                hovertemplate=f"{name}<br>example %{{customdata}}<extra></extra>",
            )
        )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, scaleanchor="x")
    figure.update_layout(title=title, width=620, height=520, legend={"itemsizing": "constant"})
    return figure

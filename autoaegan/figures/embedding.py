"""A 2-D embedding of images (t-SNE of an encoder's codings), where hovering a point shows its image.

`tsne_embedding` maps codings to 2-D with scikit-learn's t-SNE (van der Maaten &
Hinton 2008) on one thread: its OpenMP threads busy-wait for each other, and on
a shared 2-core server that made it several times slower (2,000 points: 67 s on
two threads, 10 s on one, measured here under load).

Plotly's hover labels show text only, so the explorer pairs two `FigureWidget`s in
an `ipywidgets.HBox`: the scatter, one trace per class in the course's class
colours, and an image pane that the scatter's `on_hover` callback redraws. Each
trace keeps the dataset index of its points in `customdata`; the pure functions
`hovered_index` and `point_image` turn a hover event into the image shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets
import numpy as np
import plotly.graph_objects as go

from autoaegan.figures.theme import CLASS_COLOURS, IMAGE_COLOURSCALE
from autoaegan.widgets.snapshot import StaticSnapshot


def tsne_embedding(codings, *, seed: int = 42, threads: int = 1) -> np.ndarray:
    """Embed the rows of `codings` in 2-D with t-SNE (PCA initialisation, automatic learning rate), seeded."""
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    codings = np.asarray(codings, dtype=np.float32)
    if codings.ndim != 2 or len(codings) < 5:
        raise ValueError(f"codings must have shape (n, features) with at least 5 rows, got {codings.shape}")
    perplexity = min(30.0, (len(codings) - 1) / 3)  # t-SNE needs more points than its perplexity
    with threadpool_limits(threads):
        return TSNE(
            n_components=2, perplexity=perplexity, init="pca", learning_rate="auto", random_state=seed
        ).fit_transform(codings)


def _check_embedding(points, labels, class_names) -> tuple[np.ndarray, np.ndarray]:
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
    points, labels = _check_embedding(points, labels, class_names)
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


def hovered_index(customdata, point_inds: Sequence[int]) -> int | None:
    """The dataset index of the first hovered point of a trace (from its `customdata`), or None when none is hovered."""
    if len(point_inds) == 0:
        return None
    return int(np.asarray(customdata)[point_inds[0]])


def point_image(images, labels, class_names: Sequence[str], index: int) -> tuple[np.ndarray, str]:
    """The image shown for example `index`: its pixels in [0, 1], top row last (as heatmaps draw), and a caption."""
    if not 0 <= index < len(images):
        raise IndexError(f"example index {index} is outside the {len(images)} images")
    image = np.asarray(images[index])
    image = image.astype(np.float32) / 255.0 if image.dtype == np.uint8 else image.astype(np.float32)
    return image[::-1], f"example {index}: {class_names[int(labels[index])]}"


class EmbeddingExplorer(StaticSnapshot, ipywidgets.HBox):
    """The scatter and the image pane side by side; `show(index)` draws an example, as hovering does."""

    snapshot_name = "The embedding explorer"

    def __init__(self, points, labels, images, class_names: Sequence[str], *, title: str = "t-SNE of the codings"):
        points, labels = _check_embedding(points, labels, class_names)
        if len(images) != len(points):
            raise ValueError(f"images must have one entry per point: {len(points)} points, {len(images)} images")
        self.images, self.labels, self.class_names = images, labels, tuple(class_names)
        self.scatter = go.FigureWidget(embedding_figure(points, labels, class_names, title=title))
        self.image_pane = go.FigureWidget(
            go.Heatmap(
                z=np.zeros(np.shape(images)[1:3]),
                colorscale=IMAGE_COLOURSCALE,
                zmin=0,
                zmax=1,
                showscale=False,
                hoverinfo="skip",
            )
        )
        self.image_pane.update_xaxes(visible=False)
        self.image_pane.update_yaxes(visible=False, scaleanchor="x")
        self.image_pane.update_layout(
            width=260,
            height=290,
            margin={"l": 10, "r": 10, "t": 50, "b": 10},
            title={"text": "hover a point", "font": {"size": 13}},
        )
        for trace in self.scatter.data:
            trace.on_hover(self._on_hover)
        super().__init__([self.scatter, self.image_pane])

    def static_figure(self) -> go.Figure:
        """The scatter, as a plain figure: on a page without a kernel its hover labels still name each point."""
        return go.Figure(self.scatter)

    def _on_hover(self, trace, points, state):
        index = hovered_index(trace.customdata, points.point_inds)
        if index is not None:
            self.show(index)

    def show(self, index: int) -> None:
        """Draw example `index` in the image pane, titled with its class."""
        pixels, caption = point_image(self.images, self.labels, self.class_names, index)
        with self.image_pane.batch_update():
            self.image_pane.data[0].z = pixels
            self.image_pane.layout.title.text = caption


def embedding_explorer(
    points, labels, images, class_names: Sequence[str], *, title: str = "t-SNE of the codings"
) -> EmbeddingExplorer:
    """The scatter of `points` coloured by class beside a pane showing the image of the hovered point (an ipywidget)."""
    return EmbeddingExplorer(points, labels, images, class_names, title=title)

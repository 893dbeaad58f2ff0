"""The embedding explorer: a t-SNE scatter of the codings where hovering a point shows its image.

Plotly's hover labels show text only, so the explorer pairs two `FigureWidget`s in
an `ipywidgets.HBox`: the scatter (`autoaegan.figures.embedding.embedding_figure`), one
trace per class, and an image pane that the scatter's `on_hover` callback redraws. Each
trace keeps the dataset index of its points in `customdata`; the pure functions
`hovered_index` and `point_image` turn a hover event into the image shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets
import numpy as np
import plotly.graph_objects as go

from autoaegan.figures.embedding import checked_embedding, embedding_figure
from autoaegan.figures.theme import IMAGE_COLOURSCALE
from autoaegan.pixels import uint8_to_unit
from autoaegan.widgets.snapshot import StaticSnapshot


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
    image = uint8_to_unit(image) if image.dtype == np.uint8 else image.astype(np.float32)
    return image[::-1], f"example {index}: {class_names[int(labels[index])]}"


class EmbeddingExplorer(StaticSnapshot, ipywidgets.HBox):
    """The scatter and the image pane side by side; `show(index)` draws an example, as hovering does."""

    snapshot_name = "The embedding explorer"

    def __init__(self, points, labels, images, class_names: Sequence[str], *, title: str = "t-SNE of the codings"):
        points, labels = checked_embedding(points, labels, class_names)
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

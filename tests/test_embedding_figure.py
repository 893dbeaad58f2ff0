"""The t-SNE scatter coloured by class, and the explorer that shows the image of the hovered point."""

import ipywidgets
import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.callbacks import Points

from autoaegan.figures.embedding import embedding_figure, tsne_embedding
from autoaegan.figures.theme import CLASS_COLOURS
from autoaegan.widgets.embedding import EmbeddingExplorer, embedding_explorer, hovered_index, point_image

CLASS_NAMES = ("zero", "one", "two")


@pytest.fixture
def embedding():
    rng = np.random.default_rng(0)
    labels = np.array([2, 0, 1, 2, 0, 2])
    points = rng.normal(size=(6, 2))
    images = rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
    return points, labels, images


def test_tsne_keeps_separate_clusters_apart_and_repeats_with_its_seed():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 10, size=(3, 30))
    labels = np.repeat([0, 1, 2], 20)
    codings = centres[labels] + rng.normal(0, 0.5, size=(60, 30))
    points = tsne_embedding(codings, seed=1)
    assert points.shape == (60, 2)
    distances = np.linalg.norm(points[:, None] - points[None], axis=-1) + np.diag(np.full(60, np.inf))
    assert np.all(labels[distances.argmin(axis=1)] == labels)  # every nearest neighbour is of its own cluster
    np.testing.assert_allclose(tsne_embedding(codings, seed=1), points)
    with pytest.raises(ValueError, match=r"shape \(n, features\) with at least 5 rows, got \(60,\)"):
        tsne_embedding(labels)


def test_one_trace_per_class_holding_the_indices_of_its_points(embedding):
    points, labels, _ = embedding
    figure = embedding_figure(points, labels, CLASS_NAMES)
    assert [trace.name for trace in figure.data] == list(CLASS_NAMES)
    assert [trace.marker.color for trace in figure.data] == list(CLASS_COLOURS[:3])
    assert [list(trace.customdata) for trace in figure.data] == [[1, 4], [2], [0, 3, 5]]
    two = figure.data[2]
    np.testing.assert_allclose(np.column_stack([two.x, two.y]), points[[0, 3, 5]])


def test_hovered_index_reads_the_trace_customdata():
    assert hovered_index([0, 3, 5], [1]) == 3
    assert hovered_index(np.array([7, 9]), [1, 0]) == 9
    assert hovered_index([0, 3, 5], []) is None


def test_point_image_flips_rows_for_the_heatmap_and_names_the_class(embedding):
    _, labels, images = embedding
    pixels, caption = point_image(images, labels, CLASS_NAMES, 3)
    np.testing.assert_allclose(pixels, images[3][::-1] / 255.0)
    assert pixels.dtype == np.float32 and caption == "example 3: two"
    with pytest.raises(IndexError, match="example index 6 is outside the 6 images"):
        point_image(images, labels, CLASS_NAMES, 6)


def test_hovering_a_point_shows_its_image_beside_the_scatter(embedding):
    points, labels, images = embedding
    explorer = embedding_explorer(points, labels, images, CLASS_NAMES)
    assert isinstance(explorer, ipywidgets.HBox) and isinstance(explorer, EmbeddingExplorer)
    scatter, pane = explorer.children
    assert isinstance(scatter, go.FigureWidget) and isinstance(pane, go.FigureWidget)
    # What the browser sends when the pointer enters the second point of class "zero" (example 4).
    hover = Points(point_inds=[1], xs=[0.0], ys=[0.0], trace_name="zero", trace_index=0)
    scatter.data[0]._dispatch_on_hover(hover, None)
    np.testing.assert_allclose(np.asarray(pane.data[0].z), images[4][::-1] / 255.0)
    assert pane.layout.title.text == "example 4: zero"
    explorer.show(2)
    assert pane.layout.title.text == "example 2: one"
    scatter.data[2]._dispatch_on_hover(Points(point_inds=[], xs=[], ys=[], trace_name="two", trace_index=2), None)
    assert pane.layout.title.text == "example 2: one"  # leaving every point keeps the last image


def test_bad_inputs_are_refused(embedding):
    points, labels, images = embedding
    with pytest.raises(ValueError, match=r"points must have shape \(n, 2\), got \(6, 3\)"):
        embedding_figure(np.zeros((6, 3)), labels, CLASS_NAMES)
    with pytest.raises(ValueError, match=r"labels must have one entry per point, shape \(6,\), got \(5,\)"):
        embedding_figure(points, labels[:5], CLASS_NAMES)
    with pytest.raises(ValueError, match="labels must lie in 0..1"):
        embedding_figure(points, labels, CLASS_NAMES[:2])
    with pytest.raises(ValueError, match="images must have one entry per point: 6 points, 4 images"):
        embedding_explorer(points, labels, images[:4], CLASS_NAMES)

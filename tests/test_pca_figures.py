"""Figures of chapter 02: the planes through the 3-D data, the codings beside PCA, the loss curve."""

import numpy as np
import pytest
from sklearn.decomposition import PCA

from autoaegan.data.three_d import make_3d_dataset
from autoaegan.figures.pca import codings_figure, data_and_planes_figure, loss_curve_figure, plane_grid


@pytest.fixture(scope="module")
def data():
    x = make_3d_dataset().astype(np.float64)
    pca = PCA(n_components=2).fit(x)
    return x, pca, pca.inverse_transform(pca.transform(x))


def test_plane_grid_lies_in_the_plane_of_the_points_and_covers_them(data):
    x, pca, reconstructions = data
    grid = np.stack(plane_grid(reconstructions), axis=-1)  # (2, 2, 3): the four corners
    normal = np.cross(*pca.components_)
    np.testing.assert_allclose((grid.reshape(-1, 3) - pca.mean_) @ normal, 0, atol=1e-9)
    # every point, written in the grid's own axes, falls inside the rectangle
    origin, along_u, along_v = grid[0, 0], grid[0, 1] - grid[0, 0], grid[1, 0] - grid[0, 0]
    coefficients = np.linalg.lstsq(np.stack([along_u, along_v], axis=1), (reconstructions - origin).T, rcond=None)[0]
    assert coefficients.min() > 0 and coefficients.max() < 1


def test_planes_figure_draws_data_planes_and_residuals(data):
    x, _, reconstructions = data
    figure = data_and_planes_figure(x, reconstructions, reconstructions)
    names = [trace.name for trace in figure.data]
    assert names == ["autoencoder's plane", "PCA's plane", "point → its reconstruction", "data"]
    assert [trace.type for trace in figure.data] == ["surface", "surface", "scatter3d", "scatter3d"]
    np.testing.assert_allclose(np.array(figure.data[3].x), x[:, 0])
    residuals = figure.data[2]
    assert len(residuals.x) == 3 * len(x) and residuals.x[2] is None
    assert len(data_and_planes_figure(x, reconstructions, show_residuals=False).data) == 2


def test_planes_figure_rejects_mismatched_arrays(data):
    x, _, reconstructions = data
    with pytest.raises(ValueError, match="shape \\(n_points, 3\\)"):
        data_and_planes_figure(x[:, :2], reconstructions)
    with pytest.raises(ValueError, match="same number of points, got 60 and 10"):
        data_and_planes_figure(x, reconstructions[:10])


def test_codings_figure_has_two_panels_with_equal_units(data):
    x, pca, _ = data
    projection = pca.transform(x)
    codings = projection @ np.array([[1.0, 0.5], [0.0, 2.0]])
    figure = codings_figure(codings, projection)
    assert len(figure.data) == 2
    np.testing.assert_allclose(np.array(figure.data[0].y), codings[:, 1])
    np.testing.assert_allclose(np.array(figure.data[1].marker.color), projection[:, 0])
    assert figure.layout.xaxis.scaleanchor == "y" and figure.layout.xaxis2.scaleanchor == "y2"
    with pytest.raises(ValueError, match="shape \\(n_points, 2\\)"):
        codings_figure(x, projection)


def test_loss_curve_shows_pca_floor():
    figure = loss_curve_figure([0.3, 0.1, 0.05, 0.03], 0.0233)
    assert figure.layout.yaxis.type == "log"
    assert list(figure.data[1].y) == [0.0233, 0.0233]
    assert list(figure.data[0].x) == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="non-empty 1-D"):
        loss_curve_figure([], 0.02)

"""Figures of a latent space: interpolation rows with framed originals, the latent plane, the codings' histograms."""

import numpy as np
import pytest
from scipy.stats import norm

from autoaegan.figures.images import image_grid
from autoaegan.figures.latent import (
    UNUSED_COLOUR,
    USED_COLOUR,
    codings_distribution_figure,
    dimension_use_figure,
    interpolation_figure,
    latent_plane_codings,
    latent_plane_figure,
    mosaic,
)
from autoaegan.latent import dimension_use


def test_image_grid_frames_the_images_it_is_told_to():
    figure = image_grid(np.zeros((6, 4, 4)), columns=3, bordered=[0, 4])
    frames = [(shape.xref, shape.yref) for shape in figure.layout.shapes]
    assert frames == [("x domain", "y domain"), ("x5 domain", "y5 domain")]
    with pytest.raises(ValueError, match=r"bordered indices must lie in \[0, 5\], got \[6\]"):
        image_grid(np.zeros((6, 4, 4)), bordered=[6])


def test_interpolation_figure_pairs_latent_and_pixel_rows_and_frames_their_ends():
    rng = np.random.default_rng(0)
    latent = [rng.random((7, 28, 28)), rng.random((7, 28, 28))]
    pixels = [rng.random((7, 28, 28)), rng.random((7, 28, 28))]
    figure = interpolation_figure(latent, pixels)
    assert len(figure.data) == 4 * 7
    # row order: pair 1 latent, pair 1 pixels, pair 2 latent, ...: heatmaps are drawn upside down (row 0 at the bottom)
    np.testing.assert_allclose(np.array(figure.data[7].z)[::-1], pixels[0][0], rtol=1e-6)
    np.testing.assert_allclose(np.array(figure.data[14].z)[::-1], latent[1][0], rtol=1e-6)
    framed = sorted(int(shape.xref.split()[0][1:] or 1) for shape in figure.layout.shapes)
    assert framed == [1, 7, 8, 14, 15, 21, 22, 28]
    with pytest.raises(ValueError, match="as many latent rows as pixel rows"):
        interpolation_figure(latent, pixels[:1])
    with pytest.raises(ValueError, match="same number"):
        interpolation_figure([rng.random((7, 28, 28))], [rng.random((5, 28, 28))])


def test_latent_plane_codings_sit_at_normal_quantiles_with_the_second_coding_rising_upwards():
    codings = latent_plane_codings(5, low=0.1, high=0.9)
    assert codings.shape == (5, 5, 2) and codings.dtype == np.float32
    expected = norm.ppf(np.linspace(0.1, 0.9, 5))
    np.testing.assert_allclose(codings[0, :, 0], expected, rtol=1e-6)
    np.testing.assert_allclose(codings[:, 0, 1], expected[::-1], rtol=1e-6)
    for bad in (1, 2.5, True):
        with pytest.raises(ValueError, match="n must be an integer"):
            latent_plane_codings(bad)
    with pytest.raises(ValueError, match="0 < low < high < 1"):
        latent_plane_codings(5, low=0.5, high=0.5)


def test_mosaic_tiles_images_in_reading_order():
    images = np.arange(6 * 2 * 3).reshape(6, 2, 3)
    picture = mosaic(images, 2, 3)
    assert picture.shape == (4, 9)
    np.testing.assert_array_equal(picture[:2, 3:6], images[1])
    np.testing.assert_array_equal(picture[2:, 6:], images[5])
    with pytest.raises(ValueError, match=r"2×2 = 4 images"):
        mosaic(images, 2, 2)


def test_latent_plane_figure_decodes_each_cell_at_its_coding():
    def decoder(codings, training=False):
        # a fake decoder that writes the first coding's normal CDF into every pixel: each cell's shade is known
        return np.repeat(norm.cdf(codings[:, :1])[:, :, None], 28 * 28, axis=2).reshape(-1, 28, 28)

    figure = latent_plane_figure(decoder, n=4)
    picture = np.array(figure.data[0].z)[::-1]
    assert picture.shape == (4 * 28, 4 * 28)
    np.testing.assert_allclose(picture[0, ::28], np.linspace(0.05, 0.95, 4), rtol=1e-5)
    assert list(figure.layout.xaxis.ticktext) == [f"{v:.1f}" for v in norm.ppf(np.linspace(0.05, 0.95, 4))]


def test_codings_distribution_figure_draws_one_panel_per_dimension_with_the_normal_density():
    codings = np.random.default_rng(1).normal(size=(500, 10))
    figure = codings_distribution_figure(codings, dimensions=(0, 3))
    assert [trace.name for trace in figure.data] == ["coding 0", "N(0, 1)", "coding 3", "N(0, 1)"]
    assert [annotation.text for annotation in figure.layout.annotations] == ["z[0]", "z[3]"]
    np.testing.assert_allclose(np.array(figure.data[2].x), codings[:, 3])
    assert max(figure.data[3].y) == pytest.approx(norm.pdf(0), rel=1e-3)
    # Each panel has its own density axis: a collapsed dimension's spike cannot flatten the others.
    assert (figure.data[0].yaxis, figure.data[2].yaxis) == ("y", "y2") and not figure.layout.yaxis2.matches
    assert len(codings_distribution_figure(codings).layout.annotations) == 10, "by default, every dimension"
    with pytest.raises(ValueError, match=r"indices in \[0, 9\]"):
        codings_distribution_figure(codings, dimensions=(10,))
    with pytest.raises(ValueError, match="shaped \\(n, latent_dim\\)"):
        codings_distribution_figure(np.zeros(5))


def test_dimension_use_figure_greys_the_collapsed_dimensions_in_both_panels():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(1_000, 3)) * np.array([1.0, 0.005, 0.7])
    log_var = np.log(np.array([0.05, 1.0, 0.2]) * np.ones((1_000, 3)))
    use = dimension_use(mean, log_var)
    figure = dimension_use_figure(use)
    bars = {(trace.xaxis, trace.name): (list(trace.x), np.array(trace.y)) for trace in figure.data}
    assert bars[("x", "in use")][0] == ["z[0]", "z[2]"] and bars[("x", "collapsed to the prior")][0] == ["z[1]"]
    np.testing.assert_allclose(bars[("x", "in use")][1], use["spread"][[0, 2]])
    np.testing.assert_allclose(bars[("x2", "collapsed to the prior")][1], use["kl"][[1]])
    colours = {trace.name: trace.marker.color for trace in figure.data}
    assert colours == {"in use": USED_COLOUR, "collapsed to the prior": UNUSED_COLOUR}
    assert sum(trace.showlegend for trace in figure.data) == 2, "one legend entry per kind"
    assert list(figure.layout.xaxis.categoryarray) == ["z[0]", "z[1]", "z[2]"], "bars stay in index order"
    assert figure.layout.shapes[0].y0 == pytest.approx(0.1), "the threshold's spread"
    spread_only = dimension_use_figure(dimension_use(mean))
    assert {trace.xaxis for trace in spread_only.data} == {"x"}

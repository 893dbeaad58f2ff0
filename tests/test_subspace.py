"""Principal angles, and the comparison of a linear autoencoder with PCA."""

import keras
import numpy as np
import pytest
from sklearn.decomposition import PCA

from autoaegan.data.three_d import make_3d_dataset
from autoaegan.metrics.subspace import (
    PCAComparison,
    compare_with_pca,
    components_from_decoder,
    decoder_basis,
    encoder_basis,
    fit_affine_map,
    principal_angles,
)

XY_PLANE = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])


def rotation_about_x(degrees):
    t = np.radians(degrees)
    return np.array([[1, 0, 0], [0, np.cos(t), -np.sin(t)], [0, np.sin(t), np.cos(t)]])


def test_identical_subspaces_give_zero_angles_whatever_the_basis():
    mixing = np.array([[2.0, 1.0], [-0.5, 3.0]])  # invertible: same plane, other basis
    np.testing.assert_allclose(principal_angles(XY_PLANE, XY_PLANE @ mixing), [0, 0], atol=1e-6)


def test_orthogonal_directions_give_90_degrees():
    np.testing.assert_allclose(principal_angles([[1.0], [0.0], [0.0]], [[0.0], [0.0], [1.0]]), [90.0])
    # two planes of 3-D space share a line: angles 0 and 90 for the xy and xz planes
    np.testing.assert_allclose(principal_angles(XY_PLANE, [[1, 0], [0, 0], [0, 1]]), [0, 90], atol=1e-6)


@pytest.mark.parametrize("degrees", [5.0, 30.0, 72.5])
def test_known_rotation_angle_and_ascending_order(degrees):
    angles = principal_angles(XY_PLANE, rotation_about_x(degrees) @ XY_PLANE)
    np.testing.assert_allclose(angles, [0.0, degrees], atol=1e-6)


def test_subspaces_of_different_dimensions():
    line = rotation_about_x(40) @ np.array([[0.0], [1.0], [0.0]])
    np.testing.assert_allclose(principal_angles(line, XY_PLANE), [40.0], atol=1e-6)


@pytest.mark.parametrize(
    "a, b, message",
    [
        (np.ones(3), XY_PLANE, "2-D array"),
        (np.ones((3, 2, 1)), XY_PLANE, "2-D array"),
        (XY_PLANE, np.eye(4)[:, :2], "same space"),
        ([[1, 2], [2, 4], [3, 6]], XY_PLANE, "rank-deficient"),
        (XY_PLANE, [[np.nan], [0], [1]], "NaN"),
        (np.zeros((3, 0)), XY_PLANE, "at least one"),
    ],
)
def test_bad_input_is_explained(a, b, message):
    with pytest.raises(ValueError, match=message):
        principal_angles(a, b)


def linear_pair(encoder_kernel, encoder_bias, decoder_kernel, decoder_bias):
    """An encoder and a decoder (one linear Dense each) holding the given weights."""
    n_inputs, n_codings = np.shape(encoder_kernel)
    encoder = keras.Sequential([keras.Input((n_inputs,)), keras.layers.Dense(n_codings)])
    decoder = keras.Sequential([keras.Input((n_codings,)), keras.layers.Dense(n_inputs)])
    encoder.set_weights([np.asarray(encoder_kernel), np.asarray(encoder_bias)])
    decoder.set_weights([np.asarray(decoder_kernel), np.asarray(decoder_bias)])
    return encoder, decoder


@pytest.fixture(scope="module")
def data():
    x = make_3d_dataset().astype(np.float64)
    return x, PCA(n_components=2).fit(x)


@pytest.fixture(scope="module")
def pca_like_pair(data):
    """A linear autoencoder at PCA's optimum, written in a skewed basis of PCA's plane."""
    x, pca = data
    mixing = np.array([[1.5, 0.7], [-0.4, 0.9]])
    components = pca.components_.T  # (3, 2)
    encoder_kernel = components @ mixing
    encoder_bias = -pca.mean_ @ encoder_kernel
    decoder_kernel = np.linalg.inv(mixing) @ components.T
    return linear_pair(encoder_kernel, encoder_bias, decoder_kernel, pca.mean_)


def test_bases_read_the_right_kernels(pca_like_pair):
    encoder, decoder = pca_like_pair
    assert encoder_basis(encoder).shape == (3, 2)
    np.testing.assert_array_equal(encoder_basis(encoder), encoder.layers[0].get_weights()[0])
    np.testing.assert_array_equal(decoder_basis(decoder), decoder.layers[0].get_weights()[0].T)


def test_bases_reject_models_that_are_not_linear_dense():
    relu = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="relu")])
    with pytest.raises(ValueError, match="must be linear"):
        encoder_basis(relu)
    deep = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="exactly one Dense layer"):
        decoder_basis(deep)


def test_comparison_at_pca_optimum(data, pca_like_pair):
    x, pca = data
    comparison = compare_with_pca(*pca_like_pair, x)
    assert isinstance(comparison, PCAComparison)
    assert comparison.angles_deg.shape == (2,)
    assert comparison.max_angle_deg < 0.01
    pca_mse = np.mean((pca.inverse_transform(pca.transform(x)) - x) ** 2)
    assert comparison.pca_mse == pytest.approx(pca_mse)
    assert comparison.autoencoder_mse == pytest.approx(pca_mse, rel=1e-5)
    assert abs(comparison.relative_mse_gap) < 1e-4
    assert comparison.reaches()


def test_comparison_of_a_wrong_plane(data):
    x, pca = data
    # encoder keeps x1 and x2, decoder puts them back: reconstructions in the xy plane through the mean
    mean = x.mean(axis=0)
    encoder, decoder = linear_pair(XY_PLANE, -mean[:2], XY_PLANE.T, mean)
    comparison = compare_with_pca(encoder, decoder, x)
    expected_mse = np.mean((x[:, 2] - mean[2]) ** 2) / 3  # only x3 is lost, one column out of three
    assert comparison.autoencoder_mse == pytest.approx(expected_mse, rel=1e-5)
    np.testing.assert_allclose(comparison.angles_deg, principal_angles(XY_PLANE, pca.components_.T))
    assert comparison.max_angle_deg > 5
    expected_gap = (expected_mse - comparison.pca_mse) / comparison.pca_mse
    assert comparison.relative_mse_gap == pytest.approx(expected_gap, rel=1e-5)
    assert not comparison.reaches()
    text = str(comparison)
    assert f"{comparison.angles_deg[1]:.3f}°" in text and f"{comparison.pca_mse:.6f}" in text


def test_comparison_rejects_mismatched_data(pca_like_pair):
    with pytest.raises(ValueError, match="outputs 3 features but x has 4 columns"):
        compare_with_pca(*pca_like_pair, np.zeros((10, 4)))


def test_components_recovered_from_a_skewed_decoder(data, pca_like_pair):
    x, pca = data
    _, decoder = pca_like_pair
    assert abs(np.dot(*decoder_basis(decoder).T)) > 0.1  # the decoder's own vectors are not orthogonal
    components = components_from_decoder(decoder, x)
    assert components.shape == (2, 3)
    np.testing.assert_allclose(components @ components.T, np.eye(2), atol=1e-6)
    # the same vectors as PCA's, in the same order, up to sign
    np.testing.assert_allclose(np.abs(components @ pca.components_.T), np.eye(2), atol=1e-5)


def test_affine_map_is_recovered():
    rng = np.random.default_rng(0)
    source = rng.normal(size=(50, 2))
    matrix, offset = np.array([[2.0, 0.5], [-1.0, 1.0]]), np.array([0.3, -0.2])
    found_matrix, found_offset, residual = fit_affine_map(source, source @ matrix + offset)
    np.testing.assert_allclose(found_matrix, matrix, atol=1e-10)
    np.testing.assert_allclose(found_offset, offset, atol=1e-10)
    assert residual < 1e-10
    with pytest.raises(ValueError, match="same number of rows"):
        fit_affine_map(source, source[:10])

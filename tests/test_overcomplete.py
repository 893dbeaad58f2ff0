"""Shallow undercomplete and overcomplete autoencoders, and the end-to-end matrix of a linear one."""

import keras
import numpy as np
import pytest

from autoaegan.models.overcomplete import build_shallow_autoencoder, end_to_end_matrix


@pytest.mark.parametrize("codings, kind", [(30, "undercomplete"), (784, "complete"), (1000, "overcomplete")])
def test_the_shallow_autoencoder_has_one_coding_layer_of_the_size_asked(codings, kind):
    encoder, decoder, autoencoder = build_shallow_autoencoder(codings)
    assert encoder.output_shape == (None, codings) and autoencoder.output_shape == (None, 28, 28)
    assert autoencoder.name == f"{kind}_autoencoder_{codings}"
    assert autoencoder.count_params() == 784 * codings + codings + codings * 784 + 784


def test_the_end_to_end_matrix_reproduces_a_linear_autoencoder():
    encoder, decoder, autoencoder = build_shallow_autoencoder(50)
    x = np.random.default_rng(0).random((4, 28, 28)).astype(np.float32)
    matrix = end_to_end_matrix(encoder, decoder)
    offset = keras.ops.convert_to_numpy(autoencoder(np.zeros((1, 28, 28), dtype=np.float32))).reshape(784)
    expected = keras.ops.convert_to_numpy(autoencoder(x)).reshape(4, 784)
    assert matrix.shape == (784, 784)
    np.testing.assert_allclose(x.reshape(4, 784) @ matrix + offset, expected, atol=1e-4)


def test_an_autoencoder_set_to_copy_has_the_identity_as_its_matrix():
    encoder, decoder, autoencoder = build_shallow_autoencoder(1000)
    kernel = np.zeros((784, 1000), dtype=np.float32)
    kernel[:, :784] = np.eye(784)
    encoder.layers[-1].kernel.assign(kernel)
    decoder.layers[0].kernel.assign(kernel.T)
    np.testing.assert_array_equal(end_to_end_matrix(encoder, decoder), np.eye(784))
    x = np.random.default_rng(1).random((2, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(autoencoder(x)), x, atol=1e-6)


def test_a_nonlinear_autoencoder_has_no_end_to_end_matrix_and_bad_sizes_are_refused():
    encoder, decoder, _ = build_shallow_autoencoder(30, activation="relu")
    with pytest.raises(ValueError, match="only a linear autoencoder"):
        end_to_end_matrix(encoder, decoder)
    with pytest.raises(ValueError, match="codings must be a positive integer"):
        build_shallow_autoencoder(0)


def test_the_singular_value_figure_draws_each_models_gains_largest_first():
    from autoaegan.figures.overcomplete import singular_value_figure

    projection = np.diag([1.0, 1.0, 0.0, 0.0])
    scaled = np.diag([0.5, 3.0, 2.0, 0.1])
    figure = singular_value_figure({"rank 2": projection, "scaled": scaled})
    assert [trace.name for trace in figure.data] == ["rank 2", "scaled"]
    np.testing.assert_allclose(figure.data[0].y, [1, 1, 0, 0], atol=1e-12)
    np.testing.assert_allclose(figure.data[1].y, [3, 2, 0.5, 0.1])
    assert any(shape.y0 == 1.0 for shape in figure.layout.shapes)
    with pytest.raises(ValueError, match="must be square"):
        singular_value_figure({"bad": np.zeros((3, 4))})
    with pytest.raises(TypeError, match="non-empty dict"):
        singular_value_figure(projection)

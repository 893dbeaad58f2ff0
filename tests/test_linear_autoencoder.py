"""The undercomplete linear autoencoder of chapter 02: its architecture and a short training."""

import keras
import numpy as np
import pytest

from autoaegan.data.three_d import make_3d_dataset
from autoaegan.metrics.subspace import compare_with_pca
from autoaegan.models.linear_autoencoder import (
    build_linear_autoencoder,
    build_pretrained_architecture,
    train_linear_autoencoder,
    train_pretrained,
)
from autoaegan.profiles import PROFILES


def dense_layers(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


@pytest.mark.parametrize("n_inputs, n_codings", [(3, 2), (5, 3)])
def test_architecture(n_inputs, n_codings):
    encoder, decoder, autoencoder = build_linear_autoencoder(n_inputs, n_codings)
    assert autoencoder.layers == [encoder, decoder]
    (coding_layer,), (output_layer,) = dense_layers(encoder), dense_layers(decoder)
    assert coding_layer.units == n_codings and output_layer.units == n_inputs
    for layer in (coding_layer, output_layer):
        assert layer.get_config()["activation"] == "linear" and layer.use_bias
    assert autoencoder.input_shape == (None, n_inputs) and autoencoder.output_shape == (None, n_inputs)
    assert encoder.output_shape == (None, n_codings)
    expected = (n_inputs * n_codings + n_codings) + (n_codings * n_inputs + n_inputs)
    assert autoencoder.count_params() == expected
    assert not autoencoder.compiled


def test_builder_rejects_bad_sizes():
    with pytest.raises(ValueError, match="n_codings must be a positive integer, got 0"):
        build_linear_autoencoder(3, 0)
    with pytest.raises(ValueError, match="n_inputs must be a positive integer, got '3'"):
        build_linear_autoencoder("3", 2)


def test_short_training_approaches_pca_plane():
    x = make_3d_dataset()
    encoder, decoder, autoencoder, history = train_linear_autoencoder(x, epochs=150, seed=42, profile=PROFILES["test"])
    losses = history.history["loss"]
    assert len(losses) == 150 and losses[-1] < losses[0] / 2
    comparison = compare_with_pca(encoder, decoder, x)
    assert comparison.max_angle_deg < 2.0, comparison
    assert comparison.relative_mse_gap < 0.01, comparison
    assert isinstance(autoencoder.optimizer, keras.optimizers.SGD)


def test_training_is_seeded():
    x = make_3d_dataset()
    first = train_linear_autoencoder(x, epochs=3, seed=7, profile=PROFILES["test"])[2].get_weights()
    again = train_linear_autoencoder(x, epochs=3, seed=7, profile=PROFILES["test"])[2].get_weights()
    other = train_linear_autoencoder(x, epochs=3, seed=8, profile=PROFILES["test"])[2].get_weights()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(first[0], other[0])


def test_training_rejects_bad_data():
    with pytest.raises(ValueError, match="2-D array"):
        train_linear_autoencoder(np.zeros(3, dtype=np.float32), epochs=1, profile=PROFILES["test"])
    with pytest.raises(TypeError, match="floating-point"):
        train_linear_autoencoder(np.zeros((10, 3), dtype=np.int64), epochs=1, profile=PROFILES["test"])


def test_pretrained_entry_builds_and_trains():
    assert build_pretrained_architecture().count_params() == 17
    trained = train_pretrained(PROFILES["test"])
    assert trained.settings["epochs"] == 50 and trained.settings["optimizer"] == "SGD"
    assert set(trained.metrics) >= {"max_principal_angle_deg", "relative_mse_gap"}
    assert trained.model.count_params() == 17

"""Denoising autoencoders: the architecture, noise only in training, and the (noisy, reconstruction) function."""

import keras
import numpy as np
import pytest

from autoaegan.models.denoising import (
    DEFAULT_LEVELS,
    as_unit_floats,
    build_denoising_autoencoder,
    corrupt,
    noise_layer,
    noisy_and_reconstruction,
)
from autoaegan.profiles import PROFILES
from autoaegan.seeding import set_seed


@pytest.fixture
def images():
    return np.random.default_rng(0).random((16, 28, 28)).astype(np.float32)


def numpy_forward(encoder, x):
    """The encoder's Dense layers applied by hand, skipping the noise layer: the clean path."""
    h = x.reshape(len(x), -1)
    for layer in encoder.layers:
        if isinstance(layer, keras.layers.Dense):
            kernel, bias = (keras.ops.convert_to_numpy(w) for w in (layer.kernel, layer.bias))
            h = np.maximum(h @ kernel + bias, 0)  # both Dense layers use relu
    return h


@pytest.mark.parametrize(
    "noise, layer_type", [("gaussian", keras.layers.GaussianNoise), ("dropout", keras.layers.Dropout)]
)
def test_the_noise_sits_on_the_encoders_inputs_of_a_stacked_autoencoder(noise, layer_type):
    encoder, decoder, autoencoder = build_denoising_autoencoder(noise)
    names = [type(layer).__name__ for layer in encoder.layers]
    assert names == ["Flatten", layer_type.__name__, "Dense", "Dense"]
    assert [layer.units for layer in encoder.layers[2:]] == [100, 30]
    assert [type(layer).__name__ for layer in decoder.layers] == ["Dense", "Dense", "Reshape"]
    assert autoencoder.layers == [encoder, decoder] and autoencoder.output_shape == (None, 28, 28)
    level = encoder.layers[1].stddev if noise == "gaussian" else encoder.layers[1].rate
    assert level == DEFAULT_LEVELS[noise]


def test_level_and_sizes_are_taken():
    encoder, _, _ = build_denoising_autoencoder("dropout", 0.3, codings=12, hidden=20)
    assert encoder.layers[1].rate == 0.3 and [layer.units for layer in encoder.layers[2:]] == [20, 12]
    encoder, _, _ = build_denoising_autoencoder("gaussian", 0.7)
    assert encoder.layers[1].stddev == 0.7


@pytest.mark.parametrize("noise", ["gaussian", "dropout"])
def test_in_inference_the_noise_layer_is_the_identity(noise, images):
    set_seed(0, profile=PROFILES["test"])
    encoder, _, autoencoder = build_denoising_autoencoder(noise, 0.5)
    flat = images.reshape(16, -1)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(encoder.layers[1](flat, training=False)), flat)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(encoder(images)), numpy_forward(encoder, images), atol=1e-5)
    first = autoencoder.predict(images, verbose=0)
    np.testing.assert_array_equal(autoencoder.predict(images, verbose=0), first)


@pytest.mark.parametrize("noise", ["gaussian", "dropout"])
def test_in_training_the_noise_layer_changes_the_input(noise, images):
    set_seed(0, profile=PROFILES["test"])
    encoder, _, autoencoder = build_denoising_autoencoder(noise, 0.5)
    flat = images.reshape(16, -1)
    noisy = keras.ops.convert_to_numpy(encoder.layers[1](flat, training=True))
    assert np.mean(noisy != flat) > 0.4
    clean_codings = keras.ops.convert_to_numpy(encoder(images, training=False))
    noisy_codings = keras.ops.convert_to_numpy(encoder(images, training=True))
    assert not np.allclose(noisy_codings, clean_codings)


def test_corrupt_adds_gaussian_noise_of_the_level_without_clipping(images):
    noisy = corrupt(images, "gaussian", 0.3, seed=1)
    assert noisy.dtype == np.float32 and noisy.shape == images.shape
    assert np.std(noisy - images) == pytest.approx(0.3, rel=0.05)
    assert noisy.min() < 0 and noisy.max() > 1, "the encoder sees unclipped noise in training"


def test_corrupt_drops_a_share_of_the_pixels_and_rescales_the_rest(images):
    noisy = corrupt(images, "dropout", 0.25, seed=1)
    dropped = noisy == 0
    assert dropped.mean() == pytest.approx(0.25, abs=0.03)
    np.testing.assert_allclose(noisy[~dropped], images[~dropped] / 0.75, rtol=1e-6)


@pytest.mark.parametrize("noise", ["gaussian", "dropout"])
def test_corrupt_repeats_with_a_seed_and_level_zero_changes_nothing(noise, images):
    np.testing.assert_array_equal(corrupt(images, noise, 0.4, seed=3), corrupt(images, noise, 0.4, seed=3))
    assert not np.array_equal(corrupt(images, noise, 0.4, seed=3), corrupt(images, noise, 0.4, seed=4))
    np.testing.assert_allclose(corrupt(images, noise, 0.0), images)


def test_corrupt_scales_uint8_images_first():
    images = np.full((2, 28, 28), 255, dtype=np.uint8)
    np.testing.assert_allclose(corrupt(images, "dropout", 0.0), 1.0)


def test_noisy_and_reconstruction_runs_the_model_in_inference_on_the_noisy_image(images):
    set_seed(0, profile=PROFILES["test"])
    _, _, autoencoder = build_denoising_autoencoder("dropout", 0.5, codings=8, hidden=16)
    noisy, reconstruction = noisy_and_reconstruction(autoencoder, images[0], "gaussian", 0.2, seed=5)
    assert noisy.shape == reconstruction.shape == (28, 28)
    np.testing.assert_allclose(noisy, corrupt(images[:1], "gaussian", 0.2, seed=5)[0])
    np.testing.assert_allclose(reconstruction, autoencoder.predict(noisy[None], verbose=0)[0], atol=1e-5)
    again = noisy_and_reconstruction(autoencoder, images[0], "gaussian", 0.2, seed=5)
    np.testing.assert_array_equal(again[1], reconstruction)


def test_bad_noise_settings_are_refused(images):
    with pytest.raises(ValueError, match="noise must be one of"):
        build_denoising_autoencoder("salt")
    with pytest.raises(ValueError, match="expected 0 ≤ level < 1"):
        build_denoising_autoencoder("dropout", 1.0)
    with pytest.raises(ValueError, match="expected level ≥ 0"):
        noise_layer("gaussian", -0.1)
    with pytest.raises(TypeError, match="level must be a number"):
        noise_layer("gaussian", "0.1")
    with pytest.raises(ValueError, match="codings must be a positive integer"):
        build_denoising_autoencoder(codings=0)
    _, _, autoencoder = build_denoising_autoencoder(codings=4, hidden=4)
    with pytest.raises(ValueError, match=r"one image of shape \(28, 28\)"):
        noisy_and_reconstruction(autoencoder, images[:2], "gaussian", 0.1)


def test_images_must_be_uint8_or_unit_floats():
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        as_unit_floats(np.full((2, 2), 3.0))
    with pytest.raises(TypeError, match="uint8 images or floats"):
        as_unit_floats(np.ones((2, 2), dtype=np.int64))

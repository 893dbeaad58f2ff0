"""The convolutional autoencoder of chapter 04: layer shapes, parameter counts, blocks, a short training, shipping."""

from dataclasses import asdict
from types import SimpleNamespace

import keras
import numpy as np
import pytest

from autoaegan.models.convolutional import (
    EPOCHS_BY_PROFILE,
    GERON_VALID_MSE,
    build_convolutional_autoencoder,
    build_convolutional_decoder,
    build_convolutional_encoder,
    build_pretrained_convolutional,
    PRETRAINED_RECIPE,
    conv_pool_block,
    train_pretrained_convolutional,
    upsampling_block,
    upsampling_sides,
)
from autoaegan.pretrained import PretrainedModel, load_pretrained, read_manifest, retrain
from autoaegan.profiles import PROFILES
from autoaegan.training import FAST_RECIPE, train

QUICK = FAST_RECIPE.with_changes(batch_size=32, jit_compile=False, steps_per_execution=1)


def tiny_images(n, seed=0):
    """Blurry random blobs, uint8 28×28: structured enough for an autoencoder to learn something quickly."""
    rng = np.random.default_rng(seed)
    rows, cols = rng.random((n, 28, 1)), rng.random((n, 1, 28))
    return (255 * (rows * cols) ** 2).astype(np.uint8)


def output_shapes(model):
    return [tuple(layer.output.shape) for layer in model.layers]


def conv_params(kernel, channels_in, filters):
    return kernel * kernel * channels_in * filters + filters


def test_encoder_halves_height_and_width_while_depth_grows_down_to_the_code():
    encoder = build_convolutional_encoder()
    assert encoder.input_shape == (None, 28, 28)
    assert output_shapes(encoder) == [
        (None, 28, 28, 1),
        (None, 28, 28, 16), (None, 14, 14, 16),
        (None, 14, 14, 32), (None, 7, 7, 32),
        (None, 7, 7, 64), (None, 3, 3, 64),
        (None, 3, 3, 30), (None, 30),
    ]
    convs = [layer for layer in encoder.layers if isinstance(layer, keras.layers.Conv2D)]
    assert all(layer.get_config()["activation"] == "relu" for layer in convs)


def test_decoder_mirrors_it_with_transposed_convolutions_and_a_linear_output():
    decoder = build_convolutional_decoder()
    assert decoder.input_shape == (None, 30)
    assert output_shapes(decoder) == [
        (None, 144), (None, 3, 3, 16), (None, 7, 7, 32), (None, 14, 14, 16), (None, 28, 28, 1), (None, 28, 28),
    ]
    transposed = [layer for layer in decoder.layers if isinstance(layer, keras.layers.Conv2DTranspose)]
    assert [layer.padding for layer in transposed] == ["valid", "same", "same"]
    assert all(layer.strides == (2, 2) for layer in transposed)
    assert [layer.get_config()["activation"] for layer in transposed] == ["relu", "relu", "linear"]


def test_parameter_counts_follow_the_layer_sizes():
    encoder, decoder, autoencoder = build_convolutional_autoencoder()
    expected_encoder = conv_params(3, 1, 16) + conv_params(3, 16, 32) + conv_params(3, 32, 64) + conv_params(3, 64, 30)
    expected_decoder = (30 * 144 + 144) + conv_params(3, 16, 32) + conv_params(3, 32, 16) + conv_params(3, 16, 1)
    assert encoder.count_params() == expected_encoder
    assert decoder.count_params() == expected_decoder
    assert autoencoder.count_params() == expected_encoder + expected_decoder
    assert autoencoder.layers == [encoder, decoder] and not autoencoder.compiled
    assert autoencoder.output_shape == (None, 28, 28)


def test_sides_halve_down_and_climb_back():
    assert upsampling_sides(28, 3) == [3, 7, 14, 28]
    assert upsampling_sides(32, 2) == [8, 16, 32]
    with pytest.raises(ValueError, match="cannot be halved 5 times"):
        upsampling_sides(28, 5)


def test_filters_lists_compose_other_encoders_and_decoders():
    encoder = build_convolutional_encoder(10, filters=[8, 12])
    assert output_shapes(encoder)[-3:] == [(None, 7, 7, 12), (None, 7, 7, 10), (None, 10)]
    decoder = build_convolutional_decoder(10, filters=[8], seed_filters=4)
    assert output_shapes(decoder) == [
        (None, 196), (None, 7, 7, 4), (None, 14, 14, 8), (None, 28, 28, 1), (None, 28, 28),
    ]
    _, _, square32 = build_convolutional_autoencoder(5, encoder_filters=[4, 4], decoder_filters=[4], image_size=32)
    assert square32.input_shape == (None, 32, 32) and square32.output_shape == (None, 32, 32)


def test_blocks_are_layers_to_stack():
    conv, pool = conv_pool_block(8)
    assert isinstance(conv, keras.layers.Conv2D) and conv.filters == 8 and conv.padding == "same"
    assert isinstance(pool, keras.layers.MaxPooling2D)
    model = keras.Sequential([keras.Input((7, 7, 3)), *conv_pool_block(5), upsampling_block(2, padding="valid")])
    assert output_shapes(model) == [(None, 7, 7, 5), (None, 3, 3, 5), (None, 7, 7, 2)]
    with pytest.raises(ValueError, match="padding must be 'same' or 'valid', got 'full'"):
        upsampling_block(4, padding="full")


def test_bad_sizes_are_refused_clearly():
    with pytest.raises(ValueError, match="codings must be a positive integer, got 0"):
        build_convolutional_encoder(0)
    with pytest.raises(ValueError, match="each of filters must be a positive integer, got -2"):
        build_convolutional_encoder(filters=[16, -2])
    with pytest.raises(TypeError, match="filters must be a sequence of positive integers, got 16"):
        build_convolutional_decoder(filters=16)


def test_a_short_training_lowers_the_loss():
    keras.utils.set_random_seed(1)
    images = tiny_images(256)
    _, _, autoencoder = build_convolutional_autoencoder()
    target = images.astype(np.float32) / 255
    before = float(np.mean((autoencoder.predict(images / 255, verbose=0) - target) ** 2))
    history = train(autoencoder, images, loss="mse", epochs=5, recipe=QUICK, profile=PROFILES["test"], verbose=0)
    after = float(np.mean((autoencoder.predict(images / 255, verbose=0) - target) ** 2))
    assert after < 0.8 * before, (before, after)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_shipped_model_round_trips_through_the_catalogue(tmp_path, monkeypatch):
    data = SimpleNamespace(train_images=tiny_images(96), valid_images=tiny_images(32, seed=1))
    monkeypatch.setattr("autoaegan.data.fashion_mnist.load_fashion_mnist", lambda: data)
    module = "autoaegan.models.convolutional"
    entry = PretrainedModel("conv", "test", build=f"{module}:build_pretrained_convolutional",
                            train=f"{module}:train_pretrained_convolutional")
    manifest = retrain("conv", profile=PROFILES["test"], directory=tmp_path, catalog={"conv": entry})
    assert manifest.settings["epochs"] == 1 and manifest.metrics["parameters"] == 54_479
    assert manifest.metrics["valid_mse"] > 0 and manifest.settings["recipe"] == asdict(PRETRAINED_RECIPE)
    loaded = load_pretrained("conv", directory=tmp_path, catalog={"conv": entry})
    assert isinstance(loaded, keras.Sequential) and loaded.output_shape == (None, 28, 28)
    assert callable(train_pretrained_convolutional) and build_pretrained_convolutional().count_params() == 54_479
    mse = float(np.mean((loaded.predict(data.valid_images / 255, verbose=0) - data.valid_images / 255) ** 2))
    assert mse == pytest.approx(manifest.metrics["valid_mse"], rel=1e-3)


def test_shipped_weights_were_made_by_this_trainer_and_beat_geron():
    manifest = read_manifest("convolutional_autoencoder")
    assert manifest.profile == "full" and manifest.settings["epochs"] == EPOCHS_BY_PROFILE["full"]
    assert manifest.settings["recipe"] == asdict(PRETRAINED_RECIPE) and manifest.settings["loss"] == "mse"
    assert manifest.metrics["valid_mse"] < GERON_VALID_MSE
    assert manifest.size_bytes < 1_000_000  # no optimizer state in the file

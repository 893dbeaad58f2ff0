"""The convolutional autoencoder of chapter 04: layer shapes, parameter counts, blocks, a short training, shipping."""

import keras
import pytest

from autoaegan.models.convolutional import (
    GERON_VALID_MSE,
    PLAN,
    build_convolutional_autoencoder,
    build_convolutional_decoder,
    build_convolutional_encoder,
    conv_pool_block,
    upsampling_block,
    upsampling_sides,
)
from autoaegan.plans import Recipe
from autoaegan.pretrained import read_manifest
from tests.autoencoder_checks import (
    assert_a_short_training_lowers_the_loss,
    round_trip_through_the_catalogue,
)


def output_shapes(model):
    return [tuple(layer.output.shape) for layer in model.layers]


def conv_params(kernel, channels_in, filters):
    return kernel * kernel * channels_in * filters + filters


def test_encoder_halves_height_and_width_while_depth_grows_down_to_the_code():
    encoder = build_convolutional_encoder()
    assert encoder.input_shape == (None, 28, 28)
    assert output_shapes(encoder) == [
        (None, 28, 28, 1),
        (None, 28, 28, 16),
        (None, 14, 14, 16),
        (None, 14, 14, 32),
        (None, 7, 7, 32),
        (None, 7, 7, 64),
        (None, 3, 3, 64),
        (None, 3, 3, 30),
        (None, 30),
    ]
    convs = [layer for layer in encoder.layers if isinstance(layer, keras.layers.Conv2D)]
    assert all(layer.get_config()["activation"] == "relu" for layer in convs)


def test_decoder_mirrors_it_with_transposed_convolutions_and_a_linear_output():
    decoder = build_convolutional_decoder()
    assert decoder.input_shape == (None, 30)
    assert output_shapes(decoder) == [
        (None, 144),
        (None, 3, 3, 16),
        (None, 7, 7, 32),
        (None, 14, 14, 16),
        (None, 28, 28, 1),
        (None, 28, 28),
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
    decoder = build_convolutional_decoder(10, filters=[8], start_filters=4)
    assert output_shapes(decoder) == [
        (None, 196),
        (None, 7, 7, 4),
        (None, 14, 14, 8),
        (None, 28, 28, 1),
        (None, 28, 28),
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
    assert_a_short_training_lowers_the_loss(build_convolutional_autoencoder()[2])


def test_shipped_model_round_trips_through_the_catalogue(tmp_path, monkeypatch):
    manifest, loaded = round_trip_through_the_catalogue(
        "autoaegan.models.convolutional",
        "build_pretrained_convolutional",
        "train_pretrained_convolutional",
        recipe=PLAN.recipe,
        train_images=96,
        tmp_path=tmp_path,
        monkeypatch=monkeypatch,
    )
    assert manifest.metrics["parameters"] == 54_479
    assert isinstance(loaded, keras.Sequential) and loaded.output_shape == (None, 28, 28)


def test_shipped_weights_were_made_by_this_trainer_and_beat_geron():
    manifest = read_manifest("convolutional_autoencoder")
    assert manifest.profile == "full" and manifest.settings["epochs"] == PLAN.epochs.full
    assert Recipe(**manifest.settings["recipe"]) == PLAN.recipe and manifest.settings["loss"] == "mse"
    assert manifest.metrics["valid_mse"] < GERON_VALID_MSE
    assert manifest.size_bytes < 1_000_000  # no optimizer state in the file

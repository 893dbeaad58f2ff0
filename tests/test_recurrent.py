"""The recurrent autoencoder of chapter 04: layer shapes, parameter counts, a short training, shipping."""

import keras
import numpy as np
import pytest

from autoaegan.models.recurrent import (
    GERON_VALID_MSE,
    PLAN,
    build_pretrained_recurrent,
    build_recurrent_autoencoder,
    build_recurrent_decoder,
    build_recurrent_encoder,
)
from autoaegan.plans import Recipe
from autoaegan.pretrained import read_manifest
from tests.autoencoder_checks import (
    assert_a_short_training_lowers_the_loss,
    round_trip_through_the_catalogue,
    tiny_images,
)


def output_shapes(model):
    return [tuple(layer.output.shape) for layer in model.layers]


def lstm_params(inputs, units):
    return 4 * (units * (inputs + units) + units)  # four gates, each with input and recurrent kernels and a bias


def test_encoder_reads_rows_as_a_sequence_and_returns_one_vector():
    encoder = build_recurrent_encoder()
    assert encoder.input_shape == (None, 28, 28)
    assert output_shapes(encoder) == [(None, 28, 100), (None, 30)]
    first, last = encoder.layers
    assert first.return_sequences and not last.return_sequences


def test_decoder_repeats_the_code_at_every_step_and_emits_a_row_per_step():
    decoder = build_recurrent_decoder()
    assert decoder.input_shape == (None, 30)
    assert output_shapes(decoder) == [(None, 28, 30), (None, 28, 100), (None, 28, 28)]
    repeat, lstm, dense = decoder.layers
    assert isinstance(repeat, keras.layers.RepeatVector) and lstm.return_sequences
    assert dense.get_config()["activation"] == "linear"


def test_parameter_counts_follow_the_layer_sizes():
    encoder, decoder, autoencoder = build_recurrent_autoencoder()
    assert encoder.count_params() == lstm_params(28, 100) + lstm_params(100, 30)
    assert decoder.count_params() == lstm_params(30, 100) + (100 * 28 + 28)
    assert autoencoder.count_params() == encoder.count_params() + decoder.count_params()
    assert autoencoder.layers == [encoder, decoder] and not autoencoder.compiled
    assert autoencoder.output_shape == (None, 28, 28)
    assert build_pretrained_recurrent().count_params() == autoencoder.count_params()


def test_unrolled_lstms_compute_what_the_loop_computes():
    images = tiny_images(4).astype("float32") / 255
    *_, unrolled = build_recurrent_autoencoder(unroll=True)
    *_, looped = build_recurrent_autoencoder(unroll=False)
    assert all(layer.unroll for layer in unrolled.layers[0].layers)
    assert not any(layer.unroll for layer in looped.layers[0].layers)
    looped.set_weights(unrolled.get_weights())  # the same weights: unrolling changes only how the steps run
    np.testing.assert_allclose(np.asarray(unrolled(images)), np.asarray(looped(images)), atol=1e-5)


def test_other_sizes_compose():
    encoder, decoder, autoencoder = build_recurrent_autoencoder(8, units=(16, 12), steps=10, features=5)
    assert output_shapes(encoder) == [(None, 10, 16), (None, 10, 12), (None, 8)]
    assert output_shapes(decoder) == [(None, 10, 8), (None, 10, 12), (None, 10, 16), (None, 10, 5)]  # mirrored
    assert autoencoder.input_shape == (None, 10, 5) and autoencoder.output_shape == (None, 10, 5)


def test_bad_sizes_are_refused_clearly():
    with pytest.raises(ValueError, match="codings must be a positive integer, got 2.5"):
        build_recurrent_encoder(2.5)
    with pytest.raises(ValueError, match="steps must be a positive integer, got 0"):
        build_recurrent_decoder(steps=0)
    with pytest.raises(TypeError, match="units must be a sequence of positive integers, got 100"):
        build_recurrent_autoencoder(units=100)


def test_a_short_training_lowers_the_loss():
    assert_a_short_training_lowers_the_loss(build_recurrent_autoencoder()[2])


def test_shipped_model_round_trips_through_the_catalogue(tmp_path, monkeypatch):
    manifest, loaded = round_trip_through_the_catalogue(
        "autoaegan.models.recurrent",
        "build_pretrained_recurrent",
        "train_pretrained_recurrent",
        recipe=PLAN.recipe,
        train_images=64,
        tmp_path=tmp_path,
        monkeypatch=monkeypatch,
    )
    assert manifest.metrics["parameters"] == 122_548
    assert loaded.output_shape == (None, 28, 28)


def test_shipped_weights_were_made_by_this_trainer_and_beat_geron():
    manifest = read_manifest("recurrent_autoencoder")
    assert manifest.profile == "full" and manifest.settings["epochs"] == PLAN.epochs.full
    assert Recipe(**manifest.settings["recipe"]) == PLAN.recipe and manifest.settings["loss"] == "mse"
    assert manifest.metrics["valid_mse"] < GERON_VALID_MSE
    assert manifest.size_bytes < 1_000_000  # no optimizer state in the file

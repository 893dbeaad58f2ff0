"""The recurrent autoencoder of chapter 04: layer shapes, parameter counts, a short training, shipping."""

from dataclasses import asdict
from types import SimpleNamespace

import keras
import numpy as np
import pytest

from autoaegan.models.recurrent import (
    EPOCHS_BY_PROFILE,
    GERON_VALID_MSE,
    PRETRAINED_RECIPE,
    build_pretrained_recurrent,
    build_recurrent_autoencoder,
    build_recurrent_decoder,
    build_recurrent_encoder,
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
    keras.utils.set_random_seed(1)
    images = tiny_images(256)
    _, _, autoencoder = build_recurrent_autoencoder()
    target = images.astype(np.float32) / 255
    before = float(np.mean((autoencoder.predict(images / 255, verbose=0) - target) ** 2))
    history = train(autoencoder, images, loss="mse", epochs=5, recipe=QUICK, profile=PROFILES["test"], verbose=0)
    after = float(np.mean((autoencoder.predict(images / 255, verbose=0) - target) ** 2))
    assert after < 0.8 * before, (before, after)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_shipped_model_round_trips_through_the_catalogue(tmp_path, monkeypatch):
    data = SimpleNamespace(train_images=tiny_images(64), valid_images=tiny_images(32, seed=1))
    monkeypatch.setattr("autoaegan.data.fashion_mnist.load_fashion_mnist", lambda: data)
    module = "autoaegan.models.recurrent"
    entry = PretrainedModel("rnn", "test", build=f"{module}:build_pretrained_recurrent",
                            train=f"{module}:train_pretrained_recurrent")
    manifest = retrain("rnn", profile=PROFILES["test"], directory=tmp_path, catalog={"rnn": entry})
    assert manifest.settings["epochs"] == 1 and manifest.metrics["parameters"] == 122_548
    assert manifest.settings["recipe"] == asdict(PRETRAINED_RECIPE)
    loaded = load_pretrained("rnn", directory=tmp_path, catalog={"rnn": entry})
    mse = float(np.mean((loaded.predict(data.valid_images / 255, verbose=0) - data.valid_images / 255) ** 2))
    assert mse == pytest.approx(manifest.metrics["valid_mse"], rel=1e-3)


def test_shipped_weights_were_made_by_this_trainer_and_beat_geron():
    manifest = read_manifest("recurrent_autoencoder")
    assert manifest.profile == "full" and manifest.settings["epochs"] == EPOCHS_BY_PROFILE["full"]
    assert manifest.settings["recipe"] == asdict(PRETRAINED_RECIPE) and manifest.settings["loss"] == "mse"
    assert manifest.metrics["valid_mse"] < GERON_VALID_MSE
    assert manifest.size_bytes < 1_000_000  # no optimizer state in the file

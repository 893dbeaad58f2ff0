"""Stacked autoencoders (the slides' SELU/BCE model, the relu/MSE variant, tied weights) and their metrics."""

import keras
import numpy as np
import pytest

from autoaegan.layers.dense_transpose import DenseTranspose
from autoaegan.metrics.reconstruction import RoundedAccuracy, pca_baseline_mse, rounded_accuracy
from autoaegan.models.stacked import (
    TRAINING_RECIPE,
    VARIANTS,
    build_stacked_autoencoder,
    build_tied_autoencoder,
    compile_settings,
    get_variant,
    predict_in_batches,
)
from autoaegan.pretrained.catalog import FAST_RECIPE
from autoaegan.profiles import PROFILES
from autoaegan.seeding import set_seed
from autoaegan.training.fitting import train

TEST = PROFILES["test"]
QUICK = FAST_RECIPE.with_changes(jit_compile=False, steps_per_execution=1, batch_size=32)


def dense_layers(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def untied_parameters(sizes):
    widths = (784, *sizes)
    encoder = sum(a * b + b for a, b in zip(widths, widths[1:]))
    decoder = sum(b * a + a for a, b in zip(widths, widths[1:]))
    return encoder, decoder


@pytest.mark.parametrize("variant, hidden, output", [("slides", "selu", "sigmoid"), ("relu_mse", "relu", "linear")])
def test_the_architecture_mirrors_784_100_30(variant, hidden, output):
    encoder, decoder, autoencoder = build_stacked_autoencoder(variant)
    assert autoencoder.layers == [encoder, decoder] and not autoencoder.compiled
    assert [layer.units for layer in dense_layers(encoder)] == [100, 30]
    assert [layer.units for layer in dense_layers(decoder)] == [100, 784]
    activations = [layer.get_config()["activation"] for layer in dense_layers(encoder) + dense_layers(decoder)]
    assert activations == [hidden, hidden, hidden, output]
    assert isinstance(encoder.layers[0], keras.layers.Flatten) and isinstance(decoder.layers[-1], keras.layers.Reshape)
    assert encoder.input_shape == (None, 28, 28) and encoder.output_shape == (None, 30)
    assert autoencoder.output_shape == (None, 28, 28)
    assert (encoder.count_params(), decoder.count_params()) == untied_parameters((100, 30))


def test_deeper_and_narrower_stacks():
    encoder, decoder, autoencoder = build_stacked_autoencoder("relu_mse", hidden=(300, 100), codings=10)
    assert [layer.units for layer in dense_layers(encoder)] == [300, 100, 10]
    assert [layer.units for layer in dense_layers(decoder)] == [100, 300, 784]
    assert autoencoder.count_params() == sum(untied_parameters((300, 100, 10)))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="variant must be one of 'slides', 'relu_mse', got 'tanh'"):
        build_stacked_autoencoder("tanh")
    with pytest.raises(ValueError, match="positive integers, got hidden=100, codings=0"):
        build_stacked_autoencoder("slides", codings=0)
    with pytest.raises(ValueError, match="positive integers"):
        build_stacked_autoencoder("slides", hidden=(100, -5))
    assert get_variant(VARIANTS["slides"]) is VARIANTS["slides"]


def test_compile_settings_follow_the_variant_and_are_fresh():
    slides, again, relu = compile_settings("slides"), compile_settings("slides"), compile_settings("relu_mse")
    assert slides["loss"] == "binary_crossentropy" and relu["loss"] == "mse"
    assert [m.name for m in slides["metrics"]] == ["rounded_accuracy", "mse"]
    assert [m.name for m in relu["metrics"]] == ["rounded_accuracy"]
    assert all(a is not b for a, b in zip(slides["metrics"], again["metrics"]))


def test_the_chapter_recipe_is_the_fast_one_with_xla_only_for_long_trainings():
    assert TRAINING_RECIPE(PROFILES["full"]) == FAST_RECIPE
    for name in ("test", "classroom"):
        assert TRAINING_RECIPE(PROFILES[name]) == FAST_RECIPE.with_changes(jit_compile=False)


def test_train_reports_the_variant_metrics_on_validation():
    images = np.random.default_rng(0).integers(0, 256, size=(96, 28, 28), dtype=np.uint8)
    set_seed(0, profile=TEST)
    _, _, autoencoder = build_stacked_autoencoder("slides", hidden=16, codings=4)
    history = train(
        autoencoder,
        images,
        validation_data=images[:32],
        epochs=2,
        recipe=QUICK,
        profile=TEST,
        verbose=0,
        **compile_settings("slides"),
    )
    assert {"val_loss", "val_rounded_accuracy", "val_mse"} <= set(history.history)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_predict_in_batches_scales_uint8_images_and_matches_predict():
    images = np.random.default_rng(1).integers(0, 256, size=(70, 28, 28), dtype=np.uint8)
    encoder, _, autoencoder = build_stacked_autoencoder("slides", hidden=8, codings=3)
    expected = autoencoder.predict(images / 255.0, verbose=0)
    got = predict_in_batches(autoencoder, images, batch_size=32)
    assert got.shape == (70, 28, 28) and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        predict_in_batches(encoder, images / 255.0), encoder.predict(images / 255.0, verbose=0), rtol=1e-5, atol=1e-6
    )


def test_tied_weights_halve_the_parameters_and_share_the_kernels():
    encoder, decoder, autoencoder = build_tied_autoencoder("relu_mse")
    untied = build_stacked_autoencoder("relu_mse")[2]
    assert autoencoder.count_params() == 784 * 100 + 100 + 100 * 30 + 30 + 100 + 784
    assert 0.45 < autoencoder.count_params() / untied.count_params() < 0.55
    tied = [layer for layer in decoder.layers if isinstance(layer, DenseTranspose)]
    assert [layer.dense for layer in tied] == dense_layers(encoder)[::-1]
    assert [layer.activation.__name__ for layer in tied] == ["relu", "linear"]
    assert decoder.count_params() == 100 + 784  # biases only
    assert autoencoder.output_shape == (None, 28, 28)


def test_rounded_accuracy_counts_pixels_on_the_same_side_of_one_half():
    y_true = np.array([[0.2, 0.7, 0.4, 0.9]], dtype="float32")
    y_pred = np.array([[0.1, 0.6, 0.6, 0.3]], dtype="float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(rounded_accuracy(y_true, y_pred)), [0.5])
    metric = RoundedAccuracy()
    metric.update_state(y_true, y_pred)
    metric.update_state(y_true, y_true)
    assert float(metric.result()) == pytest.approx(0.75)
    assert RoundedAccuracy.from_config(metric.get_config()).name == "rounded_accuracy"


def test_pca_baseline_matches_an_exact_svd():
    rng = np.random.default_rng(0)
    low_rank = rng.random((300, 5)) @ rng.random((5, 64)) / 5
    train_images = np.clip(low_rank + rng.normal(0, 0.01, low_rank.shape), 0, 1).reshape(300, 8, 8).astype("float32")
    valid_images = train_images[:50]
    flat, valid = train_images.reshape(300, -1), valid_images.reshape(50, -1)
    mean = flat.mean(axis=0)
    components = np.linalg.svd(flat - mean, full_matrices=False)[2][:3]
    expected = np.mean(((valid - mean) @ components.T @ components + mean - valid) ** 2)
    assert pca_baseline_mse(train_images, valid_images, 3) == pytest.approx(expected, rel=1e-3)
    # The data have rank 5 plus noise of variance 1e-4: five components leave the noise off their plane.
    assert pca_baseline_mse(train_images, valid_images, 5) == pytest.approx(1e-4 * 59 / 64, rel=0.25)


def test_pca_baseline_scales_uint8_images_and_refuses_bad_input():
    images = np.random.default_rng(0).integers(0, 256, size=(40, 6, 6), dtype=np.uint8)
    scaled = images / 255.0
    assert pca_baseline_mse(images, images, 4) == pytest.approx(pca_baseline_mse(scaled, scaled, 4), rel=1e-4)
    with pytest.raises(ValueError, match="same size, got 36 and 25"):
        pca_baseline_mse(images, images[:, :5, :5], 2)
    with pytest.raises(ValueError, match="n_components must be a positive integer, got 0"):
        pca_baseline_mse(images, images, 0)
    with pytest.raises(TypeError, match="got dtype int64"):
        pca_baseline_mse(images.astype(np.int64), images, 2)

"""The Fashion-MNIST classifier behind the generative metrics: architecture, training, shipping, accuracy."""

import os
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
import pytest

from autoaegan.models.classifier import (
    FEATURES_LAYER,
    PLAN,
    REQUIRED_TEST_ACCURACY,
    accuracy,
    build_fashion_classifier,
    conv_bn_block,
)
from autoaegan.plans import Recipe
from autoaegan.pretrained import CATALOG, PretrainedModel, load_pretrained, read_manifest, retrain
from autoaegan.pretrained.catalog import FAST_RECIPE
from autoaegan.profiles import PROFILES
from autoaegan.training.fitting import train

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fashion-mnist"
QUICK = FAST_RECIPE.with_changes(batch_size=32, jit_compile=False, steps_per_execution=1)


def striped_images(labels, seed=0):
    """uint8 images whose class is the angle of their stripes: learnable in a few steps."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:28, 0:28]
    images = []
    for label in labels:
        angle = np.pi * label / 10
        stripes = np.sin((rows * np.cos(angle) + cols * np.sin(angle)) / 2 + rng.uniform(0, 6))
        images.append(127 + 100 * stripes + rng.normal(0, 10, (28, 28)))
    return np.clip(images, 0, 255).astype(np.uint8)


def test_architecture_ends_with_a_128_unit_features_layer_then_ten_probabilities():
    model = build_fashion_classifier()
    assert model.input_shape == (None, 28, 28) and model.output_shape == (None, 10)
    features = model.get_layer(FEATURES_LAYER)
    assert isinstance(features, keras.layers.Dense) and features.units == 128
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert dense[-2] is features and dense[-1].get_config()["activation"] == "softmax"
    convolutions = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.filters for c in convolutions] == [32, 64, 128]
    assert sum(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers) == 3
    assert not model.compiled
    # 3×3 kernels without bias, 4 batch-norm numbers per channel, then the dense layers.
    convs = 9 * (1 * 32 + 32 * 64 + 64 * 128) + 4 * (32 + 64 + 128)
    assert model.count_params() == convs + (3 * 3 * 128 * 128 + 128) + (128 * 10 + 10)


def test_blocks_and_sizes_compose_and_bad_sizes_are_refused():
    block = conv_bn_block(8, convolutions=2)
    assert [type(layer).__name__ for layer in block] == ["Conv2D", "BatchNormalization", "Activation"] * 2 + [
        "MaxPooling2D"
    ]
    small = build_fashion_classifier(filters=(4, 8), features=16, classes=3)
    assert small.get_layer(FEATURES_LAYER).units == 16 and small.output_shape == (None, 3)
    with pytest.raises(ValueError, match="features must be a positive integer, got 0"):
        build_fashion_classifier(features=0)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\), got 1.5"):
        build_fashion_classifier(dropout=1.5)


def test_a_short_training_learns_the_stripes():
    keras.utils.set_random_seed(1)
    labels = np.arange(600) % 4
    images = striped_images(labels)
    model = build_fashion_classifier(filters=(8, 16), features=16, classes=4)
    train(
        model,
        images,
        labels,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        epochs=4,
        recipe=QUICK,
        profile=PROFILES["test"],
        verbose=0,
    )
    held_out = np.arange(200) % 4
    assert accuracy(model, striped_images(held_out, seed=1), held_out) > 0.8


def test_accuracy_checks_its_inputs():
    model = build_fashion_classifier(filters=(4,), features=4)
    with pytest.raises(TypeError, match="must be uint8"):
        accuracy(model, np.zeros((2, 28, 28), np.float32), np.zeros(2))
    with pytest.raises(ValueError, match="as many labels as images"):
        accuracy(model, np.zeros((2, 28, 28), np.uint8), np.zeros(3))


def test_the_classifier_round_trips_through_the_catalogue(tmp_path, monkeypatch):
    def split(n, seed):
        labels = np.arange(n) % 10
        return striped_images(labels, seed), labels

    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = split(96, 0), split(40, 1), split(40, 2)
    data = SimpleNamespace(
        train_images=train_x,
        train_labels=train_y,
        valid_images=valid_x,
        valid_labels=valid_y,
        test_images=test_x,
        test_labels=test_y,
    )
    monkeypatch.setattr("autoaegan.data.fashion_mnist.load_fashion_mnist", lambda: data)
    entry = CATALOG["fashion_classifier"]
    manifest = retrain(
        "clf",
        profile=PROFILES["test"],
        directory=tmp_path,
        catalog={"clf": PretrainedModel("clf", "test", build=entry.build, train=entry.train)},
    )
    assert manifest.settings["epochs"] == PLAN.epochs.test
    assert manifest.settings["recipe"] == asdict(PLAN.recipe)
    assert manifest.settings["features_layer"] == FEATURES_LAYER
    loaded = load_pretrained(
        "clf", directory=tmp_path, catalog={"clf": PretrainedModel("clf", "test", build=entry.build, train=entry.train)}
    )
    assert accuracy(loaded, test_x, test_y) == pytest.approx(manifest.metrics["test_accuracy"])
    assert accuracy(loaded, valid_x, valid_y) == pytest.approx(manifest.metrics["valid_accuracy"])


def test_shipped_classifier_reaches_the_required_test_accuracy():
    manifest = read_manifest("fashion_classifier")
    assert manifest.profile == "full" and manifest.settings["epochs"] == PLAN.epochs.full
    assert Recipe(**manifest.settings["recipe"]) == PLAN.recipe
    assert manifest.metrics["test_accuracy"] >= REQUIRED_TEST_ACCURACY
    assert manifest.metrics["valid_accuracy"] >= REQUIRED_TEST_ACCURACY
    assert manifest.size_bytes < 2_000_000  # no optimizer state in the file


def test_shipped_classifier_scores_what_its_manifest_says_on_the_test_set():
    from autoaegan.data.fashion_mnist import load_fashion_mnist, locate_fashion_mnist

    if not os.environ.get("AUTOAEGAN_DATA") and SHARED_DATA.is_dir():
        data = load_fashion_mnist(locate_fashion_mnist(SHARED_DATA).path)
    else:
        data = load_fashion_mnist()
    model = load_pretrained("fashion_classifier")
    measured = accuracy(model, data.test_images, data.test_labels)
    assert measured == pytest.approx(read_manifest("fashion_classifier").metrics["test_accuracy"], abs=1e-3)
    assert measured >= REQUIRED_TEST_ACCURACY

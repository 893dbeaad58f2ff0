"""Unsupervised pretraining: classifiers on few labels reuse a copy of the trained encoder, never the encoder itself."""

import numpy as np
import pytest

from autoaegan.experiments.unsupervised_pretraining import (
    METHODS,
    PretrainingResult,
    PretrainingRun,
    build_classifier,
    compare_pretraining,
    copy_encoder,
    labelled_subset,
    valid_accuracy,
)
from autoaegan.figures.pretraining import pretraining_figure
from autoaegan.models.stacked import build_stacked_autoencoder
from autoaegan.pretrained.catalog import FAST_RECIPE
from autoaegan.profiles import PROFILES
from autoaegan.seeding import set_seed
from autoaegan.training.fitting import train

TEST = PROFILES["test"]
QUICK = FAST_RECIPE.with_changes(jit_compile=False, steps_per_execution=1, batch_size=32)


def small_encoder():
    return build_stacked_autoencoder("relu_mse", hidden=16, codings=4)[0]


def banded_images(n, seed=0):
    """Images whose class sets which band of rows is bright: an easy task."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    images = rng.integers(0, 60, size=(n, 28, 28)).astype(np.uint8)
    for image, label in zip(images, labels):
        image[2 * label + 4 : 2 * label + 7] = 250
    return images, labels.astype(np.uint8)


@pytest.fixture
def trained_encoder():
    set_seed(0, profile=TEST)
    encoder = small_encoder()
    for weight in encoder.weights:  # stand-in for training: weights no builder would make
        weight.assign(0.01 + np.random.default_rng(1).normal(0, 0.1, weight.shape).astype("float32"))
    return encoder


def fit_one_epoch(classifier, images, labels):
    train(
        classifier,
        images,
        labels,
        loss="sparse_categorical_crossentropy",
        epochs=1,
        recipe=QUICK,
        profile=TEST,
        verbose=0,
    )


def same_weights(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))


def test_copy_encoder_copies_the_trained_weights_into_new_variables(trained_encoder):
    copy = copy_encoder(trained_encoder, small_encoder)
    assert copy is not trained_encoder and same_weights(copy, trained_encoder)
    assert not {id(v) for v in copy.weights} & {id(v) for v in trained_encoder.weights}
    copy.weights[0].assign(copy.weights[0].numpy() + 1)
    assert not same_weights(copy, trained_encoder)


def test_copy_encoder_refuses_the_trained_encoder_itself_or_another_architecture(trained_encoder):
    with pytest.raises(ValueError, match="build a new encoder, not return the trained one"):
        copy_encoder(trained_encoder, lambda: trained_encoder)
    with pytest.raises(ValueError, match="do not fit the trained one"):
        copy_encoder(trained_encoder, lambda: build_stacked_autoencoder("relu_mse", hidden=8, codings=4)[0])


def test_a_frozen_classifier_trains_its_head_only_and_fine_tuning_leaves_the_original_alone(trained_encoder):
    images, labels = banded_images(64)
    original = [w.copy() for w in trained_encoder.get_weights()]
    copy = copy_encoder(trained_encoder, small_encoder)
    classifier = build_classifier(copy, trainable_encoder=False, seed=0)
    head_before = classifier.layers[-1].get_weights()[0].copy()
    fit_one_epoch(classifier, images, labels)
    assert same_weights(copy, trained_encoder)
    assert not np.array_equal(classifier.layers[-1].get_weights()[0], head_before)

    copy.trainable = True
    fit_one_epoch(classifier, images, labels)
    assert not same_weights(copy, trained_encoder)
    assert all(np.array_equal(a, b) for a, b in zip(original, trained_encoder.get_weights()))


def test_labelled_subsets_are_seeded_and_nested():
    small, large = labelled_subset(10, 1000, seed=3), labelled_subset(50, 1000, seed=3)
    assert len(set(small)) == 10 and set(small) <= set(large)
    assert np.all(np.diff(large) > 0)
    np.testing.assert_array_equal(small, labelled_subset(10, 1000, seed=3))
    assert not np.array_equal(small, labelled_subset(10, 1000, seed=4))
    with pytest.raises(ValueError, match="cannot label 5,000 examples out of 2,000"):
        labelled_subset(5_000, 2_000, seed=0)


def test_valid_accuracy_scores_the_argmax_on_scaled_images():
    images, labels = banded_images(40)
    set_seed(0, profile=TEST)
    classifier = build_classifier(small_encoder(), seed=0)
    predicted = classifier.predict(images / 255.0, verbose=0).argmax(axis=1)
    assert valid_accuracy(classifier, images, labels) == pytest.approx(np.mean(predicted == labels))


def test_the_experiment_runs_every_method_and_keeps_the_encoder(trained_encoder):
    images, labels = banded_images(120)
    before = [w.copy() for w in trained_encoder.get_weights()]
    result = compare_pretraining(
        trained_encoder,
        small_encoder,
        images[:100],
        labels[:100],
        images[100:],
        labels[100:],
        label_counts=(40, 20),
        steps=3,
        recipe=QUICK,
        profile=TEST,
    )
    assert result.label_counts == (20, 40) and result.methods == METHODS
    assert [(run.n_labels, run.method) for run in result.runs] == [(n, m) for n in (20, 40) for m in METHODS]
    assert all(0.0 <= run.valid_accuracy <= 1.0 and run.epochs >= 1 and run.seconds > 0 for run in result.runs)
    assert all(np.array_equal(a, b) for a, b in zip(before, trained_encoder.get_weights()))
    with pytest.raises(ValueError, match="every image needs a label"):
        compare_pretraining(trained_encoder, small_encoder, images, labels[:5], images, labels, profile=TEST)


def hand_made_result():
    accuracies = {"from scratch": (0.6, 0.8), "pretrained, frozen": (0.65, 0.75), "pretrained, fine-tuned": (0.7, 0.85)}
    return PretrainingResult(
        tuple(
            PretrainingRun(n, method, accuracies[method][i], 10, 1.0)
            for i, n in enumerate((100, 1000))
            for method in METHODS
        )
    )


def test_the_result_reads_by_method_and_prints_a_table():
    result = hand_made_result()
    assert result.accuracy("pretrained, frozen", 1000) == 0.75
    assert result.accuracies("pretrained, fine-tuned") == [0.7, 0.85]
    with pytest.raises(KeyError, match="no run of 'from scratch' with 500 labels"):
        result.accuracy("from scratch", 500)
    header, first, second = result.table().splitlines()
    assert header.split("  ")[0] == "labels" and all(method in header for method in METHODS)
    assert first.split() == ["100", "0.6000", "0.6500", "0.7000"]
    assert second.split() == ["1,000", "0.8000", "0.7500", "0.8500"]


def test_the_figure_has_one_line_per_method():
    figure = pretraining_figure(hand_made_result())
    assert [trace.name for trace in figure.data] == list(METHODS)
    assert list(figure.data[2].y) == [0.7, 0.85] and list(figure.data[0].x) == [100, 1000]
    assert figure.layout.xaxis.type == "log"
    with pytest.raises(TypeError, match="expected a PretrainingResult"):
        pretraining_figure({"from scratch": [0.5]})


def test_the_experiment_uses_a_classifier_the_caller_defines(trained_encoder):
    import keras

    images, labels = banded_images(120)
    built = []

    def make_classifier(encoder):
        classifier = keras.Sequential([encoder, keras.layers.Dense(10, activation="softmax")])
        built.append((encoder, classifier))
        return classifier

    result = compare_pretraining(
        trained_encoder,
        small_encoder,
        images[:100],
        labels[:100],
        images[100:],
        labels[100:],
        label_counts=(20,),
        steps=2,
        recipe=QUICK,
        make_classifier=make_classifier,
        profile=TEST,
    )
    assert result.methods == METHODS
    # one classifier from scratch, one on the pretrained copy (frozen, then fine-tuned: the same model)
    assert len(built) == 2 and all(encoder is not trained_encoder for encoder, _ in built)
    scratch, pretrained = built
    assert pretrained[0].trainable  # unfrozen for the fine-tuning phase
    assert len(pretrained[1].layers) == 2 and isinstance(pretrained[1].layers[-1], keras.layers.Dense)
    with pytest.raises(ValueError, match="on the encoder it is given"):
        compare_pretraining(
            trained_encoder,
            small_encoder,
            images[:100],
            labels[:100],
            images[100:],
            labels[100:],
            label_counts=(20,),
            steps=1,
            recipe=QUICK,
            profile=TEST,
            make_classifier=lambda encoder: keras.Sequential([small_encoder(), keras.layers.Dense(10)]),
        )

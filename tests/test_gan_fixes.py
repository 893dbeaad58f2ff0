"""Chapter 08's GAN variants, the discriminator's stabiliser options, the coverage meter and the shipped recordings."""

import json

import keras
import numpy as np
import pytest

from autoaegan.figures.coverage import (
    class_shares_figure,
    coverage_comparison_figure,
    snapshot_grid,
    sweep_heatmap,
)
from autoaegan.layers.minibatch_discrimination import MinibatchDiscrimination
from autoaegan.models.dense_gan import GERON_RECIPE
from autoaegan.models.gan import GAN, build_dense_discriminator, build_dense_generator
from autoaegan.models.gan_fixes import FIXES, build_gan_with_fix, train_gan
from autoaegan.models.replay import ReplayGAN
from autoaegan.profiles import PROFILES
from autoaegan.recordings import load_recorded_samples, load_recording
from autoaegan.seeding import set_seed
from autoaegan.training.coverage_tracker import CoverageTracker
from tests.autoencoder_checks import tiny_images

TEST = PROFILES["test"]


def layer_types(model):
    return [type(layer).__name__ for layer in model.layers]


# --- the discriminator's options ----------------------------------------------------------------------------------


def test_the_default_discriminator_is_unchanged():
    discriminator = build_dense_discriminator()
    assert layer_types(discriminator) == ["InputLayer", "Flatten", "Dense", "Dense", "Dense"]
    assert discriminator.count_params() == (784 * 150 + 150) + (150 * 100 + 100) + (100 + 1)


def test_spectral_norm_wraps_every_dense_layer_and_bounds_its_largest_singular_value():
    set_seed(0)
    discriminator = build_dense_discriminator(units=(32, 16), spectral_norm=True)
    wrapped = [layer for layer in discriminator.layers if isinstance(layer, keras.layers.SpectralNormalization)]
    assert len(wrapped) == 3 and all(isinstance(layer.layer, keras.layers.Dense) for layer in wrapped)
    assert discriminator.layers[-1].name == "real_probability"
    images = tiny_images(16).astype("float32") / 255
    for layer in wrapped:
        layer.layer.kernel.assign(layer.layer.kernel.numpy() * 10)  # far from 1 before any normalisation
    for _ in range(30):  # each training call runs one power iteration and rescales the kernel
        discriminator(images, training=True)
    for layer in wrapped:
        sigma = np.linalg.norm(layer.layer.kernel.numpy().reshape(-1, layer.layer.kernel.shape[-1]), ord=2)
        assert sigma == pytest.approx(1.0, abs=0.05)


def test_minibatch_kernels_put_the_layer_before_the_output():
    discriminator = build_dense_discriminator(units=(32, 16), minibatch_kernels=7, minibatch_kernel_dim=3)
    layer = discriminator.get_layer("minibatch_features")
    assert isinstance(layer, MinibatchDiscrimination) and (layer.num_kernels, layer.kernel_dim) == (7, 3)
    assert layer.output.shape == (None, 16 + 7)
    assert discriminator.layers[-1].input.shape == (None, 23)


def test_the_options_are_checked():
    with pytest.raises(TypeError, match="spectral_norm must be True or False"):
        build_dense_discriminator(spectral_norm="yes")
    with pytest.raises(ValueError, match="num_kernels must be a positive integer"):
        build_dense_discriminator(minibatch_kernels=0)


# --- the variants -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fix", FIXES)
def test_each_variant_has_its_fix_and_nothing_else(fix):
    gan = build_gan_with_fix(fix, seed=0)
    types = layer_types(gan.discriminator)
    every = fix == "all three"
    assert isinstance(gan, ReplayGAN) == (every or fix == "experience replay")
    assert ("MinibatchDiscrimination" in types) == (every or fix == "minibatch discrimination")
    assert ("SpectralNormalization" in types) == (every or fix == "spectral normalization")
    assert gan.generator.count_params() == build_dense_generator().count_params()  # the same generator for all
    assert gan.codings_size == 30 and gan.value_range == (0.0, 1.0)


def test_an_unknown_fix_is_refused():
    with pytest.raises(ValueError, match="fix must be one of 'baseline'"):
        build_gan_with_fix("dropout")


@pytest.mark.parametrize("fix", ["minibatch discrimination", "all three"])
def test_variants_train_with_the_shared_recipe(fix):
    set_seed(0, profile=TEST)
    gan = build_gan_with_fix(fix, seed=0)
    history = train_gan(
        gan,
        tiny_images(128),
        epochs=2,
        recipe=GERON_RECIPE.with_changes(steps_per_execution=2),
        seed=0,
        profile=TEST,
        verbose=0,
    )
    assert len(history["d_loss"]) == 2 and all(np.isfinite(v).all() for v in history.values())
    assert int(gan.d_optimizer.iterations) == 2 * 128 // 32


def test_train_gan_refuses_bad_images():
    gan = build_gan_with_fix("baseline")
    with pytest.raises(ValueError, match=r"images must be uint8 shaped \(n, 28, 28\)"):
        train_gan(gan, np.zeros((64, 28, 28), "float32"), epochs=1, profile=TEST)
    with pytest.raises(ValueError, match="need at least one batch of 32 images"):
        train_gan(gan, tiny_images(8), epochs=1, profile=TEST)


# --- the coverage meter -------------------------------------------------------------------------------------------


def brightness_classes(images):
    """A stand-in classifier: the class is the tenth of [0, 1] that the mean pixel falls in."""
    classes = np.minimum((images.reshape(len(images), -1).mean(axis=1) * 10).astype(int), 9)
    return np.zeros((len(images), 2)), np.eye(10)[classes]


def test_the_tracker_records_before_training_and_every_few_steps():
    set_seed(0, profile=TEST)
    gan = build_gan_with_fix("baseline", seed=0)
    tracker = CoverageTracker(every=4, n=64, keep=3, extractor=brightness_classes)
    train_gan(
        gan,
        tiny_images(256),
        epochs=2,
        recipe=GERON_RECIPE.with_changes(steps_per_execution=2),
        seed=0,
        profile=TEST,
        callbacks=[tracker],
        verbose=0,
    )
    assert tracker.steps == [0, 4, 8, 12, 16]  # 16 steps in all
    assert all(sum(coverage.counts) == 64 for coverage in tracker.coverages)
    assert all(samples.shape == (3, 28, 28) and samples.dtype == np.uint8 for samples in tracker.samples)
    record = json.loads(json.dumps(tracker.as_dict()))  # JSON-able
    assert record["steps"] == tracker.steps and len(record["counts"]) == 5 and record["logs"][0] == {}
    assert set(record["logs"][-1]) >= {"d_loss", "g_loss"}


def test_the_tracker_sees_a_collapsed_generator_with_the_shipped_classifier():
    codings = keras.Input(shape=(30,))
    # A generator that ignores its codings: every sample is the same image, the extreme of mode collapse.
    constant = keras.layers.Dense(
        784, activation="sigmoid", kernel_initializer="zeros", bias_initializer=keras.initializers.RandomNormal(seed=1)
    )(codings)
    generator = keras.Model(codings, keras.layers.Reshape((28, 28))(constant))
    gan = GAN(generator, build_dense_discriminator(units=(8,)))
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0))
    tracker = CoverageTracker(every=1, n=200)
    tracker.set_model(gan)
    coverage = tracker.record()
    assert coverage.covered == 1 and coverage.entropy == 0.0 and max(coverage.counts) == 200


def test_the_tracker_refuses_bad_settings():
    with pytest.raises(ValueError, match="every must be a positive integer"):
        CoverageTracker(every=0)


# --- figures ------------------------------------------------------------------------------------------------------


def test_the_coverage_figures_draw_what_they_are_given():
    steps = [0, 100, 200]
    counts = [[10, 0, 0, 0, 0, 0, 0, 0, 0, 0], [5, 5, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 10, 0, 0, 0, 0, 0, 0, 0]]
    figure = class_shares_figure(steps, counts, steps_per_epoch=100)
    assert len(figure.data) == 11
    np.testing.assert_allclose(figure.data[0].y, [1.0, 0.5, 0.0])
    np.testing.assert_allclose(figure.data[0].x, [0, 1, 2])
    np.testing.assert_array_equal(figure.data[-1].y, [1, 2, 1])
    with pytest.raises(ValueError, match="one row per step"):
        class_shares_figure(steps, counts[:2])
    runs = {"a": {"steps": steps, "covered": [1, 2, 1]}, "b": {"steps": steps, "covered": [3, 3, 3]}}
    assert [trace.name for trace in coverage_comparison_figure(runs).data] == ["a", "b"]
    grid = snapshot_grid(np.zeros((3, 4, 28, 28), np.uint8), steps)
    assert len(grid.data) == 12
    cells = [
        {"settings": {"d_learning_rate": d, "g_learning_rate": g}, "fd": d * 1000 + g}
        for d in (1e-4, 1e-3)
        for g in (1e-4, 1e-3)
    ]
    heatmap = sweep_heatmap(cells, key="fd")
    np.testing.assert_allclose(heatmap.data[0].z, [[0.1001, 0.101], [1.0001, 1.001]])  # D down, G across
    assert list(heatmap.data[0].y) == ["0.0001", "0.001"] and list(heatmap.data[0].x) == ["0.0001", "0.001"]


# --- the shipped recordings ---------------------------------------------------------------------------------------


def test_the_shipped_fixes_recording_holds_every_fix_and_its_samples():
    recording = load_recording("gan_fixes")
    assert [row["fix"] for row in recording["rows"]] == list(FIXES)
    samples = load_recorded_samples("gan_fixes")
    settings = recording["settings"]
    for run in recording["runs"]:
        key = f"{run['settings']['fix'].replace(' ', '_')}_{run['settings']['seed']}"
        steps = run["coverage"]["steps"]
        assert steps[0] == 0 and steps == sorted(steps) and len(run["coverage"]["counts"]) == len(steps)
        assert all(sum(counts) == settings["tracked_samples"] for counts in run["coverage"]["counts"])
        snapshots = samples[f"{key}_snapshots"]
        assert snapshots.dtype == np.uint8 and snapshots.shape[1:] == (settings["kept_samples"], 28, 28)
        assert len(snapshots) == len(steps[:: settings["snapshot_stride"]])
        assert samples[f"{key}_final"].shape == (settings["final_samples"], 28, 28)
        assert run["report"]["n"] == settings["n"]
    baseline = recording["rows"][0]
    assert baseline["fix"] == "baseline" and baseline["min_covered_during_training"] <= 4  # the collapse


def test_the_shipped_sweep_recording_covers_its_grid():
    recording = load_recording("gan_sweep")
    rates = recording["settings"]["rates"]
    pairs = {(c["settings"]["d_learning_rate"], c["settings"]["g_learning_rate"]) for c in recording["cells"]}
    assert pairs == {(d, g) for d in rates for g in rates}
    assert all(0 <= c["covered"] <= 10 and c["fd"] >= 0 for c in recording["cells"])


def test_an_unknown_recording_is_named_in_the_error():
    with pytest.raises(FileNotFoundError, match="no recording nothing.json"):
        load_recording("nothing")

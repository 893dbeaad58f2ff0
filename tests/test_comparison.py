"""The comparison of autoencoder families (chapter 04): its fields, timing, table, figure and shipping path
(`autoaegan.training.families`, `autoaegan.figures.comparison`, `autoaegan.models.comparison`)."""

from types import SimpleNamespace

import keras
import numpy as np
import pytest

from autoaegan.figures.comparison import results_figure, results_markdown
from autoaegan.models.comparison import family_builders
from autoaegan.pretrained.catalog import FAST_RECIPE
from autoaegan.profiles import PROFILES
from autoaegan.training import fitting
from autoaegan.training.families import (
    FamilyResult,
    compare_families,
    family_result,
    reconstruction_mse,
    train_family,
    train_pretrained_family,
)
from autoaegan.training.fitting import EpochTimer
from tests.autoencoder_checks import tiny_images

QUICK = FAST_RECIPE.with_changes(batch_size=32, jit_compile=False, steps_per_execution=1)
TEST = PROFILES["test"]


def build_tiny_dense():
    """A stand-in family: a dense autoencoder with a 4-D code."""
    return keras.Sequential(
        [
            keras.Input((28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dense(784),
            keras.layers.Reshape((28, 28)),
        ]
    )


def test_train_family_reports_what_the_model_reached():
    keras.utils.set_random_seed(0)
    model = build_tiny_dense()
    x_train, x_valid = tiny_images(96), tiny_images(40, seed=1)
    result, history = train_family("tiny", model, x_train, x_valid, epochs=3, recipe=QUICK, profile=TEST)
    assert result.name == "tiny" and result.parameters == model.count_params() == 784 * 4 + 4 + 4 * 784 + 784
    assert result.epochs == 3 and result.train_images == 96
    assert result.valid_mse == history.history["val_loss"][-1] and result.train_mse == history.history["loss"][-1]
    reconstructions = model.predict(x_valid / 255, verbose=0)
    assert result.valid_mse == pytest.approx(float(np.mean((reconstructions - x_valid / 255) ** 2)), rel=1e-4)
    assert result.seconds_per_epoch > 0 and result.first_epoch_seconds > 0
    assert result.images_per_second == pytest.approx(96 / result.seconds_per_epoch)


def test_family_result_reads_a_fit_the_chapter_ran_itself():
    keras.utils.set_random_seed(0)
    model = build_tiny_dense()
    model.compile(loss="mse", optimizer=keras.optimizers.Nadam(learning_rate=1e-3))
    x_train, x_valid = tiny_images(64) / 255, tiny_images(32, seed=1) / 255
    timer = EpochTimer()
    history = model.fit(
        x_train, x_train, epochs=2, batch_size=32, validation_data=(x_valid, x_valid), verbose=0, callbacks=[timer]
    )
    result = family_result("tiny", model, history, timer, len(x_train))
    assert result.epochs == 2 and result.train_images == 64 and result.parameters == model.count_params()
    assert result.valid_mse == history.history["val_loss"][-1] and result.train_mse == history.history["loss"][-1]
    assert result.seconds_per_epoch == timer.seconds[1] and result.first_epoch_seconds == timer.seconds[0]
    with pytest.raises(ValueError, match="recorded no epoch"):
        family_result("tiny", model, history, EpochTimer(), 64)
    history.history.pop("val_loss")
    with pytest.raises(ValueError, match="no val_loss"):
        family_result("tiny", model, history, timer, 64)


def test_reconstruction_mse_scales_uint8_images_and_needs_no_compiling():
    images = tiny_images(25)
    identity = keras.Sequential([keras.Input((28, 28)), keras.layers.Identity()])
    assert reconstruction_mse(identity, images, batch_size=7) == 0.0
    halving = keras.Sequential([keras.Input((28, 28)), keras.layers.Rescaling(0.5)])
    expected = float(np.mean((images / 255 / 2) ** 2))
    assert reconstruction_mse(halving, images, batch_size=7) == pytest.approx(expected, rel=1e-5)
    with pytest.raises(TypeError, match="images must be uint8 \\(0-255\\), got dtype float64"):
        reconstruction_mse(identity, images / 255)


def test_epoch_timer_counts_training_steps_only_and_once(monkeypatch):
    clock = iter([10.0, 12.5, 20.0, 23.0])
    monkeypatch.setattr(fitting.time, "perf_counter", lambda: next(clock))
    timer = EpochTimer()
    timer.on_epoch_begin(0)
    timer.on_test_begin()  # validation starts: the epoch's training time is 2.5 s
    timer.on_epoch_end(0)  # must not count the same epoch twice
    timer.on_epoch_begin(1)
    timer.on_epoch_end(1)  # no validation this time: 3 s
    assert timer.seconds == [2.5, 3.0]


def test_compare_families_trains_each_from_the_same_seed():
    builders = {"first": build_tiny_dense, "second": build_tiny_dense}
    results = compare_families(builders, tiny_images(64), tiny_images(32, seed=1), epochs=1, recipe=QUICK, profile=TEST)
    assert [r.name for r in results] == ["first", "second"]
    assert all(isinstance(r, FamilyResult) for r in results)
    # same architecture, same seed, same data, deterministic ops: the same result
    assert results[0].valid_mse == results[1].valid_mse and results[0].parameters == results[1].parameters


def test_compare_families_refuses_bad_input():
    with pytest.raises(ValueError, match="builders is empty"):
        compare_families({}, tiny_images(4), tiny_images(4), epochs=1, recipe=QUICK, profile=TEST)
    with pytest.raises(TypeError, match="the builder of 'bad' must return a keras.Model, got str"):
        compare_families({"bad": lambda: "model"}, tiny_images(4), tiny_images(4), epochs=1, recipe=QUICK, profile=TEST)
    with pytest.raises(ValueError, match=r"x_train must be images shaped \(n, height, width\), got shape \(4, 784\)"):
        train_family(
            "tiny",
            build_tiny_dense(),
            np.zeros((4, 784), np.uint8),
            tiny_images(4),
            epochs=1,
            recipe=QUICK,
            profile=TEST,
        )
    with pytest.raises(ValueError, match="epochs must be a positive integer, got 0"):
        train_family("tiny", build_tiny_dense(), tiny_images(4), tiny_images(4), epochs=0, recipe=QUICK, profile=TEST)


def test_family_builders_give_the_three_families_with_a_30_d_code():
    builders = family_builders()
    assert list(builders) == ["stacked", "convolutional", "recurrent"]
    for name, build in builders.items():
        model = build()
        encoder = model.layers[0]
        assert encoder.output_shape == (None, 30), name
        assert model.input_shape == (None, 28, 28) and model.output_shape == (None, 28, 28), name


def test_markdown_table_has_a_row_per_family():
    results = [
        FamilyResult("stacked", 162_214, 0.01312, 0.01301, 20, 55_000, 2.0, 5.0),
        FamilyResult("recurrent", 122_548, 0.01034, 0.01040, 10, 55_000, 110.0, 130.0),
    ]
    table = results_markdown(results).splitlines()
    assert len(table) == 4 and table[0].startswith("| family | parameters | validation MSE")
    assert table[2] == "| stacked | 162,214 | 0.0131 | 0.0130 | 20 | 2.0 | 27,500 |"
    assert table[3] == "| recurrent | 122,548 | 0.0103 | 0.0104 | 10 | 110.0 | 500 |"
    estimated = results_markdown(results, epoch_images=55_000).splitlines()
    assert estimated[0].endswith("| seconds per epoch of 55,000 images |") and estimated[1].count("|") == 9
    assert estimated[3].endswith("| 500 | 110 |")  # 55,000 images at 500 per second
    figure = results_figure(results)
    assert [trace.name for trace in figure.data] == ["stacked", "recurrent"]
    assert figure.data[1].x == (110.0,) and figure.data[1].y == (0.01034,)
    with pytest.raises(ValueError, match="results is empty"):
        results_figure([])


def test_pretrained_trainer_returns_an_uncompiled_copy_with_settings_and_metrics(monkeypatch):
    data = SimpleNamespace(train_images=tiny_images(64), valid_images=tiny_images(32, seed=1))
    monkeypatch.setattr("autoaegan.data.fashion_mnist.load_fashion_mnist", lambda: data)
    trained = train_pretrained_family("tiny", build_tiny_dense, TEST, epochs=2, recipe=QUICK)
    assert not trained.model.compiled  # so that its weights file carries no optimizer state
    assert trained.settings["epochs"] == 2 and trained.settings["recipe"]["batch_size"] == 32
    assert trained.settings["seed"] == TEST.seed and trained.settings["loss"] == "mse"
    assert len(trained.metrics["valid_mse_by_epoch"]) == 2
    assert trained.metrics["parameters"] == trained.model.count_params()
    mse = float(np.mean((trained.model.predict(data.valid_images / 255, verbose=0) - data.valid_images / 255) ** 2))
    assert mse == pytest.approx(trained.metrics["valid_mse"], rel=1e-4)

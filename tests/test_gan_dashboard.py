"""The live GAN dashboard, in the kernel: the curves' points, the per-step values, and the sample grid's redraws."""

from types import SimpleNamespace

import ipywidgets
import keras
import numpy as np
import pytest

from autoaegan.data.pipeline import make_dataset
from autoaegan.models.gan import GAN, build_dense_discriminator, build_dense_generator
from autoaegan.seeding import set_seed
from autoaegan.widgets.gan_dashboard import (
    ACCURACIES,
    DASHBOARD_CLASS,
    LOSSES,
    SAMPLES_CLASS,
    GANDashboard,
    sample_grid,
    step_values,
)
from autoaegan.widgets.png import read_grey_png
from tests.autoencoder_checks import tiny_images


def small_gan(activation="sigmoid"):
    set_seed(0)
    codings = keras.Input((8,))
    pixels = keras.layers.Dense(784, activation=activation)(keras.layers.Dense(16, activation="relu")(codings))
    generator = keras.Model(codings, keras.layers.Reshape((28, 28))(pixels))
    gan = GAN(generator, build_dense_discriminator(units=(16,)), seed=0)
    gan.compile(keras.optimizers.Adam(5e-2), keras.optimizers.Adam(5e-2))  # large steps: the samples change fast
    return gan


def figure_points(dashboard):
    return {
        trace.name: (list(trace.x), list(trace.y))
        for figure in (dashboard.loss_figure, dashboard.accuracy_figure)
        for trace in figure.data
    }


def running_means(values):
    return np.cumsum(values) / np.arange(1, len(values) + 1)


def test_step_values_recover_each_step_from_running_means():
    values = np.array([0.7, 0.2, 1.3, 0.4, 0.9])
    means = running_means(values)
    recovered = [step_values(0.0, 0, means[0], 1)] + [
        step_values(means[k - 1], k, means[k], k + 1) for k in range(1, len(values))
    ]
    np.testing.assert_allclose(recovered, values)
    np.testing.assert_allclose(step_values(means[1], 2, means[4], 5), values[2:].mean())  # a group of steps
    with pytest.raises(ValueError, match="steps must grow: got 3 after 3"):
        step_values(0.5, 3, 0.5, 3)


def test_sample_grid_tiles_images_and_leaves_blank_cells():
    images = np.stack([np.full((4, 3), value, np.float32) for value in (0.1, 0.2, 0.3, 0.4, 0.5)])
    grid = sample_grid(images, columns=3)
    assert grid.shape == (8, 9)
    assert grid[0, 0] == pytest.approx(0.1) and grid[0, 8] == pytest.approx(0.3) and grid[4, 3] == pytest.approx(0.5)
    assert (grid[4:, 6:] == 0).all()  # the sixth cell is blank
    assert sample_grid(images[..., None], columns=10).shape == (4, 15)  # never wider than the images
    with pytest.raises(ValueError, match=r"expected images shaped \(n, height, width\) with n ≥ 1, got shape \(5, 4\)"):
        sample_grid(np.zeros((5, 4)), columns=2)


def test_after_k_steps_the_figures_hold_k_points_and_the_grid_is_redrawn_every_n_steps():
    gan = small_gan()
    dashboard = GANDashboard(every=3, samples=10, columns=5, scale=2)
    history = gan.fit(
        make_dataset(tiny_images(7 * 16), batch_size=16), epochs=1, shuffle=False, verbose=0, callbacks=[dashboard]
    )
    points = figure_points(dashboard)
    assert len(points) == 4
    for name, (x, y) in points.items():
        assert x == [1, 2, 3, 4, 5, 6, 7], name
        assert len(y) == 7 and all(np.isfinite(y)), name
    for name in (*LOSSES, *ACCURACIES):  # the per-step values average to the epoch's logged mean
        assert np.mean(dashboard.values[name]) == pytest.approx(history.history[name][0], rel=1e-4), name
    assert dashboard.sample_steps == [0, 3, 6, 7]  # at the start, every 3 steps, and at the end
    grid = read_grey_png(dashboard.samples_image.value)
    assert grid.shape == (2 * 28 * 2, 5 * 28 * 2)
    assert (dashboard.samples_image.layout.width, dashboard.samples_image.layout.height) == ("280px", "112px")
    assert "after 7 steps" in dashboard.samples_caption.value
    assert "epoch 1, step 7" in dashboard.status.value


def test_the_grid_shows_the_same_codings_as_the_generator_learns():
    gan = small_gan()
    dashboard = GANDashboard(every=4, samples=4, columns=4, scale=1)
    dashboard.set_model(gan)
    dashboard.on_train_begin()
    first = read_grey_png(dashboard.samples_image.value)
    expected = 255 - np.round(sample_grid(dashboard.sample_images(), 4) * 255)  # dark ink on white
    np.testing.assert_allclose(first, expected, atol=1)
    gan.fit(make_dataset(tiny_images(64), batch_size=16), epochs=1, shuffle=False, verbose=0, callbacks=[dashboard])
    assert dashboard.sample_steps == [0, 4]
    assert not np.array_equal(read_grey_png(dashboard.samples_image.value), first)  # the same codings, trained


def test_steps_count_on_across_epochs_and_fit_calls():
    gan = small_gan()
    dashboard = GANDashboard(every=100, plot_every=1)
    data = make_dataset(tiny_images(48), batch_size=16)
    gan.fit(data, epochs=2, shuffle=False, verbose=0, callbacks=[dashboard])
    gan.fit(data, epochs=1, shuffle=False, verbose=0, callbacks=[dashboard])
    assert dashboard.steps == list(range(1, 10))
    assert figure_points(dashboard)["generator loss"][0] == list(range(1, 10))
    assert dashboard.sample_steps == [0, 6, 9]  # each fit draws at its end, and not twice at the same step


def test_the_curves_show_each_steps_value_not_the_running_mean():
    per_step = {
        "d_loss": [0.6, 0.2, 0.9, 0.4],
        "g_loss": [1.0, 3.0, 2.0, 4.0],
        "d_real_accuracy": [1.0, 0.5, 0.0, 1.0],
        "d_fake_accuracy": [0.0, 0.25, 0.75, 1.0],
    }
    model = SimpleNamespace(generator=build_dense_generator(4, units=(8,)), value_range=(0.0, 1.0))
    dashboard = GANDashboard(every=10, plot_every=3, samples=2)
    dashboard.set_model(model)
    dashboard.on_train_begin()
    dashboard.on_epoch_begin(0)
    means = {name: running_means(values) for name, values in per_step.items()}
    for step in range(4):
        dashboard.on_train_batch_end(step, {name: means[name][step] for name in per_step})
        if step == 2:
            assert len(figure_points(dashboard)["discriminator loss"][0]) == 3  # pushed every 3 steps
    assert len(figure_points(dashboard)["discriminator loss"][0]) == 3  # the fourth is not pushed yet
    dashboard.on_epoch_end(0)
    for name, values in per_step.items():
        np.testing.assert_allclose(dashboard.values[name], values, atol=1e-12)
    assert figure_points(dashboard)["generator loss"][1] == pytest.approx(per_step["g_loss"])


def test_grouped_steps_give_one_point_per_group():
    model = SimpleNamespace(generator=build_dense_generator(4, units=(8,)))
    dashboard = GANDashboard(every=3, samples=2)
    dashboard.set_model(model)
    dashboard.on_train_begin()
    dashboard.on_epoch_begin(0)
    per_step = [1.0, 3.0, 5.0, 7.0]  # steps_per_execution = 2: Keras calls back after steps 2 and 4
    means = running_means(per_step)
    for batch in (1, 3):
        dashboard.on_train_batch_end(batch, {name: means[batch] for name in (*LOSSES, *ACCURACIES)})
    assert dashboard.steps == [2, 4]
    np.testing.assert_allclose(dashboard.values["g_loss"], [2.0, 6.0])
    assert dashboard.sample_steps == [0, 4]  # 4 − 0 ≥ 3


def test_bad_models_logs_and_settings_are_refused():
    dashboard = GANDashboard()
    dashboard.set_model(SimpleNamespace())
    with pytest.raises(TypeError, match="needs a model with a `generator`, got SimpleNamespace"):
        dashboard.on_train_begin()
    dashboard.set_model(SimpleNamespace(generator=build_dense_generator(4, units=(8,))))
    dashboard.on_train_begin()
    dashboard.on_epoch_begin(0)
    with pytest.raises(KeyError, match="missing d_real_accuracy, d_fake_accuracy \\(logged: d_loss, g_loss\\)"):
        dashboard.on_train_batch_end(0, {"d_loss": 0.5, "g_loss": 0.7})
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="every must be a positive integer"):
            GANDashboard(every=bad)


def test_the_widget_state_stays_small():
    gan = small_gan(activation="tanh")
    dashboard = GANDashboard(every=2, samples=16, columns=8)
    gan.fit(make_dataset(tiny_images(64), batch_size=16), epochs=1, shuffle=False, verbose=0, callbacks=[dashboard])
    assert DASHBOARD_CLASS in dashboard.widget._dom_classes
    images = [w for w in _descendants(dashboard.widget) if isinstance(w, ipywidgets.Image)]
    assert len(images) == 1 and SAMPLES_CLASS in images[0]._dom_classes  # one PNG, not a widget per sample
    assert len(images[0].value) < 40_000
    assert all(len(trace.x) == 4 for trace in dashboard.loss_figure.data)
    grid = read_grey_png(images[0].value)
    assert grid.min() < 128 < grid.max()  # tanh outputs mapped to [0, 1]: ink and paper both present
    bundle = dashboard._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def _descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


def test_under_steps_per_execution_the_steps_are_those_the_optimizer_took():
    gan = small_gan()
    gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam(), steps_per_execution=3)
    dashboard = GANDashboard(every=5)
    history = gan.fit(
        make_dataset(tiny_images(7 * 16), batch_size=16), epochs=2, shuffle=False, verbose=0, callbacks=[dashboard]
    )
    assert dashboard.steps == [3, 6, 7, 10, 13, 14]  # groups of 3, and the epoch's last step alone
    assert dashboard.sample_steps == [0, 6, 13, 14]
    sizes = np.diff([0, *dashboard.steps[:3]])
    for name in (*LOSSES, *ACCURACIES):  # the groups' values, weighted by their sizes, give the epoch's mean
        mean = np.dot(sizes, dashboard.values[name][:3]) / 7
        assert mean == pytest.approx(history.history[name][0], rel=1e-4), name


def test_the_sample_grid_keeps_its_own_size_instead_of_the_notebooks_width():
    gan = small_gan()
    sizes = {}
    for scale in (1, 3):
        dashboard = GANDashboard(samples=16, columns=8, scale=scale)
        dashboard.set_model(gan)
        dashboard.on_train_begin()
        layout = dashboard.samples_image.layout
        grid = read_grey_png(dashboard.samples_image.value)
        assert (layout.width, layout.height) == (f"{grid.shape[1]}px", f"{grid.shape[0]}px")  # the PNG's pixels
        assert layout.align_self == "flex-start" and layout.object_fit == "contain"  # not stretched by its box
        sizes[scale] = layout.width
        assert dashboard.loss_figure.layout.width + dashboard.accuracy_figure.layout.width <= 820  # side by side
    assert sizes == {1: f"{8 * 28}px", 3: f"{3 * 8 * 28}px"}  # 16 samples in 2 rows of 8, 84 pixels each at scale 3

"""The 1-D GAN of chapter 08: the mixture, the tiny networks, the recorded game and its figures."""

import keras
import numpy as np
import pytest

from autoaegan.figures.gan_1d import discriminator_gap, equilibrium_figure, game_playback_figure
from autoaegan.models.gan import GAN
from autoaegan.models.gan_1d import (
    GaussianMixture,
    build_1d_discriminator,
    build_1d_gan,
    build_1d_generator,
    train_1d_gan,
)


def test_the_mixture_samples_what_its_density_says():
    mixture = GaussianMixture(means=(0.2, 0.7), stds=(0.05, 0.1), weights=(0.25, 0.75))
    draws = mixture.sample(40_000, seed=0)
    assert draws.shape == (40_000, 1) and draws.dtype == np.float32
    assert np.mean(draws < 0.45) == pytest.approx(0.25, abs=0.01)
    assert np.mean(draws[draws > 0.45]) == pytest.approx(0.7, abs=0.005)
    x = np.linspace(-1, 2, 30_001)
    assert np.trapezoid(mixture.density(x), x) == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_array_equal(mixture.sample(5, seed=3), mixture.sample(5, seed=3))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"means": (0.2, 0.5), "stds": (0.1,), "weights": (0.5, 0.5)}, "same, non-zero length"),
        ({"means": (0.2,), "stds": (0.0,), "weights": (1.0,)}, "stds must be positive"),
        ({"means": (0.2, 0.5), "stds": (0.1, 0.1), "weights": (0.5, 0.6)}, "summing to 1"),
    ],
)
def test_a_bad_mixture_is_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GaussianMixture(**kwargs)


def test_the_networks_map_noise_to_a_number_and_a_number_to_a_probability():
    generator, discriminator = build_1d_generator(3, units=(8,)), build_1d_discriminator(units=(8,))
    assert generator.input_shape == (None, 3) and generator.output_shape == (None, 1)
    assert discriminator.input_shape == (None, 1) and discriminator.output_shape == (None, 1)
    x = keras.ops.convert_to_numpy(generator(np.random.default_rng(0).normal(size=(64, 3)) * 50))
    assert x.min() >= 0 and x.max() <= 1  # the data's range, [0, 1]
    gan = build_1d_gan(seed=0)
    assert isinstance(gan, GAN) and gan.value_range == (0.0, 1.0)


def test_a_short_training_records_every_snapshot():
    gan, trace = train_1d_gan(steps=300, every=100, seed=0, samples=500)
    assert list(trace.steps) == [0, 100, 200, 300]
    snapshots, points = len(trace.steps), len(trace.grid)
    assert trace.discriminator.shape == (snapshots, points)
    assert ((trace.discriminator > 0) & (trace.discriminator < 1)).all()
    assert trace.generated.shape == (snapshots, 500)
    widths = np.diff(trace.bin_edges)
    np.testing.assert_allclose(trace.generated_density @ widths, 1.0)  # each histogram is a density
    assert np.isnan(trace.d_loss[0]) and np.isfinite(trace.d_loss[1:]).all() and np.isfinite(trace.g_loss[1:]).all()
    np.testing.assert_allclose(trace.real_density, GaussianMixture().density(trace.grid))
    # The snapshot taken last is the trained generator's: the same noise gives the same numbers.
    assert int(gan.d_optimizer.iterations) == 300


def test_the_generator_learns_the_mixture_and_the_discriminator_tends_to_a_half():
    _, trace = train_1d_gan(steps=1_500, every=500, seed=0, samples=2_000)
    distance = trace.total_variation()
    assert distance[0] > 0.7  # untrained: the samples sit in a narrow bump in the middle
    assert distance[-1] < 0.4 and distance[-1] < distance[0] / 2
    gap = discriminator_gap(trace)
    assert gap[-1] < 0.06  # over the real data, D(x) is within a few hundredths of ½
    # Each snapshot's losses average only its own steps: near ln 2 once the game has settled.
    assert abs(trace.d_loss[-1] - np.log(2)) < 0.05


def test_steps_must_be_a_multiple_of_the_snapshot_interval():
    with pytest.raises(ValueError, match="must be a multiple of every"):
        train_1d_gan(steps=250, every=100)


def test_the_playback_figure_has_a_frame_per_snapshot():
    _, trace = train_1d_gan(steps=200, every=100, seed=1, samples=300)
    figure = game_playback_figure(trace)
    assert [frame.name for frame in figure.frames] == ["0", "100", "200"]
    assert len(figure.layout.sliders[0].steps) == 3 and figure.layout.sliders[0].active == 2
    names = [trace.name for trace in figure.data]
    assert names == ["real density", "generated (histogram)", "D(x), right axis", "D = ½"]
    # Frames move only the histogram and D(x); the real density stays.
    assert all(tuple(frame.traces) == (1, 2) for frame in figure.frames)
    np.testing.assert_allclose(figure.frames[0].data[1].y, trace.discriminator[0])
    assert "Step 200" in figure.layout.title.text
    assert len(equilibrium_figure(trace).data) == 4

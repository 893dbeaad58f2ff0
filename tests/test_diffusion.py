"""Chapter 12's diffusion model: the schedules, the forward process, the posterior, DDPM's and DDIM's steps, the
time encoding, the U-Net, and the resumable training of the shipped `diffusion` model."""

import json
import math

import numpy as np
import pytest

from autoaegan.models import diffusion as d
from autoaegan.models import diffusion_training as dt
from autoaegan.models.diffusion_unet import SinusoidalTimeEncoding, build_unet, unet_macs
from autoaegan.pretrained.catalog import CATALOG, _resolve
from autoaegan.profiles import PROFILES
from autoaegan.training.checkpoints import Checkpoints

TEST = PROFILES["test"]
TINY = dt.RECIPE.with_changes(channels=(8, 16), batch_size=16, jit_compile=False, steps_per_execution=2)


def tiny_images(n=64, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 28, 28), dtype=np.uint8)


# ------------------------------------------------------------------------------------------------------ schedules
@pytest.mark.parametrize("kind", d.SCHEDULES)
def test_alpha_bar_starts_at_one_and_decreases_strictly_inside_0_1(kind):
    schedule = d.variance_schedule(kind)
    assert schedule.steps == d.STEPS == 1000 and schedule.betas.shape == (1001,)
    assert schedule.betas[0] == 0 and schedule.alpha_bars[0] == 1
    alpha_bars = schedule.alpha_bars[1:]
    assert np.all(np.diff(alpha_bars) < 0)
    assert np.all((alpha_bars > 0) & (alpha_bars < 1))
    assert alpha_bars[-1] < 1e-4, "x_T must be almost pure noise"


def test_the_cosine_schedule_caps_beta_at_0_999_and_follows_nichol_and_dhariwal():
    schedule = d.variance_schedule("cosine")
    assert schedule.betas.max() == pytest.approx(0.999) and np.all(schedule.betas <= 0.999)
    f = np.cos((np.arange(1001) / 1000 + 0.008) / 1.008 * np.pi / 2) ** 2
    np.testing.assert_allclose(schedule.alpha_bars[1:900], (f / f[0])[1:900], rtol=1e-9)
    linear = d.variance_schedule("linear")
    assert linear.betas[1] == pytest.approx(1e-4) and linear.betas[-1] == pytest.approx(0.02)
    assert d.variance_schedule("linear", 500).betas[-1] == pytest.approx(0.04), "scaled by 1,000 / T"


def test_a_bad_schedule_names_what_was_expected():
    with pytest.raises(ValueError, match=r"kind must be one of \('linear', 'cosine'\), got 'square'"):
        d.variance_schedule("square")
    with pytest.raises(ValueError, match=r"max_beta must be a number in \(0, 1\), got 1.5"):
        d.variance_schedule(max_beta=1.5)


# ----------------------------------------------------------------------------------------------- forward process
def test_the_closed_form_is_the_chain_stepped_t_times():
    schedule = d.variance_schedule("cosine", 200)
    x0 = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 2, 2, 1)
    t = 150
    # Without noise the chain multiplies x₀ by √α_1 … √α_t: the closed form's √ᾱ_t, exactly.
    chained = x0.astype(np.float64)
    for s in range(1, t + 1):
        chained = np.sqrt(schedule.alphas[s]) * chained
    np.testing.assert_allclose(schedule.add_noise(x0, t, np.zeros_like(x0)), chained, rtol=1e-5, atol=1e-6)
    # The chain's noises add up to one Gaussian of variance Σ β_s α_{s+1} … α_t = 1 − ᾱ_t.
    variance = sum(schedule.betas[s] * np.prod(schedule.alphas[s + 1 : t + 1]) for s in range(1, t + 1))
    assert variance == pytest.approx(1 - schedule.alpha_bars[t], rel=1e-9)
    # And in distribution: 20,000 chains against the closed form's mean and spread.
    rng = np.random.default_rng(0)
    x = np.full(20_000, 0.7)
    for s in range(1, t + 1):
        x = np.sqrt(schedule.alphas[s]) * x + np.sqrt(schedule.betas[s]) * rng.standard_normal(x.shape)
    assert x.mean() == pytest.approx(np.sqrt(schedule.alpha_bars[t]) * 0.7, abs=0.02)
    assert x.std() == pytest.approx(np.sqrt(1 - schedule.alpha_bars[t]), rel=0.02)


def test_add_noise_takes_one_step_per_image_and_predicted_x0_inverts_it():
    schedule = d.variance_schedule()
    rng = np.random.default_rng(1)
    x0 = rng.uniform(-1, 1, (3, 28, 28, 1)).astype(np.float32)
    noise = rng.standard_normal(x0.shape).astype(np.float32)
    t = np.array([1, 500, 999])
    x_t = schedule.add_noise(x0, t, noise)
    for i in range(3):
        np.testing.assert_allclose(x_t[i : i + 1], schedule.add_noise(x0[i : i + 1], int(t[i]), noise[i : i + 1]))
    np.testing.assert_allclose(schedule.predicted_x0(x_t, t, noise), x0, atol=2e-3)


def test_the_posterior_is_bayes_rule_on_the_two_gaussians():
    schedule = d.variance_schedule("linear", 100)
    rng = np.random.default_rng(2)
    x0 = rng.uniform(-1, 1, (2, 4, 4, 1))
    x_t = rng.standard_normal((2, 4, 4, 1))
    for t in (2, 37, 100):
        # q(x_{t−1} | x₀) = N(√ᾱ_{t−1} x₀, 1 − ᾱ_{t−1}) times q(x_t | x_{t−1}) = N(√α_t x_{t−1}, β_t), as a function
        # of x_{t−1}: precisions add, and the mean is the precision-weighted one.
        prior_var = 1 - schedule.alpha_bars[t - 1]
        precision = 1 / prior_var + schedule.alphas[t] / schedule.betas[t]
        mean = (
            np.sqrt(schedule.alpha_bars[t - 1]) * x0 / prior_var + np.sqrt(schedule.alphas[t]) * x_t / schedule.betas[t]
        ) / precision
        got_mean, got_variance = schedule.posterior(x0, x_t, t)
        np.testing.assert_allclose(got_mean, mean, rtol=1e-5, atol=1e-6)
        assert got_variance == pytest.approx(1 / precision, rel=1e-9)
    assert schedule.posterior(x0, x_t, 1)[1] == 0, "x₀ is known at t = 1"


# ---------------------------------------------------------------------------------------------------- reverse steps
def toy_predictor(x, t):
    """A denoiser whose answer depends on x_t and t: enough to tell the samplers' formulas apart."""
    return (0.3 * x + 0.001 * t[:, None, None, None]).astype(np.float32)


def test_ddim_with_eta_0_is_deterministic_and_follows_its_formula_over_the_full_sequence():
    schedule = d.variance_schedule("cosine", 20)
    first = d.sample(toy_predictor, schedule, 3, steps=20, seed=4, clip=False, image_shape=(4, 4, 1))
    again = d.sample(toy_predictor, schedule, 3, steps=20, seed=4, clip=False, image_shape=(4, 4, 1))
    np.testing.assert_array_equal(first, again)
    other = d.sample(toy_predictor, schedule, 3, steps=20, seed=5, clip=False, image_shape=(4, 4, 1))
    assert not np.allclose(first, other)

    x = np.random.default_rng(4).standard_normal((3, 4, 4, 1), dtype=np.float32).astype(np.float64)
    a = schedule.alpha_bars
    for t in range(20, 0, -1):
        epsilon = toy_predictor(x.astype(np.float32), np.full(3, t, np.float32))
        x0 = (x - np.sqrt(1 - a[t]) * epsilon) / np.sqrt(a[t])
        x = np.sqrt(a[t - 1]) * x0 + np.sqrt(1 - a[t - 1]) * epsilon
    np.testing.assert_allclose(first, np.clip((x[..., 0] + 1) / 2, 0, 1), atol=1e-4)
    assert first.shape == (3, 4, 4) and first.min() >= 0 and first.max() <= 1


def test_ddim_with_eta_1_one_step_back_is_ddpm_with_the_posterior_variance():
    schedule = d.variance_schedule("cosine", 50)
    rng = np.random.default_rng(6)
    x_t = rng.standard_normal((2, 4, 4, 1)).astype(np.float32)
    noise = rng.standard_normal(x_t.shape).astype(np.float32)
    for t in (2, 25, 50):
        epsilon = toy_predictor(x_t, np.full(2, t, np.float32))
        ddpm = d.ddpm_step(schedule, x_t, t, epsilon, noise, clip=False)
        ddim = d.ddim_step(schedule, x_t, t, t - 1, epsilon, eta=1.0, noise=noise, clip=False)
        np.testing.assert_allclose(ddim, ddpm, rtol=1e-4, atol=1e-5)


def test_the_ddim_sub_sequence_runs_from_t_to_1_and_ddpm_walks_every_step():
    assert list(d.ddim_timesteps(5, 1000)) == [1000, 750, 500, 251, 1]
    assert list(d.ddim_timesteps(1, 10)) == [10]
    assert list(d.ddim_timesteps(10, 10)) == list(range(10, 0, -1))
    seen = []
    schedule = d.variance_schedule("linear", 12)
    images = d.sample(
        toy_predictor,
        schedule,
        2,
        sampler="ddpm",
        steps=None,
        seed=0,
        image_shape=(4, 4, 1),
        callback=lambda t, x_t, x0: seen.append((t, x_t.shape, float(np.abs(x0).max()))),
    )
    assert [t for t, _, _ in seen] == list(range(11, -1, -1))
    assert all(shape == (2, 4, 4, 1) and largest <= 1 for _, shape, largest in seen)
    assert images.shape == (2, 4, 4)
    noisy = d.sample(toy_predictor, schedule, 2, steps=4, eta=0.5, seed=0, image_shape=(4, 4, 1))
    assert noisy.shape == (2, 4, 4)


def test_sampling_runs_in_equal_batches_and_checks_the_predictor():
    sizes = []

    def predictor(x, t):
        sizes.append(len(x))
        return np.zeros_like(x)

    d.sample(predictor, d.variance_schedule("cosine", 10), 10, steps=1, batch_size=4, image_shape=(4, 4, 1))
    assert sizes == [4, 4, 2] or sizes == [4, 3, 3]
    with pytest.raises(ValueError, match=r"must return ε̂ shaped like x_t \(10, 4, 4, 1\), got \(10, 4, 4\)"):
        d.sample(lambda x, t: x[..., 0], d.variance_schedule("cosine", 10), 10, steps=2, image_shape=(4, 4, 1))


def test_bad_sampler_arguments_name_what_was_expected_and_what_came():
    schedule = d.variance_schedule("cosine", 10)
    with pytest.raises(ValueError, match=r"sampler must be one of \('ddim', 'ddpm'\), got 'euler'"):
        d.sample(toy_predictor, schedule, 2, sampler="euler")
    with pytest.raises(ValueError, match=r"steps must be a whole number of steps from 1 to T = 10, got 50"):
        d.sample(toy_predictor, schedule, 2, steps=50)
    with pytest.raises(ValueError, match="DDPM walks all T = 10 steps: give steps=None"):
        d.sample(toy_predictor, schedule, 2, sampler="ddpm", steps=5)
    with pytest.raises(ValueError, match=r"x_T must be shaped \(n, 28, 28, 1\), got \(2, 28, 28\)"):
        d.sample(toy_predictor, schedule, x_T=np.zeros((2, 28, 28)), steps=5)
    with pytest.raises(ValueError, match=r"eta must be a number ≥ 0, got -1"):
        d.sample(toy_predictor, schedule, 2, eta=-1, steps=5)
    with pytest.raises(ValueError, match=r"noise must have the shape of x0 \(1, 4, 4, 1\), got \(1, 4, 4, 2\)"):
        schedule.add_noise(np.zeros((1, 4, 4, 1)), 3, np.zeros((1, 4, 4, 2)))
    with pytest.raises(ValueError, match=r"t must be whole steps from 0 to T = 10, got 11"):
        schedule.add_noise(np.zeros((1, 4, 4, 1)), 11, np.zeros((1, 4, 4, 1)))
    with pytest.raises(ValueError, match="t_before must be an earlier step than t = 3, got 3"):
        d.ddim_step(schedule, np.zeros((1, 4, 4, 1)), 3, 3, np.zeros((1, 4, 4, 1)))
    with pytest.raises(ValueError, match=r"eta = 0.5 > 0 adds noise: give noise shaped like x_t \(1, 4, 4, 1\)"):
        d.ddim_step(schedule, np.zeros((1, 4, 4, 1)), 3, 1, np.zeros((1, 4, 4, 1)), eta=0.5)


# -------------------------------------------------------------------------------------------------------- networks
def test_the_time_encoding_is_sines_then_cosines_of_t_at_falling_frequencies():
    layer = SinusoidalTimeEncoding(8)
    encoded = np.asarray(layer(np.array([0.0, 1.0, 500.0], np.float32)))
    assert encoded.shape == (3, 8)
    np.testing.assert_allclose(encoded[0], [0, 0, 0, 0, 1, 1, 1, 1], atol=1e-7)
    frequencies = 10_000.0 ** (-np.arange(4) / 4)
    np.testing.assert_allclose(
        encoded[2], np.concatenate([np.sin(500 * frequencies), np.cos(500 * frequencies)]), atol=1e-4
    )
    with pytest.raises(ValueError, match="size must be even .*, got 7"):
        SinusoidalTimeEncoding(7)


def test_the_unet_predicts_noise_of_the_images_shape_and_starts_at_zero():
    unet = build_unet((8, 16, 32))
    x = np.random.default_rng(0).standard_normal((3, 28, 28, 1)).astype(np.float32)
    predicted = np.asarray(unet([x, np.array([1.0, 500.0, 1000.0], np.float32)]))
    assert predicted.shape == x.shape and np.all(predicted == 0), "the output convolution starts at zero"
    names = [layer.name for layer in unet.layers]
    assert {"down_block_0_time", "middle_block_time", "up_block_0_time"} <= set(names), "time in every block"
    macs = unet_macs(unet)
    assert macs["total"] == macs["counted"] + macs["depthwise"] > 0
    with pytest.raises(ValueError, match=r"each of widths must be a multiple of groups \(8\), got \(12, 24\)"):
        build_unet((12, 24))
    with pytest.raises(ValueError, match=r"sides divisible by 8 for 4 levels, got \(28, 28, 1\)"):
        build_unet((8, 8, 8, 8))


# -------------------------------------------------------------------------------------------------------- training
def test_training_checkpoints_each_epoch_and_a_resume_restores_weights_and_optimizer(tmp_path):
    images = tiny_images()
    run = dt.train_diffusion(
        images, profile=TEST, recipe=TINY, epochs=1, directory=tmp_path, fd_every=1, fd_n=40, sampling_steps=2
    )
    assert run.state.epochs_done == 1 and Checkpoints(tmp_path).latest() == 1
    assert math.isfinite(run.state.history["loss"][0]) and run.state.cpu_seconds_by_epoch[0] > 0
    curve = json.loads((tmp_path / dt.CURVE_FILE).read_text())
    assert [p["epoch"] for p in curve["points"]] == [1] and curve["points"][0]["images_seen"] == 64
    assert math.isfinite(curve["points"][0]["fd"]) and run.fd_curve == curve["points"]

    fresh = dt.build_diffusion_model(TINY, profile=TEST, seed=42)
    Checkpoints(tmp_path).restore(model=fresh, optimizer=fresh.denoiser_optimizer)
    for saved, loaded in zip(run.model.denoiser.weights, fresh.denoiser.weights):
        np.testing.assert_array_equal(np.asarray(saved), np.asarray(loaded))
    assert int(fresh.denoiser_optimizer.iterations) == int(run.model.denoiser_optimizer.iterations) == 4
    for saved, loaded in zip(run.model.denoiser_optimizer.variables, fresh.denoiser_optimizer.variables):
        np.testing.assert_array_equal(np.asarray(saved), np.asarray(loaded))  # Adam's moments and the average

    again = dt.train_diffusion(images, profile=TEST, recipe=TINY, epochs=2, directory=tmp_path, fd_every=0)
    assert again.state.epochs_done == 2 and again.state.history["loss"][0] == run.state.history["loss"][0]
    assert int(again.model.denoiser_optimizer.iterations) == 8 and len(again.state.seconds_by_epoch) == 2
    assert [p["epoch"] for p in again.fd_curve] == [1], "the curve of the first session is kept"
    with pytest.raises(ValueError, match="made with other settings"):
        dt.train_diffusion(images, profile=TEST, recipe=TINY, epochs=3, seed=7, directory=tmp_path, fd_every=0)


def test_averaged_weights_differ_from_the_live_ones_and_sample_images_in_0_1():
    run = dt.train_diffusion(tiny_images(32), profile=TEST, recipe=TINY, epochs=1, directory=False, fd_every=0)
    averaged = dt.averaged_denoiser(run.model)
    assert any(not np.array_equal(a, b) for a, b in zip(averaged.get_weights(), run.model.denoiser.get_weights()))
    images = dt.generate(averaged, 3, steps=3, jit_compile=False)
    assert images.shape == (3, 28, 28) and images.dtype == np.float32 and 0 <= images.min() <= images.max() <= 1


def test_a_diverging_training_stops_with_an_error_that_names_the_epoch():
    recipe = TINY.with_changes(learning_rate=1e30)
    with pytest.raises(RuntimeError, match=r"the diffusion training diverged in epoch 1 .*last checkpoint is kept"):
        dt.train_diffusion(tiny_images(), profile=TEST, recipe=recipe, epochs=1, directory=False, fd_every=0)


def test_bad_training_inputs_name_what_was_expected_and_what_came():
    with pytest.raises(
        ValueError, match=r"images must be uint8 shaped \(n, 28, 28\), got float64 of shape \(4, 28, 28\)"
    ):
        dt.train_diffusion(np.zeros((4, 28, 28)), profile=TEST, recipe=TINY, directory=False)
    with pytest.raises(ValueError, match="need at least one batch of 16 images, got 8"):
        dt.train_diffusion(tiny_images(8), profile=TEST, recipe=TINY, directory=False)
    model = dt.build_diffusion_model(TINY, profile=TEST)
    with pytest.raises(ValueError, match=r"images must be shaped \(batch, 28, 28, 1\), got \(28, 28\)"):
        model.noisy_batch(np.zeros((2, 28, 28), np.float32))
    with pytest.raises(TypeError, match="optimizer must be a keras optimizer, got str"):
        model.compile("adam")


def test_the_catalogue_entry_plans_every_profile_and_names_importable_code():
    entry = CATALOG["diffusion"]
    plan = entry.plan
    assert plan.recipe.g_ema_momentum and plan.recipe.schedule == "constant"
    assert (
        plan.epochs_for(PROFILES["test"]) < plan.epochs_for(PROFILES["classroom"]) < plan.epochs_for(PROFILES["full"])
    )
    for name in ("fd_every", "fd_n", "sampling_steps", "metric_n"):
        assert all(plan.count(name, profile) >= 1 for profile in PROFILES.values())
    assert plan.count("sampling_steps", PROFILES["full"]) <= 50
    assert callable(_resolve(entry.train))
    shipped = _resolve(entry.build)()
    assert shipped.output_shape == (None, 28, 28, 1)

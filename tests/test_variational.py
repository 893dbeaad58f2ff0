"""The variational autoencoder of chapter 06: sampling, the latent loss, the training step, shipping."""

import math
import os
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
import pytest
import tensorflow as tf

from autoaegan.models.variational import (
    GERON_VALID_LOSS,
    KL_WEIGHT,
    PLAN,
    PRETRAINED_NAMES,
    Sampling,
    VariationalAutoencoder,
    build_pretrained_vae,
    build_pretrained_vae_2d,
    build_vae_decoder,
    build_vae_encoder,
    build_variational_autoencoder,
    evaluate_vae,
    latent_loss,
    load_or_finetune_vae,
)
from autoaegan.plans import Recipe
from autoaegan.pretrained import PretrainedModel, load_pretrained, read_manifest, retrain
from autoaegan.pretrained.catalog import FAST_RECIPE
from autoaegan.profiles import PROFILES
from autoaegan.seeding import set_seed
from autoaegan.training.fitting import TrainingDivergedError, train
from tests.autoencoder_checks import tiny_images

TEST = PROFILES["test"]
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fashion-mnist"
QUICK = FAST_RECIPE.with_changes(batch_size=32, jit_compile=False, steps_per_execution=1)


def numpy_latent_loss(mean, log_var):
    return -0.5 * np.sum(1 + log_var - np.exp(log_var) - mean**2, axis=-1)


def as_numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


# --- shapes --------------------------------------------------------------------------------------------------


def test_encoder_maps_images_to_mean_log_var_and_codings():
    encoder = build_vae_encoder()
    assert encoder.input_shape == (None, 28, 28)
    assert [tuple(output.shape) for output in encoder.outputs] == [(None, 10)] * 3
    dense = [layer for layer in encoder.layers if isinstance(layer, keras.layers.Dense)]
    assert [(layer.units, layer.get_config()["activation"]) for layer in dense] == [
        (150, "relu"),
        (100, "relu"),
        (10, "linear"),
        (10, "linear"),  # μ and γ are unconstrained
    ]
    assert isinstance(encoder.get_layer("codings"), Sampling)
    assert encoder.count_params() == (784 * 150 + 150) + (150 * 100 + 100) + 2 * (100 * 10 + 10)


def test_decoder_maps_codings_to_images_in_the_unit_interval():
    decoder = build_vae_decoder()
    assert decoder.input_shape == (None, 10) and decoder.output_shape == (None, 28, 28)
    dense = [layer for layer in decoder.layers if isinstance(layer, keras.layers.Dense)]
    assert [(layer.units, layer.get_config()["activation"]) for layer in dense] == [
        (100, "relu"),
        (150, "relu"),
        (784, "sigmoid"),
    ]
    far_away = np.array([[-50.0] * 10, [50.0] * 10, [0.0] * 10], np.float32)
    images = as_numpy(decoder(far_away))
    assert images.min() >= 0 and images.max() <= 1


def test_the_model_chains_encoder_and_decoder_and_other_sizes_compose():
    encoder, decoder, vae = build_variational_autoencoder()
    assert vae.encoder is encoder and vae.decoder is decoder and vae.latent_dim == 10
    assert vae.kl_weight == pytest.approx(1 / 784) and not vae.compiled
    assert vae.count_params() == encoder.count_params() + decoder.count_params()
    images = tiny_images(3) / 255
    assert tuple(vae(images).shape) == (3, 28, 28)
    encoder, decoder, vae = build_variational_autoencoder(2, units=(64, 32), kl_weight=0.5)
    assert [tuple(output.shape) for output in encoder.outputs] == [(None, 2)] * 3
    assert [layer.units for layer in decoder.layers if isinstance(layer, keras.layers.Dense)] == [32, 64, 784]
    assert vae.kl_weight == 0.5 and tuple(vae.predict(images, verbose=0).shape) == (3, 28, 28)
    assert build_pretrained_vae().latent_dim == 10 and build_pretrained_vae_2d().latent_dim == 2


# --- Sampling --------------------------------------------------------------------------------------------------


def test_samples_have_the_requested_mean_and_variance():
    mean = np.array([1.0, -2.0, 0.5, 0.0], np.float32)
    variance = np.array([1.0, 4.0, 0.25, 0.01], np.float32)
    n = 40_000
    draws = as_numpy(Sampling(seed=3)([np.tile(mean, (n, 1)), np.tile(np.log(variance), (n, 1))]))
    assert draws.shape == (n, 4) and draws.dtype == np.float32
    # Standard errors: √(σ²/n) for the mean, σ²·√(2/n) for the variance; allow about 4 of them.
    np.testing.assert_allclose(draws.mean(axis=0), mean, atol=4 * np.sqrt(variance / n).max())
    np.testing.assert_allclose(draws.var(axis=0), variance, rtol=4 * np.sqrt(2 / n))
    standardised = (draws - mean) / np.sqrt(variance)
    np.testing.assert_allclose(np.corrcoef(standardised.T)[np.triu_indices(4, 1)], 0, atol=0.03)


def test_sampling_is_repeatable_with_a_seed_and_advances_between_calls():
    inputs = [np.zeros((5, 3), np.float32), np.zeros((5, 3), np.float32)]
    first, again = Sampling(seed=11), Sampling(seed=11)
    draw = as_numpy(first(inputs))
    np.testing.assert_array_equal(draw, as_numpy(again(inputs)))
    assert not np.array_equal(draw, as_numpy(first(inputs)))  # the layer's SeedGenerator moved on
    assert not np.array_equal(draw, as_numpy(Sampling(seed=12)(inputs)))
    restored = Sampling.from_config(first.get_config())
    assert restored.get_config()["seed"] == 11
    np.testing.assert_array_equal(draw, as_numpy(restored(inputs)))


def test_sampling_is_differentiable_in_mean_and_log_var():
    mean, log_var = tf.Variable(np.full((4, 2), 0.3, np.float32)), tf.Variable(np.full((4, 2), -1.0, np.float32))
    layer = Sampling(seed=5)
    with tf.GradientTape() as tape:
        codings = layer([mean, log_var])
        total = keras.ops.sum(codings)
    d_mean, d_log_var = tape.gradient(total, [mean, log_var])
    epsilon = (as_numpy(codings) - 0.3) / np.exp(-0.5)
    np.testing.assert_allclose(d_mean.numpy(), 1.0)
    np.testing.assert_allclose(d_log_var.numpy(), 0.5 * np.exp(-0.5) * epsilon, atol=1e-5)  # d(μ + e^{γ/2} ε)/dγ


def test_sampling_refuses_bad_inputs_clearly():
    with pytest.raises(ValueError, match="expects a pair \\(mean, log_var\\), got 3 items"):
        Sampling()([np.zeros((2, 3))] * 3)
    with pytest.raises(ValueError, match=r"same shape, got \(2, 3\) and \(2, 4\)"):
        Sampling()([np.zeros((2, 3), np.float32), np.zeros((2, 4), np.float32)])
    with pytest.raises(TypeError, match="seed must be an integer or None, got 1.5"):
        Sampling(seed=1.5)


# --- the latent loss -------------------------------------------------------------------------------------------


def test_latent_loss_matches_the_formula():
    rng = np.random.default_rng(0)
    mean, log_var = rng.normal(size=(6, 5)).astype(np.float32), rng.normal(size=(6, 5)).astype(np.float32)
    loss = as_numpy(latent_loss(mean, log_var))
    assert loss.shape == (6,)
    np.testing.assert_allclose(loss, numpy_latent_loss(mean, log_var), rtol=1e-5)
    assert (loss > 0).all()
    # Over any leading axes, always summing the last.
    stacked = as_numpy(latent_loss(mean.reshape(2, 3, 5), log_var.reshape(2, 3, 5)))
    np.testing.assert_allclose(stacked, loss.reshape(2, 3), rtol=1e-6)


def test_latent_loss_is_zero_at_the_prior_and_is_the_gaussian_kl():
    np.testing.assert_array_equal(as_numpy(latent_loss(np.zeros((3, 4)), np.zeros((3, 4)))), np.zeros(3))
    # One dimension, μ = 1 and σ = 2: KL(N(1, 4) ‖ N(0, 1)) = log(1/σ) + (σ² + μ²)/2 − ½.
    expected = math.log(1 / 2) + (4 + 1) / 2 - 0.5
    assert float(as_numpy(latent_loss(np.array([[1.0]]), np.log(np.array([[4.0]]))))[0]) == pytest.approx(expected)


def test_latent_loss_refuses_mismatched_shapes():
    message = r"latent_loss: mean and log_var must have the same shape, got \(2, 3\) and \(3,\)"
    with pytest.raises(ValueError, match=message):
        latent_loss(np.zeros((2, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="at least one axis"):
        latent_loss(np.float32(0), np.float32(0))


# --- the model and its training step --------------------------------------------------------------------------


def gradients_of(vae, images, *, seed_state):
    """The gradients of the total loss w.r.t. the log_var head, with the sampler reset to `seed_state`."""
    sampler = vae.encoder.get_layer("codings").seed_generator
    sampler.state.assign(seed_state)
    head = vae.encoder.get_layer("log_var")
    with tf.GradientTape() as tape:
        total, _, _ = vae.compute_losses(images, training=True)
    return [g.numpy() for g in tape.gradient(total, head.trainable_weights)]


def test_the_latent_loss_reaches_the_gradient():
    set_seed(3, profile=TEST)
    encoder, decoder, vae = build_variational_autoencoder(4, units=(16,), kl_weight=0.0, seed=1)
    images = tiny_images(8) / 255
    state = vae.encoder.get_layer("codings").seed_generator.state.numpy()
    without = gradients_of(vae, images, seed_state=state)
    vae.kl_weight = 0.5
    with_kl = gradients_of(vae, images, seed_state=state)
    # The same ε both times: the difference is exactly the KL term's gradient, kl_weight · d mean(KL)/dθ.
    head = vae.encoder.get_layer("log_var")
    with tf.GradientTape() as tape:
        mean, log_var, _ = vae.encoder(images)
        kl = keras.ops.mean(latent_loss(mean, log_var))
    kl_gradient = [g.numpy() for g in tape.gradient(kl, head.trainable_weights)]
    for a, b, g in zip(with_kl, without, kl_gradient):
        assert np.abs(g).max() > 1e-4
        np.testing.assert_allclose(a - b, 0.5 * g, atol=1e-5)


def train_briefly(kl_weight, images, epochs=4):
    set_seed(2, profile=TEST)
    _, _, vae = build_variational_autoencoder(4, units=(32,), kl_weight=kl_weight, seed=2)
    history = train(
        vae, images, loss=None, epochs=epochs, recipe=QUICK, validation_data=images[:64], profile=TEST, verbose=0
    )
    return vae, history.history


def test_training_through_the_course_path_lowers_the_loss_and_reports_its_parts():
    images = tiny_images(256)
    vae, history = train_briefly(KL_WEIGHT, images)
    assert set(history) == {
        "loss",
        "reconstruction_loss",
        "kl_loss",
        "val_loss",
        "val_reconstruction_loss",
        "val_kl_loss",
    }
    assert history["loss"][-1] < 0.8 * history["loss"][0]
    assert history["val_reconstruction_loss"][-1] < history["val_reconstruction_loss"][0]
    for prefix in ("", "val_"):  # the total is the MSE plus the scaled KL, averaged over the same batches
        for total, mse, kl in zip(
            history[prefix + "loss"], history[prefix + "reconstruction_loss"], history[prefix + "kl_loss"]
        ):
            assert total == pytest.approx(mse + KL_WEIGHT * kl, rel=1e-4)
    evaluated = evaluate_vae(vae, images[:64])
    assert evaluated["reconstruction_mse"] == pytest.approx(history["val_reconstruction_loss"][-1], rel=0.05)
    assert evaluated["kl"] == pytest.approx(history["val_kl_loss"][-1], rel=0.05)


def test_the_kl_weight_pulls_the_codings_toward_the_prior_in_training():
    images = tiny_images(256)
    _, free = train_briefly(0.0, images)
    _, pulled = train_briefly(0.05, images)
    # With no weight, nothing holds the Gaussians near N(0, I); with one, the KL the model reports falls.
    assert pulled["kl_loss"][-1] < pulled["kl_loss"][0]
    assert pulled["val_kl_loss"][-1] < 0.5 * free["val_kl_loss"][-1]


def test_the_nan_guard_stops_a_diverging_vae():
    set_seed(2, profile=TEST)
    _, _, vae = build_variational_autoencoder(4, units=(16,), seed=2)
    log_var = vae.encoder.get_layer("log_var")
    log_var.bias.assign(np.full(4, 1e4, np.float32))  # σ² = e^10000: the codings and the loss overflow at once
    with pytest.raises(TrainingDivergedError, match="the loss became (nan|inf) at epoch 1, step 1"):
        train(vae, tiny_images(64), loss=None, epochs=1, recipe=QUICK, profile=TEST, verbose=0)


def test_the_model_refuses_bad_parts_clearly():
    encoder, decoder = build_vae_encoder(4), build_vae_decoder(3)
    message = r"the decoder takes codings of shape \(3,\), but the encoder makes codings of 4"
    with pytest.raises(ValueError, match=message):
        VariationalAutoencoder(encoder, decoder)
    plain = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(4)])
    with pytest.raises(ValueError, match="must output \\[mean, log_var, codings\\] \\(3 outputs\\), got 1"):
        VariationalAutoencoder(plain, build_vae_decoder(4))
    with pytest.raises(TypeError, match="keras.Model objects, got Dense"):
        VariationalAutoencoder(keras.layers.Dense(3), decoder)
    with pytest.raises(ValueError, match="kl_weight must be a finite number ≥ 0, got -1"):
        build_variational_autoencoder(kl_weight=-1)
    with pytest.raises(ValueError, match="latent_dim must be a positive integer, got 0"):
        build_variational_autoencoder(0)
    with pytest.raises(TypeError, match="units must be a sequence of positive integers, got 150"):
        build_vae_encoder(units=150)


def test_the_whole_model_saves_and_loads(tmp_path):
    _, _, vae = build_variational_autoencoder(3, units=(8,), kl_weight=0.25, seed=4)
    path = tmp_path / "vae.keras"
    vae.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is VariationalAutoencoder and loaded.kl_weight == 0.25
    images = tiny_images(4) / 255
    np.testing.assert_allclose(as_numpy(loaded.encoder(images)[0]), as_numpy(vae.encoder(images)[0]), atol=1e-6)


# --- shipping ---------------------------------------------------------------------------------------------------


@pytest.fixture
def tiny_data(monkeypatch):
    data = SimpleNamespace(train_images=tiny_images(96), valid_images=tiny_images(32, seed=1))
    monkeypatch.setattr("autoaegan.data.fashion_mnist.load_fashion_mnist", lambda: data)
    return data


def test_shipped_model_round_trips_through_the_catalogue(tmp_path, tiny_data):
    module = "autoaegan.models.variational"
    entry = PretrainedModel(
        "vae2", "test", build=f"{module}:build_pretrained_vae_2d", train=f"{module}:train_pretrained_vae_2d"
    )
    manifest = retrain("vae2", profile=TEST, directory=tmp_path, catalog={"vae2": entry})
    assert manifest.settings["epochs"] == PLAN.epochs.test and manifest.settings["latent_dim"] == 2
    assert manifest.settings["recipe"] == asdict(PLAN.recipe)
    metrics = manifest.metrics
    assert metrics["parameters"] == build_pretrained_vae_2d().count_params()
    assert len(metrics["valid_loss_by_epoch"]) == 1 and metrics["seconds_per_epoch"] > 0
    assert metrics["valid_loss"] == pytest.approx(
        metrics["valid_reconstruction_mse"] + KL_WEIGHT * metrics["valid_kl"], rel=1e-3
    )
    loaded = load_pretrained("vae2", directory=tmp_path, catalog={"vae2": entry})
    assert isinstance(loaded, VariationalAutoencoder) and not loaded.compiled
    evaluated = evaluate_vae(loaded, tiny_data.valid_images)
    assert evaluated["mean_coding_mse"] == pytest.approx(metrics["valid_mean_coding_mse"], rel=1e-3)
    assert evaluated["reconstruction_mse"] == pytest.approx(metrics["valid_reconstruction_mse"], rel=0.05)


@pytest.mark.parametrize("latent_dim", sorted(PRETRAINED_NAMES))
def test_shipped_weights_were_made_by_this_trainer(latent_dim):
    manifest = read_manifest(PRETRAINED_NAMES[latent_dim])
    assert manifest.profile == "full" and manifest.settings["epochs"] == PLAN.epochs.full
    assert manifest.settings["latent_dim"] == latent_dim and manifest.settings["kl_weight"] == KL_WEIGHT
    assert Recipe(**manifest.settings["recipe"]) == PLAN.recipe
    metrics = manifest.metrics
    assert len(metrics["valid_loss_by_epoch"]) == PLAN.epochs.full
    assert metrics["valid_loss"] == pytest.approx(
        metrics["valid_reconstruction_mse"] + KL_WEIGHT * metrics["valid_kl"], rel=1e-3
    )
    assert metrics["valid_kl"] > 1  # the codings carry information: the posterior has not collapsed onto the prior
    assert manifest.size_bytes < 4 * metrics["parameters"] + 100_000  # float32 weights, no optimizer state
    if latent_dim == 10:
        assert metrics["valid_loss"] < GERON_VALID_LOSS


@pytest.fixture(scope="module")
def fashion_mnist():
    """The real data: AUTOAEGAN_DATA (CI sets it), the shared folder beside the repo, or where the loader finds it."""
    from autoaegan.data.fashion_mnist import load_fashion_mnist

    use_shared = not os.environ.get("AUTOAEGAN_DATA") and SHARED_DATA.is_dir()
    return load_fashion_mnist(SHARED_DATA if use_shared else None, download=False)


@pytest.mark.parametrize("latent_dim", sorted(PRETRAINED_NAMES))
def test_shipped_vaes_reconstruct_and_generate_sensibly(latent_dim, fashion_mnist):
    name = PRETRAINED_NAMES[latent_dim]
    manifest, vae = read_manifest(name), load_pretrained(name)
    valid = TEST.subset(fashion_mnist.valid_images, "valid")
    evaluated = evaluate_vae(vae, valid)
    # A subset of the validation images the manifest measured: close to its figures, not equal.
    assert evaluated["mean_coding_mse"] == pytest.approx(manifest.metrics["valid_mean_coding_mse"], rel=0.15)
    assert evaluated["reconstruction_mse"] == pytest.approx(manifest.metrics["valid_reconstruction_mse"], rel=0.15)
    assert evaluated["kl"] == pytest.approx(manifest.metrics["valid_kl"], rel=0.15)
    # Far better than drawing the average training image every time.
    average = fashion_mnist.train_images[:5_000].mean(axis=0) / 255
    baseline = float(np.mean((valid / 255 - average) ** 2))
    assert evaluated["mean_coding_mse"] < 0.5 * baseline, (evaluated, baseline)
    # Codings from the prior decode to images: in [0, 1], with ink, and different from one another.
    generated = as_numpy(vae.decoder(np.random.default_rng(0).standard_normal((64, latent_dim)).astype(np.float32)))
    assert generated.shape == (64, 28, 28) and generated.min() >= 0 and generated.max() <= 1
    assert 0.1 < generated.mean() < 0.6 and generated.std(axis=0).mean() > 0.05


def test_load_or_finetune_loads_the_shipped_weights_and_tunes_briefly(tiny_data):
    shipped = load_pretrained("variational_autoencoder_2d")
    as_shipped = load_or_finetune_vae(profile=PROFILES["full"], latent_dim=2)  # the full profile only loads
    for a, b in zip(as_shipped.get_weights(), shipped.get_weights()):
        np.testing.assert_array_equal(a, b)
    tuned = load_or_finetune_vae(profile=TEST, latent_dim=2)
    assert isinstance(tuned, VariationalAutoencoder) and tuned.latent_dim == 2
    assert len(tuned.history.history["loss"]) == 1  # one epoch in the test profile
    changes = [np.abs(a - b).max() for a, b in zip(tuned.get_weights(), shipped.get_weights())]
    assert max(changes) > 0 and max(changes) < 0.1  # it moved, but only a little: fine-tuning, not retraining
    with pytest.raises(ValueError, match=r"pretrained VAEs exist for latent_dim \[2, 10\], got 3"):
        load_or_finetune_vae(profile=TEST, latent_dim=3)

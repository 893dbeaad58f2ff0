"""The probes of assignment 06's checks (autoaegan/grading_probes/variational.py): gradients and a small VAE's steps.

They run in the student's kernel with the student's objects; here the package's own
`Sampling` and `latent_loss` stand in for them, and a latent loss written with NumPy
stands for the mistake the checks look for (no gradient reaches the encoder).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from autoaegan.grading_probes.variational import sum_and_gradients, train_vae_steps
from autoaegan.models.variational import Sampling, build_vae_decoder, latent_loss


def numpy_latent_loss(mean, log_var):
    """The right values, computed with NumPy: no gradient can flow through it."""
    mean, log_var = np.asarray(mean), np.asarray(log_var)
    return -0.5 * np.sum(1 + log_var - np.exp(log_var) - mean**2, axis=-1)


@pytest.fixture
def inputs():
    rng = np.random.default_rng(0)
    return rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 3)).astype("float32")


def test_the_gradients_of_a_sum_with_separate_arguments(inputs):
    mean, log_var = inputs
    taped = sum_and_gradients(latent_loss, [mean, log_var])
    np.testing.assert_allclose(taped["outputs"], numpy_latent_loss(mean, log_var), rtol=1e-5)
    d_mean, d_log_var = taped["gradients"]
    np.testing.assert_allclose(d_mean, mean, atol=1e-6)
    np.testing.assert_allclose(d_log_var, 0.5 * (np.exp(log_var) - 1), atol=1e-6)


def test_the_gradients_of_a_layer_that_takes_a_list(inputs):
    mean, log_var = inputs
    taped = sum_and_gradients(Sampling(seed=3), [mean, log_var], as_list=True)
    assert isinstance(taped["outputs"], np.ndarray) and taped["outputs"].shape == (4, 3)
    d_mean, d_log_var = taped["gradients"]
    np.testing.assert_allclose(d_mean, np.ones((4, 3)), atol=1e-6)
    np.testing.assert_allclose(d_log_var, 0.5 * (taped["outputs"] - mean), atol=1e-5)


def test_no_gradient_through_numpy_gives_none(inputs):
    taped = sum_and_gradients(numpy_latent_loss, list(inputs))
    assert taped["gradients"] == [None, None]


def small_vae(seed: int = 6):
    keras.utils.set_random_seed(seed)
    images = keras.Input(shape=(28, 28))
    hidden = keras.layers.Dense(16, activation="relu")(keras.layers.Flatten()(images))
    mean, log_var = keras.layers.Dense(2, name="mean")(hidden), keras.layers.Dense(2, name="log_var")(hidden)
    encoder = keras.Model(images, [mean, log_var, Sampling(seed=seed)([mean, log_var])])
    return encoder, build_vae_decoder(2, units=(16,))


BATCH = np.random.default_rng(6).uniform(size=(16, 28, 28)).astype("float32")


def test_a_small_vae_trains_and_its_latent_loss_reaches_the_encoder():
    encoder, decoder = small_vae()
    run = train_vae_steps(encoder, decoder, latent_loss, keras.optimizers.Adam(1e-2), BATCH, steps=5,
                          kl_weight=1 / 784, kl_variable=encoder.get_layer("log_var").kernel)
    assert run["kl_gradient"].shape == (16, 2) and np.abs(run["kl_gradient"]).max() > 0
    history = np.array(run["history"])
    assert history.shape == (5, 3) and all(type(value) is float for value in run["history"][0])
    total, reconstruction, kl = history.T
    np.testing.assert_allclose(total, reconstruction + kl / 784, rtol=1e-5)
    assert total[-1] < total[0]


def test_a_latent_loss_written_with_numpy_gives_no_kl_gradient():
    encoder, decoder = small_vae()
    run = train_vae_steps(encoder, decoder, numpy_latent_loss, keras.optimizers.Adam(1e-2), BATCH, steps=1,
                          kl_weight=1 / 784, kl_variable=encoder.get_layer("log_var").kernel)
    assert run["kl_gradient"] is None
    assert len(run["history"]) == 1

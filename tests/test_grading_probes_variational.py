"""The probe of assignment 06's checks (autoaegan/grading/probes/variational.py): gradients of a sum, taken with a tape.

It runs in the student's kernel with the student's functions; here a KL divergence and a
β-VAE loss written with `keras.ops` stand in for them, and the same written with NumPy
stand for the mistake the checks look for (no gradient reaches the inputs).
"""

from __future__ import annotations

import numpy as np
import pytest
from keras import ops

from autoaegan.grading.probes.variational import sum_and_gradients


def keras_kl(mean_q, log_var_q, mean_p, log_var_p):
    """KL(N(μq, σq²) ‖ N(μp, σp²)) summed over the last axis, with keras.ops."""
    return 0.5 * ops.sum(
        log_var_p - log_var_q + (ops.exp(log_var_q) + ops.square(mean_q - mean_p)) * ops.exp(-log_var_p) - 1, axis=-1
    )


def numpy_kl(mean_q, log_var_q, mean_p, log_var_p):
    """The same values with NumPy: no gradient can flow through it."""
    mean_q, log_var_q, mean_p, log_var_p = (np.asarray(value) for value in (mean_q, log_var_q, mean_p, log_var_p))
    return 0.5 * np.sum(
        log_var_p - log_var_q + (np.exp(log_var_q) + (mean_q - mean_p) ** 2) * np.exp(-log_var_p) - 1, axis=-1
    )


def keras_beta_loss(images, reconstructions, mean, log_var, beta):
    errors = ops.sum(ops.reshape(ops.square(images - reconstructions), (ops.shape(images)[0], -1)), axis=1)
    kl = -0.5 * ops.sum(1 + log_var - ops.exp(log_var) - ops.square(mean), axis=-1)
    return ops.mean(errors + beta * kl)


@pytest.fixture
def inputs():
    rng = np.random.default_rng(0)
    return [rng.normal(size=(4, 3)).astype("float32") for _ in range(4)]


def test_the_gradients_of_a_sum_with_four_arguments(inputs):
    mean_q, log_var_q, mean_p, log_var_p = inputs
    taped = sum_and_gradients(keras_kl, inputs)
    np.testing.assert_allclose(taped["outputs"], numpy_kl(*inputs), rtol=1e-5)
    assert taped["outputs"].shape == (4,)
    d_mean_q, d_log_var_q, d_mean_p, d_log_var_p = taped["gradients"]
    np.testing.assert_allclose(d_mean_q, (mean_q - mean_p) * np.exp(-log_var_p), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(d_mean_p, -d_mean_q, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(d_log_var_q, 0.5 * (np.exp(log_var_q - log_var_p) - 1), rtol=1e-5, atol=1e-6)
    d_log_var_p_by_hand = 0.5 * (1 - (np.exp(log_var_q) + (mean_q - mean_p) ** 2) * np.exp(-log_var_p))
    np.testing.assert_allclose(d_log_var_p, d_log_var_p_by_hand, rtol=1e-5, atol=1e-5)


def test_the_variables_keep_the_inputs_dtype_and_broadcasting_sums_the_gradient():
    rng = np.random.default_rng(1)
    mean_q, log_var_q = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    mean_p, log_var_p = np.zeros(2), np.zeros(2)
    taped = sum_and_gradients(keras_kl, [mean_q, log_var_q, mean_p, log_var_p])
    assert taped["outputs"].dtype == np.float64 and taped["outputs"].shape == (5,)
    assert [gradient.shape for gradient in taped["gradients"]] == [(5, 2), (5, 2), (2,), (2,)]
    np.testing.assert_allclose(taped["gradients"][2], -mean_q.sum(axis=0), rtol=1e-12)


def test_constants_come_after_the_variables():
    rng = np.random.default_rng(2)
    images, reconstructions = rng.uniform(size=(3, 28, 28)), rng.uniform(size=(3, 28, 28))
    mean, log_var = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    taped = sum_and_gradients(keras_beta_loss, [images, reconstructions, mean, log_var], constants=[2.5])
    assert taped["outputs"].shape == ()
    d_images, d_reconstructions, d_mean, d_log_var = taped["gradients"]
    np.testing.assert_allclose(d_reconstructions, 2 * (reconstructions - images) / 3, rtol=1e-10)
    np.testing.assert_allclose(d_images, -d_reconstructions, rtol=1e-10)
    np.testing.assert_allclose(d_mean, 2.5 * mean / 3, rtol=1e-10)
    np.testing.assert_allclose(d_log_var, 2.5 * 0.5 * (np.exp(log_var) - 1) / 3, rtol=1e-10)


def test_no_gradient_through_numpy_gives_none(inputs):
    taped = sum_and_gradients(numpy_kl, inputs)
    assert taped["gradients"] == [None, None, None, None]
    np.testing.assert_allclose(taped["outputs"], numpy_kl(*inputs), rtol=1e-6)


def test_an_unused_input_gives_none(inputs):
    taped = sum_and_gradients(
        lambda mean_q, log_var_q, mean_p, log_var_p: keras_kl(mean_q, log_var_q, 0.0, 0.0), inputs
    )
    assert [gradient is None for gradient in taped["gradients"]] == [False, False, True, True]


def test_an_answer_that_is_no_tensor_is_refused_before_tensorflow_sees_it():
    class Anything:
        def __eq__(self, other):
            return True

    with pytest.raises(TypeError, match="should return a tensor, got an object of type Anything"):
        sum_and_gradients(lambda *args: Anything(), [np.zeros((2, 3), "float32")])

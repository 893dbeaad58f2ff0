"""The probes that the tests of assignment 07-09 call in the student's kernel: plain data back, the objects as they
should be left (`autoaegan.grading_probes.gans`)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from autoaegan.grading_probes import gans as probes


def small_pair(*, batchnorm: bool = False) -> tuple[keras.Model, keras.Model]:
    """A generator of 4 codings to 6 numbers in [-1, 1] (tanh) and a discriminator of 6 numbers to a probability."""
    hidden = [keras.layers.Dense(5, use_bias=False), keras.layers.BatchNormalization()] if batchnorm else [
        keras.layers.Dense(5)]
    generator = keras.Sequential([keras.Input(shape=(4,)), *hidden, keras.layers.ReLU(),
                                  keras.layers.Dense(6, activation="tanh")])
    discriminator = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(3), keras.layers.LeakyReLU(0.2),
                                      keras.layers.Dense(1, activation="sigmoid")])
    return generator, discriminator


def test_variable_values_are_copies_by_path():
    generator, _ = small_pair(batchnorm=True)
    values = probes.variable_values(generator)
    assert set(values) == {variable.path for variable in generator.variables}
    assert all(type(value) is np.ndarray for value in values.values())
    kernel = generator.layers[0].kernel
    before = values[kernel.path].copy()
    kernel.assign(kernel + 1.0)
    np.testing.assert_array_equal(values[kernel.path], before)  # a copy, not a view of the variable


def test_generate_fakes_runs_the_generator_in_training_mode_and_changes_none_of_its_variables():
    keras.utils.set_random_seed(0)
    generator, _ = small_pair(batchnorm=True)
    codings = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    before = probes.variable_values(generator)
    fakes = probes.generate_fakes(generator, codings)
    assert type(fakes) is np.ndarray and fakes.shape == (8, 6)
    after = probes.variable_values(generator)
    assert all(np.array_equal(before[path], after[path]) for path in before)  # the moving statistics stay
    np.testing.assert_allclose(fakes, np.asarray(generator(codings, training=True)), atol=1e-6)
    assert not np.allclose(fakes, np.asarray(generator(codings, training=False)), atol=1e-3)


def test_call_with_type_names_what_the_function_really_returned():
    returned = probes.call_with_type(tf.constant, [1.0, 2.0])
    assert returned["type"].endswith("EagerTensor")
    np.testing.assert_array_equal(np.asarray(returned["value"]), [1.0, 2.0])
    assert probes.call_with_type(np.zeros, 3)["type"] == "numpy.ndarray"
    assert probes.call_with_type(list, range(2)) == {"type": "builtins.list", "value": [0, 1]}


def test_call_with_tensor_hands_the_array_over_as_a_tensor():
    seen = []
    assert probes.call_with_tensor(lambda value: seen.append(value) or "done", np.ones((2, 3), "float32")) == "done"
    assert tf.is_tensor(seen[0]) and tuple(seen[0].shape) == (2, 3)


def test_call_then_overwrite_shows_whether_the_function_kept_a_copy():
    kept, copied = [], []
    images = np.arange(6, dtype="float32").reshape(3, 2)
    assert probes.call_then_overwrite(kept.append, images, -1) is None
    probes.call_then_overwrite(lambda array: copied.append(np.array(array)), np.arange(6.0).reshape(3, 2), -1)
    np.testing.assert_array_equal(kept[0], np.full((3, 2), -1.0))  # the caller's array itself
    np.testing.assert_array_equal(copied[0], np.arange(6.0).reshape(3, 2))


def test_repeated_calls_calls_again_and_again_with_the_same_arguments():
    rng = np.random.default_rng(1)
    draws = probes.repeated_calls(rng.choice, 4, 10, size=3, replace=False)
    assert len(draws) == 4 and all(draw.shape == (3,) and len(set(draw)) == 3 for draw in draws)
    assert len({tuple(draw) for draw in draws}) > 1  # the generator moves on between calls
    assert probes.repeated_calls(rng.random, 0) == []
    for times in (-1, 2.0, True):
        with pytest.raises(ValueError, match="times must be a non-negative integer"):
            probes.repeated_calls(rng.random, times)


def test_gradient_of_outputs_against_the_gradient_of_a_dense_layer_by_hand():
    layer = keras.layers.Dense(4)
    x = np.random.default_rng(2).normal(size=(5, 3)).astype("float32")
    layer(x)
    weights = np.random.default_rng(3).normal(size=(5, 2)).astype("float32")
    # sum((x W + b)[:, 2:] * weights) = sum over i of x_i W[:, 2:] weights_i: its gradient is x.T @ weights there.
    expected = np.zeros((3, 4))
    expected[:, 2:] = x.T @ weights
    gradient = probes.gradient_of_outputs(layer, x, layer.kernel, 2, weights)
    np.testing.assert_allclose(gradient, expected, rtol=1e-5, atol=1e-5)
    ones = probes.gradient_of_outputs(layer, x, layer.kernel)
    np.testing.assert_allclose(ones, x.T @ np.ones((5, 4)), rtol=1e-5, atol=1e-5)
    other = keras.Variable(np.ones((2,), "float32"))
    assert probes.gradient_of_outputs(layer, x, other) is None  # no gradient reaches a variable the layer does not use


def test_dcgan_guideline_violations_as_plain_data():
    generator = keras.Sequential([
        keras.Input(shape=(8,)), keras.layers.Dense(7 * 7 * 4, use_bias=False), keras.layers.Reshape((7, 7, 4)),
        keras.layers.BatchNormalization(), keras.layers.ReLU(),
        keras.layers.Conv2DTranspose(1, 5, strides=4, padding="same", activation="tanh"),
    ])
    discriminator = keras.Sequential([
        keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(4, 5, strides=2, padding="same"),
        keras.layers.LeakyReLU(0.2), keras.layers.Flatten(), keras.layers.Dense(1, activation="sigmoid"),
    ])
    assert probes.dcgan_guideline_violations(generator, discriminator) == []
    dense = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(784, activation="sigmoid"), keras.layers.Reshape((28, 28, 1))])
    violations = probes.dcgan_guideline_violations(dense, discriminator)
    assert violations and all(set(violation) == {"network", "layer", "rule", "message", "text"}
                              for violation in violations)
    assert {violation["network"] for violation in violations} == {"generator"}
    rules = {violation["rule"] for violation in violations}
    assert {"fully_connected", "generator_tanh"} <= rules
    assert all(violation["text"].endswith(f"[{violation['rule']}]") for violation in violations)


def test_gan_loss_gradients_reach_every_weight_of_both_networks_and_change_none():
    keras.utils.set_random_seed(4)
    generator, discriminator = small_pair()
    rng = np.random.default_rng(4)
    before = {**probes.variable_values(generator), **probes.variable_values(discriminator)}
    gradients = probes.gan_loss_gradients(generator, discriminator, rng.uniform(-1, 1, size=(6, 6)).astype("float32"),
                                          rng.normal(size=(6, 4)).astype("float32"))
    assert [g.shape for g in gradients["discriminator"]] == [tuple(v.shape) for v in discriminator.trainable_variables]
    assert [g.shape for g in gradients["generator"]] == [tuple(v.shape) for v in generator.trainable_variables]
    assert all(type(g) is np.ndarray and np.any(g != 0) for g in gradients["discriminator"] + gradients["generator"])
    after = {**probes.variable_values(generator), **probes.variable_values(discriminator)}
    assert all(np.array_equal(before[path], after[path]) for path in before)


def test_train_gan_runs_the_packages_two_phases_and_returns_each_iterations_losses():
    keras.utils.set_random_seed(5)
    generator, discriminator = small_pair()
    before = {**probes.variable_values(generator), **probes.variable_values(discriminator)}
    real = np.random.default_rng(5).uniform(size=(8, 6)).astype("float32")
    losses = probes.train_gan(generator, discriminator, real, 2, 5)
    assert len(losses) == 2 and all(set(step) == {"d_loss", "g_loss"} for step in losses)
    assert all(type(value) is float and np.isfinite(value) for step in losses for value in step.values())
    after = {**probes.variable_values(generator), **probes.variable_values(discriminator)}
    assert all(not np.array_equal(before[variable.path], after[variable.path])
               for variable in generator.trainable_variables + discriminator.trainable_variables)

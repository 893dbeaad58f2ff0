"""Tests of the probes that the checks of assignment 10-11 call in the student's kernel."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from autoaegan.grading.bridge import StudentKernel
from autoaegan.grading.probes.progan_stylegan import (
    call_with_tensors,
    gradients_of_sum,
    layer_gradients,
    layer_in_functional_model,
    through_functional_model,
)


class _Scaled(keras.layers.Layer):
    """[x, s] → x · s · kernel per channel: two inputs and one trainable weight, for the probes' tests."""

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[0][-1],), initializer="ones", name="kernel")

    def call(self, inputs):
        x, s = inputs
        self.calls = getattr(self, "calls", []) + [x.shape[0]]
        return x * s[:, None, None, :] * self.kernel


def test_call_with_tensors_turns_only_the_arrays_into_tensors():
    seen = {}

    def record(x, alpha, crossover, extra=None):
        seen.update(x=x, alpha=alpha, crossover=crossover, extra=extra)
        return x * alpha

    x = np.arange(6, dtype="float32").reshape(2, 3)
    result = call_with_tensors(record, x, np.float32(0.5), np.array([1, 2], "int32"), extra=[0.5])
    assert tf.is_tensor(seen["x"]) and seen["x"].dtype == tf.float32
    assert tf.is_tensor(seen["crossover"]) and seen["crossover"].dtype == tf.int32
    assert type(seen["alpha"]) is np.float32 and seen["extra"] == [0.5]
    np.testing.assert_allclose(np.asarray(result), x * 0.5)


def test_through_functional_model_calls_the_function_inside_a_keras_model():
    calls = []

    def scaled(x, scale, bias):
        calls.append(type(x).__name__)
        return x * scale[:, None, None, :] + bias[:, None, None, :]

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 3, 4)).astype("float32")
    scale, bias = rng.normal(size=(2, 4)).astype("float32"), rng.normal(size=(2, 4)).astype("float32")
    result = through_functional_model(scaled, [x, scale, bias])
    assert type(result) is np.ndarray
    np.testing.assert_allclose(result, x * scale[:, None, None, :] + bias[:, None, None, :], rtol=1e-6)
    assert (
        calls[0] != "EagerTensor" and calls[-1] == "EagerTensor"
    )  # built on symbolic inputs, then called on the arrays
    one = through_functional_model(lambda t: ops.concatenate([t, t], axis=-1), [x])
    assert one.shape == (2, 3, 3, 8)


def test_through_functional_model_refuses_what_is_not_a_list_of_arrays():
    with pytest.raises(TypeError, match="a non-empty list of NumPy arrays, got ndarray"):
        through_functional_model(lambda t: t, np.zeros((1, 2)))


def test_gradients_of_sum_gives_one_gradient_per_variable_and_none_where_none_flows():
    x = np.arange(1, 7, dtype="float32").reshape(1, 2, 3)
    (cube,) = gradients_of_sum(lambda v: v, [x], [0], power=3)
    np.testing.assert_allclose(cube, 3 * x**2)
    (last,) = gradients_of_sum(lambda v: v * 2, [x], [0], channel=-1)
    np.testing.assert_allclose(last, [[[0, 0, 2], [0, 0, 2]]])
    to_old, to_new = gradients_of_sum(lambda old, new, alpha: alpha * new + (1 - alpha) * old, [x, x, 0.2], [0, 1])
    np.testing.assert_allclose(to_old, np.full_like(x, 0.8), rtol=1e-6)
    np.testing.assert_allclose(to_new, np.full_like(x, 0.2), rtol=1e-6)
    # A function that leaves TensorFlow for NumPy lets no gradient through.
    assert gradients_of_sum(lambda v: np.asarray(v) * 2, [x], [0]) == [None]
    with pytest.raises(ValueError, match=r"positions of args \(0 to 0\), got \[1\]"):
        gradients_of_sum(lambda v: v, [x], [1])


def test_the_probes_answer_through_the_bridge_with_plain_data():
    student = StudentKernel()  # served in this process, through the same encoding as in grading
    probes = student.module("autoaegan.grading.probes.progan_stylegan")
    keras = student.module("keras")
    relu = keras.ops.relu  # a handle to a function of the student's side
    x = np.array([[-1.0, 2.0]], "float32")
    np.testing.assert_allclose(probes.call_with_tensors(relu, x), [[0.0, 2.0]])
    np.testing.assert_allclose(probes.through_functional_model(relu, [x]), [[0.0, 2.0]])
    (gradient,) = probes.gradients_of_sum(relu, [x], [0])
    assert type(gradient) is np.ndarray
    np.testing.assert_allclose(gradient, [[0.0, 1.0]])
    multiply = keras.layers.Multiply()  # a layer of two inputs, made in the student's kernel
    np.testing.assert_allclose(probes.layer_in_functional_model(multiply, [x, 3 * x]), 3 * x**2)
    gradients = probes.layer_gradients(multiply, [x, 3 * x], np.ones_like(x))
    np.testing.assert_allclose(gradients["inputs"][0], 3 * x)
    assert gradients["variables"] == {}


def test_layer_in_functional_model_builds_on_symbols_of_unknown_batch_then_calls_on_the_arrays():
    rng = np.random.default_rng(1)
    x, s = rng.normal(size=(3, 2, 2, 4)).astype("float32"), rng.normal(size=(3, 4)).astype("float32")
    layer = _Scaled()
    result = layer_in_functional_model(layer, [x, s])
    assert type(result) is np.ndarray
    np.testing.assert_allclose(result, x * s[:, None, None, :], rtol=1e-6)
    assert layer.calls[0] is None and layer.calls[-1] == 3  # built with the batch size unknown, then called on 3 images
    with pytest.raises(TypeError, match="a non-empty list of NumPy arrays, got ndarray"):
        layer_in_functional_model(layer, x)


def test_layer_gradients_reach_the_inputs_and_the_layer_variables():
    rng = np.random.default_rng(2)
    x, s = rng.normal(size=(2, 3, 3, 2)).astype("float32"), rng.normal(size=(2, 2)).astype("float32")
    weights = rng.normal(size=(2, 3, 3, 2)).astype("float32")
    layer = _Scaled()
    layer([x, s])
    layer.kernel.assign(np.array([2.0, -1.0], "float32"))
    gradients = layer_gradients(layer, [x, s], weights)
    to_x, to_s = gradients["inputs"]
    np.testing.assert_allclose(to_x, weights * s[:, None, None, :] * [2.0, -1.0], rtol=1e-5)
    np.testing.assert_allclose(to_s, (weights * x).sum(axis=(1, 2)) * [2.0, -1.0], rtol=1e-5)
    (path,) = gradients["variables"]
    assert path.endswith("kernel")
    np.testing.assert_allclose(
        gradients["variables"][path], (weights * x * s[:, None, None, :]).sum(axis=(0, 1, 2)), rtol=1e-5
    )
    # A layer that leaves TensorFlow for NumPy lets no gradient through.
    dense = keras.layers.Lambda(lambda tensors: np.asarray(tensors[0]) * 2)
    assert layer_gradients(dense, [x, s], weights) == {"inputs": [None, None], "variables": {}}

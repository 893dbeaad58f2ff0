"""The probes that assignment 03-05's tests call in the student's kernel (autoaegan/grading/probes/autoencoders.py).

Each is checked against gradients worked out by hand, or against training it can
see, on Keras' own layers, and once through the bridge, served in this process, so that what they return is
plain data that crosses it.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from autoaegan.grading.bridge import Remote, StudentKernel
from autoaegan.grading.probes import autoencoders as probes


@pytest.fixture
def dense():
    layer = keras.layers.Dense(3)
    layer.build((None, 4))
    layer.kernel.assign(np.arange(12, dtype="float32").reshape(4, 3) / 10)
    layer.bias.assign(np.array([0.1, -0.2, 0.3], dtype="float32"))
    return layer


def test_gradients_of_sum_are_the_column_sums_and_none_where_nothing_flows(dense):
    x = np.array([[1.0, 2.0, 3.0, 4.0], [0.5, -1.0, 0.0, 2.0]], dtype="float32")
    unused = keras.Variable(np.zeros(2, "float32"))
    kernel, bias, nothing = probes.gradients_of_sum(dense, x, [dense.kernel, dense.bias, unused])
    # d sum(x @ W + b) / dW[i, j] = sum of column i of x; / db[j] = the number of rows.
    np.testing.assert_allclose(kernel, np.tile(x.sum(axis=0)[:, None], (1, 3)), rtol=1e-6)
    np.testing.assert_allclose(bias, [2.0, 2.0, 2.0])
    assert isinstance(kernel, np.ndarray) and nothing is None


def test_gradients_of_sum_are_none_when_the_outputs_leave_keras(dense):
    through_numpy = lambda x: np.asarray(dense(x))  # noqa: E731
    assert probes.gradients_of_sum(through_numpy, np.ones((1, 4), "float32"), [dense.kernel]) == [None]


def test_gradients_of_squared_error_match_the_formula(dense):
    x = np.array([[1.0, 0.0, -1.0, 2.0], [0.0, 1.0, 1.0, 0.0]], dtype="float32")
    targets = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 2.0]], dtype="float32")
    kernel, bias = probes.gradients_of_squared_error(dense, x, targets, [dense.kernel, dense.bias])
    residual = x @ dense.kernel.numpy() + dense.bias.numpy() - targets
    # d mean(r ** 2) / dW = 2 x.T r / (number of values); / db = 2 sum of r over the rows / (number of values).
    np.testing.assert_allclose(kernel, 2 * x.T @ residual / residual.size, rtol=1e-5)
    np.testing.assert_allclose(bias, 2 * residual.sum(axis=0) / residual.size, rtol=1e-5)


def test_value_and_gradient_of_a_tensor_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]], dtype="float32")
    result = probes.value_and_gradient(lambda t: keras.ops.sum(t**2), x)
    assert result["is_tensor"] is True
    assert float(np.asarray(result["value"])) == pytest.approx(14.25)
    np.testing.assert_allclose(result["gradient"], 2 * x)
    assert "14.25" in result["description"]


def test_value_and_gradient_of_a_mask_is_the_mask():
    # As for a k-sparse layer: the inputs times a constant mask; the gradient of the sum is the mask.
    mask = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]], dtype="float32")
    result = probes.value_and_gradient(lambda t: t * mask, np.arange(6, dtype="float32").reshape(2, 3))
    np.testing.assert_allclose(result["value"], [[0, 1, 2], [3, 0, 0]])
    np.testing.assert_allclose(result["gradient"], mask)


def test_value_and_gradient_of_a_numpy_function_has_no_gradient():
    result = probes.value_and_gradient(lambda t: float(np.sum(np.asarray(t) ** 2)), np.ones((2, 2), "float32"))
    assert result == {"is_tensor": False, "description": "4.0 (type float)", "value": 4.0, "gradient": None}


def test_reconstruction_errors_while_training_go_down_for_a_model_that_can_learn():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(3), keras.layers.Dense(6)])
    images = np.random.default_rng(0).uniform(size=(16, 6)).astype("float32")
    before = float(np.mean((np.asarray(model(images)) - images) ** 2))
    errors = probes.reconstruction_errors_while_training(model, images, steps=30, learning_rate=1e-2)
    assert len(errors) == 31 and all(type(error) is float for error in errors)
    assert errors[0] == pytest.approx(before, rel=1e-5)  # the first error is measured before any step
    assert errors[-1] == pytest.approx(float(np.mean((np.asarray(model(images)) - images) ** 2)), rel=1e-5)
    assert errors[-1] < 0.5 * errors[0]


def test_reconstruction_errors_while_training_leave_weights_no_gradient_reaches():
    class Scaled(keras.layers.Layer):  # a trainable weight of its own, and one the error never reaches
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(), initializer="ones")
            self.unused = self.add_weight(shape=(2,), initializer="zeros")

        def call(self, inputs):
            return inputs * self.scale + 1.0

    layer = Scaled()
    images = np.full((4, 3), 0.5, dtype="float32")
    errors = probes.reconstruction_errors_while_training(layer, images, steps=5, learning_rate=0.1)
    assert errors[0] == pytest.approx(1.0)  # (0.5 * 1 + 1 - 0.5) ** 2
    assert errors[-1] < errors[0]
    np.testing.assert_array_equal(np.asarray(layer.unused), [0.0, 0.0])
    again = probes.reconstruction_errors_while_training(layer, images, steps=0, learning_rate=0.1)
    assert again == pytest.approx([errors[-1]])
    with pytest.raises(ValueError, match="steps must be at least 0, got -1"):
        probes.reconstruction_errors_while_training(layer, images, steps=-1, learning_rate=0.1)


def test_the_probes_answers_cross_the_bridge_as_data():
    student = StudentKernel(None)  # served in this process, through the same encoding as in grading
    try:
        keras_there = student.module("keras")
        remote_probes = student.module("autoaegan.grading.probes.autoencoders")
        layer = keras_there.layers.Dense(2)
        layer.build((None, 3))
        assert isinstance(layer, Remote)
        x = np.ones((4, 3), dtype="float32")
        (gradient,) = remote_probes.gradients_of_sum(layer, x, [layer.kernel])
        np.testing.assert_allclose(gradient, np.full((3, 2), 4.0))
        result = remote_probes.value_and_gradient(keras_there.ops.mean, x)
        assert result["is_tensor"] is True and type(result["gradient"]) is np.ndarray
        np.testing.assert_allclose(result["gradient"], np.full((4, 3), 1 / 12))
        model = keras_there.Sequential([keras_there.Input(shape=(3,)), keras_there.layers.Dense(3)])
        errors = remote_probes.reconstruction_errors_while_training(model, x, steps=3, learning_rate=1e-2)
        assert type(errors) is list and len(errors) == 4 and all(type(error) is float for error in errors)
    finally:
        student.reset()  # the handles given out here are forgotten

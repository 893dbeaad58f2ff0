"""Probes for the tests of assignment 03-05 (tied convolutions, k-sparse codings), run in the student's kernel.

The checks run in the checker and reach the student's layers and models by
handles; what needs TensorFlow's machinery where those objects live (a gradient
tape, an optimizer's steps) is done here. Each probe takes the student's objects
and the test's inputs, and returns plain data: NumPy arrays, numbers, strings,
lists and dicts. None of them knows what the right answer is: the checks compare
what they return with their own.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from autoaegan.grading.checks import describe


def _tensor(value):
    """`value` as a TensorFlow tensor when it is a NumPy array (as Keras hands arrays to layers)."""

    return tf.convert_to_tensor(value) if isinstance(value, np.ndarray) else value


def _gradient_arrays(gradients) -> list:
    """Each gradient as a NumPy array, None where no gradient reached the variable."""
    return [None if gradient is None else np.asarray(gradient) for gradient in gradients]


def gradients_of_sum(function, inputs, variables) -> list:
    """The gradients of `sum(function(inputs))` with respect to each of `variables` (a list), as NumPy arrays.

    `inputs` (an array) is passed as a tensor; a variable that the sum does not depend
    on, or that no gradient reaches (NumPy in the computation), gives None.
    """

    inputs = _tensor(inputs)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(function(inputs))
    return _gradient_arrays(tape.gradient(total, list(variables)))


def gradients_of_squared_error(model, inputs, targets, variables) -> list:
    """The gradients of `mean((model(inputs) - targets) ** 2)` with respect to each of `variables`, as NumPy arrays.

    The reconstruction error of an autoencoder when `targets` is `inputs`; None for a
    variable that the error does not reach.
    """

    inputs, targets = _tensor(inputs), _tensor(targets)
    with tf.GradientTape() as tape:
        error = tf.reduce_mean(tf.square(model(inputs) - targets))
    return _gradient_arrays(tape.gradient(error, list(variables)))


def value_and_gradient(function, inputs) -> dict:
    """What `function` returns for the tensor `inputs`, and the gradient of its sum with respect to them.

    Returns a dict: `is_tensor` (whether the value is a tensor, which Keras can
    differentiate), `description` (the value's repr and type, for messages), `value`
    (the value) and `gradient` (an array of the shape of `inputs`, or None when the
    value is not a tensor or no gradient reaches the inputs). A value with more than
    one entry is summed first, as a gradient tape does.
    """

    inputs = tf.convert_to_tensor(np.asarray(inputs))
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        value = function(inputs)
    is_tensor = bool(keras.ops.is_tensor(value))
    gradient = tape.gradient(value, inputs) if is_tensor else None
    return {
        "is_tensor": is_tensor,
        "description": describe(value),
        "value": value,
        "gradient": None if gradient is None else np.asarray(gradient),
    }


def reconstruction_errors_while_training(model, images, *, steps: int, learning_rate: float) -> list[float]:
    """Train `model` to reconstruct `images` (one batch) with Adam for `steps` steps; return its errors.

    The list holds `steps + 1` floats: the mean squared error of `model(images)`
    against `images` before the first step and after each step. The gradients are
    those of that error with respect to the model's trainable weights; a weight that
    no gradient reaches is left as it is.
    """

    steps = int(steps)
    if steps < 0:
        raise ValueError(f"steps must be at least 0, got {steps}")
    images = tf.convert_to_tensor(np.asarray(images))
    model(images)  # builds a model that was never called, so that its weights exist
    weights = list(model.trainable_weights)
    optimizer = keras.optimizers.Adam(float(learning_rate))
    errors = []
    for step in range(steps + 1):
        with tf.GradientTape() as tape:
            error = tf.reduce_mean(tf.square(tf.cast(model(images), images.dtype) - images))
        errors.append(float(error))
        if step == steps:
            break
        pairs = [
            (gradient, weight)
            for gradient, weight in zip(tape.gradient(error, weights), weights)
            if gradient is not None
        ]
        if pairs:
            optimizer.apply_gradients(pairs)
    return errors

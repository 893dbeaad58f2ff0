"""Probes for the tests of assignment 03-05 (tied weights, sparsity, convolutions), run in the student's kernel.

The checks run in the checker and reach the student's layers, models and
regularizers by handles; what needs TensorFlow's machinery where those objects
live (a gradient tape, a tensor rather than a NumPy array) is done here. Each
probe takes the student's objects and the test's inputs, and returns plain data:
NumPy arrays, numbers, strings, lists and dicts. None of them knows what the
right answer is: the checks compare what they return with their own.
"""

from __future__ import annotations

import numpy as np


def _tensor(value):
    """`value` as a TensorFlow tensor when it is a NumPy array (as Keras hands arrays to layers and regularizers)."""
    import tensorflow as tf

    return tf.convert_to_tensor(value) if isinstance(value, np.ndarray) else value


def _gradient_arrays(gradients) -> list:
    """Each gradient as a NumPy array, None where no gradient reached the variable."""
    return [None if gradient is None else np.asarray(gradient) for gradient in gradients]


def call_with_tensors(function, *args, **kwargs):
    """Return `function(*args, **kwargs)` with every NumPy array among `args` turned into a tensor first.

    A Keras regularizer or loss is called with tensors, never NumPy arrays; the checks
    send arrays, and this hands them to `function` as Keras would.
    """
    return function(*[_tensor(arg) for arg in args], **kwargs)


def call_each(function, keyword_arguments) -> list:
    """Return `[function(**kwargs) for kwargs in keyword_arguments]`: many calls (say, constructors) in one request."""
    return [function(**kwargs) for kwargs in keyword_arguments]


def call_each_with_tensors(functions, inputs) -> list:
    """Return `[function(tensor) for function, tensor in zip(functions, inputs)]`, each array of `inputs` as a tensor.

    Many calls of regularizers or losses in one request; `functions` and `inputs` must be as long as each other.
    """
    functions, inputs = list(functions), list(inputs)
    if len(functions) != len(inputs):
        raise ValueError(
            f"expected as many inputs as functions, got {len(inputs)} inputs for {len(functions)} functions"
        )
    return [function(_tensor(value)) for function, value in zip(functions, inputs)]


def gradients_of_sum(function, inputs, variables) -> list:
    """The gradients of `sum(function(inputs))` with respect to each of `variables` (a list), as NumPy arrays.

    `inputs` (an array) is passed as a tensor; a variable that the sum does not depend
    on, or that no gradient reaches (NumPy in the computation), gives None.
    """
    import tensorflow as tf

    inputs = _tensor(inputs)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(function(inputs))
    return _gradient_arrays(tape.gradient(total, list(variables)))


def gradients_of_squared_error(model, inputs, targets, variables) -> list:
    """The gradients of `mean((model(inputs) - targets) ** 2)` with respect to each of `variables`, as NumPy arrays.

    The reconstruction error of an autoencoder when `targets` is `inputs`; None for a
    variable that the error does not reach.
    """
    import tensorflow as tf

    inputs, targets = _tensor(inputs), _tensor(targets)
    with tf.GradientTape() as tape:
        error = tf.reduce_mean(tf.square(model(inputs) - targets))
    return _gradient_arrays(tape.gradient(error, list(variables)))


def value_and_gradient(function, inputs) -> dict:
    """What `function` returns for the tensor `inputs`, and its gradient with respect to them.

    Returns a dict: `is_tensor` (whether the value is a tensor, which Keras can
    differentiate), `description` (the value's repr and type, for messages), `value`
    (the value) and `gradient` (an array of the shape of `inputs`, or None when the
    value is not a tensor or no gradient reaches the inputs).
    """
    import keras
    import tensorflow as tf

    from autoaegan.grading import describe

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

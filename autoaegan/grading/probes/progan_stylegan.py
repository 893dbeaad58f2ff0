"""Probes for the checks of assignment 10-11 (ProGAN's grouped minibatch standard deviation, StyleGAN2's weight
demodulation, and a small GAN trained end to end), run in the student's kernel.

The checks call the student's function (`grouped_minibatch_stddev`) and layer
(`ModulatedConv2D`) with NumPy arrays through the grading bridge; what needs
TensorFlow's machinery around such a call lives here: tensors as inputs, a functional
Keras model around the function or the layer, and a gradient tape. Each probe takes
the student's function or layer and the test's inputs, and returns plain data (NumPy
arrays, lists and dicts of them); none of them knows what the right answer is. The
training part is scored through `autoaegan.grading.probes.training`.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf


def _as_numpy(value):
    """A tensor, a variable or an array as a NumPy array; None stays None."""
    if value is None:
        return None

    return np.asarray(tf.convert_to_tensor(value))


def _arrays(inputs, what: str) -> list:
    """`inputs` as a list, if it is a non-empty list or tuple of NumPy arrays."""
    if not isinstance(inputs, (list, tuple)) or not inputs or not all(isinstance(item, np.ndarray) for item in inputs):
        raise TypeError(f"{what} should be a non-empty list of NumPy arrays, got {type(inputs).__name__}")
    return list(inputs)


def call_with_tensors(function, *args, **kwargs):
    """`function(*args, **kwargs)` with every NumPy array argument made a TensorFlow tensor (`tf.constant`, same dtype).

    Other arguments (numbers, NumPy scalars, lists) are passed as they came. Returns what the function returns.
    """

    def tensor(value):
        return tf.constant(value) if isinstance(value, np.ndarray) else value

    return function(*[tensor(item) for item in args], **{name: tensor(item) for name, item in kwargs.items()})


def through_functional_model(function, inputs):
    """`function` as a Lambda layer of a functional Keras model, called on the arrays `inputs`: a NumPy array.

    The model has one `keras.Input` per array of `inputs` (its shape without the batch axis). With one input the
    function gets the tensor itself; with several, one tensor per argument (`function(x, scale, bias)`).
    """

    inputs = _arrays(inputs, "inputs")
    symbols = [keras.Input(shape=item.shape[1:], dtype=str(item.dtype)) for item in inputs]
    if len(symbols) == 1:
        layer = keras.layers.Lambda(lambda tensor: function(tensor))
        model = keras.Model(symbols[0], layer(symbols[0]))
        return _as_numpy(model(inputs[0]))
    layer = keras.layers.Lambda(lambda tensors: function(*tensors))
    model = keras.Model(symbols, layer(symbols))
    return _as_numpy(model(list(inputs)))


def gradients_of_sum(function, args, wrt, channel=None, power=1):
    """The gradients of `sum(function(*args)[..., channel] ** power)` with respect to the arguments at `wrt`.

    Each argument whose position is in `wrt` (a list of indices into `args`) becomes a `tf.Variable` of its array;
    the others are passed as they came. `channel` None takes the whole output. Returns one NumPy array per index
    of `wrt`, in that order, or None where no gradient reaches that argument.
    """

    if not isinstance(args, (list, tuple)) or not isinstance(wrt, (list, tuple)):
        raise TypeError(f"args and wrt should be lists, got {type(args).__name__} and {type(wrt).__name__}")
    if not all(type(index) is int and 0 <= index < len(args) for index in wrt):
        raise ValueError(f"wrt should list positions of args (0 to {len(args) - 1}), got {list(wrt)}")
    values = list(args)
    variables = [tf.Variable(values[index]) for index in wrt]
    for index, variable in zip(wrt, variables):
        values[index] = variable
    with tf.GradientTape() as tape:
        output = function(*values)
        if channel is not None:
            output = output[..., channel]
        loss = tf.reduce_sum(output**power)
    return [_as_numpy(gradient) for gradient in tape.gradient(loss, variables)]


def layer_in_functional_model(layer, inputs):
    """`layer` called on a list of `keras.Input`s (one per array of `inputs`, its shape without the batch axis) in a
    functional Keras model, then the model on the arrays `inputs`: a NumPy array.

    The layer gets the list of symbolic tensors when the model is built (their batch size unknown, None), as a layer
    with several inputs (`[x, style]`) does in a generator.
    """

    inputs = _arrays(inputs, "inputs")
    symbols = [keras.Input(shape=item.shape[1:], dtype=str(item.dtype)) for item in inputs]
    model = keras.Model(symbols, layer(symbols))
    return _as_numpy(model(inputs))


def layer_gradients(layer, inputs, weights):
    """The gradients of `sum(weights * layer(inputs))` with respect to each array of `inputs` and each trainable
    variable of `layer`.

    `inputs` is the list the layer is called with (`[x, style]`); each becomes a `tf.Variable`. `weights` is an array
    of the output's shape. Returns a dict: `inputs`, one NumPy array (or None where no gradient reaches it) per input,
    and `variables`, the same for each trainable variable of the layer, by its path, after the call.
    """

    inputs = _arrays(inputs, "inputs")
    variables = [tf.Variable(item) for item in inputs]
    with tf.GradientTape() as tape:
        output = layer(list(variables))
        loss = tf.reduce_sum(tf.cast(weights, output.dtype) * output)
    trainable = list(layer.trainable_variables)
    gradients = tape.gradient(loss, variables + trainable)
    to_inputs, to_variables = gradients[: len(variables)], gradients[len(variables) :]
    return {
        "inputs": [_as_numpy(gradient) for gradient in to_inputs],
        "variables": {variable.path: _as_numpy(gradient) for variable, gradient in zip(trainable, to_variables)},
    }

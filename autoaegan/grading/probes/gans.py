"""Probes for the tests of assignment 07-09 (the R1 gradient penalty, a class-conditional DCGAN, and a conditional GAN
trained end to end), run in the student's kernel.

The checks run in the checker, which has neither Keras nor TensorFlow, and reach the
student's functions and models by handles; what needs the machinery of the kernel
where those objects live (a discriminator built there, a gradient tape around the
student's function) is done here. Each probe takes the student's objects and the
test's inputs, and returns plain data (NumPy arrays, numbers, strings, lists and
dicts) or a handle to a model it built. None of them knows what the right answer is:
the discriminators they build are set from the weights the checks choose, and the
checks compute what the penalty of such a discriminator must be with NumPy.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf


def _tensor(value):
    """`value` as a TensorFlow tensor when it is a NumPy array."""

    return tf.convert_to_tensor(value) if isinstance(value, np.ndarray) else value


def _array_or_none(value):
    return None if value is None else np.asarray(value)


def _image_shape(shape) -> tuple[int, ...]:
    shape = tuple(int(side) for side in shape)
    if not shape or any(side < 1 for side in shape):
        raise ValueError(f"an image shape must be a non-empty tuple of positive sides, got {shape!r}")
    return shape


def linear_discriminator(weights, bias: float = 0.0, *, dtype: str = "float32"):
    """A Keras model D(x) = Σ weights · x + bias, logits of shape (n, 1), for images shaped like `weights`.

    A `Flatten` then a `Dense(1)` whose kernel is `weights` flattened and whose bias is
    `bias`; its layers compute in `dtype`. Its gradient with respect to any image is `weights`.
    """

    weights = np.asarray(weights, dtype=float)
    shape = _image_shape(weights.shape)
    dense = keras.layers.Dense(1, dtype=dtype)
    model = keras.Sequential(
        [keras.Input(shape=shape, dtype=dtype), keras.layers.Flatten(dtype=dtype), dense], name="linear_discriminator"
    )
    dense.set_weights([weights.reshape(-1, 1).astype(dtype), np.array([bias], dtype=dtype)])
    return model


def _quadratic_layer_class():

    class Quadratic(keras.layers.Layer):
        """Σ scales · x² over every axis but the batch's, as (n, 1); `scales` is a trainable weight."""

        def __init__(self, scales, **kwargs):
            super().__init__(**kwargs)
            self.initial = np.asarray(scales, dtype=float)

        def build(self, input_shape):
            self.scales = self.add_weight(
                name="scales", shape=self.initial.shape, initializer=keras.initializers.Constant(self.initial)
            )

        def call(self, inputs):
            ops = keras.ops
            squares = self.scales * ops.square(inputs)
            return ops.reshape(ops.sum(ops.reshape(squares, (ops.shape(inputs)[0], -1)), axis=1), (-1, 1))

    return Quadratic


def quadratic_discriminator(scales, *, dtype: str = "float32"):
    """A Keras model D(x) = Σ scales · x², logits of shape (n, 1), for images shaped like `scales`.

    `scales` is the layer's one trainable weight, so that a penalty computed from this
    discriminator has a gradient with respect to it. Its gradient with respect to an
    image x is 2 · scales · x.
    """

    scales = np.asarray(scales, dtype=float)
    shape = _image_shape(scales.shape)
    layer = _quadratic_layer_class()(scales, dtype=dtype, name="quadratic")
    return keras.Sequential([keras.Input(shape=shape, dtype=dtype), layer], name="quadratic_discriminator")


def conv_discriminator(image_shape, *, seed: int, dtype: str = "float64"):
    """A small convolutional discriminator with smooth (tanh) activations: images shaped `image_shape` → logits (n, 1).

    Images of shape (side, side) get a channel axis first. Its weights are drawn with
    `seed`; it computes in `dtype` (float64 by default, for finite differences).
    """

    layers = keras.layers
    shape = _image_shape(image_shape)
    keras.utils.set_random_seed(int(seed))
    pieces = [keras.Input(shape=shape, dtype=dtype)]
    if len(shape) == 2:
        pieces.append(layers.Reshape((*shape, 1), dtype=dtype))
    pieces += [
        layers.Conv2D(4, 3, strides=2, padding="same", activation="tanh", dtype=dtype),
        layers.Conv2D(8, 3, strides=2, padding="same", activation="tanh", dtype=dtype),
        layers.Flatten(dtype=dtype),
        layers.Dense(1, dtype=dtype),
    ]
    return keras.Sequential(pieces, name="conv_discriminator")


def penalty_and_weight_gradients(penalty, discriminator, *args) -> dict:
    """`penalty(discriminator, *args)` computed inside a gradient tape, and its gradients with respect to the weights.

    Returns {"type": the qualified name of the result's type, "value": the result as a
    NumPy array (None when NumPy cannot read it), "gradients": one NumPy array per
    trainable variable of `discriminator`, None where no gradient reaches it}. A result
    that is not a tensor (a float, a NumPy value) has no gradient: every entry is None.
    Array arguments are passed as tensors.
    """

    variables = discriminator.trainable_variables
    with tf.GradientTape() as tape:
        value = penalty(discriminator, *(_tensor(arg) for arg in args))
    kind = type(value)
    if tf.is_tensor(value):
        gradients = [_array_or_none(g) for g in tape.gradient(value, variables)]
    else:
        gradients = [None] * len(variables)
    try:
        number = np.asarray(value)
    except Exception:  # an object that NumPy cannot read: the checks say what came
        number = None
    return {"type": f"{kind.__module__}.{kind.__qualname__}", "value": number, "gradients": gradients}

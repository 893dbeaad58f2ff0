"""Probes for assignment 06's tests (a KL divergence between Gaussians, the β-VAE loss), run in the student's kernel.

The checks run in the checker and reach the student's `gaussian_kl` and `beta_vae_loss`
by handles; what needs TensorFlow's machinery where those functions live (a gradient
tape, variables) is done here. Each probe takes the student's function and the test's
inputs, and returns plain data: NumPy arrays, numbers, lists and dicts. None of them
knows what the right answer is: the checks compare what they return with their own.
(The training part, `train_vae`, is scored by the course's shared training checks,
`autoaegan.grading.training`.)
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf


def _array_or_none(value):
    """`value` (a tensor, a variable, an array) as a NumPy array; None stays None."""

    return None if value is None else keras.ops.convert_to_numpy(value)


def sum_and_gradients(function, inputs: list, *, constants: tuple | list = ()) -> dict:
    """Call `function` on variables holding `inputs` under a gradient tape, and differentiate the sum of its output.

    `inputs` is a list of arrays; each becomes a `tf.Variable` of its own dtype. The call is
    `function(*variables, *constants)`: `constants` are passed as they are, after the variables
    (a number such as β, which needs no gradient). Returns a dict: `outputs` (what `function`
    returned, as an array) and `gradients` (the gradient of `keras.ops.sum(outputs)` with
    respect to each variable, as an array, or None where no gradient reaches it: NumPy in the
    computation, or an input the function does not use).
    """

    variables = [tf.Variable(np.asarray(value)) for value in inputs]
    with tf.GradientTape() as tape:
        outputs = function(*variables, *constants)
        # Anything but a tensor (an object of the student's own) goes no further than here: TensorFlow's ops on
        # arbitrary objects can take the kernel down instead of raising.
        if not isinstance(outputs, (tf.Tensor, tf.Variable, np.ndarray, np.generic, int, float)):
            raise TypeError(f"the function should return a tensor, got an object of type {type(outputs).__name__}")
        total = keras.ops.sum(outputs)
    gradients = tape.gradient(total, variables)
    return {"outputs": _array_or_none(outputs), "gradients": [_array_or_none(gradient) for gradient in gradients]}

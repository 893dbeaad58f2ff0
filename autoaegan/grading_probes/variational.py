"""Probes for the tests of assignment 06 (the sampling layer, the latent loss, a VAE), run in the student's kernel.

The checks run in the checker and reach the student's `Sampling` and `latent_loss`
by handles; what needs TensorFlow's machinery where those objects live (a gradient
tape, variables, an optimizer's steps) is done here. Each probe takes the student's
objects and the test's inputs, and returns plain data: NumPy arrays, numbers, lists
and dicts. None of them knows what the right answer is: the checks compare what they
return with their own.
"""

from __future__ import annotations

import numpy as np


def _array_or_none(value):
    """`value` (a tensor, a variable, an array) as a NumPy array; None stays None."""
    import keras

    return None if value is None else keras.ops.convert_to_numpy(value)


def sum_and_gradients(function, inputs: list, *, as_list: bool = False) -> dict:
    """Call `function` on variables holding `inputs` under a gradient tape, and differentiate the sum of its output.

    `inputs` is a list of arrays; each becomes a `tf.Variable`. The call is
    `function(*variables)`, or `function(variables)` with `as_list=True` (a layer that
    takes a list, as `Sampling` takes `[mean, log_var]`). Returns a dict: `outputs`
    (what `function` returned, as an array) and `gradients` (the gradient of
    `keras.ops.sum(outputs)` with respect to each variable, as an array, or None where no
    gradient reaches it: NumPy in the computation).
    """
    import keras
    import tensorflow as tf

    variables = [tf.Variable(np.asarray(value)) for value in inputs]
    with tf.GradientTape() as tape:
        outputs = function(variables) if as_list else function(*variables)
        total = keras.ops.sum(outputs)
    gradients = tape.gradient(total, variables)
    return {"outputs": _array_or_none(outputs), "gradients": [_array_or_none(gradient) for gradient in gradients]}


def train_vae_steps(encoder, decoder, latent_loss, optimizer, batch, *, steps: int, kl_weight: float,
                    kl_variable) -> dict:
    """Train a VAE made of `encoder` and `decoder` on `batch` for `steps` steps, with the student's `latent_loss`.

    `encoder` maps images to `[mean, log_var, codings]`; the loss is the reconstruction's
    mean squared error plus `kl_weight` times the mean of `latent_loss(mean, log_var)`,
    minimised by `optimizer` over both models' trainable weights. Before training, the
    gradient of the latent loss alone with respect to `kl_variable` is taken (None when it
    does not reach it). Returns a dict: `kl_gradient` (that gradient as an array, or None)
    and `history` (for each step, the `[total, reconstruction, kl]` losses before the
    step, as floats).
    """
    import keras
    import tensorflow as tf

    batch = np.asarray(batch)
    weights = encoder.trainable_weights + decoder.trainable_weights

    def losses():
        mean, log_var, codings = encoder(batch)
        reconstruction = keras.ops.mean(keras.ops.square(decoder(codings) - batch))
        kl = keras.ops.mean(latent_loss(mean, log_var))
        return reconstruction + kl * kl_weight, reconstruction, kl

    with tf.GradientTape() as tape:
        _, _, kl = losses()
    kl_gradient = tape.gradient(kl, kl_variable)
    history = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            total, reconstruction, kl = losses()
        optimizer.apply_gradients(zip(tape.gradient(total, weights), weights))
        history.append([float(total), float(reconstruction), float(kl)])
    return {"kl_gradient": _array_or_none(kl_gradient), "history": history}

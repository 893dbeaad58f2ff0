"""Probes for the tests of assignment 07-09 (the GAN's two phases, experience replay, mini-batch discrimination,
a DCGAN), run in the student's kernel.

The checks run in the checker and reach the student's functions, buffers, layers and
models by handles; what needs the machinery of the kernel where those objects live
(a gradient tape, a tensor rather than a NumPy array, the variables of a model read
at once, an array the caller keeps using, many calls in a row) is done here. Each
probe takes the student's objects and the test's inputs, and returns plain data:
NumPy arrays, numbers, strings, lists and dicts. None of them knows what the right
answer is: the checks compare what they return with their own.
"""

from __future__ import annotations

import numpy as np


def _tensor(value):
    """`value` as a TensorFlow tensor when it is a NumPy array."""
    import tensorflow as tf

    return tf.convert_to_tensor(value) if isinstance(value, np.ndarray) else value


def _array_or_none(value):
    return None if value is None else np.asarray(value)


def variable_values(model) -> dict:
    """A copy of each of `model`'s variables (its weights, and state such as BatchNorm's moving mean), by path."""
    return {variable.path: np.array(variable) for variable in model.variables}


def generate_fakes(generator, codings):
    """The images `generator` makes from `codings` in training mode, none of its variables changed (as the notebook's
    given `generate_fakes`: `stateless_call`, the new state dropped)."""
    trainable = [variable.value for variable in generator.trainable_variables]
    non_trainable = [variable.value for variable in generator.non_trainable_variables]
    fakes, _ = generator.stateless_call(trainable, non_trainable, _tensor(np.asarray(codings)), training=True)
    return np.asarray(fakes)


def call_with_type(function, *args, **kwargs) -> dict:
    """`function(*args, **kwargs)` and the qualified name of its result's type, as {"type": ..., "value": ...}.

    The bridge hands tensors back as NumPy arrays: this tells the checks what the
    student's code really returned (say, a tensor where a NumPy array is asked for).
    """
    value = function(*args, **kwargs)
    kind = type(value)
    return {"type": f"{kind.__module__}.{kind.__qualname__}", "value": value}


def call_with_tensor(function, array):
    """`function(array)` with `array` (a NumPy array) handed over as a TensorFlow tensor."""
    return function(_tensor(np.asarray(array)))


def call_then_overwrite(function, array, fill):
    """`function(array)`, then every value of `array` set to `fill` in place, as a caller reusing its array would.

    What `function` kept of `array` shows whether it kept a copy or the caller's array itself.
    """
    result = function(array)
    array[...] = fill
    return result


def repeated_calls(function, times, *args, **kwargs) -> list:
    """The results of `times` calls of `function(*args, **kwargs)` in a row (a sampler drawn again and again)."""
    if isinstance(times, bool) or not isinstance(times, int) or times < 0:
        raise ValueError(f"times must be a non-negative integer, got {times!r}")
    return [function(*args, **kwargs) for _ in range(times)]


def gradient_of_outputs(layer, inputs, variable, start=0, weights=None):
    """The gradient of `sum(layer(inputs)[:, start:] * weights)` with respect to `variable`, a NumPy array.

    `weights` defaults to ones; `inputs` is passed as a tensor. None when no gradient
    reaches the variable (NumPy in the computation, or a variable the layer does not use).
    """
    import keras
    import tensorflow as tf

    with tf.GradientTape() as tape:
        columns = layer(_tensor(np.asarray(inputs)))[:, start:]
        if weights is not None:
            columns = columns * keras.ops.cast(np.asarray(weights), columns.dtype)
        total = keras.ops.sum(columns)
    return _array_or_none(tape.gradient(total, variable))


def dcgan_guideline_violations(generator, discriminator) -> list:
    """`autoaegan.dcgan_guidelines.check_dcgan_guidelines(generator, discriminator)`, each violation as a dict:
    network, layer, rule, message, and `text`, the line that `describe_violations` shows for it."""
    from autoaegan.dcgan_guidelines import check_dcgan_guidelines

    return [
        {"network": violation.network, "layer": violation.layer, "rule": violation.rule,
         "message": violation.message, "text": str(violation)}
        for violation in check_dcgan_guidelines(generator, discriminator)
    ]


def gan_loss_gradients(generator, discriminator, real_images, codings) -> dict:
    """The gradients of each network's loss with respect to its trainable variables, both networks in training mode.

    The discriminator's loss is the binary cross-entropy of its verdicts on the fakes
    made from `codings` (label 0) plus that on `real_images` (label 1); the generator's,
    that of its fakes labelled 1. Returns {"discriminator": [...], "generator": [...]},
    one NumPy array per variable, None where no gradient reaches it. No variable changes
    but BatchNorm's moving statistics.
    """
    import keras
    import tensorflow as tf

    bce = keras.losses.BinaryCrossentropy()
    with tf.GradientTape(persistent=True) as tape:
        fakes = generator(_tensor(np.asarray(codings)), training=True)
        fake_verdicts = discriminator(fakes, training=True)
        real_verdicts = discriminator(_tensor(np.asarray(real_images)), training=True)
        d_loss = bce(tf.zeros_like(fake_verdicts), fake_verdicts) + bce(tf.ones_like(real_verdicts), real_verdicts)
        g_loss = bce(tf.ones_like(fake_verdicts), fake_verdicts)
    gradients = {
        "discriminator": [_array_or_none(g) for g in tape.gradient(d_loss, discriminator.trainable_variables)],
        "generator": [_array_or_none(g) for g in tape.gradient(g_loss, generator.trainable_variables)],
    }
    del tape
    return gradients


def train_gan(generator, discriminator, real_images, steps, seed) -> list:
    """`steps` training iterations of the pair by the package's two phases (`autoaegan.models.gan.GAN`).

    Each iteration is `GAN.discriminator_step` on `real_images`, floats in [0, 1] (scaled
    to the tanh generator's [-1, 1] in the step), then `GAN.generator_step` on as many
    codings; Adam(2e-4, beta_1=0.5) for each network, codings drawn with `seed`. Returns
    the losses of each iteration, [{"d_loss": float, "g_loss": float}, ...].
    """
    import keras

    from autoaegan.models.gan import GAN

    gan = GAN(generator, discriminator, seed=seed, value_range=(-1, 1))
    gan.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
    images = np.asarray(real_images, dtype="float32")
    losses = []
    for _ in range(steps):
        d_loss, _, _ = gan.discriminator_step(images)
        g_loss, _ = gan.generator_step(len(images))
        losses.append({"d_loss": float(d_loss), "g_loss": float(g_loss)})
    return losses

"""The moving average of a generator's weights (Yazıcı et al. 2019; ProGAN and StyleGAN ship it), through Keras's
public optimizer API: an optimizer made with `use_ema=True` keeps the average, and
`optimizer.finalize_variable_values(variables)` writes it into the variables."""

from __future__ import annotations

import keras
import numpy as np

from autoaegan.arguments import positive_int
from autoaegan.latent import sample_codings


def check_averaging(optimizer) -> None:
    """ValueError unless `optimizer` keeps a moving average of the weights (made with `use_ema=True`)."""
    if optimizer is None or not optimizer.use_ema:
        raise ValueError("the generator's optimizer keeps no moving average: make it with use_ema=True")


def averaged_weights(model: keras.Model, optimizer) -> list[np.ndarray]:
    """`model.get_weights()` with its trainable weights replaced by the moving averages that `optimizer` keeps.

    `model` is left as it was. Non-trainable weights (batch-norm statistics, a StyleGAN's w̄) are the live ones.
    """
    check_averaging(optimizer)
    live = model.get_weights()
    optimizer.finalize_variable_values(model.trainable_variables)
    averaged = model.get_weights()
    model.set_weights(live)
    return averaged


def averaged_copy(model: keras.Model, optimizer) -> keras.Model:
    """A clone of `model` (`keras.models.clone_model`) holding the moving average of its weights."""
    copy = keras.models.clone_model(model)
    copy.set_weights(averaged_weights(model, optimizer))
    return copy


def batchnorm_layers(model: keras.Model) -> list[keras.layers.BatchNormalization]:
    """The BatchNormalization layers of `model`, nested models included, in order."""
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            found.append(layer)
        elif isinstance(layer, keras.Model):
            found += batchnorm_layers(layer)
    return found


def recalibrate_batchnorm(generator: keras.Model, *, n: int = 4_096, seed: int = 0) -> keras.Model:
    """Set the moving statistics of `generator`'s batch normalisations to those of `n` random codings.

    Each BatchNormalization layer's momentum is set to 0 for one forward pass in
    training mode on `n` codings from N(0, I), so that its moving mean and variance
    become exactly that batch's; then the momenta are restored. Averaged weights
    need this: the moving statistics tracked during training belong to the live
    weights, not to their average. Returns `generator`.
    """
    layers = batchnorm_layers(generator)
    momenta = [layer.momentum for layer in layers]
    try:
        for layer in layers:
            layer.momentum = 0.0
        generator(sample_codings(positive_int(n, "n"), int(generator.input_shape[-1]), seed=seed), training=True)
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
    return generator

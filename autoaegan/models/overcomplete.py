"""Undercomplete against overcomplete: one hidden coding layer, narrower or wider than the 784 pixels.

`build_shallow_autoencoder(codings)` makes Flatten → Dense(codings) → Dense(784) →
Reshape(28, 28). With 30 codings it is undercomplete and must keep only what
matters about garments; with 1,000 codings (more than the 784 inputs) nothing
stops it from learning to copy its inputs, whatever they are. Linear (no activation),
the whole autoencoder is one matrix, which `end_to_end_matrix` returns.
"""

from __future__ import annotations

import keras
import numpy as np

from autoaegan.arguments import positive_int

IMAGE_SHAPE = (28, 28)


def build_shallow_autoencoder(codings: int, activation: str | None = None):
    """Return `(encoder, decoder, autoencoder)`, not compiled: 784 → `codings` (`activation`) → 784 (linear)."""
    codings = positive_int(codings, "codings")
    pixels = int(np.prod(IMAGE_SHAPE))
    encoder = keras.Sequential(
        [
            keras.Input(shape=IMAGE_SHAPE),
            keras.layers.Flatten(),
            keras.layers.Dense(codings, activation=activation, name="codings"),
        ],
        name="encoder",
    )
    decoder = keras.Sequential(
        [keras.Input(shape=(codings,)), keras.layers.Dense(pixels), keras.layers.Reshape(IMAGE_SHAPE)],
        name="decoder",
    )
    kind = "overcomplete" if codings > pixels else "undercomplete" if codings < pixels else "complete"
    return encoder, decoder, keras.Sequential([encoder, decoder], name=f"{kind}_autoencoder_{codings}")


def end_to_end_matrix(encoder: keras.Model, decoder: keras.Model) -> np.ndarray:
    """The 784×784 matrix W = W_enc @ W_dec of a *linear* shallow autoencoder: reconstruction = x W + b.

    W equal to the identity means copying. Its diagonal says how much of each pixel
    goes straight back to the same pixel.
    """
    layers = [_only_dense(encoder), _only_dense(decoder)]
    for layer in layers:
        if layer.activation not in (keras.activations.linear, None):
            raise ValueError(
                f"the layer {layer.name!r} has the activation {layer.activation.__name__!r}: "
                "only a linear autoencoder is one matrix from end to end"
            )
    kernels = [keras.ops.convert_to_numpy(layer.kernel) for layer in layers]
    return kernels[0] @ kernels[1]


def _only_dense(model: keras.Model) -> keras.layers.Dense:
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if len(dense) != 1:
        raise ValueError(f"expected one Dense layer in {model.name!r} (a shallow autoencoder), found {len(dense)}")
    return dense[0]

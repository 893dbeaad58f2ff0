"""Sparse autoencoders: a large sigmoid coding layer kept mostly silent (Géron, chapter 17).

All three builders share Géron's architecture for Fashion-MNIST: the encoder is
Flatten → Dense(100, relu) → Dense(300, sigmoid); the decoder Dense(100, relu) →
Dense(784) → Reshape(28, 28), trained on the MSE. They differ in the coding layer:

- `build_plain_sigmoid_autoencoder`: no sparsity constraint (the comparison);
- `build_l1_sparse_autoencoder`: approach 1, an `ActivityRegularization(l1=...)`
  layer after the codings adds l1 × (sum of the codings' absolute values) to the loss;
- `build_kl_sparse_autoencoder`: approach 2, a `KLDivergenceRegularizer` on the
  coding layer's activations pushes each neuron's mean activation toward a target.

Each returns `(encoder, decoder, autoencoder)`, not compiled, sharing their layers.
"""

from __future__ import annotations

import keras
import numpy as np

from autoaegan.arguments import positive_int, real_number
from autoaegan.layers.regularizers import KLDivergenceRegularizer

IMAGE_SHAPE = (28, 28)


def _sigmoid_coding_autoencoder(codings, hidden, *, coding_layers, name):
    codings = positive_int(codings, "codings")
    hidden = positive_int(hidden, "hidden")
    encoder = keras.Sequential(
        [
            keras.Input(shape=IMAGE_SHAPE),
            keras.layers.Flatten(),
            keras.layers.Dense(hidden, activation="relu"),
            *coding_layers,
        ],
        name="encoder",
    )
    decoder = keras.Sequential(
        [
            keras.Input(shape=(codings,)),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(int(np.prod(IMAGE_SHAPE))),
            keras.layers.Reshape(IMAGE_SHAPE),
        ],
        name="decoder",
    )
    return encoder, decoder, keras.Sequential([encoder, decoder], name=name)


def build_plain_sigmoid_autoencoder(codings: int = 300, hidden: int = 100):
    """Géron's sparse-autoencoder architecture with no sparsity constraint: `(encoder, decoder, autoencoder)`."""
    coding_layers = [keras.layers.Dense(positive_int(codings, "codings"), activation="sigmoid", name="codings")]
    return _sigmoid_coding_autoencoder(codings, hidden, coding_layers=coding_layers, name="plain_sigmoid_autoencoder")


def build_l1_sparse_autoencoder(codings: int = 300, l1: float = 1e-4, hidden: int = 100):
    """Approach 1: sigmoid codings followed by `ActivityRegularization(l1=l1)`; `(encoder, decoder, autoencoder)`."""
    l1 = real_number(l1, "l1", expected="a non-negative number", accept=lambda value: value >= 0)
    coding_layers = [
        keras.layers.Dense(positive_int(codings, "codings"), activation="sigmoid", name="codings"),
        keras.layers.ActivityRegularization(l1=l1, name="l1_sparsity"),
    ]
    return _sigmoid_coding_autoencoder(codings, hidden, coding_layers=coding_layers, name="l1_sparse_autoencoder")


def build_kl_sparse_autoencoder(codings: int = 300, target: float = 0.1, weight: float = 5e-3, hidden: int = 100):
    """Approach 2: sigmoid codings with a KL-divergence activity regularizer; `(encoder, decoder, autoencoder)`.

    Exactly Géron's 3rd-edition model: weight 5e-3, target 0.1, 300 codings; MSE loss.
    """
    regularizer = KLDivergenceRegularizer(weight=weight, target=target)
    coding_layers = [
        keras.layers.Dense(
            positive_int(codings, "codings"), activation="sigmoid", activity_regularizer=regularizer, name="codings"
        )
    ]
    return _sigmoid_coding_autoencoder(codings, hidden, coding_layers=coding_layers, name="kl_sparse_autoencoder")

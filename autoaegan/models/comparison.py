"""The autoencoder families that chapter 04 compares, each as a builder of its untrained model.

Train and measure them with `autoaegan.training.families.compare_families`; show the results with
`autoaegan.figures.comparison`.
"""

from __future__ import annotations

from collections.abc import Callable

import keras

from autoaegan.models.convolutional import build_convolutional_autoencoder
from autoaegan.models.recurrent import build_recurrent_autoencoder
from autoaegan.models.stacked import build_stacked_autoencoder


def family_builders(codings: int = 30) -> dict[str, Callable[[], keras.Model]]:
    """The families of chapter 04, each with a `codings`-D code: stacked (relu, MSE), convolutional, recurrent."""
    return {
        "stacked": lambda: build_stacked_autoencoder(variant="relu_mse", codings=codings)[2],
        "convolutional": lambda: build_convolutional_autoencoder(codings)[2],
        "recurrent": lambda: build_recurrent_autoencoder(codings)[2],
    }

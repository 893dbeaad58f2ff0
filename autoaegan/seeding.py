"""One seeding call for Python, NumPy and Keras/TensorFlow."""

from __future__ import annotations

import random

import numpy as np

from autoaegan.arguments import whole_number
from autoaegan.profiles import Profile


def set_seed(
    seed: int | None = None, *, profile: Profile | None = None, tensorflow: bool = True
) -> np.random.Generator:
    """Seed every random number generator the course uses and return a NumPy `Generator`.

    Give a `seed`, a `profile` (whose seed is used when `seed` is None), or both. With
    `tensorflow=True` Keras and TensorFlow are seeded too (importing them), and under a
    deterministic `profile` (`test`) TensorFlow's op determinism is switched on, so that a
    run repeats exactly. Chapters with no neural network pass `tensorflow=False` to skip the import.
    """
    if seed is None and profile is None:
        raise ValueError("set_seed needs a seed or a profile (whose seed it uses), got neither")
    seed = profile.seed if seed is None else whole_number(seed, "seed")
    random.seed(seed)
    np.random.seed(seed)
    if tensorflow:
        # Imported here: a chapter with no neural network seeds NumPy without paying TensorFlow's start-up.
        import keras
        import tensorflow as tf

        keras.utils.set_random_seed(seed)
        if profile is not None and profile.deterministic:
            tf.config.experimental.enable_op_determinism()
    return np.random.default_rng(seed)

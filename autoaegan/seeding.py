"""One seeding call for Python, NumPy and Keras/TensorFlow."""

from __future__ import annotations

import random

import numpy as np

from autoaegan.profiles import Profile, get_profile


def set_seed(
    seed: int | None = None, *, profile: Profile | None = None, tensorflow: bool = True
) -> np.random.Generator:
    """Seed every random number generator the course uses and return a NumPy `Generator`.

    The seed defaults to the profile's. With `tensorflow=True` Keras and TensorFlow
    are seeded too (importing them), and in a deterministic profile (`test`)
    TensorFlow's op determinism is switched on, so that a run repeats exactly.
    Chapters with no neural network pass `tensorflow=False` to skip the import.
    """
    profile = profile or get_profile()
    seed = profile.seed if seed is None else int(seed)
    random.seed(seed)
    np.random.seed(seed)
    if tensorflow:
        import keras
        import tensorflow as tf

        keras.utils.set_random_seed(seed)
        if profile.deterministic:
            tf.config.experimental.enable_op_determinism()
    return np.random.default_rng(seed)

"""Small array helpers that the layer tests share: seeded float32 arrays, and tensors read back as NumPy."""

import keras
import numpy as np


def normal(*shape, seed=0, scale=1.0, shift=0.0):
    """A float32 array of `shape` drawn from N(shift, scale²) with `seed`."""
    return (np.random.default_rng(seed).normal(size=shape) * scale + shift).astype("float32")


def numpy(x):
    """A tensor (or array) as a NumPy array."""
    return keras.ops.convert_to_numpy(x)

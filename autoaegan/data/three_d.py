"""The small 3-D data set of Géron's chapter on autoencoders: 60 points near a tilted plane.

It is the data set of Hands-On ML, 3rd edition, notebook 17 (built in chapter 8):
an uneven oval in the x-y plane, noise in all three directions, a rotation that
tilts the oval's plane, and a shift. With the default arguments the points are
his `X_train` exactly (up to float32). Like his, they are *not* centred: the
biases of a linear autoencoder absorb the mean, as PCA's centring does. (The 2nd
edition used a different generator and centred its data.)
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from autoaegan.arguments import whole_number

# Géron's constants: the rotation that tilts the plane and the final shift.
TILT_ROTATION_VECTOR = (np.pi / 29, -np.pi / 20, np.pi / 4)
SHIFT = (0.2, 0.0, 0.2)
NOISE_SCALE = 0.28


def make_3d_dataset(n: int = 60, seed: int = 42) -> np.ndarray:
    """Return `n` points near a tilted plane as a float32 array of shape (n, 3).

    The same `n` and `seed` always give the same points; `n=60, seed=42` is Géron's data set.
    """
    n = whole_number(n, "n", at_least=1, expected="a positive integer (the number of points)")
    # The legacy RandomState draws the same numbers as Géron's np.random.seed(42) calls.
    rng = np.random.RandomState(seed)
    angles = (rng.rand(n) ** 3 + 0.5) * 2 * np.pi  # uneven: points crowd on one side of the oval
    points = np.zeros((n, 3))
    points[:, 0], points[:, 1] = np.cos(angles), np.sin(angles) * 0.5
    points += NOISE_SCALE * rng.randn(n, 3)
    points = Rotation.from_rotvec(TILT_ROTATION_VECTOR).apply(points)
    return (points + SHIFT).astype(np.float32)

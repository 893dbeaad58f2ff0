"""The seeded 3-D data set of chapter 02: Géron's 60 points near a tilted plane."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation
from sklearn.decomposition import PCA

from autoaegan.data.three_d import make_3d_dataset


def geron_3d_dataset():
    """Géron's cell from Hands-On ML 3rd ed., notebook 17, with the global NumPy state restored afterwards."""
    state = np.random.get_state()
    try:
        m = 60
        X = np.zeros((m, 3))
        np.random.seed(42)
        angles = (np.random.rand(m) ** 3 + 0.5) * 2 * np.pi
        X[:, 0], X[:, 1] = np.cos(angles), np.sin(angles) * 0.5
        X += 0.28 * np.random.randn(m, 3)
        X = Rotation.from_rotvec([np.pi / 29, -np.pi / 20, np.pi / 4]).apply(X)
        return X + [0.2, 0, 0.2]
    finally:
        np.random.set_state(state)


def test_shape_and_dtype():
    x = make_3d_dataset()
    assert x.shape == (60, 3) and x.dtype == np.float32
    assert make_3d_dataset(n=7, seed=0).shape == (7, 3)


def test_default_is_geron_data_set():
    np.testing.assert_allclose(make_3d_dataset(), geron_3d_dataset(), rtol=1e-6, atol=1e-6)


def test_seeded_and_deterministic():
    np.testing.assert_array_equal(make_3d_dataset(seed=3), make_3d_dataset(seed=3))
    assert not np.allclose(make_3d_dataset(seed=3), make_3d_dataset(seed=4))


def test_points_lie_near_a_tilted_plane():
    x = make_3d_dataset()
    pca = PCA().fit(x)
    ratios = pca.explained_variance_ratio_
    assert ratios[2] < 0.15, ratios  # little variance off the plane
    assert ratios[0] + ratios[1] > 0.85, ratios
    normal = pca.components_[2]
    assert np.abs(normal).max() < 0.99, normal  # the plane is not one of the axis planes


def test_not_centred_like_geron():
    assert np.abs(make_3d_dataset().mean(axis=0)).max() > 0.05


@pytest.mark.parametrize("n", [0, -3, 2.5, True, "60"])
def test_rejects_bad_sizes(n):
    with pytest.raises(ValueError, match="n must be a positive integer"):
        make_3d_dataset(n=n)

"""Round-trip cases of assignment 01-02: the hailstone codec, principal angles, PCA's axes, a linear codec.

Only three submissions train a model (`other_styles`, `too_small`, `nonlinear_sgd`);
the others keep the released stub of `train_linear_codec`, which raises at once and
loses the training part's 5 points, or return a model without training it.
"""

from __future__ import annotations

from pathlib import Path

from tests.roundtrip_cases import Submission

NOTEBOOK = Path("01_02_representations/representations.ipynb")
POINTS = {
    "test_encode_hailstone": 2,
    "test_encode_hailstone_hidden": 2,
    "test_encode_hailstone_errors_hidden": 1,
    "test_decode_hailstone": 2,
    "test_decode_hailstone_hidden": 2,
    "test_principal_angles": 2,
    "test_principal_angles_hidden": 2,
    "test_principal_axes_from_decoder": 2,
    "test_principal_axes_from_decoder_hidden": 2,
    "test_principal_axes_from_decoder_errors_hidden": 1,
    "test_linear_codec_models": 2,
    "test_linear_codec_linear": 1,
    "test_linear_codec_mse": 2,
}
TRAINING = {"test_linear_codec_models": 0, "test_linear_codec_linear": 0, "test_linear_codec_mse": 0}

_TRAIN_SIGNATURE = '''import keras
import numpy as np
import tensorflow as tf


def train_linear_codec(images, *, steps, seed):
    """Train a linear autoencoder with 16-D codings on `images` for at most `steps` steps; return `(encoder, decoder)`.

    `images` is a float32 array (n, 28, 28) in [0, 1]. The encoder maps (batch, 28, 28) to (batch, 16) codings and
    the decoder maps them back to (batch, 28, 28), with Dense layers and no activation (linear), trained on the MSE.
    """
'''
# The released cell, as nbgrader makes it: the training part is left undone.
UNDONE_TRAINING = _TRAIN_SIGNATURE + "    # YOUR CODE HERE\n    raise NotImplementedError()\n"

_AXES_SIGNATURE = '''import numpy as np


def principal_axes_from_decoder(decoder_kernel, points):
    """Return `(axes, variances)`: the principal axes of `points` within the space spanned by `decoder_kernel`'s rows.

    `decoder_kernel` has shape (k, d), as a Keras decoder stores it, with 1 <= k <= d; `points` has shape (n, d).
    `axes` is a (k, d) float array of orthonormal rows, ordered by decreasing variance of the centred points along
    them; `variances` is a (k,) float array of those variances (divided by n - 1, like `pca.explained_variance_`),
    largest first. Raise ValueError if either array is not 2-D, if k < 1 or k > d, or if `points` has not d columns.
    """
'''
_AXES_CHECKS = """    kernel, points = np.asarray(decoder_kernel, dtype=float), np.asarray(points, dtype=float)
    if kernel.ndim != 2 or points.ndim != 2 or points.shape[1] != kernel.shape[1]:
        raise ValueError(f"shapes {kernel.shape} and {points.shape} do not fit")
    if not 1 <= kernel.shape[0] <= kernel.shape[1]:
        raise ValueError(f"a kernel of shape {kernel.shape} does not span a subspace")
"""


def _axes(body: str, checks: str = _AXES_CHECKS) -> str:
    return _AXES_SIGNATURE + checks + body


def _training(body: str) -> str:
    return _TRAIN_SIGNATURE + body


SUBMISSIONS = {
    "other_styles": Submission(
        answers={
            "encode_hailstone": (
                "def encode_hailstone(run):\n"
                "    numbers = tuple(run)\n"
                "    if len(numbers) == 0 or any(number < 1 for number in numbers):\n"
                '        raise ValueError("not a hailstone run")\n'
                "    for before, after in zip(numbers, numbers[1:]):\n"
                "        if after != (before // 2 if before % 2 == 0 else 3 * before + 1):\n"
                '            raise ValueError(f"{after} cannot follow {before}")\n'
                "    return (int(numbers[0]), len(numbers))\n"
            ),
            "decode_hailstone": (
                "def decode_hailstone(first, count):\n"
                "    if min(first, count) < 1:\n"
                '        raise ValueError("first and count start at 1")\n'
                "    run, number = [], int(first)\n"
                "    for _ in range(count):\n"
                "        run.append(number)\n"
                "        number = number // 2 if number % 2 == 0 else 3 * number + 1\n"
                "    return run\n"
            ),
            "principal_angles": (
                "import numpy as np\n\n\n"
                "def principal_angles(a, b):\n"
                "    qa = np.linalg.svd(np.asarray(a, dtype=float), full_matrices=False)[0]\n"
                "    qb = np.linalg.svd(np.asarray(b, dtype=float), full_matrices=False)[0]\n"
                "    cosines = np.clip(np.linalg.svd(qb.T @ qa, compute_uv=False), -1, 1)\n"
                "    return np.rad2deg(np.arccos(cosines))  # cosines largest first: angles smallest first\n"
            ),
            # An SVD for the basis and an SVD of the centred coordinates, computed in the points' own dtype.
            "principal_axes_from_decoder": _axes(
                "    points = np.asarray(points)\n"
                "    kernel = np.asarray(decoder_kernel, dtype=points.dtype)\n"
                "    if kernel.ndim != 2 or points.ndim != 2 "
                "or not 0 < len(kernel) <= kernel.shape[1] == points.shape[1]:\n"
                '        raise ValueError(f"kernel {kernel.shape} and points {points.shape} do not fit")\n'
                "    basis = np.linalg.svd(kernel.T, full_matrices=False)[0]\n"
                "    coordinates = (points - points.mean(axis=0)) @ basis\n"
                "    _, singular_values, rotation = np.linalg.svd(coordinates, full_matrices=False)\n"
                "    return rotation @ basis.T, singular_values**2 / (len(points) - 1)\n",
                checks="",
            ),
            # The functional API, NumPy arrays and whole epochs of batches of 100 (10 epochs for 10,000 images).
            "train_linear_codec": _training(
                "    keras.utils.set_random_seed(seed)\n"
                "    images = np.asarray(images, dtype=np.float32)\n"
                "    pixels = keras.Input(shape=(28, 28))\n"
                "    codings = keras.layers.Dense(16, activation=None)(keras.layers.Flatten()(pixels))\n"
                "    encoder = keras.Model(pixels, codings)\n"
                "    coded = keras.Input(shape=(16,))\n"
                "    decoder = keras.Model(coded, keras.layers.Reshape((28, 28))(keras.layers.Dense(784)(coded)))\n"
                "    autoencoder = keras.Model(pixels, decoder(encoder(pixels)))\n"
                "    autoencoder.compile(loss='mse', optimizer=keras.optimizers.Adam(0.002))\n"
                "    per_epoch = -(-len(images) // 100)\n"
                "    autoencoder.fit(images, images, batch_size=100, epochs=max(1, steps // per_epoch), verbose=0)\n"
                "    return encoder, decoder\n"
            ),
        },
        why="every part right, written in another style than the solution's (the model with the functional API)",
    ),
    "sklearn_axes_lenient_encoder": Submission(
        answers={
            # Right: scikit-learn's PCA of the coordinates in an orthonormal basis of the kernel's rows.
            "principal_axes_from_decoder": _axes(
                "    from sklearn.decomposition import PCA\n\n"
                "    basis = np.linalg.qr(kernel.T)[0]\n"
                "    pca = PCA().fit(points @ basis)\n"
                "    return pca.components_ @ basis.T, pca.explained_variance_\n"
            ),
            # Forgets to reject empty runs and numbers below 1.
            "encode_hailstone": (
                "def encode_hailstone(run):\n"
                "    for index in range(1, len(run)):\n"
                "        before = run[index - 1]\n"
                "        if run[index] != (3 * before + 1 if before % 2 else before // 2):\n"
                '            raise ValueError(f"the rule breaks at index {index}")\n'
                "    return run[0], len(run)\n"
            ),
            "train_linear_codec": UNDONE_TRAINING,
        },
        deserved={"test_encode_hailstone_errors_hidden": 0, **TRAINING},
        why="PCA's axes with scikit-learn (right); an encoder that accepts empty runs and zeros; no training",
    ),
    "uncentred_radians_decoder_stops_at_1": Submission(
        answers={
            "principal_axes_from_decoder": _axes(
                "    basis = np.linalg.qr(kernel.T)[0]\n"
                "    coordinates = points @ basis\n"
                "    variances, rotation = np.linalg.eigh(coordinates.T @ coordinates / (len(points) - 1))\n"
                "    order = np.argsort(variances)[::-1]\n"
                "    return (basis @ rotation[:, order]).T, variances[order]\n"
            ),
            "principal_angles": (
                "import numpy as np\n\n\n"
                "def principal_angles(a, b):\n"
                "    qa = np.linalg.qr(np.asarray(a, dtype=float))[0]\n"
                "    qb = np.linalg.qr(np.asarray(b, dtype=float))[0]\n"
                "    return np.sort(np.arccos(np.clip(np.linalg.svd(qa.T @ qb, compute_uv=False), -1, 1)))\n"
            ),
            "decode_hailstone": (
                "def decode_hailstone(first, count):\n"
                "    if first < 1 or count < 1:\n"
                '        raise ValueError("first and count start at 1")\n'
                "    run = [first]\n"
                "    while len(run) < count and run[-1] != 1:\n"
                "        run.append(3 * run[-1] + 1 if run[-1] % 2 else run[-1] // 2)\n"
                "    return run\n"
            ),
            "train_linear_codec": UNDONE_TRAINING,
        },
        deserved={
            "test_principal_axes_from_decoder": 0,
            "test_principal_axes_from_decoder_hidden": 0,
            "test_principal_angles": 0,
            "test_principal_angles_hidden": 0,
            "test_decode_hailstone": 0,
            "test_decode_hailstone_hidden": 0,
            **TRAINING,
        },
        messages={
            "test_principal_axes_from_decoder": "subtract the points' mean before projecting them",
            "test_principal_angles": "expected 90.0, got 1.57",
            "test_decode_hailstone": "decode_hailstone(1, 5): expected [1, 4, 2, 1, 4]",
        },
        why="axes of the points not centred; angles in radians; a decoder that stops its run at 1; no training",
    ),
    "ascending_axes_no_checks": Submission(
        answers={
            # Ascending order (np.linalg.eigh's), and no check of the shapes.
            "principal_axes_from_decoder": _axes(
                "    kernel, points = np.asarray(decoder_kernel, dtype=float), np.asarray(points, dtype=float)\n"
                "    basis = np.linalg.qr(kernel.T)[0]\n"
                "    coordinates = (points - points.mean(axis=0)) @ basis\n"
                "    variances, rotation = np.linalg.eigh(coordinates.T @ coordinates / (len(points) - 1))\n"
                "    return (basis @ rotation).T, variances\n",
                checks="",
            ),
            "train_linear_codec": UNDONE_TRAINING,
        },
        deserved={
            "test_principal_axes_from_decoder": 0,
            "test_principal_axes_from_decoder_hidden": 0,
            "test_principal_axes_from_decoder_errors_hidden": 0,
            **TRAINING,
        },
        messages={"test_principal_axes_from_decoder": "smallest variance first (np.linalg.eigh's order)"},
        why="PCA's axes smallest variance first, and no ValueError for wrong shapes; no training",
    ),
    "raw_rows_frozen": Submission(
        answers={
            # The decoder's rows as the basis, not orthonormalised.
            "principal_axes_from_decoder": _axes(
                "    coordinates = (points - points.mean(axis=0)) @ kernel.T\n"
                "    variances, rotation = np.linalg.eigh(np.cov(coordinates, rowvar=False).reshape(len(kernel), -1))\n"
                "    order = np.argsort(variances)[::-1]\n"
                "    return (kernel.T @ rotation[:, order]).T, variances[order]\n"
            ),
            # The right layers, never trained.
            "train_linear_codec": _training(
                "    keras.utils.set_random_seed(seed)\n"
                "    encoder = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),\n"
                "                                keras.layers.Dense(16)])\n"
                "    decoder = keras.Sequential([keras.Input(shape=(16,)), keras.layers.Dense(784),\n"
                "                                keras.layers.Reshape((28, 28))])\n"
                "    return encoder, decoder\n"
            ),
        },
        deserved={
            "test_principal_axes_from_decoder": 0,
            "test_principal_axes_from_decoder_hidden": 0,
            "test_linear_codec_mse": 0,
        },
        messages={
            "test_principal_axes_from_decoder": "orthonormalise the kernel's rows before the eigen-decomposition",
            "test_linear_codec_mse": "the test MSE should be at most 1.10 × PCA-16's",
        },
        why="the decoder's rows taken as an orthonormal basis; a linear codec of the right shapes never trained",
    ),
    "population_variance_copying": Submission(
        answers={
            "principal_axes_from_decoder": _axes(
                "    basis = np.linalg.qr(kernel.T)[0]\n"
                "    coordinates = (points - points.mean(axis=0)) @ basis\n"
                "    variances, rotation = np.linalg.eigh(coordinates.T @ coordinates / len(points))\n"
                "    order = np.argsort(variances)[::-1]\n"
                "    return (basis @ rotation[:, order]).T, variances[order]\n"
            ),
            # Copies the images: 784 "codings", no bottleneck, no training.
            "train_linear_codec": _training(
                "    encoder = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten()])\n"
                "    decoder = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Reshape((28, 28))])\n"
                "    return encoder, decoder\n"
            ),
        },
        deserved={
            "test_principal_axes_from_decoder": 0,
            "test_principal_axes_from_decoder_hidden": 0,
            **TRAINING,
        },
        messages={
            "test_principal_axes_from_decoder": "PCA's explained_variance_ divides by n - 1",
            "test_linear_codec_models": "the encoder should return an array of shape (2000, 16), got shape (2000, 784)",
            "test_linear_codec_mse": "the models must first have the right shapes",
        },
        why="variances divided by n; a codec that copies its input through 784 codings",
    ),
    "too_small": Submission(
        answers={
            # Linear, 16 codings, trained as the solution is, but through a 4-unit layer: a rank-4 code.
            "train_linear_codec": _training(
                "    keras.utils.set_random_seed(seed)\n"
                "    encoder = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),\n"
                "                                keras.layers.Dense(4), keras.layers.Dense(16)])\n"
                "    decoder = keras.Sequential([keras.Input(shape=(16,)), keras.layers.Dense(784),\n"
                "                                keras.layers.Reshape((28, 28))])\n"
                "    autoencoder = keras.Sequential([encoder, decoder])\n"
                "    autoencoder.compile(loss='mse', optimizer=keras.optimizers.Adam(learning_rate=3e-3))\n"
                "    dataset = tf.data.Dataset.from_tensor_slices(np.asarray(images, dtype=np.float32))\n"
                "    dataset = dataset.shuffle(len(images), seed=seed).repeat().batch(128).map(lambda x: (x, x))\n"
                "    autoencoder.fit(dataset, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)\n"
                "    return encoder, decoder\n"
            ),
        },
        deserved={"test_linear_codec_mse": 0},
        messages={"test_linear_codec_mse": "the test MSE should be at most 1.10 × PCA-16's"},
        why="a linear codec too small: 16 codings that carry only 4 dimensions",
    ),
    "nonlinear_sgd": Submission(
        answers={
            # ReLU codings (not linear), trained with plain SGD (too slow to get near PCA in 1,000 steps).
            "train_linear_codec": _training(
                "    keras.utils.set_random_seed(seed)\n"
                "    encoder = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),\n"
                "                                keras.layers.Dense(16, activation='relu')])\n"
                "    decoder = keras.Sequential([keras.Input(shape=(16,)), keras.layers.Dense(784),\n"
                "                                keras.layers.Reshape((28, 28))])\n"
                "    autoencoder = keras.Sequential([encoder, decoder])\n"
                "    autoencoder.compile(loss='mse', optimizer=keras.optimizers.SGD(learning_rate=0.01))\n"
                "    dataset = tf.data.Dataset.from_tensor_slices(np.asarray(images, dtype=np.float32))\n"
                "    dataset = dataset.shuffle(len(images), seed=seed).repeat().batch(128).map(lambda x: (x, x))\n"
                "    autoencoder.fit(dataset, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)\n"
                "    return encoder, decoder\n"
            ),
        },
        deserved={"test_linear_codec_linear": 0, "test_linear_codec_mse": 0},
        messages={"test_linear_codec_linear": "the encoder should be linear (affine)"},
        why="ReLU codings, not linear, and plain SGD that stays far from PCA in 1,000 steps",
    ),
}

"""Distances between a generated and a real set, computed on feature vectors (one row per image).

- Fréchet distance (FD; FID with Inception features): the distance between Gaussian
  fits of the two sets, |μ₁ − μ₂|² + tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^½).
- KID (Bińkowski et al. 2018): the unbiased estimate of the squared maximum mean
  discrepancy with the polynomial kernel k(x, y) = (x·y/d + 1)³. Unbiased means that
  two samples of one distribution score 0 on average (sometimes a little below).
- Precision and recall (Kynkäänniemi et al. 2019): each set's manifold is the union of
  balls around its samples reaching their k-th nearest neighbour (k = 3). Precision is
  the share of generated samples inside the real manifold (are the samples realistic?),
  recall the share of real samples inside the generated manifold (is the variety there?).
- Class coverage: the histogram of the classes a classifier predicts for the generated
  samples, its entropy and the number of classes it covers; a collapsed GAN covers few.

Everything runs in float64 on blocks of `chunk` rows, so that 10,000 samples of
128-D features never need a 10,000 × 10,000 matrix (800 MB): a block of 1,000 rows
takes 80 MB.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autoaegan.arguments import positive_int

# Rows of a pairwise block: 250 × 10,000 float64 distances are 20 MB; blocks of 1,000 rows (and the copies
# `np.partition` makes of them) raised a chapter's peak memory by about 200 MB, for no gain in speed.
CHUNK = 250
NEIGHBOURS = 3
# A class counts as covered when at least this share of the samples is predicted in it (1%: a tenth of a fair share).
MIN_CLASS_SHARE = 0.01


def _feature_matrix(features, name: str, *, at_least: int = 2) -> np.ndarray:
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise ValueError(f"{name} must be a matrix of feature vectors (n, d), got shape {features.shape}")
    if len(features) < at_least:
        raise ValueError(f"{name} must hold at least {at_least} feature vectors, got {len(features)}")
    if not np.isfinite(features).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return features


def _feature_pair(real, fake, *, at_least: int = 2) -> tuple[np.ndarray, np.ndarray]:
    real = _feature_matrix(real, "real", at_least=at_least)
    fake = _feature_matrix(fake, "fake", at_least=at_least)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"real and fake features must have the same dimension, got {real.shape[1]} and {fake.shape[1]}"
        )
    return real, fake


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """The square root of a symmetric positive semi-definite matrix, from its eigendecomposition."""
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance(real, fake) -> float:
    """The Fréchet distance between Gaussian fits (mean, covariance) of two sets of feature vectors.

    tr((Σ₁Σ₂)^½) is computed as the sum of the square roots of the eigenvalues of the
    symmetric matrix Σ₁^½ Σ₂ Σ₁^½, which has the same eigenvalues as Σ₁Σ₂: no complex
    square root, hence no imaginary parts to discard, and singular covariances (dead
    relu units) are fine. Rounding can leave a tiny negative value; it is reported as 0.
    """
    real, fake = _feature_pair(real, fake)
    mean_gap = real.mean(axis=0) - fake.mean(axis=0)
    sigma_real, sigma_fake = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    root = _psd_sqrt(sigma_real)
    middle = root @ sigma_fake @ root
    cross = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)))
    distance = float(mean_gap @ mean_gap + np.trace(sigma_real) + np.trace(sigma_fake) - 2 * cross)
    return max(distance, 0.0)


def _kernel_sum(x: np.ndarray, y: np.ndarray, chunk: int) -> float:
    """Σᵢⱼ (xᵢ·yⱼ/d + 1)³ over all pairs, a block of rows at a time."""
    total = 0.0
    for start in range(0, len(x), chunk):
        block = x[start : start + chunk] @ y.T
        block /= x.shape[1]
        block += 1
        cube = block * block  # two multiplications: np.power(block, 3) is ten times slower
        cube *= block
        total += float(cube.sum())
    return total


def _unbiased_mmd2(real: np.ndarray, fake: np.ndarray, chunk: int) -> float:
    m, n, d = len(real), len(fake), real.shape[1]
    # The diagonal k(xᵢ, xᵢ) is left out of the within-set means: including it biases the estimate upwards.
    diagonal_real = float(np.sum((np.einsum("ij,ij->i", real, real) / d + 1) ** 3))
    diagonal_fake = float(np.sum((np.einsum("ij,ij->i", fake, fake) / d + 1) ** 3))
    within_real = (_kernel_sum(real, real, chunk) - diagonal_real) / (m * (m - 1))
    within_fake = (_kernel_sum(fake, fake, chunk) - diagonal_fake) / (n * (n - 1))
    across = _kernel_sum(real, fake, chunk) / (m * n)
    return within_real + within_fake - 2 * across


def kernel_distance(
    real, fake, *, subsets: int | None = None, subset_size: int = 1_000, seed: int = 0, chunk: int = CHUNK
) -> float:
    """KID: the unbiased MMD² between two sets of features with the kernel (x·y/d + 1)³.

    By default it uses every sample (the lowest variance; cost grows as n²). With
    `subsets`, it is the mean of that many estimates on random subsets of
    `subset_size` samples from each set, drawn with `seed` (Bińkowski et al. report
    100 subsets of 1,000). Either way its expectation is the true MMD², 0 for one distribution.
    """
    real, fake = _feature_pair(real, fake)
    chunk = positive_int(chunk, "chunk")
    if subsets is None:
        return _unbiased_mmd2(real, fake, chunk)
    subsets, subset_size = positive_int(subsets, "subsets"), positive_int(subset_size, "subset_size")
    if subset_size < 2 or subset_size > min(len(real), len(fake)):
        raise ValueError(
            f"subset_size must be between 2 and the smaller set's size ({min(len(real), len(fake))}), got {subset_size}"
        )
    rng = np.random.default_rng(seed)
    estimates = [
        _unbiased_mmd2(
            real[rng.choice(len(real), subset_size, replace=False)],
            fake[rng.choice(len(fake), subset_size, replace=False)],
            chunk,
        )
        for _ in range(subsets)
    ]
    return float(np.mean(estimates))


def _squared_distances(queries: np.ndarray, points: np.ndarray, points_norms: np.ndarray) -> np.ndarray:
    block = queries @ points.T  # built in place: one (rows × points) array, not four
    block *= -2
    block += np.einsum("ij,ij->i", queries, queries)[:, None]
    block += points_norms[None, :]
    return np.maximum(block, 0, out=block)


def neighbour_radii(features, *, k: int = NEIGHBOURS, chunk: int = CHUNK) -> np.ndarray:
    """The squared distance from each feature vector to its k-th nearest neighbour in the same set (itself excluded)."""
    features = _feature_matrix(features, "features")
    k, chunk = positive_int(k, "k"), positive_int(chunk, "chunk")
    if k >= len(features):
        raise ValueError(f"k = {k} needs at least {k + 1} feature vectors, got {len(features)}")
    norms = np.einsum("ij,ij->i", features, features)
    radii = np.empty(len(features))
    for start in range(0, len(features), chunk):
        block = _squared_distances(features[start : start + chunk], features, norms)
        # Position 0 of the sorted row is the point itself (distance 0), so the k-th neighbour is at position k.
        radii[start : start + chunk] = np.partition(block, k, axis=1)[:, k]
    return radii


def _manifold_shares(real, fake, real_radii, fake_radii, chunk: int) -> tuple[float, float]:
    """(share of fake inside the real balls, share of real inside the fake balls), from one pass over the pairs."""
    real_norms = np.einsum("ij,ij->i", real, real)
    fake_inside = 0
    real_inside = np.zeros(len(real), dtype=bool)
    for start in range(0, len(fake), chunk):
        block = _squared_distances(fake[start : start + chunk], real, real_norms)  # fake rows × real columns
        fake_inside += int(np.count_nonzero((block <= real_radii[None, :]).any(axis=1)))
        real_inside |= (block <= fake_radii[start : start + chunk, None]).any(axis=0)
    return fake_inside / len(fake), float(np.count_nonzero(real_inside)) / len(real)


@dataclass(frozen=True)
class PrecisionRecall:
    """Precision (generated samples inside the real manifold) and recall (real samples inside the generated one)."""

    precision: float
    recall: float
    k: int


def precision_recall(real, fake, *, k: int = NEIGHBOURS, chunk: int = CHUNK) -> PrecisionRecall:
    """Kynkäänniemi et al.'s improved precision and recall with k-nearest-neighbour manifolds (k = 3)."""
    real, fake = _feature_pair(real, fake, at_least=k + 1)
    chunk = positive_int(chunk, "chunk")
    real_radii, fake_radii = neighbour_radii(real, k=k, chunk=chunk), neighbour_radii(fake, k=k, chunk=chunk)
    precision, recall = _manifold_shares(real, fake, real_radii, fake_radii, chunk)
    return PrecisionRecall(precision=precision, recall=recall, k=k)


@dataclass(frozen=True)
class ClassCoverage:
    """How the generated samples spread over the classes a classifier predicts for them.

    `entropy` is in nats (natural log): 0 when every sample falls in one class, ln(classes)
    (2.303 for 10) when they spread evenly. `normalised_entropy` divides it by ln(classes),
    so it runs from 0 to 1. `covered` counts the classes holding at least `min_share` of the samples.
    """

    counts: tuple[int, ...]
    entropy: float
    normalised_entropy: float
    covered: int
    min_share: float

    @property
    def classes(self) -> int:
        """The number of classes the classifier knows."""
        return len(self.counts)

    @property
    def shares(self) -> np.ndarray:
        """The share of the samples predicted in each class."""
        counts = np.asarray(self.counts, dtype=np.float64)
        return counts / counts.sum()


def class_coverage(predictions, *, classes: int = 10, min_share: float = MIN_CLASS_SHARE) -> ClassCoverage:
    """Class coverage of generated samples from their predicted classes (n,) or class probabilities (n, classes)."""
    predictions = np.asarray(predictions)
    classes = positive_int(classes, "classes")
    if not 0 <= min_share < 1:
        raise ValueError(f"min_share must be in [0, 1), got {min_share!r}")
    if predictions.ndim == 2:
        if predictions.shape[1] != classes:
            raise ValueError(f"expected probabilities over {classes} classes, got shape {predictions.shape}")
        predictions = np.argmax(predictions, axis=1)
    if predictions.ndim != 1 or len(predictions) == 0:
        raise ValueError(
            f"predictions must be class indices (n,) or probabilities (n, classes), got shape {predictions.shape}"
        )
    if not np.issubdtype(predictions.dtype, np.integer) or predictions.min() < 0 or predictions.max() >= classes:
        raise ValueError(f"class indices must be integers from 0 to {classes - 1}")
    counts = np.bincount(predictions, minlength=classes)
    shares = counts / counts.sum()
    present = shares[shares > 0]
    entropy = float(-np.sum(present * np.log(present))) + 0.0  # + 0.0: no -0.0 for one class
    return ClassCoverage(
        counts=tuple(int(c) for c in counts),
        entropy=entropy,
        normalised_entropy=float(entropy / np.log(classes)) if classes > 1 else 0.0,
        covered=int(np.count_nonzero(shares >= min_share)) if min_share > 0 else int(np.count_nonzero(counts)),
        min_share=float(min_share),
    )

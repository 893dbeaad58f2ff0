"""Subspaces: principal angles, and the plane of a linear autoencoder set against PCA's.

Which weights span what. A Keras `Dense` layer computes `x @ kernel + bias`. The
decoder maps codings `z` to `z @ W_dec + b_dec`, with `W_dec` of shape
(n_codings, n_inputs): every reconstruction lies in the plane through `b_dec`
spanned by the *rows* of `W_dec`, i.e. the column space of `W_dec.T`. That is the
autoencoder's subspace, which a trained linear autoencoder makes PCA's principal
subspace. The encoder's kernel `W_enc` (n_inputs, n_codings) reads the inputs along
its columns; at the optimum they span the same plane, but before convergence they
need not. Neither set of vectors is orthonormal or ordered by variance: any
invertible n_codings × n_codings matrix `A` turns `(W_enc, W_dec)` into
`(W_enc @ A, inv(A) @ W_dec)` with the same reconstructions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA


def _basis(matrix, name: str) -> np.ndarray:
    try:
        basis = np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a numeric array, got {type(matrix).__name__}") from None
    if basis.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_features, k) whose columns span a subspace, "
            f"got a {basis.ndim}-D array of shape {basis.shape}"
        )
    if 0 in basis.shape:
        raise ValueError(f"{name} must have at least one row and one column, got shape {basis.shape}")
    if not np.isfinite(basis).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    rank = np.linalg.matrix_rank(basis)
    if rank < basis.shape[1]:
        raise ValueError(
            f"{name} is rank-deficient: its {basis.shape[1]} columns span only {rank} dimension(s); "
            "expected linearly independent columns"
        )
    return basis


def principal_angles(a, b) -> np.ndarray:
    """Angles in degrees, smallest first, between the column spaces of `a` (n_features, k) and `b` (n_features, k').

    There are min(k, k') of them: 0 for a direction the subspaces share, 90 for
    orthogonal ones. Two planes in 3-D always share a line, so their first angle is 0.
    """
    a, b = _basis(a, "a"), _basis(b, "b")
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"a and b must live in the same space (same number of rows, n_features): got shapes {a.shape} and {b.shape}"
        )
    return np.sort(np.degrees(subspace_angles(a, b)))


def _linear_dense_weights(model, name: str) -> tuple[np.ndarray, np.ndarray]:
    layers = model.layers if hasattr(model, "layers") else [model]
    dense = [layer for layer in layers if hasattr(layer, "kernel")]
    if len(dense) != 1:
        raise ValueError(
            f"{name} must hold exactly one Dense layer (as a linear autoencoder's {name} does), "
            f"got layers {[layer.name for layer in layers]}"
        )
    activation = dense[0].get_config().get("activation")
    if activation != "linear":
        raise ValueError(f"{name}'s Dense layer must be linear (no activation), got activation {activation!r}")
    kernel, bias = dense[0].get_weights()
    return kernel, bias


def encoder_basis(encoder) -> np.ndarray:
    """The encoder's kernel, shape (n_inputs, n_codings): the directions along which it reads the inputs."""
    return _linear_dense_weights(encoder, "encoder")[0]


def decoder_basis(decoder) -> np.ndarray:
    """The transposed decoder kernel, shape (n_inputs, n_codings): its columns span the plane of the reconstructions."""
    return _linear_dense_weights(decoder, "decoder")[0].T


def _data(x) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must be a 2-D array of shape (n_points, n_features), got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.number):
        raise TypeError(f"x must be numeric, got dtype {x.dtype}")
    return x.astype(np.float64)


def components_from_decoder(decoder, x) -> np.ndarray:
    """Principal components recovered from a trained linear decoder: shape (n_codings, n_features), like PCA's.

    Two steps: an SVD of the decoder's weights gives an orthonormal basis of its
    plane; a small PCA of the centred data written in that basis turns it so that
    the first vector carries the most variance. Each vector's largest entry is made
    positive (the sign is arbitrary). When the plane is PCA's, these are PCA's components.
    """
    x = _data(x)
    basis = decoder_basis(decoder)
    if basis.shape[0] != x.shape[1]:
        raise ValueError(f"the decoder outputs {basis.shape[0]} features but x has {x.shape[1]} columns")
    orthonormal = np.linalg.svd(basis, full_matrices=False)[0]
    coordinates = (x - x.mean(axis=0)) @ orthonormal
    variances, rotation = np.linalg.eigh(np.atleast_2d(np.cov(coordinates, rowvar=False)))
    components = (orthonormal @ rotation[:, np.argsort(variances)[::-1]]).T
    largest = components[np.arange(len(components)), np.abs(components).argmax(axis=1)]
    return components * np.sign(largest)[:, None]


def fit_affine_map(source, target) -> tuple[np.ndarray, np.ndarray, float]:
    """Least-squares `target ≈ source @ matrix + offset`; return `(matrix, offset, rms_residual)`.

    Used to show that a linear autoencoder's codings are PCA's coordinates turned,
    stretched and sheared by one matrix, plus a shift.
    """
    source, target = _data(source), _data(target)
    if len(source) != len(target):
        raise ValueError(f"source and target must have the same number of rows, got {len(source)} and {len(target)}")
    design = np.hstack([source, np.ones((len(source), 1))])
    solution = np.linalg.lstsq(design, target, rcond=None)[0]
    residual = target - design @ solution
    return solution[:-1], solution[-1], float(np.sqrt(np.mean(residual**2)))


@dataclass(frozen=True, eq=False)
class PCAComparison:
    """How close a linear autoencoder came to PCA on the same data.

    `angles_deg`: principal angles (degrees, ascending) between the decoder's plane
    and PCA's; `autoencoder_mse` and `pca_mse`: mean squared reconstruction errors;
    `relative_mse_gap`: (autoencoder_mse - pca_mse) / pca_mse, 0 at PCA's optimum.
    """

    angles_deg: np.ndarray
    autoencoder_mse: float
    pca_mse: float
    relative_mse_gap: float

    @property
    def max_angle_deg(self) -> float:
        """The largest principal angle: 0 when the two subspaces coincide."""
        return float(np.max(self.angles_deg))

    def reaches(self, max_angle_deg: float = 1.0, max_relative_gap: float = 0.01) -> bool:
        """True when every angle is below `max_angle_deg` and the MSE is within `max_relative_gap` of PCA's."""
        return self.max_angle_deg < max_angle_deg and self.relative_mse_gap < max_relative_gap

    def __str__(self) -> str:
        angles = ", ".join(f"{angle:.3f}°" for angle in self.angles_deg)
        return (
            f"principal angles between the autoencoder's subspace and PCA's: {angles}\n"
            f"reconstruction MSE: autoencoder {self.autoencoder_mse:.6f}, PCA {self.pca_mse:.6f} "
            f"({self.relative_mse_gap:+.3%} relative to PCA)"
        )


def compare_with_pca(encoder, decoder, x) -> PCAComparison:
    """Compare a linear autoencoder (its `encoder` and `decoder`) with scikit-learn's PCA fitted on the same `x`.

    The autoencoder's subspace is the column space of the decoder kernel's transpose
    (see the module docstring); PCA keeps as many components as there are codings.
    Both MSEs are means over every entry of `x`.
    """
    import keras  # only here: the rest of the module works without TensorFlow

    x = _data(x)
    basis = decoder_basis(decoder)
    if basis.shape[0] != x.shape[1]:
        raise ValueError(f"the decoder outputs {basis.shape[0]} features but x has {x.shape[1]} columns")
    pca = PCA(n_components=basis.shape[1]).fit(x)
    pca_mse = float(np.mean((pca.inverse_transform(pca.transform(x)) - x) ** 2))
    reconstructions = keras.ops.convert_to_numpy(decoder(encoder(x.astype(np.float32)))).astype(np.float64)
    autoencoder_mse = float(np.mean((reconstructions - x) ** 2))
    if pca_mse > 0:
        gap = (autoencoder_mse - pca_mse) / pca_mse
    else:  # data exactly inside PCA's subspace
        gap = 0.0 if autoencoder_mse == 0 else float("inf")
    return PCAComparison(
        angles_deg=principal_angles(basis, pca.components_.T),
        autoencoder_mse=autoencoder_mse,
        pca_mse=pca_mse,
        relative_mse_gap=gap,
    )

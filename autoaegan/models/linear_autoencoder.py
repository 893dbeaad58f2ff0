"""The undercomplete linear autoencoder that performs PCA (chapter 02).

Encoder and decoder are one `Dense` layer each, with no activation (linear) and
with biases; trained on the mean squared reconstruction error, the pair finds the
same plane as PCA (Baldi & Hornik 1989).

Training recipe: plain gradient descent with momentum (SGD, momentum 0.9,
learning rate 0.3) on the whole data set at once (60 points, one step per epoch).
A full batch makes every step the exact gradient, so a seeded run repeats; the
momentum crosses the long, flat valley of this loss (the 2nd and 3rd variances
of the data are close) in a few hundred steps instead of thousands. Géron's
recipe (SGD, learning rate 0.5, batches of 32, 500 epochs) also gets there, more
slowly and with some mini-batch noise left at the end.
"""

from __future__ import annotations

import keras
import numpy as np

from autoaegan.arguments import positive_int
from autoaegan.data.three_d import make_3d_dataset
from autoaegan.metrics.subspace import compare_with_pca
from autoaegan.pretrained.catalog import TrainedModel, catalog_entry
from autoaegan.profiles import Profile
from autoaegan.seeding import set_seed
from autoaegan.training.fitting import fit

# The shipped model's plan: SGD at 0.3 on the whole data set, epochs per run profile (`test` runs in about a
# second and stops short of PCA's plane; `classroom` reaches it, angle < 1°, in a few seconds).
PLAN = catalog_entry("pca_linear_autoencoder").plan
LEARNING_RATE = PLAN.recipe.learning_rate
# The optimizer's momentum, which a Recipe does not hold.
MOMENTUM = 0.9


def build_linear_autoencoder(
    n_inputs: int = 3, n_codings: int = 2
) -> tuple[keras.Sequential, keras.Sequential, keras.Sequential]:
    """Return `(encoder, decoder, autoencoder)`, not compiled.

    The encoder is `Dense(n_codings)` and the decoder `Dense(n_inputs)`, both linear
    with biases; the autoencoder chains them, so it has as many outputs as inputs.
    It is undercomplete when `n_codings < n_inputs`. `train_linear_autoencoder`
    compiles it (MSE, SGD with momentum); to train it yourself, compile it first.
    """
    n_inputs = positive_int(n_inputs, "n_inputs")
    n_codings = positive_int(n_codings, "n_codings")
    encoder = keras.Sequential(
        [keras.Input(shape=(n_inputs,)), keras.layers.Dense(n_codings, name="codings")], name="encoder"
    )
    decoder = keras.Sequential(
        [keras.Input(shape=(n_codings,)), keras.layers.Dense(n_inputs, name="reconstructions")], name="decoder"
    )
    autoencoder = keras.Sequential([encoder, decoder], name="linear_autoencoder")
    return encoder, decoder, autoencoder


def train_linear_autoencoder(
    x: np.ndarray,
    *,
    profile: Profile,
    n_codings: int = 2,
    epochs: int | None = None,
    batch_size: int | None = None,
    learning_rate: float = LEARNING_RATE,
    momentum: float = MOMENTUM,
    seed: int | None = None,
    verbose=0,
) -> tuple[keras.Sequential, keras.Sequential, keras.Sequential, keras.callbacks.History]:
    """Build a linear autoencoder for the rows of `x` and train it on the MSE.

    Returns `(encoder, decoder, autoencoder, history)`.

    `epochs` defaults to `PLAN`'s under `profile`. `batch_size=None` uses the whole of `x`
    in every step (full-batch gradient descent, not shuffled). The optimizer is SGD with
    `learning_rate` and `momentum`. `seed` (default: the profile's) fixes the initial
    weights, so the same call gives the same model. `verbose=0` (the default) trains
    silently: a progress line per epoch would flood a notebook.
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must be a 2-D array of shape (n_points, n_features), got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"x must hold floating-point numbers, got dtype {x.dtype}")
    batch_size = len(x) if batch_size is None else positive_int(batch_size, "batch_size")
    epochs = PLAN.epochs_for(profile) if epochs is None else positive_int(epochs, "epochs")
    set_seed(seed, profile=profile)
    encoder, decoder, autoencoder = build_linear_autoencoder(x.shape[1], n_codings)
    autoencoder.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum))
    history = fit(
        autoencoder,
        x.astype(np.float32),
        epochs=epochs,
        batch_size=batch_size,
        profile=profile,
        shuffle=batch_size < len(x),  # a full batch holds every point whatever the order
        verbose=verbose,
    )
    return encoder, decoder, autoencoder, history


def build_pretrained_architecture() -> keras.Sequential:
    """The 3 → 2 → 3 autoencoder whose weights `autoaegan.pretrained` ships (untrained)."""
    return build_linear_autoencoder(3, 2)[2]


def train_pretrained(profile: Profile) -> TrainedModel:
    """Train the shipped model on the 3-D data set with its `PLAN`; return a `TrainedModel`."""
    x = make_3d_dataset()
    epochs = PLAN.epochs_for(profile)
    encoder, decoder, autoencoder, _ = train_linear_autoencoder(x, profile=profile, epochs=epochs)
    comparison = compare_with_pca(encoder, decoder, x)
    settings = {
        "data": "make_3d_dataset(n=60, seed=42)",
        "optimizer": "SGD",
        "learning_rate": LEARNING_RATE,
        "momentum": MOMENTUM,
        "batch_size": len(x),
        "epochs": epochs,
        "seed": profile.seed,
    }
    metrics = {
        "max_principal_angle_deg": float(comparison.angles_deg.max()),
        "autoencoder_mse": comparison.autoencoder_mse,
        "pca_mse": comparison.pca_mse,
        "relative_mse_gap": comparison.relative_mse_gap,
    }
    return TrainedModel(model=autoencoder, settings=settings, metrics=metrics)

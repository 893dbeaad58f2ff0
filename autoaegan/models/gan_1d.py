"""A GAN small enough to watch: numbers drawn from a mixture of Gaussians on [0, 1], chapter 08.

With one-dimensional data, everything a GAN does fits in one plot: the real
density, the histogram of the generator's samples, and the discriminator's D(x)
over the whole line. Goodfellow et al. (2014) show that the game's equilibrium,
for networks of unlimited capacity, is reached when the generator's distribution
equals the real one; there D(x) = ½ everywhere, since an x is then as likely to be
real as fake. `train_1d_gan` records these curves every few steps, and
`autoaegan.figures.gan_1d` plays them back with a slider.

The networks are tiny multilayer perceptrons trained by the shared two-phase
`GAN.train_step`, so a few thousand steps take seconds on a CPU. The data live in
[0, 1] (the range that `GAN` expects of real images), and the generator ends with a
sigmoid; the discriminator first stretches [0, 1] to [-4, 4], so that its relu
units can place their kinks across the data without large weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import keras
import numpy as np

from autoaegan.arguments import positive_int, positive_int_tuple
from autoaegan.models.gan import GAN
from autoaegan.seeding import set_seed

NOISE_SIZE = 4
UNITS = (64, 64)
INPUT_STRETCH = 8.0  # [0, 1] → [-4, 4] at the discriminator's input
LEARNING_RATE = 5e-4
BETA_1 = 0.5
BATCH_SIZE = 256
GRID_POINTS = 201
HISTOGRAM_BINS = 50


@dataclass(frozen=True)
class GaussianMixture:
    """A mixture of Gaussians on the real line: `means`, standard deviations `stds`, mixing `weights` (sum 1)."""

    means: tuple[float, ...] = (0.25, 0.7)
    stds: tuple[float, ...] = (0.05, 0.07)
    weights: tuple[float, ...] = (0.5, 0.5)

    def __post_init__(self):
        lengths = {len(self.means), len(self.stds), len(self.weights)}
        if len(lengths) != 1 or not self.means:
            raise ValueError(
                f"means, stds and weights must have the same, non-zero length; got "
                f"{len(self.means)}, {len(self.stds)} and {len(self.weights)}"
            )
        if min(self.stds) <= 0 or min(self.weights) < 0 or not np.isclose(sum(self.weights), 1.0):
            raise ValueError(
                f"stds must be positive and weights non-negative summing to 1; got stds {self.stds}, "
                f"weights {self.weights}"
            )

    def sample(self, n: int, *, seed) -> np.ndarray:
        """`n` draws as float32 `(n, 1)`, from `numpy.random.default_rng(seed)`."""
        rng = np.random.default_rng(seed)
        component = rng.choice(len(self.weights), size=positive_int(n, "n"), p=np.asarray(self.weights))
        draws = np.asarray(self.means)[component] + np.asarray(self.stds)[component] * rng.normal(size=n)
        return draws.astype(np.float32)[:, None]

    def density(self, x) -> np.ndarray:
        """The probability density at each of `x`."""
        x = np.asarray(x, dtype=np.float64)[..., None]
        means, stds, weights = (np.asarray(v, dtype=np.float64) for v in (self.means, self.stds, self.weights))
        return np.sum(weights * np.exp(-0.5 * ((x - means) / stds) ** 2) / (stds * np.sqrt(2 * np.pi)), axis=-1)


def build_1d_generator(noise_size: int = NOISE_SIZE, *, units=UNITS) -> keras.Model:
    """Noise `(noise_size,)` → one number in [0, 1], shape `(1,)`: relu Dense layers of `units`, a sigmoid output."""
    noise = keras.Input(shape=(positive_int(noise_size, "noise_size"),), name="noise")
    hidden = noise
    for size in positive_int_tuple(units, "units"):
        hidden = keras.layers.Dense(size, activation="relu")(hidden)
    return keras.Model(noise, keras.layers.Dense(1, activation="sigmoid", name="x")(hidden), name="generator_1d")


def build_1d_discriminator(*, units=UNITS) -> keras.Model:
    """A number `(1,)` in [0, 1] → the probability that it is real `(1,)`: relu Dense layers of `units`."""
    x = keras.Input(shape=(1,), name="x")
    hidden = keras.layers.Rescaling(INPUT_STRETCH, offset=-INPUT_STRETCH / 2, name="stretch")(x)
    for size in positive_int_tuple(units, "units"):
        hidden = keras.layers.Dense(size, activation="relu")(hidden)
    real = keras.layers.Dense(1, activation="sigmoid", name="real_probability")(hidden)
    return keras.Model(x, real, name="discriminator_1d")


def build_1d_gan(*, noise_size: int = NOISE_SIZE, units=UNITS, seed: int | None = None) -> GAN:
    """The shared `GAN` with the 1-D generator and discriminator, not compiled."""
    return GAN(
        build_1d_generator(noise_size, units=units), build_1d_discriminator(units=units), seed=seed, name="gan_1d"
    )


@dataclass
class Trace1D:
    """What `train_1d_gan` recorded: every array has one row per snapshot (the first one before training).

    `grid`: G points of [0, 1]; `real_density`: the mixture's density there;
    `discriminator`: D(x) on the grid, `(snapshots, G)`; `bin_edges` and
    `generated_density`: a density histogram of the generator's samples, `(snapshots, bins)`;
    `generated`: those samples themselves; `d_loss`, `g_loss`: the losses averaged over the
    steps since the previous snapshot (NaN for the first).
    """

    steps: np.ndarray
    grid: np.ndarray
    real_density: np.ndarray
    discriminator: np.ndarray
    bin_edges: np.ndarray
    generated_density: np.ndarray
    generated: np.ndarray
    d_loss: np.ndarray
    g_loss: np.ndarray
    mixture: GaussianMixture = field(default_factory=GaussianMixture)

    def total_variation(self) -> np.ndarray:
        """Per snapshot, the total variation distance between the histogram and the mixture (0: identical, 1: disjoint).

        Both are compared as probabilities of the same bins; the mixture's come from its
        density at the bins' centres.
        """
        widths = np.diff(self.bin_edges)
        centres = (self.bin_edges[:-1] + self.bin_edges[1:]) / 2
        real = self.mixture.density(centres) * widths
        real = real / real.sum()
        return 0.5 * np.abs(self.generated_density * widths - real).sum(axis=1)


class _Snapshots(keras.callbacks.Callback):
    """Record the curves of a `Trace1D` at the end of each execution (one per `steps_per_execution` steps)."""

    def __init__(self, gan: GAN, grid: np.ndarray, noise: np.ndarray, bins: np.ndarray):
        super().__init__()
        self.gan, self.grid, self.noise, self.bins = gan, grid, noise, bins
        self.rows = {name: [] for name in ("steps", "discriminator", "generated", "d_loss", "g_loss")}

    def snapshot(self, step: int, logs=None):
        rows = self.rows
        rows["steps"].append(step)
        rows["discriminator"].append(keras.ops.convert_to_numpy(self.gan.discriminator(self.grid)).ravel())
        rows["generated"].append(keras.ops.convert_to_numpy(self.gan.generator(self.noise)).ravel())
        for name in ("d_loss", "g_loss"):
            rows[name].append(float(logs[name]) if logs else np.nan)

    def on_train_batch_end(self, batch, logs=None):
        self.snapshot(int(keras.ops.convert_to_numpy(self.gan.d_optimizer.iterations)), logs)
        # The logged losses are means since the last reset: reset them so that each snapshot averages its own steps.
        for metric in self.gan.metrics:
            metric.reset_state()


def train_1d_gan(
    *,
    steps: int,
    every: int,
    mixture: GaussianMixture | None = None,
    seed: int = 0,
    d_learning_rate: float = LEARNING_RATE,
    g_learning_rate: float = LEARNING_RATE,
    batch_size: int = BATCH_SIZE,
    samples: int = 2_000,
    gan: GAN | None = None,
) -> tuple[GAN, Trace1D]:
    """Train a 1-D GAN on `mixture` for `steps` steps (a multiple of `every`), snapshotting every `every` steps.

    Both networks use Adam (β₁ = 0.5) at their learning rates. Each snapshot
    evaluates D(x) on a grid of [0, 1] and draws `samples` numbers from the generator,
    always from the same noise. `gan` defaults to a fresh `build_1d_gan(seed=seed)`.
    Returns `(gan, trace)`.
    """
    steps, every = positive_int(steps, "steps"), positive_int(every, "every")
    if steps % every:
        raise ValueError(f"steps ({steps}) must be a multiple of every ({every})")
    batch_size = positive_int(batch_size, "batch_size")
    mixture = mixture or GaussianMixture()
    set_seed(seed)
    gan = gan or build_1d_gan(seed=seed)
    # A snapshot falls at the end of each execution of `every` steps: no per-step Python callback.
    gan.compile(
        keras.optimizers.Adam(d_learning_rate, beta_1=BETA_1),
        keras.optimizers.Adam(g_learning_rate, beta_1=BETA_1),
        steps_per_execution=every,
    )
    grid = np.linspace(0.0, 1.0, GRID_POINTS, dtype=np.float32)[:, None]
    noise = np.random.default_rng([seed, 1]).normal(size=(positive_int(samples, "samples"), gan.codings_size))
    bins = np.linspace(0.0, 1.0, HISTOGRAM_BINS + 1)
    recorder = _Snapshots(gan, grid, noise.astype(np.float32), bins)
    recorder.snapshot(0)
    data = mixture.sample(steps * batch_size, seed=[seed, 2])  # fresh draws for every step: no epoch to repeat
    gan.fit(data, batch_size=batch_size, epochs=1, shuffle=False, verbose=0, callbacks=[recorder])
    rows = {name: np.asarray(values) for name, values in recorder.rows.items()}
    histograms = np.stack([np.histogram(x, bins=bins)[0] for x in rows["generated"]]).astype(np.float64)
    widths = np.diff(bins)
    trace = Trace1D(
        steps=rows["steps"],
        grid=grid.ravel(),
        real_density=mixture.density(grid.ravel()),
        discriminator=rows["discriminator"],
        bin_edges=bins,
        generated_density=histograms / (histograms.sum(axis=1, keepdims=True) * widths),
        generated=rows["generated"],
        d_loss=rows["d_loss"],
        g_loss=rows["g_loss"],
        mixture=mixture,
    )
    return gan, trace

"""Round-trip cases of assignment 12: the posterior of the forward process, DDIM with η > 0, a small denoiser.

Five submissions train a denoiser (`other_styles`, `no_time`, `too_small`, `predicts_x0`,
`package_code`, about 40 CPU-seconds each) and two return one without training (`returns_x_t`,
and `linear_filter`, the best linear denoiser fitted in closed form); the others keep the
released stub of `train_small_denoiser`, which raises at once and loses the training part's 6
points. The test of t gives its points only to a denoiser within the noise-level limits: a
submission that fails those loses both cells.
"""

from __future__ import annotations

from pathlib import Path

from tests.roundtrip_cases import Submission

NOTEBOOK = Path("12_diffusion/diffusion.ipynb")
POINTS = {
    "test_posterior_moments": 2,
    "test_posterior_moments_limits": 2,
    "test_posterior_moments_hidden": 3,
    "test_ddim_eta_step": 2,
    "test_ddim_eta_step_limits": 2,
    "test_ddim_eta_step_hidden": 3,
    "test_small_denoiser_model": 2,
    "test_small_denoiser_noise_levels": 2,
    "test_small_denoiser_uses_time": 2,
}
POSTERIOR = {"test_posterior_moments": 0, "test_posterior_moments_limits": 0, "test_posterior_moments_hidden": 0}
DDIM = {"test_ddim_eta_step": 0, "test_ddim_eta_step_limits": 0, "test_ddim_eta_step_hidden": 0}
TRAINING = {"test_small_denoiser_model": 0, "test_small_denoiser_noise_levels": 0, "test_small_denoiser_uses_time": 0}

_POSTERIOR_SIGNATURE = '''import numpy as np


def posterior_moments(x0, x_t, t, alpha_bars):
    """The mean and variance of q(x_{t−1} | x_t, x₀) for the schedule `alpha_bars` (ᾱ_0 = 1 … ᾱ_T).

    `x0`, `x_t`: arrays of one shape (batch, ...); `t`: a step from 1 to T, or an integer array of one step per image.
    Returns (mean shaped like x_t, variance: one number, or (batch, 1, ..., 1) for one step per image). Raise
    ValueError if x0 and x_t differ in shape, or if a step is outside 1 … T.
    """
'''
_POSTERIOR_CHECKS = """    x0, x_t, alpha_bars = np.asarray(x0), np.asarray(x_t), np.asarray(alpha_bars, dtype=float)
    if x0.shape != x_t.shape:
        raise ValueError(f"x0 and x_t must have one shape, got {x0.shape} and {x_t.shape}")
    steps = len(alpha_bars) - 1
    t = np.asarray(t)
    if np.any(t < 1) or np.any(t > steps):
        raise ValueError(f"t must be a step from 1 to T = {steps}, got {t.tolist()}")
    if t.ndim:
        t = t.reshape((-1,) + (1,) * (x_t.ndim - 1))
    alpha_bar, alpha_bar_before = alpha_bars[t], alpha_bars[t - 1]
    alpha = alpha_bar / alpha_bar_before
    beta = 1 - alpha
"""


def _posterior(variance: str) -> str:
    """The solution's function with the variance `variance` (from the tables above it)."""
    return (
        _POSTERIOR_SIGNATURE
        + _POSTERIOR_CHECKS
        + f"""    variance = {variance}
    mean = (np.sqrt(alpha_bar_before) * beta * x0 + np.sqrt(alpha) * (1 - alpha_bar_before) * x_t) / (1 - alpha_bar)
    return mean, variance
"""
    )


POSTERIOR_SOLUTION = _posterior("(1 - alpha_bar_before) / (1 - alpha_bar) * beta")
# DDPM's other variance, the forward step's β_t: every cell of the part fails (at t = 1 it is β₁, not 0).
POSTERIOR_BETA = _posterior("beta")
# The product of the two Gaussians by their precisions, as the statement derives it, on the tables of α and β:
# correct everywhere but at t = 1, where 1 − ᾱ₀ = 0 makes the mean 0 × ∞ = NaN. The values cell (t ≥ 2) passes.
POSTERIOR_NAIVE_PRECISION = (
    _POSTERIOR_SIGNATURE
    + _POSTERIOR_CHECKS
    + """    precision = alpha / beta + 1 / (1 - alpha_bar_before)
    variance = 1 / precision
    mean = variance * (np.sqrt(alpha) / beta * x_t + np.sqrt(alpha_bar_before) / (1 - alpha_bar_before) * x0)
    return mean, variance
"""
)
# Another correct style: the precisions, with t = 1 (x₀ known) set apart; per-image steps in a loop-free gather;
# the variance as a Python float for one step.
POSTERIOR_OTHER_STYLE = (
    _POSTERIOR_SIGNATURE
    + """    x0 = np.asarray(x0, dtype=np.float64)
    x_t = np.asarray(x_t, dtype=np.float64)
    if x0.shape != x_t.shape:
        raise ValueError(f"shapes differ: x0 {x0.shape}, x_t {x_t.shape}")
    table = np.asarray(alpha_bars, dtype=np.float64)
    last = table.shape[0] - 1
    steps = np.atleast_1d(np.asarray(t))
    if steps.min() < 1 or steps.max() > last:
        raise ValueError(f"steps must lie in 1 … T = {last}; got {steps}")
    one = np.ndim(t) == 0
    ab_t = table[steps].reshape(-1, *[1] * (x0.ndim - 1))
    ab_prev = table[steps - 1].reshape(ab_t.shape)
    a_t = ab_t / ab_prev
    with np.errstate(divide="ignore", invalid="ignore"):
        precision_step = a_t / (1 - a_t)  # x_t = √α_t x_{t−1} + noise of β_t: x_{t−1} ≈ x_t / √α_t ± β_t / α_t
        precision_prior = 1 / (1 - ab_prev)  # x_{t−1} ≈ √ᾱ_{t−1} x₀ ± 1 − ᾱ_{t−1}
        var = 1 / (precision_step + precision_prior)
        mu = var * (precision_step * x_t / np.sqrt(a_t) + precision_prior * np.sqrt(ab_prev) * x0)
    known = ab_prev == 1.0  # t = 1: x_{t−1} is x₀ itself
    mu = np.where(known, x0, mu)
    var = np.where(known, 0.0, var)
    return (mu, float(var.ravel()[0])) if one else (mu, var)
"""
)

_DDIM_SIGNATURE = '''import numpy as np


def ddim_eta_step(x_t, t, t_before, predicted_noise, alpha_bars, *, eta=0.0, noise=None):
    """One DDIM step from step `t` to the earlier step `t_before` with η = `eta` (Song et al. 2021), for the schedule
    `alpha_bars` (ᾱ_0 = 1 … ᾱ_T): x̂₀ from x_t and ε̂, then x_s = √ᾱ_s x̂₀ + √(1 − ᾱ_s − σ²) ε̂ + σ z.

    `x_t`, `predicted_noise` (ε̂) and `noise` (z): arrays of one shape; `t` from 1 to T, `t_before` from 0 to t − 1;
    `eta` from 0 to 1; `noise` may be None when σ = 0. Raise ValueError for steps or eta out of range, or for a
    missing noise when σ > 0.
    """
'''
_DDIM_CHECKS = """    alpha_bars = np.asarray(alpha_bars, dtype=float)
    steps = len(alpha_bars) - 1
    if not 1 <= t <= steps or not 0 <= t_before < t:
        raise ValueError(f"need 1 ≤ t ≤ T = {steps} and 0 ≤ t_before < t, got t = {t} and t_before = {t_before}")
    if not 0 <= eta <= 1:
        raise ValueError(f"eta must be from 0 to 1, got {eta}")
"""


def _ddim(checks: str, direction: str, added: str) -> str:
    """The solution's step with `checks`, the predicted noise's coefficient `direction` and the noise term `added`."""
    return (
        _DDIM_SIGNATURE
        + checks
        + f"""    x_t, predicted_noise = np.asarray(x_t), np.asarray(predicted_noise)
    alpha_bar, alpha_bar_before = alpha_bars[t], alpha_bars[t_before]
    x0 = (x_t - np.sqrt(1 - alpha_bar) * predicted_noise) / np.sqrt(alpha_bar)
    sigma = eta * np.sqrt((1 - alpha_bar_before) / (1 - alpha_bar) * (1 - alpha_bar / alpha_bar_before))
    x_before = np.sqrt(alpha_bar_before) * x0 + {direction} * predicted_noise
    if sigma > 0:
        if noise is None:
            raise ValueError(f"eta = {{eta}} adds noise from t = {{t}} to {{t_before}}: give noise")
        x_before = x_before + {added} * np.asarray(noise)
    return x_before
"""
    )


DDIM_SOLUTION = _ddim(_DDIM_CHECKS, "np.sqrt(1 - alpha_bar_before - sigma**2)", "sigma")
# σ² not taken out of ε̂'s share: x_s's variance grows by σ²; the values and the DDPM limit fail.
DDIM_NO_SHARE = _ddim(_DDIM_CHECKS, "np.sqrt(1 - alpha_bar_before)", "sigma")
# The values right, but no ValueError for bad steps or η (alpha_bars[t] still raises IndexError past T): the cells of
# the limits and the hidden tests fail.
DDIM_NO_CHECKS = _ddim(
    "    alpha_bars = np.asarray(alpha_bars, dtype=float)\n", "np.sqrt(1 - alpha_bar_before - sigma**2)", "sigma"
)
# Another correct style: keras.ops on tensors (float32 in, a tensor out), σ from the variances' ratio.
DDIM_OTHER_STYLE = (
    _DDIM_SIGNATURE
    + """    from keras import ops

    last = len(alpha_bars) - 1
    if t < 1 or t > last or t_before < 0 or t_before >= t:
        raise ValueError(f"bad steps: t = {t}, t_before = {t_before} (T = {last})")
    if eta < 0 or eta > 1:
        raise ValueError(f"eta must lie in [0, 1], got {eta}")
    a_t, a_s = float(alpha_bars[t]), float(alpha_bars[t_before])
    x_t, eps = ops.convert_to_tensor(x_t, "float32"), ops.convert_to_tensor(predicted_noise, "float32")
    guess = (x_t - (1 - a_t) ** 0.5 * eps) / a_t**0.5
    variance = eta**2 * (1 - a_s) / (1 - a_t) * (1 - a_t / a_s)
    out = a_s**0.5 * guess + max(1 - a_s - variance, 0.0) ** 0.5 * eps
    if variance == 0:
        return out
    if noise is None:
        raise ValueError("this step adds noise: pass noise")
    return out + variance**0.5 * ops.convert_to_tensor(noise, "float32")
"""
)

_TRAIN_SIGNATURE = '''import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops


def train_small_denoiser(images, *, steps, seed):
    """Train a small denoiser on `images` for at most `steps` steps; return it.

    `images` is a float32 array (n, 28, 28) in [0, 1]. The denoiser is a Keras model called on [x_t, t]: noisy images
    x_t (batch, 28, 28, 1), made with ALPHA_BARS from the images scaled to [-1, 1], and their steps t, float32
    (batch,). It returns ε̂ (batch, 28, 28, 1), its estimate of the noise in x_t.
    """
'''
# The released cell, as nbgrader makes it: the training part is left undone.
UNDONE_TRAINING = _TRAIN_SIGNATURE + "    # YOUR CODE HERE\n    raise NotImplementedError()\n"

_EMBEDDING = """    keras.utils.set_random_seed(seed)
    noisy, step = keras.Input((28, 28, 1)), keras.Input(())
    frequencies = np.exp(-np.log(1000.0) * np.arange(16) / 16).astype("float32")
    encode = layers.Lambda(lambda t: ops.concatenate([ops.sin(t[:, None] * frequencies),
                                                      ops.cos(t[:, None] * frequencies)], axis=-1))
    embedding = layers.Dense(64, activation="swish")(encode(step))

"""
_BLOCK = """    def block(h, width):
        h = layers.Conv2D(width, 3, padding="same")(h)
        return layers.Activation("swish")(h + layers.Reshape((1, 1, width))(layers.Dense(width)(embedding)))

"""
_UNET = """    h28 = block(noisy, 16)
    h14 = block(layers.AveragePooling2D(2)(h28), 32)
    h = block(layers.AveragePooling2D(2)(h14), 32)
    h = block(layers.Concatenate()([layers.UpSampling2D(2)(h), h14]), 32)
    h = block(layers.Concatenate()([layers.UpSampling2D(2)(h), h28]), 16)
    denoiser = keras.Model([noisy, step], layers.Conv2D(1, 3, padding="same")(h))

"""
_TRAINING_LOOP = """    alpha_bars = tf.constant(ALPHA_BARS, tf.float32)
    clean = tf.constant(images.reshape(-1, 28, 28, 1) * 2 - 1, tf.float32)
    optimizer = keras.optimizers.Adam(2e-3)

    @tf.function
    def train_step(x0, t, noise):
        alpha_bar = tf.reshape(tf.gather(alpha_bars, t), (-1, 1, 1, 1))
        x_t = tf.sqrt(alpha_bar) * x0 + tf.sqrt(1 - alpha_bar) * noise
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square({target} - denoiser([x_t, tf.cast(t, tf.float32)], training=True)))
        gradients = tape.gradient(loss, denoiser.trainable_variables)
        optimizer.apply_gradients(zip(gradients, denoiser.trainable_variables))

    rng = np.random.default_rng(seed)
    for _ in range(steps):
        batch = tf.gather(clean, rng.integers(0, len(images), size=32))
        train_step(batch, rng.integers(1, T + 1, size=32), rng.standard_normal((32, 28, 28, 1)).astype("float32"))
    return denoiser
"""
TRAINING_SOLUTION = _TRAIN_SIGNATURE + _EMBEDDING + _BLOCK + _UNET + _TRAINING_LOOP.format(target="noise")
# The blocks never see the embedding: the step t reaches no layer. It finds the noise nearly as well (the noise level
# shows in x_t itself), but told the wrong step it does exactly as well: the test of t fails, the others pass.
NO_TIME_TRAINING = (
    _TRAIN_SIGNATURE
    + _EMBEDDING
    + """    def block(h, width):
        return layers.Conv2D(width, 3, padding="same", activation="swish")(h)

"""
    + _UNET
    + _TRAINING_LOOP.format(target="noise")
)
# The same U-Net trained to predict the clean image x₀ instead of the noise: its ε̂ misses by more than ε̂ = 0 does.
PREDICTS_X0_TRAINING = _TRAIN_SIGNATURE + _EMBEDDING + _BLOCK + _UNET + _TRAINING_LOOP.format(target="x0")
# One block of 8 channels at 28×28, told t, and the output convolution: too small to denoise well.
TOO_SMALL_TRAINING = (
    _TRAIN_SIGNATURE
    + _EMBEDDING
    + _BLOCK
    + """    denoiser = keras.Model([noisy, step], layers.Conv2D(1, 3, padding="same")(block(noisy, 8)))

"""
    + _TRAINING_LOOP.format(target="noise")
)
# No training: the noisy image itself as the noise's estimate (predicting x_t, not ε).
RETURNS_X_T_TRAINING = (
    _TRAIN_SIGNATURE
    + """    noisy, step = keras.Input((28, 28, 1)), keras.Input(())
    return keras.Model([noisy, step], layers.Lambda(lambda inputs: inputs[0] + 0 * inputs[1][:, None, None, None])(
        [noisy, step]))
"""
)
# No training: the best linear denoiser (Wiener's filter), from the training images' mean and covariance in closed form,
# ε̂ = b V diag(1 / (a²λ + b²)) Vᵀ (x_t − a μ) with a = √ᾱ_t, b = √(1 − ᾱ_t), and its guess of x₀ clipped to [-1, 1].
# It meets every fixed limit and uses t, but it is no better than the checker's own linear filter at step 200: it
# loses the noise levels, and with them the test of t.
LINEAR_FILTER_TRAINING = (
    _TRAIN_SIGNATURE
    + """    flat = images.reshape(len(images), -1).astype("float64") * 2 - 1
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(flat, rowvar=False))
    mean = ops.convert_to_tensor(flat.mean(axis=0), "float32")
    variances = ops.convert_to_tensor(np.maximum(eigenvalues, 0), "float32")
    basis = ops.convert_to_tensor(eigenvectors, "float32")
    table = ops.convert_to_tensor(ALPHA_BARS, "float32")

    def wiener(inputs):
        x_t = ops.reshape(inputs[0], (-1, 784))
        alpha_bar = ops.take(table, ops.cast(inputs[1], "int32"))[:, None]
        a, b = ops.sqrt(alpha_bar), ops.sqrt(1 - alpha_bar)
        noise = ops.matmul(ops.matmul(x_t - a * mean, basis) * b / (a * a * variances + b * b), ops.transpose(basis))
        x0 = ops.clip((x_t - b * noise) / a, -1, 1)
        return ops.reshape((x_t - a * x0) / b, (-1, 28, 28, 1))

    noisy, step = keras.Input((28, 28, 1)), keras.Input(())
    return keras.Model([noisy, step], layers.Lambda(wiener)([noisy, step]))
"""
)
# Another correct style, as Géron's chapter trains its diffusion model: a time-encoding layer of its own, the noisy
# batches drawn beforehand with NumPy, and Keras's compile and fit with the mean squared error.
OTHER_STYLE_TRAINING = (
    _TRAIN_SIGNATURE
    + """    class TimeEncoding(layers.Layer):
        def call(self, t):
            angles = ops.expand_dims(t, -1) * ops.exp(-ops.arange(16, dtype="float32") * (np.log(1000.0) / 16))
            return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)

    keras.utils.set_random_seed(seed)
    x_in, t_in = keras.Input(shape=(28, 28, 1)), keras.Input(shape=())
    time = layers.Dense(64, activation="swish")(TimeEncoding()(t_in))

    def conv(x, filters):
        x = layers.Conv2D(filters, 3, padding="same")(x)
        shift = layers.Reshape((1, 1, filters))(layers.Dense(filters)(time))
        return layers.Activation("swish")(layers.Add()([x, shift]))

    skip28 = conv(x_in, 16)
    skip14 = conv(layers.AveragePooling2D(2)(skip28), 32)
    x = conv(layers.AveragePooling2D(2)(skip14), 32)
    x = conv(layers.concatenate([layers.UpSampling2D(2)(x), skip14]), 32)
    x = conv(layers.concatenate([layers.UpSampling2D(2)(x), skip28]), 16)
    model = keras.Model(inputs=[x_in, t_in], outputs=layers.Conv2D(1, 3, padding="same")(x))

    rng = np.random.default_rng(seed)
    count = steps * 32
    x0 = images[rng.integers(0, len(images), size=count)].reshape(-1, 28, 28, 1) * 2.0 - 1.0
    t = rng.integers(1, T + 1, size=count)
    eps = rng.standard_normal(x0.shape).astype("float32")
    ab = ALPHA_BARS[t].reshape(-1, 1, 1, 1)
    x_t = (np.sqrt(ab) * x0 + np.sqrt(1.0 - ab) * eps).astype("float32")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=2e-3), loss="mse")
    model.fit([x_t, t.astype("float32")], eps, batch_size=32, epochs=1, shuffle=False, verbose=0)
    return model
"""
)

# The package's code for every part: its NoiseSchedule's posterior, its DDIM step, its time-encoding layer.
PACKAGE_POSTERIOR = (
    _POSTERIOR_SIGNATURE
    + """    from autoaegan.models.diffusion import NoiseSchedule

    alpha_bars = np.asarray(alpha_bars, dtype=float)
    betas = np.concatenate([[0.0], 1 - alpha_bars[1:] / alpha_bars[:-1]])
    return NoiseSchedule("cosine", betas).posterior(x0, x_t, t)
"""
)
PACKAGE_DDIM = (
    _DDIM_SIGNATURE
    + """    from autoaegan.models import diffusion

    alpha_bars = np.asarray(alpha_bars, dtype=float)
    schedule = diffusion.NoiseSchedule("cosine", np.concatenate([[0.0], 1 - alpha_bars[1:] / alpha_bars[:-1]]))
    if not 0 <= eta <= 1:
        raise ValueError(f"eta must be from 0 to 1, got {eta}")
    return diffusion.ddim_step(schedule, x_t, t, t_before, predicted_noise, eta=eta, noise=noise, clip=False)
"""
)
PACKAGE_TRAINING = (
    _TRAIN_SIGNATURE.replace(
        "from keras import layers, ops\n",
        "from keras import layers, ops\n\nfrom autoaegan.models.diffusion_unet import SinusoidalTimeEncoding\n",
    )
    + _EMBEDDING.replace(
        """    frequencies = np.exp(-np.log(1000.0) * np.arange(16) / 16).astype("float32")
    encode = layers.Lambda(lambda t: ops.concatenate([ops.sin(t[:, None] * frequencies),
                                                      ops.cos(t[:, None] * frequencies)], axis=-1))
""",
        "    encode = SinusoidalTimeEncoding(32)\n",
    )
    + _BLOCK
    + _UNET
    + _TRAINING_LOOP.format(target="noise")
)

_SOLUTION_PARTS = {"posterior_moments": POSTERIOR_SOLUTION, "ddim_eta_step": DDIM_SOLUTION}
SUBMISSIONS = {
    "other_styles": Submission(
        answers={
            "posterior_moments": POSTERIOR_OTHER_STYLE,
            "ddim_eta_step": DDIM_OTHER_STYLE,
            "train_small_denoiser": OTHER_STYLE_TRAINING,
        },
        why="the posterior by its precisions with t = 1 set apart, a float variance for one step; DDIM's step with "
        "keras.ops on float32 tensors; the denoiser trained as Géron's chapter does, with compile and fit on "
        "batches drawn beforehand",
    ),
    "beta_variance_no_share": Submission(
        answers={
            "posterior_moments": POSTERIOR_BETA,
            "ddim_eta_step": DDIM_NO_SHARE,
            "train_small_denoiser": UNDONE_TRAINING,
        },
        deserved={**POSTERIOR, **DDIM, **TRAINING},
        why="the forward step's variance β_t for the posterior's β̃_t; DDIM's ε̂ coefficient √(1 − ᾱ_s), σ² not taken "
        "out of it; the training left undone",
        messages={
            "test_posterior_moments": "the variance β_t",
            "test_ddim_eta_step": "σ² not taken out of it",
            "test_posterior_moments_limits": "the variance at t = 1",
            "test_ddim_eta_step_limits": "DDPM's mean",
        },
    ),
    "naive_precision_no_checks": Submission(
        answers={
            "posterior_moments": POSTERIOR_NAIVE_PRECISION,
            "ddim_eta_step": DDIM_NO_CHECKS,
            "train_small_denoiser": UNDONE_TRAINING,
        },
        deserved={
            "test_posterior_moments_limits": 0,
            "test_posterior_moments_hidden": 0,
            "test_ddim_eta_step_limits": 0,
            "test_ddim_eta_step_hidden": 0,
            **TRAINING,
        },
        why="the posterior by its precisions, NaN at t = 1 (1 − ᾱ₀ = 0); DDIM's step without its ValueErrors",
        messages={
            "test_posterior_moments_limits": "the mean at t = 1",
            "test_ddim_eta_step_limits": "should raise ValueError",
        },
    ),
    "no_time": Submission(
        answers={**_SOLUTION_PARTS, "train_small_denoiser": NO_TIME_TRAINING},
        deserved={"test_small_denoiser_uses_time": 0},
        why="the solution's U-Net with no embedding in its blocks: t reaches no layer",
        messages={"test_small_denoiser_uses_time": "does t reach every block"},
    ),
    "predicts_x0": Submission(
        answers={**_SOLUTION_PARTS, "train_small_denoiser": PREDICTS_X0_TRAINING},
        deserved={"test_small_denoiser_noise_levels": 0, "test_small_denoiser_uses_time": 0},
        why="the solution's U-Net trained to predict the clean image x₀ instead of the noise ε",
        messages={"test_small_denoiser_noise_levels": "not x₀ or x_t"},
    ),
    "too_small": Submission(
        answers={**_SOLUTION_PARTS, "train_small_denoiser": TOO_SMALL_TRAINING},
        deserved={"test_small_denoiser_noise_levels": 0, "test_small_denoiser_uses_time": 0},
        why="one block of 8 channels at 28×28, told t, trained as the solution's: above the limits, so the test of t "
        "gives nothing either",
        messages={"test_small_denoiser_uses_time": "must first pass the test of the noise levels"},
    ),
    "returns_x_t": Submission(
        answers={**_SOLUTION_PARTS, "train_small_denoiser": RETURNS_X_T_TRAINING},
        deserved={"test_small_denoiser_noise_levels": 0, "test_small_denoiser_uses_time": 0},
        why="no training: the noisy image x_t returned as the estimate of its noise",
    ),
    "linear_filter": Submission(
        answers={**_SOLUTION_PARTS, "train_small_denoiser": LINEAR_FILTER_TRAINING},
        deserved={"test_small_denoiser_noise_levels": 0, "test_small_denoiser_uses_time": 0},
        why="no training: the best linear denoiser (Wiener's filter) from the training images' mean and covariance, "
        "x̂₀ clipped: within the fixed limits, but no better than the checker's own linear filter at step 200",
        messages={
            "test_small_denoiser_noise_levels": "the best linear denoiser's",
            "test_small_denoiser_uses_time": "must first pass the test of the noise levels",
        },
    ),
    "package_code": Submission(
        answers={
            "posterior_moments": PACKAGE_POSTERIOR,
            "ddim_eta_step": PACKAGE_DDIM,
            "train_small_denoiser": PACKAGE_TRAINING,
        },
        deserved={**POSTERIOR, **DDIM, **TRAINING},
        why="every part takes the package's code (NoiseSchedule.posterior, ddim_step, SinusoidalTimeEncoding): 0 and "
        "needs_manual_grade on every test cell, the notebook flagged",
    ),
}

"""Assignment 06_variational's round-trip cases: a KL divergence between Gaussians, the β-VAE loss, a VAE trained.

Each submission replaces some of the solution's answer cells (the others stay the
solution's) and deserves exactly the points listed. Only three of them train a VAE
(`other_style`, `too_small`, `copying`); the others return models without training, so
that the round trip stays short. The training scores hold for grading's seed
(`autoaegan.grading.training.DEFAULT_TRAINING_SEED`); their margins over 20 seeds are in
the instructor's guide.
"""

from __future__ import annotations

from pathlib import Path

from tests.roundtrip_cases import Submission

NOTEBOOK = Path("06_variational/variational.ipynb")
POINTS = {
    "test_gaussian_kl": 2,
    "test_gaussian_kl_gradients": 1,
    "test_gaussian_kl_hidden": 2,
    "test_beta_vae_loss": 2,
    "test_beta_vae_loss_gradients": 1,
    "test_beta_vae_loss_hidden": 2,
    "test_train_vae_models": 2,
    "test_train_vae_coverage": 2,
    "test_train_vae_quality": 2,
}

KL_HEAD = '''from keras import ops
import numpy as np


def gaussian_kl(mean_q, log_var_q, mean_p, log_var_p):
    """KL(N(mean_q, exp(log_var_q)) ‖ N(mean_p, exp(log_var_p))), summed over the last axis."""
'''
LOSS_HEAD = '''from keras import ops
import numpy as np


def beta_vae_loss(images, reconstructions, mean, log_var, beta):
    """The β-VAE loss of a batch."""
'''
KL_TERMS = (
    "log_var_p - log_var_q + ops.exp(log_var_q - log_var_p) + ops.square(mean_q - mean_p) * ops.exp(-log_var_p) - 1"
)
KL_TO_PRIOR = "    kl = -0.5 * ops.sum(1 + log_var - ops.exp(log_var) - ops.square(mean), axis=-1)\n"

# ----- correct answers in other styles -------------------------------------------------------------------------------

KL_OTHER_STYLE = '''import keras


def gaussian_kl(mean_q, log_var_q, mean_p, log_var_p):
    """KL(q ‖ p) for diagonal Gaussians: the variance ratio, the scaled gap of the means, the log-ratio."""
    variance_ratio = keras.ops.exp(log_var_q - log_var_p)
    scaled_gap = keras.ops.square(mean_q - mean_p) / keras.ops.exp(log_var_p)
    return keras.ops.sum(variance_ratio + scaled_gap - 1 - (log_var_q - log_var_p), axis=-1) / 2
'''
LOSS_OTHER_STYLE = '''from keras import ops


def beta_vae_loss(images, reconstructions, mean, log_var, beta):
    """The β-VAE loss, with the KL from gaussian_kl and a standard-normal prior."""
    batch = ops.shape(images)[0]
    errors = ops.reshape(images - reconstructions, (batch, -1))
    kl = gaussian_kl(mean, log_var, ops.zeros_like(mean), ops.zeros_like(log_var))
    return ops.mean(ops.sum(errors * errors, axis=1) + beta * kl)
'''
# Chapter 06's own code, copied: its Sampling layer, its encoder and decoder (150 and 100 units) with a coding of 16,
# its VAE with the per-pixel MSE + KL / 784, trained with Nadam by `fit` for as many whole epochs as the steps allow.
TRAIN_CHAPTER_STYLE = '''import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops


class Sampling(layers.Layer):
    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        mean, log_var = inputs
        epsilon = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        return mean + ops.exp(log_var / 2) * epsilon


def latent_loss(mean, log_var):
    return -0.5 * ops.sum(1 + log_var - ops.exp(log_var) - ops.square(mean), axis=-1)


def build_encoder(codings_size, seed=42):
    inputs = keras.Input(shape=(28, 28))
    z = layers.Flatten()(inputs)
    z = layers.Dense(150, activation="relu")(z)
    z = layers.Dense(100, activation="relu")(z)
    codings_mean = layers.Dense(codings_size)(z)
    codings_log_var = layers.Dense(codings_size)(z)
    codings = Sampling(seed=seed)([codings_mean, codings_log_var])
    return keras.Model(inputs, [codings_mean, codings_log_var, codings], name="encoder")


def build_decoder(codings_size):
    inputs = keras.Input(shape=(codings_size,))
    x = layers.Dense(100, activation="relu")(inputs)
    x = layers.Dense(150, activation="relu")(x)
    x = layers.Dense(28 * 28, activation="sigmoid")(x)
    return keras.Model(inputs, layers.Reshape((28, 28))(x), name="decoder")


class VAE(keras.Model):
    def __init__(self, encoder, decoder, kl_weight=1 / 784, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder, self.kl_weight = encoder, decoder, kl_weight
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.built = True

    @property
    def metrics(self):
        return [self.loss_tracker]

    def call(self, images, training=False):
        _, _, codings = self.encoder(images, training=training)
        return self.decoder(codings, training=training)

    def train_step(self, images):
        with tf.GradientTape() as tape:
            codings_mean, codings_log_var, codings = self.encoder(images, training=True)
            reconstructions = self.decoder(codings, training=True)
            reconstruction_loss = ops.mean(ops.square(images - reconstructions))
            kl_loss = ops.mean(latent_loss(codings_mean, codings_log_var))
            loss = reconstruction_loss + self.kl_weight * kl_loss
        gradients = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}


def train_vae(images, *, steps, seed):
    """Chapter 06's VAE with a coding of 16, trained with fit for as many whole epochs as `steps` allows."""
    keras.utils.set_random_seed(seed)
    vae = VAE(build_encoder(16, seed=seed), build_decoder(16))
    vae.compile(optimizer=keras.optimizers.Nadam(learning_rate=1e-3))
    epochs = steps // int(np.ceil(len(images) / 128))
    vae.fit(images, epochs=epochs, batch_size=128, verbose=0)
    return vae.encoder, vae.decoder
'''

# ----- models that fail the training part ----------------------------------------------------------------------------


def _dense_vae(*, bottleneck: int) -> str:
    """The solution's VAE (256 units on each side), whose decoder squeezes the codings through `bottleneck` units."""
    return f"""import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops


class DrawCodings(layers.Layer):
    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        mean, log_var = inputs
        return mean + ops.exp(log_var / 2) * keras.random.normal(ops.shape(mean), seed=self.seed_generator)


def train_vae(images, *, steps, seed):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(28, 28))
    hidden = layers.Dense(256, activation="relu")(layers.Flatten()(inputs))
    mean, log_var = layers.Dense(16)(hidden), layers.Dense(16)(hidden)
    encoder = keras.Model(inputs, [mean, log_var, DrawCodings(seed=seed)([mean, log_var])])
    codings = keras.Input(shape=(16,))
    squeezed = layers.Dense({bottleneck})(codings)
    hidden = layers.Dense(256, activation="relu")(squeezed)
    decoder = keras.Model(codings, layers.Reshape((28, 28))(layers.Dense(784, activation="sigmoid")(hidden)))
    optimizer = keras.optimizers.Adam(learning_rate=2e-3)
    weights = encoder.trainable_weights + decoder.trainable_weights

    @tf.function
    def train_step(batch):
        with tf.GradientTape() as tape:
            mean, log_var, codings = encoder(batch, training=True)
            loss = beta_vae_loss(batch, decoder(codings, training=True), mean, log_var, 1.0)
        optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))

    images = np.asarray(images, dtype="float32")
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        train_step(images[rng.choice(len(images), size=128, replace=False)])
    return encoder, decoder
"""


# A decoder that squeezes the 16 codings through one unit, a 1-D coding in effect: it draws a few kinds of garments.
TRAIN_TOO_SMALL = _dense_vae(bottleneck=1)
# Not a VAE: the decoder picks one of 2,000 training images for each coding (a sharp softmax over random keys), and
# nothing is trained. Its samples are real images, of every class: only the copy check stops it.
TRAIN_COPYING = """import keras
import numpy as np
from keras import layers


def train_vae(images, *, steps, seed):
    keras.utils.set_random_seed(seed)
    kept = np.asarray(images[:2000], dtype="float32").reshape(2000, -1)
    inputs = keras.Input(shape=(28, 28))
    flat = layers.Flatten()(inputs)
    mean, log_var = layers.Dense(16)(flat), layers.Dense(16)(flat)
    encoder = keras.Model(inputs, [mean, log_var, mean])
    codings = keras.Input(shape=(16,))
    choice = layers.Softmax()(layers.Rescaling(1000.0)(layers.Dense(2000, use_bias=False)(codings)))
    lookup = layers.Dense(28 * 28, use_bias=False)
    pixels = lookup(choice)
    lookup.set_weights([kept])
    return encoder, keras.Model(codings, layers.Reshape((28, 28))(pixels))
"""
# Untrained models whose decoder takes codings of size 8, not 16: the checks cannot call it on theirs.
TRAIN_WRONG_CODING_SIZE = """import keras
from keras import layers


def train_vae(images, *, steps, seed):
    inputs = keras.Input(shape=(28, 28))
    flat = layers.Flatten()(inputs)
    mean, log_var = layers.Dense(8)(flat), layers.Dense(8)(flat)
    encoder = keras.Model(inputs, [mean, log_var, mean])
    codings = keras.Input(shape=(8,))
    decoder = keras.Model(codings, layers.Reshape((28, 28))(layers.Dense(784, activation="sigmoid")(codings)))
    return encoder, decoder
"""
# Untrained models whose decoder draws its own noise at every call, in inference too: not a function of its input.
TRAIN_NOISY_DECODER = """import keras
from keras import layers, ops


class Jitter(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(0)

    def call(self, inputs):
        return inputs + keras.random.normal(ops.shape(inputs), seed=self.seed_generator)


def train_vae(images, *, steps, seed):
    inputs = keras.Input(shape=(28, 28))
    flat = layers.Flatten()(inputs)
    mean, log_var = layers.Dense(16)(flat), layers.Dense(16)(flat)
    encoder = keras.Model(inputs, [mean, log_var, mean])
    codings = keras.Input(shape=(16,))
    pixels = layers.Dense(784, activation="sigmoid")(Jitter()(codings))
    return encoder, keras.Model(codings, layers.Reshape((28, 28))(pixels))
"""
# Returns the decoder alone.
TRAIN_DECODER_ONLY = """import keras
from keras import layers


def train_vae(images, *, steps, seed):
    codings = keras.Input(shape=(16,))
    return keras.Model(codings, layers.Reshape((28, 28))(layers.Dense(784, activation="sigmoid")(codings)))
"""

PART_1 = ("test_gaussian_kl", "test_gaussian_kl_gradients", "test_gaussian_kl_hidden")
PART_2 = ("test_beta_vae_loss", "test_beta_vae_loss_gradients", "test_beta_vae_loss_hidden")
PART_3 = ("test_train_vae_models", "test_train_vae_coverage", "test_train_vae_quality")
ZERO_PART_3 = dict.fromkeys(PART_3, 0)

SUBMISSIONS = {
    "other_style": Submission(
        answers={"gaussian_kl": KL_OTHER_STYLE, "beta_vae_loss": LOSS_OTHER_STYLE, "train_vae": TRAIN_CHAPTER_STYLE},
        why="correct answers written differently: the KL as a variance ratio and a scaled gap of the means, the loss "
        "through gaussian_kl with a zero prior, and chapter 06's own VAE (its Sampling, encoder, decoder and "
        "train_step, per-pixel MSE + KL / 784, Nadam, fit) with a coding of 16",
    ),
    "too_small": Submission(
        answers={
            # Right values, computed with NumPy: no gradient.
            "gaussian_kl": KL_HEAD + "    mean_q, log_var_q, mean_p, log_var_p = (np.asarray(v) for v in (mean_q, "
            "log_var_q, mean_p, log_var_p))\n"
            "    return 0.5 * np.sum(log_var_p - log_var_q + np.exp(log_var_q - log_var_p) + "
            "(mean_q - mean_p) ** 2 * np.exp(-log_var_p) - 1, axis=-1)\n",
            # Everything cast to float32: float64 inputs lose their precision (the training's float32 images do not).
            "beta_vae_loss": LOSS_HEAD + "    images, reconstructions, mean, log_var = (ops.cast(v, 'float32') "
            "for v in (images, reconstructions, mean, log_var))\n"
            "    errors = ops.sum(ops.reshape(ops.square(images - reconstructions), "
            "(ops.shape(images)[0], -1)), axis=1)\n" + KL_TO_PRIOR + "    return ops.mean(errors + beta * kl)\n",
            "train_vae": TRAIN_TOO_SMALL,
        },
        deserved={
            "test_gaussian_kl_gradients": 0,
            "test_gaussian_kl_hidden": 0,
            "test_beta_vae_loss_hidden": 0,
            "test_train_vae_coverage": 0,
            "test_train_vae_quality": 0,
        },
        messages={
            "test_gaussian_kl_gradients": "no gradient reaches mean_q, log_var_q, mean_p, log_var_p",
            "test_train_vae_coverage": "at least 8 of the 10 classes",
            "test_train_vae_quality": "should be below 200",
        },
        why="gaussian_kl in NumPy (right values, no gradient), the loss cast to float32, and a decoder that squeezes "
        "the codings through one unit (trained on that loss, which is right for float32 images)",
    ),
    "copying": Submission(
        answers={
            # exp(γq) / exp(γp): NaN once both variances overflow float32.
            "gaussian_kl": KL_HEAD + "    terms = log_var_p - log_var_q + (ops.exp(log_var_q) + ops.square(mean_q - "
            "mean_p)) / ops.exp(log_var_p) - 1\n    return 0.5 * ops.sum(terms, axis=-1)\n",
            # The images flattened to 784 pixels: wrong for any other image size.
            "beta_vae_loss": LOSS_HEAD + "    errors = ops.sum(ops.reshape(ops.square(images - reconstructions), "
            "(-1, 784)), axis=1)\n" + KL_TO_PRIOR + "    return ops.mean(errors + beta * kl)\n",
            "train_vae": TRAIN_COPYING,
        },
        deserved={"test_gaussian_kl_hidden": 0, "test_beta_vae_loss_hidden": 0, "test_train_vae_quality": 0},
        messages={"test_train_vae_quality": "not copies of training images"},
        why="the variance ratio as exp(γq) / exp(γp) (NaN for huge variances), the loss hard-coded to 784 pixels, "
        "and a decoder that returns training images",
    ),
    "wrong_coding_size": Submission(
        answers={
            # KL(p ‖ q): q and p swapped.
            "gaussian_kl": KL_HEAD + "    terms = log_var_q - log_var_p + ops.exp(log_var_p - log_var_q) + "
            "ops.square(mean_p - mean_q) * ops.exp(-log_var_q) - 1\n"
            "    return 0.5 * ops.sum(terms, axis=-1)\n",
            # Chapter 06's per-pixel MSE, 784 times smaller than the sum the exercise asks for.
            "beta_vae_loss": LOSS_HEAD + "    errors = ops.mean(ops.reshape(ops.square(images - reconstructions), "
            "(ops.shape(images)[0], -1)), axis=1)\n" + KL_TO_PRIOR + "    return ops.mean(errors + beta * kl)\n",
            "train_vae": TRAIN_WRONG_CODING_SIZE,
        },
        deserved={**dict.fromkeys(PART_1, 0), **dict.fromkeys(PART_2, 0), **ZERO_PART_3},
        messages={
            "test_gaussian_kl": "KL(p ‖ q): the two distributions swapped",
            "test_beta_vae_loss": "chapter 06's convention",
            "test_train_vae_models": "the decoder",
        },
        why="KL(p ‖ q) instead of KL(q ‖ p), the loss with chapter 06's per-pixel MSE, and models for codings of "
        "size 8",
    ),
    "float32_noisy_decoder": Submission(
        answers={
            # Everything cast to float32: float64 inputs lose their precision.
            "gaussian_kl": KL_HEAD + "    mean_q, log_var_q, mean_p, log_var_p = (ops.cast(v, 'float32') for v in "
            f"(mean_q, log_var_q, mean_p, log_var_p))\n    terms = {KL_TERMS}\n"
            "    return 0.5 * ops.sum(terms, axis=-1)\n",
            # The KL averaged over the coding dimensions.
            "beta_vae_loss": LOSS_HEAD + "    errors = ops.sum(ops.reshape(ops.square(images - reconstructions), "
            "(ops.shape(images)[0], -1)), axis=1)\n"
            "    kl = -0.5 * ops.mean(1 + log_var - ops.exp(log_var) - ops.square(mean), axis=-1)\n"
            "    return ops.mean(errors + beta * kl)\n",
            "train_vae": TRAIN_NOISY_DECODER,
        },
        deserved={"test_gaussian_kl_hidden": 0, **dict.fromkeys(PART_2, 0), **ZERO_PART_3},
        messages={
            "test_beta_vae_loss": "the KL averaged over the coding dimensions instead of summed",
            "test_train_vae_models": "function of its input",
        },
        why="gaussian_kl cast to float32, the KL averaged over the coding dimensions, and a decoder that adds noise "
        "at every call",
    ),
    "no_half_decoder_only": Submission(
        answers={
            "gaussian_kl": KL_HEAD + f"    return ops.sum({KL_TERMS}, axis=-1)\n",
            # β on the reconstruction term instead of the KL.
            "beta_vae_loss": LOSS_HEAD + "    errors = ops.sum(ops.reshape(ops.square(images - reconstructions), "
            "(ops.shape(images)[0], -1)), axis=1)\n" + KL_TO_PRIOR + "    return ops.mean(beta * errors + kl)\n",
            "train_vae": TRAIN_DECODER_ONLY,
        },
        deserved={**dict.fromkeys(PART_1, 0), **dict.fromkeys(PART_2, 0), **ZERO_PART_3},
        messages={
            "test_gaussian_kl": "no factor ½",
            "test_beta_vae_loss": "β on the reconstruction term instead of the KL",
            "test_train_vae_models": "(encoder, decoder)",
        },
        why="the KL without its ½, β on the reconstruction term, and the decoder returned alone",
    ),
}

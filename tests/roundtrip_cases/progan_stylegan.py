"""Round-trip cases of assignment 10-11: the grouped minibatch standard deviation, weight demodulation, a small GAN.

Three submissions train a model (`too_small`, `no_minibatch_stddev`, about 20 CPU-seconds
each, and `copying`, which trains nothing); the others keep the released stub of
`train_small_gan`, which raises at once and loses the training part's 6 points.
"""

from __future__ import annotations

from pathlib import Path

from tests.roundtrip_cases import Submission

NOTEBOOK = Path("10_11_progan_stylegan/progan_stylegan.ipynb")
POINTS = {
    "test_grouped_minibatch_stddev": 2,
    "test_grouped_minibatch_stddev_groups": 2,
    "test_grouped_minibatch_stddev_hidden": 3,
    "test_modulated_conv2d": 2,
    "test_modulated_conv2d_demodulation": 2,
    "test_modulated_conv2d_hidden": 3,
    "test_small_gan_generator": 2,
    "test_small_gan_classes": 2,
    "test_small_gan_quality": 2,
}
TRAINING = {"test_small_gan_generator": 0, "test_small_gan_classes": 0, "test_small_gan_quality": 0}

_STDDEV_SIGNATURE = '''from keras import ops


def grouped_minibatch_stddev(x, group_size=4):
    """Feature maps `x` `(batch, height, width, channels)` → `(batch, height, width, channels + 1)`: `x`, then one map
    per image filled with its group's spread: the standard deviation over the group of each channel at each position
    (√(variance + 1e-8)), averaged over positions and channels. Groups of G = min(group_size, batch) images; image n
    is in group n mod (batch / G). Raise ValueError if the batch size is not a multiple of G.
    """
'''
_GROUP_SIZE = """    batch, height, width, channels = ops.shape(x)
    if isinstance(batch, int):
        group_size = min(group_size, batch)
        if batch % group_size:
            raise ValueError(
                f"the batch size must be a multiple of the group size {group_size}, got a batch of {batch}"
            )
    else:
        group_size = ops.minimum(group_size, batch)
"""


def _stddev(spread: str) -> str:
    """The solution's function with `spread` (from `groups`, (G, M, H, W, C), to `spread`, (M, 1, 1, 1)) swapped in."""
    return (
        _STDDEV_SIGNATURE
        + _GROUP_SIZE
        + """    groups = ops.reshape(x, (group_size, -1, height, width, channels))
"""
        + spread
        + """    extra = ops.ones_like(groups[..., :1]) * spread[None]
    return ops.reshape(ops.concatenate([groups, extra], axis=-1), (-1, height, width, channels + 1))
"""
    )


STDDEV_SOLUTION = _stddev("""\
    spread = ops.mean(ops.sqrt(ops.var(groups, axis=0) + 1e-8), axis=(1, 2, 3), keepdims=True)
""")
# The moments by hand, the spreads tiled over the batch (image n = g·M + m takes s[m]) and broadcast.
STDDEV_OTHER_STYLE = (
    _STDDEV_SIGNATURE
    + _GROUP_SIZE
    + """    flat = ops.reshape(x, (group_size, -1, height * width * channels))  # (G, M, HWC)
    centred = flat - ops.mean(flat, axis=0, keepdims=True)
    sigma = ops.sqrt(ops.mean(centred * centred, axis=0) + 1e-8)  # (M, HWC)
    per_image = ops.tile(ops.mean(sigma, axis=1), (group_size,))  # (N,)
    extra = ops.ones_like(x[..., :1]) * ops.reshape(per_image, (-1, 1, 1, 1))
    return ops.concatenate([x, extra], axis=-1)
"""
)
# Groups of consecutive images (0-3, 4-7): the values, hence the visible value test and the hidden tests, fail;
# the test of the groups' properties does not depend on which images share a group.
STDDEV_CONSECUTIVE = (
    _STDDEV_SIGNATURE
    + _GROUP_SIZE
    + """    groups = ops.reshape(x, (-1, group_size, height, width, channels))  # (M, G, ...): consecutive images
    spread = ops.mean(ops.sqrt(ops.var(groups, axis=1) + 1e-8), axis=(1, 2, 3), keepdims=True)  # (M, 1, 1, 1)
    extra = ops.ones_like(groups[..., :1]) * spread[:, None]
    return ops.reshape(ops.concatenate([groups, extra], axis=-1), (-1, height, width, channels + 1))
"""
)
# The slides' pooling of the channels: identical images of 5 channels still have a spread, so every cell fails.
STDDEV_POOLED = _stddev("""\
    spread = ops.mean(ops.sqrt(ops.var(groups, axis=(0, 4)) + 1e-8), axis=(1, 2))[:, None, None, None]
""")
# ops.std, no 1e-8: the values pass, the gradient for a group without spread is NaN (groups cell), and a group of
# one image gives 0 instead of 1e-4 (hidden).
STDDEV_NO_EPSILON = _stddev("""    spread = ops.mean(ops.std(groups, axis=0), axis=(1, 2, 3), keepdims=True)
""")

_LAYER_HEAD = '''import keras
from keras import ops


class ModulatedConv2D(keras.layers.Layer):
    """`[x, style]` → a stride-1 "same" convolution of each image with the kernel modulated by its style (the input
    channels scaled by `style`) and, if `demodulate`, demodulated (each output channel's kernel divided by
    √(sum of its squares + 1e-8)). `x`: (batch, height, width, in_channels); `style`: (batch, in_channels). One weight:
    the kernel (kernel_size, kernel_size, in_channels, filters); no bias.
    """

'''
_INIT = """    def __init__(self, filters, kernel_size, demodulate=True, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.demodulate = filters, kernel_size, demodulate

"""
_BUILD = """    def build(self, input_shape):
        x_shape, _ = input_shape
        self.kernel = self.add_weight(shape=(self.kernel_size, self.kernel_size, x_shape[-1], self.filters),
                                      initializer="random_normal", name="kernel")

"""
_FUSED_CALL = """    def call(self, inputs):
        x, style = inputs
        y = ops.conv(x * style[:, None, None, :], self.kernel, padding="same")
        if {condition}:
            energy = ops.matmul(ops.square(style), ops.sum(ops.square(self.kernel), axis=(0, 1)))
            y = y * ops.rsqrt(energy + 1e-8)[:, None, None, :]
        return y
"""
_PER_IMAGE_CALL = """    def call(self, inputs):
        x, style = inputs
        kernels = self.kernel[None] * style[:, None, None, :, None]  # (batch, k, k, in, out)
        if self.demodulate:
            kernels = kernels * ops.rsqrt(ops.sum(ops.square(kernels), axis={axes}, keepdims=True) + 1e-8)
        return ops.vectorized_map(lambda pair: ops.conv(pair[0][None], pair[1], padding="same")[0], (x, kernels))
"""
LAYER_SOLUTION = _LAYER_HEAD + _INIT + _BUILD + _FUSED_CALL.format(condition="self.demodulate")
# Each image convolved with its own modulated, demodulated kernel (the formula as written), over the batch.
LAYER_PER_IMAGE = _LAYER_HEAD + _INIT + _BUILD + _PER_IMAGE_CALL.format(axes="(1, 2, 3)")
# Demodulates even with demodulate=False: the demodulation cell's last check and the hidden tests fail.
LAYER_ALWAYS_DEMODULATES = _LAYER_HEAD + _INIT + _BUILD + _FUSED_CALL.format(condition="True")
# The squares summed over the kernel's positions only: the outputs' variance is the number of input channels.
LAYER_POSITIONS_ONLY = _LAYER_HEAD + _INIT + _BUILD + _PER_IMAGE_CALL.format(axes="(1, 2)")
# No **kwargs: ModulatedConv2D(..., dtype="float64") raises TypeError in the hidden tests; the rest passes.
LAYER_NO_KWARGS = (
    _LAYER_HEAD
    + """    def __init__(self, filters, kernel_size, demodulate=True):
        super().__init__()
        self.filters, self.kernel_size, self.demodulate = filters, kernel_size, demodulate

"""
    + _BUILD
    + _FUSED_CALL.format(condition="self.demodulate")
)

_TRAIN_SIGNATURE = '''import keras
import numpy as np
import tensorflow as tf
from keras import layers


def train_small_gan(images, *, steps, seed):
    """Train a small GAN on `images` for at most `steps` steps; return its generator.

    `images` is a float32 array (n, 28, 28) in [0, 1]. The generator maps codings (batch, 64) to images
    (batch, 28, 28, 1) in [-1, 1] (tanh), through a mapping network and ModulatedConv2D layers; the discriminator
    holds grouped_minibatch_stddev near its end.
    """
'''
# The released cell, as nbgrader makes it: the training part is left undone.
UNDONE_TRAINING = _TRAIN_SIGNATURE + "    # YOUR CODE HERE\n    raise NotImplementedError()\n"

_TRAINING_LOOP = """    d_optimizer = keras.optimizers.Adam(1e-3, beta_1=0.5)
    g_optimizer = keras.optimizers.Adam(1e-3, beta_1=0.5)
    real_images = tf.constant(images.reshape(-1, 28, 28, 1) * 2 - 1, tf.float32)
    averages = [tf.Variable(variable) for variable in generator.weights]

    @tf.function
    def train_step(real, codings):
        with tf.GradientTape() as d_tape, tf.GradientTape() as g_tape:
            fakes = generator(codings, training=True)
            real_scores = discriminator(real, training=True)
            fake_scores = discriminator(fakes, training=True)
            d_loss = tf.reduce_mean(tf.nn.softplus(fake_scores) + tf.nn.softplus(-real_scores))
            g_loss = tf.reduce_mean(tf.nn.softplus(-fake_scores))
        d_gradients = d_tape.gradient(d_loss, discriminator.trainable_variables)
        g_gradients = g_tape.gradient(g_loss, generator.trainable_variables)
        d_optimizer.apply_gradients(zip(d_gradients, discriminator.trainable_variables))
        g_optimizer.apply_gradients(zip(g_gradients, generator.trainable_variables))
        for average, variable in zip(averages, generator.weights):
            average.assign(0.99 * average + 0.01 * variable)

    rng = np.random.default_rng(seed)
    for _ in range(steps):
        batch = tf.gather(real_images, rng.integers(0, len(real_images), size=32))
        train_step(batch, rng.standard_normal((32, 64)).astype("float32"))
    for average, variable in zip(averages, generator.weights):
        variable.assign(average)
    return generator
"""
_DISCRIMINATOR = """    discriminator = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.Conv2D(32, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.Lambda(grouped_minibatch_stddev),
        layers.Flatten(), layers.Dense(1),
    ])
"""
_GENERATOR = """    keras.utils.set_random_seed(seed)
    codings = keras.Input(shape=(64,))
    w = layers.Dense(64, activation="leaky_relu")(codings)
    w = layers.Dense(64, activation="leaky_relu")(w)
    x = layers.Reshape((7, 7, 32))(layers.Dense(7 * 7 * 32, activation="leaky_relu")(w))
    for filters in (16, 8):
        x = layers.UpSampling2D()(x)
        style = layers.Dense(x.shape[-1], bias_initializer="ones")(w)
        x = layers.LeakyReLU(0.2)(ModulatedConv2D(filters, 3)([x, style]))
    generator = keras.Model(codings, layers.Conv2D(1, 3, padding="same", activation="tanh")(x))
"""
# The solution's GAN with an Identity layer in place of the grouped minibatch standard deviation: it collapses.
NO_STDDEV_TRAINING = (
    _TRAIN_SIGNATURE
    + _GENERATOR
    + _DISCRIMINATOR.replace("layers.Lambda(grouped_minibatch_stddev)", "layers.Identity()")
    + _TRAINING_LOOP
)
TOO_SMALL_TRAINING = (
    _TRAIN_SIGNATURE
    + """    keras.utils.set_random_seed(seed)
    generator = keras.Sequential([  # one layer: every image a fixed mix of 64 patterns
        keras.Input(shape=(64,)), layers.Dense(28 * 28, activation="tanh"), layers.Reshape((28, 28, 1)),
    ])
"""
    + _DISCRIMINATOR
    + _TRAINING_LOOP
)
# A "generator" that hands back training images: each coding picks one of the first 2,000.
COPYING_TRAINING = (
    _TRAIN_SIGNATURE
    + """    keras.utils.set_random_seed(seed)
    bank = tf.constant(images[:2000].reshape(-1, 28, 28, 1) * 2 - 1, tf.float32)
    projection = tf.constant(np.random.default_rng(seed).normal(size=(64, 2000)), tf.float32)
    codings = keras.Input(shape=(64,))
    picked = layers.Lambda(lambda z: tf.gather(bank, tf.argmax(tf.matmul(z, projection), axis=1)))(codings)
    return keras.Model(codings, picked)
"""
)

_FULL_TRAINING_LOST = dict(TRAINING)
SUBMISSIONS = {
    "other_styles": Submission(
        answers={
            "grouped_minibatch_stddev": STDDEV_OTHER_STYLE,
            "ModulatedConv2D": LAYER_PER_IMAGE,
            "train_small_gan": UNDONE_TRAINING,
        },
        deserved=_FULL_TRAINING_LOST,
        why="the moments by hand and the spreads tiled over the batch; each image convolved with its own kernel "
        "(ops.vectorized_map); the training left undone",
    ),
    "consecutive_groups_always_demodulates": Submission(
        answers={
            "grouped_minibatch_stddev": STDDEV_CONSECUTIVE,
            "ModulatedConv2D": LAYER_ALWAYS_DEMODULATES,
            "train_small_gan": UNDONE_TRAINING,
        },
        deserved={
            "test_grouped_minibatch_stddev": 0,
            "test_grouped_minibatch_stddev_hidden": 0,
            "test_modulated_conv2d_demodulation": 0,
            "test_modulated_conv2d_hidden": 0,
            **TRAINING,
        },
        why="groups of consecutive images instead of image n in group n mod M; demodulation even with demodulate=False",
        messages={
            "test_grouped_minibatch_stddev": "groups of consecutive images",
            "test_modulated_conv2d_demodulation": "demodulate=False",
        },
    ),
    "pooled_no_kwargs": Submission(
        answers={
            "grouped_minibatch_stddev": STDDEV_POOLED,
            "ModulatedConv2D": LAYER_NO_KWARGS,
            "train_small_gan": UNDONE_TRAINING,
        },
        deserved={
            "test_grouped_minibatch_stddev": 0,
            "test_grouped_minibatch_stddev_groups": 0,
            "test_grouped_minibatch_stddev_hidden": 0,
            "test_modulated_conv2d_hidden": 0,
            **TRAINING,
        },
        why="the group's spread pooled over the channels (the slides' formula); a layer without **kwargs (no dtype)",
        messages={
            "test_grouped_minibatch_stddev": "the slides' formula",
            "test_grouped_minibatch_stddev_groups": "no group has any spread",
        },
    ),
    "no_epsilon_positions_only": Submission(
        answers={
            "grouped_minibatch_stddev": STDDEV_NO_EPSILON,
            "ModulatedConv2D": LAYER_POSITIONS_ONLY,
            "train_small_gan": UNDONE_TRAINING,
        },
        deserved={
            "test_grouped_minibatch_stddev_groups": 0,
            "test_grouped_minibatch_stddev_hidden": 0,
            "test_modulated_conv2d": 0,
            "test_modulated_conv2d_demodulation": 0,
            "test_modulated_conv2d_hidden": 0,
            **TRAINING,
        },
        why="ops.std without 1e-8 (a NaN gradient for a group without spread); the demodulation's squares summed over "
        "the kernel's positions only",
        messages={
            "test_grouped_minibatch_stddev_groups": "not finite",
            "test_modulated_conv2d": "the kernel's positions only",
        },
    ),
    "too_small": Submission(
        answers={
            "grouped_minibatch_stddev": STDDEV_SOLUTION,
            "ModulatedConv2D": LAYER_SOLUTION,
            "train_small_gan": TOO_SMALL_TRAINING,
        },
        deserved={"test_small_gan_classes": 0, "test_small_gan_quality": 0},
        why="a generator of one Dense layer (codings to pixels), trained as the solution's",
    ),
    "no_minibatch_stddev": Submission(
        answers={
            "grouped_minibatch_stddev": STDDEV_SOLUTION,
            "ModulatedConv2D": LAYER_SOLUTION,
            "train_small_gan": NO_STDDEV_TRAINING,
        },
        deserved={"test_small_gan_classes": 0, "test_small_gan_quality": 0},
        why="the solution's GAN without the grouped minibatch standard deviation in its discriminator: it collapses "
        "onto 3 to 6 classes (Fréchet distance about 300) in every seed measured",
        messages={"test_small_gan_classes": "collapsed"},
    ),
    "copying": Submission(
        answers={
            "grouped_minibatch_stddev": STDDEV_SOLUTION,
            "ModulatedConv2D": LAYER_SOLUTION,
            "train_small_gan": COPYING_TRAINING,
        },
        deserved={"test_small_gan_quality": 0},
        why="a generator that returns training images, one picked by each coding: varied and realistic, but copies",
        messages={"test_small_gan_quality": "near-copies"},
    ),
}

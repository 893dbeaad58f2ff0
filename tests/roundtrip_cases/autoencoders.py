"""Round-trip cases of assignment 03-05: a tied transposed convolution, a k-sparse layer, a compact autoencoder.

Only three submissions train a model: `other_styles`, `too_small`, and
`no_strides_stopped_gradient`, whose broken layer makes the locked autoencoder cell fail,
which `benchmarks/training_parts.py` (it runs every cell of a submission with a training
answer) would not survive, so it keeps the solution's training. The others keep the
released stub of `train_compact_autoencoder`, which raises at once and loses the
training part's 5 points, or return models that copy without training. (A model of 64
hidden units, 85-87 % of PCA's MSE, passes the 90 % cell and fails the 80 % one: left
out to save a training.)
"""

from __future__ import annotations

from pathlib import Path

from tests.roundtrip_cases import Submission

NOTEBOOK = Path("03_05_autoencoders/autoencoders.ipynb")
POINTS = {
    "test_tied_conv": 2,
    "test_tied_conv_hidden": 3,
    "test_tied_conv_autoencoder": 1,
    "test_tied_conv_autoencoder_hidden": 1,
    "test_k_sparse": 2,
    "test_k_sparse_hidden": 2,
    "test_k_sparse_gradients": 1,
    "test_k_sparse_model_hidden": 1,
    "test_compact_autoencoder": 2,
    "test_compact_autoencoder_beats_pca": 2,
    "test_compact_autoencoder_margin": 1,
}
TIED_CONV = {"test_tied_conv": 0, "test_tied_conv_hidden": 0}
TIED_AUTOENCODER = {"test_tied_conv_autoencoder": 0, "test_tied_conv_autoencoder_hidden": 0}
K_SPARSE = {"test_k_sparse": 0, "test_k_sparse_hidden": 0}
K_SPARSE_GRADIENTS = {"test_k_sparse_gradients": 0, "test_k_sparse_model_hidden": 0}
TRAINING = {
    "test_compact_autoencoder": 0,
    "test_compact_autoencoder_beats_pca": 0,
    "test_compact_autoencoder_margin": 0,
}
BASELINE = {"test_compact_autoencoder_beats_pca": 0, "test_compact_autoencoder_margin": 0}

_TIED_HEAD = '''import keras
from keras import ops


class TiedConv2DTranspose(keras.layers.Layer):
    """A transposed convolution tied to `conv`: `activation(conv_transpose(inputs, conv.kernel) + bias)`."""

    def __init__(self, conv, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.conv = conv
        self.activation = keras.activations.get(activation)

'''
_K_SPARSE_HEAD = '''import keras
from keras import ops


class KSparse(keras.layers.Layer):
    """Keep the `k` largest values along the last axis of each sample and set the others to 0."""

    def __init__(self, k, **kwargs):
        """Keep `k` as `self.k`; raise a ValueError when it is less than 1."""
        super().__init__(**kwargs)
'''
_K_CHECKS = """        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        self.k = k

    def build(self, input_shape):
        if self.k > input_shape[-1]:
            raise ValueError(f"k = {self.k} is more than the {input_shape[-1]} units")

"""
_TRAIN_SIGNATURE = '''import math

import keras


def train_compact_autoencoder(images, *, steps, seed):
    """Build and train an autoencoder whose codings have 16 numbers; return `(encoder, decoder)`.

    `images` is a float32 array (n, 28, 28) with pixels in [0, 1]. The training takes at most
    `steps` optimizer steps and is seeded with `seed`. The encoder maps (batch, 28, 28) to
    (batch, 16); the decoder maps (batch, 16) to (batch, 28, 28).
    """
'''
# The released cell, as nbgrader makes it: the training part is left undone.
UNDONE_TRAINING = _TRAIN_SIGNATURE + "    # YOUR CODE HERE\n    raise NotImplementedError()\n"


def _tied(body: str) -> str:
    return _TIED_HEAD + body


def _k_sparse(body: str, checks: str = _K_CHECKS) -> str:
    return _K_SPARSE_HEAD + checks + body


def _dense_training(hidden: int) -> str:
    """The solution's recipe with `hidden` units on each side of the coding layer."""
    return _TRAIN_SIGNATURE + (
        "    keras.utils.set_random_seed(seed)\n"
        "    encoder = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),\n"
        f"                                keras.layers.Dense({hidden}, activation='relu'), keras.layers.Dense(16)])\n"
        "    decoder = keras.Sequential([keras.Input(shape=(16,)), keras.layers.Dense("
        f"{hidden}, activation='relu'),\n"
        "                                keras.layers.Dense(784, activation='sigmoid'),\n"
        "                                keras.layers.Reshape((28, 28))])\n"
        "    autoencoder = keras.Sequential([encoder, decoder])\n"
        "    autoencoder.compile(optimizer=keras.optimizers.Adam(2e-3), loss='mse')\n"
        "    epochs = steps // math.ceil(len(images) / 128)\n"
        "    autoencoder.fit(images, images, batch_size=128, epochs=epochs, verbose=0)\n"
        "    return encoder, decoder\n"
    )


_SOLUTION_BUILD = """    def build(self, input_shape):
        self.bias = self.add_weight(name="bias", shape=(self.conv.kernel.shape[2],), initializer="zeros")

"""

SUBMISSIONS = {
    "other_styles": Submission(
        answers={
            # The bias sized from the kernel's last-but-one axis; every argument of the conv passed on by keyword.
            "tied_conv": _tied(
                "    def build(self, input_shape):\n"
                "        channels = self.conv.kernel.shape[-2]\n"
                "        self.bias = self.add_weight(\n"
                "            shape=(channels,), initializer='zeros', trainable=True, name='b'\n"
                "        )\n\n"
                "    def call(self, inputs):\n"
                "        spread = ops.conv_transpose(\n"
                "            inputs, self.conv.kernel, strides=self.conv.strides, padding=self.conv.padding,\n"
                "            data_format=self.conv.data_format, dilation_rate=self.conv.dilation_rate,\n"
                "        )\n"
                "        return self.activation(ops.add(spread, self.bias))\n"
            ),
            # A boolean mask from comparing the top-k indices with every unit's index, then ops.where.
            "k_sparse": _k_sparse(
                "    def call(self, inputs):\n"
                "        units = ops.shape(inputs)[-1]\n"
                "        _, indices = ops.top_k(inputs, k=self.k, sorted=False)\n"
                "        every_unit = ops.arange(units, dtype=indices.dtype)\n"
                "        chosen = ops.any(ops.expand_dims(indices, -1) == every_unit, axis=-2)\n"
                "        return ops.where(chosen, inputs, ops.zeros_like(inputs))\n",
                checks=(
                    "        if not k >= 1:\n"
                    "            raise ValueError(f'k should be 1 or more, not {k}')\n"
                    "        self.k = int(k)\n\n"
                    "    def build(self, input_shape):\n"
                    "        units = input_shape[-1]\n"
                    "        if units is not None and units < self.k:\n"
                    "            raise ValueError(f'only {units} units for k = {self.k}')\n\n"
                ),
            ),
            # A wider model, the functional API and a training loop of its own: exactly `steps` steps of Adam.
            "compact_autoencoder": _TRAIN_SIGNATURE
            + (
                "    import numpy as np\n"
                "    import tensorflow as tf\n\n"
                "    keras.utils.set_random_seed(seed)\n"
                "    pixels = keras.Input(shape=(28, 28))\n"
                "    hidden = keras.layers.Dense(384, activation='relu')(keras.layers.Flatten()(pixels))\n"
                "    encoder = keras.Model(pixels, keras.layers.Dense(16)(hidden))\n"
                "    codings = keras.Input(shape=(16,))\n"
                "    hidden = keras.layers.Dense(384, activation='relu')(codings)\n"
                "    outputs = keras.layers.Reshape((28, 28))(keras.layers.Dense(784, activation='sigmoid')(hidden))\n"
                "    decoder = keras.Model(codings, outputs)\n"
                "    weights = encoder.trainable_weights + decoder.trainable_weights\n"
                "    optimizer = keras.optimizers.Adam(1e-3)\n\n"
                "    @tf.function\n"
                "    def step(batch):\n"
                "        with tf.GradientTape() as tape:\n"
                "            reconstructions = decoder(encoder(batch, training=True), training=True)\n"
                "            loss = tf.reduce_mean(tf.square(reconstructions - batch))\n"
                "        optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))\n\n"
                "    rng = np.random.default_rng(seed)\n"
                "    epochs = steps * 128 // len(images) + 1\n"
                "    order = np.concatenate([rng.permutation(len(images)) for _ in range(epochs)])\n"
                "    for start in range(0, steps * 128, 128):\n"
                "        step(tf.constant(images[order[start:start + 128]]))\n"
                "    return encoder, decoder\n"
            ),
        },
        why="every part right, in other styles (ops.where, a loop of its own for the training)",
    ),
    "flipped_kernel_ties_kept": Submission(
        answers={
            # "A transposed convolution is a convolution with the kernel flipped": the flip is wrong here.
            "tied_conv": _tied(
                _SOLUTION_BUILD + "    def call(self, inputs):\n"
                "        kernel = ops.flip(self.conv.kernel, axis=(0, 1))\n"
                "        conv = self.conv\n"
                "        outputs = ops.conv_transpose(inputs, kernel, strides=conv.strides, padding=conv.padding)\n"
                "        return self.activation(outputs + self.bias)\n"
            ),
            # Keeps every value at least the k-th largest: more than k when values tie.
            "k_sparse": _k_sparse(
                "    def call(self, inputs):\n"
                "        values, _ = ops.top_k(inputs, self.k)\n"
                "        return ops.where(inputs >= values[..., -1:], inputs, 0.0)\n"
            ),
            "compact_autoencoder": UNDONE_TRAINING,
        },
        deserved={**TIED_CONV, **K_SPARSE, **TRAINING},
        messages={
            "test_tied_conv": "the layer is not the transpose of the convolution",
            "test_k_sparse": "among equal values the lower index goes first",
        },
        why="a flipped kernel (its autoencoder still learns); ties all kept; no training",
    ),
    "own_kernel_numpy_top_k": Submission(
        answers={
            # A Conv2DTranspose of its own: a kernel that is not the conv's, and more parameters.
            "tied_conv": _tied(
                "    def build(self, input_shape):\n"
                "        self.spread = keras.layers.Conv2DTranspose(\n"
                "            self.conv.kernel.shape[2], self.conv.kernel_size, strides=self.conv.strides,\n"
                "            padding=self.conv.padding,\n"
                "        )\n"
                "        self.spread.build(input_shape)\n\n"
                "    def call(self, inputs):\n"
                "        return self.activation(self.spread(inputs))\n"
            ),
            # Right values with NumPy: no tensor, no gradient, and no graph for fit.
            "k_sparse": _k_sparse(
                "    def call(self, inputs):\n"
                "        import numpy as np\n\n"
                "        values = np.asarray(inputs)\n"
                "        kept = np.argsort(-values, axis=-1, kind='stable')[..., :self.k]\n"
                "        mask = np.zeros_like(values)\n"
                "        np.put_along_axis(mask, kept, 1, axis=-1)\n"
                "        return values * mask\n"
            ),
            "compact_autoencoder": UNDONE_TRAINING,
        },
        deserved={**TIED_CONV, **TIED_AUTOENCODER, **K_SPARSE_GRADIENTS, **TRAINING},
        messages={
            "test_tied_conv": "its bias, one per input channel of the conv, nothing else",
            "test_tied_conv_autoencoder": "expected 7161 (type int)",
            "test_k_sparse_gradients": "KSparse should return a tensor",
        },
        why="a transposed convolution with a kernel of its own; a k-sparse layer in NumPy; no training",
    ),
    "copied_kernel_abs_no_checks_copying": Submission(
        answers={
            # The kernel read once, in build: the layer stops following the conv, and no gradient reaches it.
            "tied_conv": _tied(
                "    def build(self, input_shape):\n"
                "        self.kernel = ops.copy(self.conv.kernel)\n"
                "        channels = self.kernel.shape[2]\n"
                "        self.bias = self.add_weight(name='bias', shape=(channels,), initializer='zeros')\n\n"
                "    def call(self, inputs):\n"
                "        kernel, conv = self.kernel, self.conv\n"
                "        outputs = ops.conv_transpose(inputs, kernel, strides=conv.strides, padding=conv.padding)\n"
                "        return self.activation(outputs + self.bias)\n"
            ),
            # The largest absolute values, and no check of k.
            "k_sparse": _k_sparse(
                "    def call(self, inputs):\n"
                "        _, indices = ops.top_k(ops.abs(inputs), self.k)\n"
                "        mask = ops.sum(ops.one_hot(indices, inputs.shape[-1], dtype=inputs.dtype), axis=-2)\n"
                "        return inputs * mask\n",
                checks="        self.k = k\n\n",
            ),
            # Copies: the decoder returns the last images the encoder saw, whatever the codings.
            "compact_autoencoder": _TRAIN_SIGNATURE
            + (
                "    import numpy as np\n\n"
                "    seen = {}\n\n"
                "    def encoder(batch):\n"
                "        seen['images'] = np.asarray(batch, dtype='float32')\n"
                "        return np.zeros((len(batch), 16), dtype='float32')\n\n"
                "    def decoder(codings):\n"
                "        return seen['images']\n\n"
                "    return encoder, decoder\n"
            ),
        },
        deserved={**TIED_CONV, **K_SPARSE, **TRAINING},
        messages={
            "test_tied_conv": "it must read the kernel, not a copy",
            "test_k_sparse": "the largest values, not the largest absolute values",
            "test_compact_autoencoder": "it should be a function of its input alone",
        },
        why="the conv's kernel copied in build; the largest absolute values, no ValueError; a decoder that copies",
    ),
    "no_strides_stopped_gradient": Submission(
        answers={
            # The conv's strides forgotten: stride 1 everywhere, so the maps do not grow back.
            "tied_conv": _tied(
                _SOLUTION_BUILD + "    def call(self, inputs):\n"
                "        outputs = ops.conv_transpose(inputs, self.conv.kernel, padding=self.conv.padding)\n"
                "        return self.activation(outputs + self.bias)\n"
            ),
            # Right values, but the gradient stopped: nothing reaches the inputs.
            "k_sparse": _k_sparse(
                "    def call(self, inputs):\n"
                "        _, indices = ops.top_k(inputs, self.k)\n"
                "        mask = ops.sum(ops.one_hot(indices, ops.shape(inputs)[-1], dtype=inputs.dtype), axis=-2)\n"
                "        return ops.stop_gradient(inputs * mask)\n"
            ),
        },
        deserved={**TIED_CONV, **TIED_AUTOENCODER, **K_SPARSE_GRADIENTS},
        messages={
            "test_tied_conv": "use the conv's strides and padding",
            "test_k_sparse_gradients": "no gradient reaches the inputs through KSparse",
        },
        why="the strides forgotten (the locked autoencoder cell fails on its Reshape); the gradient stopped",
    ),
    "too_small": Submission(
        answers={"compact_autoencoder": _dense_training(32)},
        deserved=BASELINE,
        messages={"test_compact_autoencoder_beats_pca": "expected a test MSE of at most 90 % of PCA's"},
        why="the solution's recipe with 32 hidden units on each side: too narrow, it only just beats PCA (96-99 %)",
    ),
}

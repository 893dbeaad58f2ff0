"""Round-trip cases of assignment 07-09: the R1 penalty, a class-conditional DCGAN, and training it.

Cells that a submission does not list keep the solution's answers. Only two submissions train a GAN
(`other_styles`, about 10 s on 2 quiet CPUs, and `too_small`, about 5 s); `copying` returns a model of stored
training images at once; the others keep the released stub of `train_conditional_gan`, which raises at once and
loses the training part's 6 points. Each mistake submission folds one mistake of each of the three functions of
Parts 1 and 2 into one notebook. The too small model fails both quality cells with seeds 0, 1, 2 and 42 (label
accuracy 0.19 to 0.27 against 0.45 asked, Fréchet distance 235 to 271 against 180 allowed).
"""

from __future__ import annotations

from pathlib import Path

from tests.roundtrip_cases import Submission

NOTEBOOK = Path("07_09_gans/gans.ipynb")
POINTS = {
    "test_r1_penalty": 2,
    "test_r1_penalty_hidden": 2,
    "test_conditional_generator": 2,
    "test_conditional_generator_hidden": 2,
    "test_conditional_discriminator": 1,
    "test_conditional_discriminator_hidden": 1,
    "test_conditional_gan_models": 2,
    "test_conditional_gan_labels": 2,
    "test_conditional_gan_quality": 2,
}
TRAINING = {"test_conditional_gan_models": 0, "test_conditional_gan_labels": 0, "test_conditional_gan_quality": 0}

_TRAIN_SIGNATURE = '''import keras
import numpy as np
import tensorflow as tf
from keras import ops


def train_conditional_gan(images, labels, *, steps, seed):
    """Train a conditional GAN on `images` and their `labels` for at most `steps` steps; return its generator.

    `images` is a float32 array (n, 28, 28) in [0, 1] and `labels` an integer array (n,) of classes 0 to 9. The
    generator returned maps [codings (batch, 64) drawn from N(0, I), labels (batch,)] to images (batch, 28, 28, 1)
    in [-1, 1]; each of the `steps` training steps is one step of each phase.
    """
'''
# The released cell, as nbgrader makes it: the training part is left undone.
UNDONE_TRAINING = _TRAIN_SIGNATURE + "    # YOUR CODE HERE\n    raise NotImplementedError()\n"

_R1_SUM = '''import keras
import numpy as np
import tensorflow as tf
from keras import ops


def r1_penalty(discriminator, real_images):
    """The R1 penalty without its factor γ/2: the mean over the batch of ‖∇ₓ D(x)‖², D(x) the discriminator's logit.

    `real_images` is an array or tensor of floats, shape (n, ...), kept in its dtype; `discriminator(images,
    training=True)` returns logits of shape (n, 1). Each image's squared norm sums the squares of its gradient over
    every axis but the first. Returns a scalar tensor that has a gradient with respect to the discriminator's weights.
    """
    images = tf.convert_to_tensor(real_images)
    with tf.GradientTape() as tape:
        tape.watch(images)
        logits = discriminator(images, training=True)
    gradients = tape.gradient(logits, images)
    return ops.sum(ops.square(gradients))  # summed over the batch too
'''
_R1_FLOAT32 = '''import keras
import numpy as np
import tensorflow as tf
from keras import ops


def r1_penalty(discriminator, real_images):
    """The R1 penalty without its factor γ/2: the mean over the batch of ‖∇ₓ D(x)‖², D(x) the discriminator's logit.

    `real_images` is an array or tensor of floats, shape (n, ...), kept in its dtype; `discriminator(images,
    training=True)` returns logits of shape (n, 1). Each image's squared norm sums the squares of its gradient over
    every axis but the first. Returns a scalar tensor that has a gradient with respect to the discriminator's weights.
    """
    images = tf.cast(real_images, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(images)
        logits = discriminator(images, training=True)
    gradients = tape.gradient(logits, images)
    return ops.mean(ops.sum(ops.reshape(ops.square(gradients), (ops.shape(gradients)[0], -1)), axis=1))
'''
_R1_NUMPY = '''import keras
import numpy as np
import tensorflow as tf
from keras import ops


def r1_penalty(discriminator, real_images):
    """The R1 penalty without its factor γ/2: the mean over the batch of ‖∇ₓ D(x)‖², D(x) the discriminator's logit.

    `real_images` is an array or tensor of floats, shape (n, ...), kept in its dtype; `discriminator(images,
    training=True)` returns logits of shape (n, 1). Each image's squared norm sums the squares of its gradient over
    every axis but the first. Returns a scalar tensor that has a gradient with respect to the discriminator's weights.
    """
    images = tf.convert_to_tensor(real_images)
    with tf.GradientTape() as tape:
        tape.watch(images)
        logits = discriminator(images, training=True)
    gradients = np.asarray(tape.gradient(logits, images))
    return np.mean(np.sum(gradients.reshape(len(gradients), -1) ** 2, axis=1))
'''
_GENERATOR_LABEL_IGNORED = '''import keras


def build_conditional_generator(codings_size=64, classes=10):
    """A conditional DCGAN generator: [codings (n, codings_size), labels (n,)] → images (n, 28, 28, 1) in [-1, 1].

    The labels (integers from 0 to classes - 1) go through an Embedding, joined to the codings with Concatenate;
    then a Dense projection to 7 × 7 feature maps and two stride-2 transposed convolutions, the last with tanh.
    Returns a functional keras.Model with the two inputs [codings, labels].
    """
    layers = keras.layers
    codings = keras.Input(shape=(codings_size,))
    labels = keras.Input(shape=(), dtype="int32")
    joined = codings  # the labels are never used
    x = layers.Reshape((7, 7, 32))(layers.Dense(7 * 7 * 32, use_bias=False)(joined))
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Conv2DTranspose(16, 4, strides=2, padding="same", use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    images = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh")(x)
    return keras.Model([codings, labels], images)
'''
_GENERATOR_TEN_CLASSES = '''import keras


def build_conditional_generator(codings_size=64, classes=10):
    """A conditional DCGAN generator: [codings (n, codings_size), labels (n,)] → images (n, 28, 28, 1) in [-1, 1].

    The labels (integers from 0 to classes - 1) go through an Embedding, joined to the codings with Concatenate;
    then a Dense projection to 7 × 7 feature maps and two stride-2 transposed convolutions, the last with tanh.
    Returns a functional keras.Model with the two inputs [codings, labels].
    """
    layers = keras.layers
    codings = keras.Input(shape=(codings_size,))
    labels = keras.Input(shape=(), dtype="int32")
    joined = layers.Concatenate()([codings, layers.Embedding(10, 16)(labels)])
    x = layers.Reshape((7, 7, 32))(layers.Dense(7 * 7 * 32, use_bias=False)(joined))
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Conv2DTranspose(16, 4, strides=2, padding="same", use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    images = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh")(x)
    return keras.Model([codings, labels], images)
'''
_GENERATOR_SIGMOID = '''import keras


def build_conditional_generator(codings_size=64, classes=10):
    """A conditional DCGAN generator: [codings (n, codings_size), labels (n,)] → images (n, 28, 28, 1) in [-1, 1].

    The labels (integers from 0 to classes - 1) go through an Embedding, joined to the codings with Concatenate;
    then a Dense projection to 7 × 7 feature maps and two stride-2 transposed convolutions, the last with tanh.
    Returns a functional keras.Model with the two inputs [codings, labels].
    """
    layers = keras.layers
    codings = keras.Input(shape=(codings_size,))
    labels = keras.Input(shape=(), dtype="int32")
    joined = layers.Concatenate()([codings, layers.Embedding(classes, 16)(labels)])
    x = layers.Reshape((7, 7, 32))(layers.Dense(7 * 7 * 32, use_bias=False)(joined))
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Conv2DTranspose(16, 4, strides=2, padding="same", use_bias=False)(x)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    images = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid")(x)
    return keras.Model([codings, labels], images)
'''
_DISCRIMINATOR_SIGMOID = '''import keras


def build_conditional_discriminator(classes=10):
    """A projection discriminator: [images (n, 28, 28, 1), labels (n,)] → logits (n, 1), no sigmoid.

    Features φ(x) from two stride-2 convolutions and a Dense layer (LeakyReLU after each); the logit is
    w · φ(x) + b + embed(y) · φ(x), with an Embedding of the labels as wide as φ(x).
    """
    layers = keras.layers
    images = keras.Input(shape=(28, 28, 1))
    labels = keras.Input(shape=(), dtype="int32")
    x = images
    x = layers.LeakyReLU(0.2)(layers.Conv2D(16, 4, strides=2, padding="same")(x))
    x = layers.LeakyReLU(0.2)(layers.Conv2D(32, 4, strides=2, padding="same")(x))
    features = layers.LeakyReLU(0.2)(layers.Dense(64)(layers.Flatten()(x)))
    projection = layers.Dot(axes=1)([layers.Embedding(classes, 64)(labels), features])
    logits = layers.Add()([layers.Dense(1)(features), projection])
    return keras.Model([images, labels], layers.Activation("sigmoid")(logits))
'''
_DISCRIMINATOR_TEN_CLASSES = '''import keras


def build_conditional_discriminator(classes=10):
    """A projection discriminator: [images (n, 28, 28, 1), labels (n,)] → logits (n, 1), no sigmoid.

    Features φ(x) from two stride-2 convolutions and a Dense layer (LeakyReLU after each); the logit is
    w · φ(x) + b + embed(y) · φ(x), with an Embedding of the labels as wide as φ(x).
    """
    layers = keras.layers
    images = keras.Input(shape=(28, 28, 1))
    labels = keras.Input(shape=(), dtype="int32")
    x = images
    x = layers.LeakyReLU(0.2)(layers.Conv2D(16, 4, strides=2, padding="same")(x))
    x = layers.LeakyReLU(0.2)(layers.Conv2D(32, 4, strides=2, padding="same")(x))
    features = layers.LeakyReLU(0.2)(layers.Dense(64)(layers.Flatten()(x)))
    projection = layers.Dot(axes=1)([layers.Embedding(10, 64)(labels), features])
    logits = layers.Add()([layers.Dense(1)(features), projection])
    return keras.Model([images, labels], logits)
'''
_DISCRIMINATOR_BATCH_CENTRED = '''import keras


def build_conditional_discriminator(classes=10):
    """A projection discriminator: [images (n, 28, 28, 1), labels (n,)] → logits (n, 1), no sigmoid.

    Features φ(x) from two stride-2 convolutions and a Dense layer (LeakyReLU after each); the logit is
    w · φ(x) + b + embed(y) · φ(x), with an Embedding of the labels as wide as φ(x).
    """
    layers = keras.layers
    images = keras.Input(shape=(28, 28, 1))
    labels = keras.Input(shape=(), dtype="int32")
    x = images - keras.ops.mean(images, axis=0, keepdims=True)  # centred on the batch's mean image
    x = layers.LeakyReLU(0.2)(layers.Conv2D(16, 4, strides=2, padding="same")(x))
    x = layers.LeakyReLU(0.2)(layers.Conv2D(32, 4, strides=2, padding="same")(x))
    features = layers.LeakyReLU(0.2)(layers.Dense(64)(layers.Flatten()(x)))
    projection = layers.Dot(axes=1)([layers.Embedding(classes, 64)(labels), features])
    logits = layers.Add()([layers.Dense(1)(features), projection])
    return keras.Model([images, labels], logits)
'''
_OTHER_R1 = '''import tensorflow as tf


def r1_penalty(discriminator, real_images):
    """The R1 penalty without its factor γ/2: the mean over the batch of ‖∇ₓ D(x)‖², D(x) the discriminator's logit.

    `real_images` is an array or tensor of floats, shape (n, ...), kept in its dtype; `discriminator(images,
    training=True)` returns logits of shape (n, 1). Each image's squared norm sums the squares of its gradient over
    every axis but the first. Returns a scalar tensor that has a gradient with respect to the discriminator's weights.
    """
    x = tf.identity(real_images)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(x)
        scores = tf.reshape(discriminator(x, training=True), [-1])
    grads = tape.gradient(scores, x)  # the gradient of the sum of the scores
    flat = tf.reshape(grads, [tf.shape(grads)[0], -1])
    return tf.reduce_mean(tf.norm(flat, axis=1) ** 2)
'''
_OTHER_GENERATOR = '''import keras
from keras import layers


def build_conditional_generator(codings_size=64, classes=10):
    """A conditional DCGAN generator: [codings (n, codings_size), labels (n,)] → images (n, 28, 28, 1) in [-1, 1].

    The labels (integers from 0 to classes - 1) go through an Embedding, joined to the codings with Concatenate;
    then a Dense projection to 7 × 7 feature maps and two stride-2 transposed convolutions, the last with tanh.
    Returns a functional keras.Model with the two inputs [codings, labels].
    """
    z = keras.Input((codings_size,))
    y = keras.Input((), dtype="int64")
    label_vector = layers.Flatten()(layers.Embedding(input_dim=classes, output_dim=10)(y))
    h = layers.concatenate([z, label_vector])
    h = layers.Dense(7 * 7 * 48, use_bias=False)(h)
    h = layers.BatchNormalization()(layers.Reshape((7, 7, 48))(h))
    h = layers.Activation("relu")(h)
    h = layers.Conv2DTranspose(24, 5, strides=2, padding="same", use_bias=False)(h)
    h = layers.Activation("relu")(layers.BatchNormalization()(h))
    out = layers.Conv2DTranspose(1, 5, strides=2, padding="same")(h)
    return keras.Model(inputs=[z, y], outputs=layers.Activation("tanh")(out))
'''
_OTHER_DISCRIMINATOR = '''import keras
from keras import layers, ops


def build_conditional_discriminator(classes=10):
    """A projection discriminator: [images (n, 28, 28, 1), labels (n,)] → logits (n, 1), no sigmoid.

    Features φ(x) from two stride-2 convolutions and a Dense layer (LeakyReLU after each); the logit is
    w · φ(x) + b + embed(y) · φ(x), with an Embedding of the labels as wide as φ(x).
    """
    x_in = keras.Input((28, 28, 1))
    y_in = keras.Input(shape=(), dtype="int32")
    h = layers.Conv2D(32, 3, strides=2, padding="same", activation=layers.LeakyReLU(0.2))(x_in)
    h = layers.Conv2D(32, 3, strides=2, padding="same", activation=layers.LeakyReLU(0.2))(h)
    phi = layers.Dense(48, activation=layers.LeakyReLU(0.2))(layers.Flatten()(h))
    embedded = layers.Embedding(classes, 48)(y_in)
    projection = ops.sum(embedded * phi, axis=1, keepdims=True)
    return keras.Model([x_in, y_in], layers.Dense(1)(phi) + projection)
'''
_OTHER_TRAINING = '''import keras
import numpy as np
import tensorflow as tf


def train_conditional_gan(images, labels, *, steps, seed):
    """Train a conditional GAN on `images` and their `labels` for at most `steps` steps; return its generator.

    `images` is a float32 array (n, 28, 28) in [0, 1] and `labels` an integer array (n,) of classes 0 to 9. The
    generator returned maps [codings (batch, 64) drawn from N(0, I), labels (batch,)] to images (batch, 28, 28, 1)
    in [-1, 1]; each of the `steps` training steps is one step of each phase.
    """
    keras.utils.set_random_seed(seed)
    G = build_conditional_generator()
    D = build_conditional_discriminator()
    opt_g, opt_d = keras.optimizers.Adam(1.5e-3, beta_1=0.5), keras.optimizers.Adam(1.5e-3, beta_1=0.5)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    data = tf.data.Dataset.from_tensor_slices((np.expand_dims(images, -1) * 2.0 - 1.0, labels.astype("int64")))
    data = data.shuffle(len(images), seed=seed).repeat().batch(64, drop_remainder=True)

    @tf.function
    def one_step(x, y):
        z = tf.random.normal((64, 64), seed=seed)
        with tf.GradientTape() as d_tape, tf.GradientTape() as g_tape:
            fakes = G([z, y], training=True)
            real_scores = D([x, y], training=True)
            fake_scores = D([fakes, y], training=True)
            d_loss = bce(tf.ones_like(real_scores), real_scores) + bce(tf.zeros_like(fake_scores), fake_scores)
            g_loss = bce(tf.ones_like(fake_scores), fake_scores)
        opt_d.apply_gradients(zip(d_tape.gradient(d_loss, D.trainable_variables), D.trainable_variables))
        opt_g.apply_gradients(zip(g_tape.gradient(g_loss, G.trainable_variables), G.trainable_variables))

    for x, y in data.take(steps):
        one_step(x, y)
    return G
'''
_TOO_SMALL = '''import keras
import numpy as np
import tensorflow as tf
from keras import ops


def train_conditional_gan(images, labels, *, steps, seed):
    """Train a conditional GAN on `images` and their `labels` for at most `steps` steps; return its generator.

    `images` is a float32 array (n, 28, 28) in [0, 1] and `labels` an integer array (n,) of classes 0 to 9. The
    generator returned maps [codings (batch, 64) drawn from N(0, I), labels (batch,)] to images (batch, 28, 28, 1)
    in [-1, 1]; each of the `steps` training steps is one step of each phase.
    """
    ### BEGIN SOLUTION
    keras.utils.set_random_seed(seed)
    codings_in = keras.Input(shape=(64,))
    labels_in = keras.Input(shape=(), dtype="int32")
    hidden = keras.layers.Concatenate()([codings_in, keras.layers.Embedding(10, 16)(labels_in)])
    hidden = keras.layers.Dense(8, activation="relu")(hidden)  # far too small
    outputs = keras.layers.Reshape((28, 28, 1))(keras.layers.Dense(784, activation="tanh")(hidden))
    generator = keras.Model([codings_in, labels_in], outputs)
    discriminator = build_conditional_discriminator(10)
    g_optimizer = keras.optimizers.Adam(2e-3, beta_1=0.5)
    d_optimizer = keras.optimizers.Adam(2e-3, beta_1=0.5)
    real_images = tf.constant(np.asarray(images, "float32")[..., None] * 2 - 1)  # [-1, 1], the tanh's range
    real_labels = tf.constant(np.asarray(labels, "int32"))
    batch_size = 64

    @tf.function
    def train_step(indices, codings, fake_labels):
        images, labels = tf.gather(real_images, indices), tf.gather(real_labels, indices)
        # Phase 1: real images of their class against fakes of the same classes.
        fakes = generator([codings, labels], training=True)
        with tf.GradientTape() as tape:
            real_logits = discriminator([images, labels], training=True)
            fake_logits = discriminator([fakes, labels], training=True)
            d_loss = ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))
        weights = discriminator.trainable_variables
        d_optimizer.apply_gradients(zip(tape.gradient(d_loss, weights), weights))
        # Phase 2: fakes of random classes, which the generator wants judged real.
        with tf.GradientTape() as tape:
            fake_logits = discriminator([generator([codings, fake_labels], training=True), fake_labels], training=True)
            g_loss = ops.mean(ops.softplus(-fake_logits))
        weights = generator.trainable_variables
        g_optimizer.apply_gradients(zip(tape.gradient(g_loss, weights), weights))

    rng = np.random.default_rng(seed)
    for _ in range(steps):
        train_step(rng.integers(0, len(images), batch_size), rng.standard_normal((batch_size, 64)).astype("float32"),
                   rng.integers(0, 10, batch_size).astype("int32"))
    return generator
    ### END SOLUTION'''
_COPYING = '''import keras
import numpy as np
import tensorflow as tf
from keras import ops


def train_conditional_gan(images, labels, *, steps, seed):
    """Return a "generator" that hands back stored training images of the class asked for."""
    per_class = 50
    chosen = np.concatenate([np.flatnonzero(np.asarray(labels) == c)[:per_class] for c in range(10)])
    table = (np.asarray(images, "float32")[chosen] * 2 - 1).reshape(len(chosen), 784)
    codings_in = keras.Input(shape=(64,))
    labels_in = keras.Input(shape=(), dtype="int32")
    which = keras.layers.Lambda(lambda c: ops.cast(ops.argmax(c[:, :per_class], axis=1), "int32"))(codings_in)
    index = keras.layers.Lambda(lambda t: t[0] * per_class + t[1])([labels_in, which])
    lookup = keras.layers.Embedding(len(chosen), 784, trainable=False)
    flat = lookup(index)
    lookup.set_weights([table])
    return keras.Model([codings_in, labels_in], keras.layers.Reshape((28, 28, 1))(flat))
'''

SUBMISSIONS = {
    "other_styles": Submission(
        answers={
            "r1_penalty": _OTHER_R1,
            "conditional_generator": _OTHER_GENERATOR,
            "conditional_discriminator": _OTHER_DISCRIMINATOR,
            "train_conditional_gan": _OTHER_TRAINING,
        },
        why="right answers in other styles: the penalty with tf.norm and tf.identity, int64 labels and 5 × 5 kernels "
        "in the generator, keras.ops for the projection, and a training loop over a tf.data pipeline with one "
        "forward pass for both phases and BinaryCrossentropy(from_logits=True) (label accuracy 0.59 and Fréchet "
        "distance 111 with grading's seed; 0.49 to 0.61 and 117 to 145 with seeds 0 to 2)",
    ),
    "sum_penalty_label_ignored_sigmoid_discriminator": Submission(
        answers={
            "r1_penalty": _R1_SUM,
            "conditional_generator": _GENERATOR_LABEL_IGNORED,
            "conditional_discriminator": _DISCRIMINATOR_SIGMOID,
            "train_conditional_gan": UNDONE_TRAINING,
        },
        deserved={
            "test_r1_penalty": 0,
            "test_r1_penalty_hidden": 0,
            "test_conditional_generator": 0,
            "test_conditional_generator_hidden": 0,
            "test_conditional_discriminator": 0,
            **TRAINING,
        },
        why="the squared norms summed over the batch; a generator that never uses its labels; a discriminator that "
        "ends in a sigmoid (its hidden tests, which only check that the label matters, pass); no training",
        messages={
            "test_r1_penalty": "summed over the batch, not averaged",
            "test_conditional_generator": "join the label's embedding to the codings",
            "test_conditional_discriminator": "should return logits, with no sigmoid",
        },
    ),
    "float32_penalty_ten_classes": Submission(
        answers={
            "r1_penalty": _R1_FLOAT32,
            "conditional_generator": _GENERATOR_TEN_CLASSES,
            "conditional_discriminator": _DISCRIMINATOR_TEN_CLASSES,
            "train_conditional_gan": UNDONE_TRAINING,
        },
        deserved={
            "test_r1_penalty_hidden": 0,
            "test_conditional_generator_hidden": 0,
            "test_conditional_discriminator_hidden": 0,
            **TRAINING,
        },
        why="right for the visible cases, but the images cast to float32 (float64 penalties lose their precision) and "
        "Embedding(10, ...) hard-coded in both networks (20 classes fail); no training",
    ),
    "numpy_penalty_sigmoid_generator_batch_discriminator": Submission(
        answers={
            "r1_penalty": _R1_NUMPY,
            "conditional_generator": _GENERATOR_SIGMOID,
            "conditional_discriminator": _DISCRIMINATOR_BATCH_CENTRED,
            "train_conditional_gan": UNDONE_TRAINING,
        },
        deserved={
            "test_r1_penalty": 0,
            "test_r1_penalty_hidden": 0,
            "test_conditional_generator": 0,
            "test_conditional_discriminator": 0,
            "test_conditional_discriminator_hidden": 0,
            **TRAINING,
        },
        why="the penalty computed with NumPy (no gradient reaches the discriminator's weights); a generator ending in "
        "a sigmoid (its images in [0, 1]: the hidden tests, which check [-1, 1], pass); a discriminator that "
        "centres each batch on its mean image (a logit depends on the other images); no training",
        messages={
            "test_r1_penalty": "got none (r1_penalty returned a",
            "test_conditional_generator": "use all of it (a tanh output)",
            "test_conditional_discriminator": "each logit should depend on its own image and label only",
        },
    ),
    "too_small": Submission(
        answers={"train_conditional_gan": _TOO_SMALL},
        deserved={"test_conditional_gan_labels": 0, "test_conditional_gan_quality": 0},
        why="the solution's Parts 1 and 2, but a dense generator of 8 hidden units trained with the solution's loop: "
        "blurred class averages at best",
    ),
    "copying": Submission(
        answers={"train_conditional_gan": _COPYING},
        deserved={"test_conditional_gan_quality": 0},
        why='a "generator" that looks up a stored training image of the class asked for, picked by the codings: '
        "right labels and a low Fréchet distance, but every sample a copy",
        messages={"test_conditional_gan_quality": "copies of training images"},
    ),
}

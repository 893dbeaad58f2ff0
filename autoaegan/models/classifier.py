"""The Fashion-MNIST classifier that the generative metrics look through.

GAN papers measure samples in the features of an Inception network; its weights
cannot be downloaded here, and it is a poor judge of 28×28 grey images anyway. So
the course trains and ships its own judge: a small CNN whose penultimate layer,
a dense layer of 128 units named "features", gives the vectors that the Fréchet
distance, KID, precision and recall compare (`autoaegan.metrics.features`).

The architecture is three convolutional blocks, each a 3×3 convolution with
batch normalisation, relu and a 2×2 max-pooling (28×28 → 14×14×32 → 7×7×64 →
3×3×128), then dropout, the dense "features" layer (relu), dropout and a 10-way
softmax. One convolution per block rather than two keeps it at about 1.8
CPU-seconds per 1,000 training images on 2 cores (two per block cost twice as
much). Inputs are images (N, 28, 28) with pixels in [0, 1]; the training
pipeline scales uint8 images per batch.
"""

from __future__ import annotations

from dataclasses import asdict

import keras
import numpy as np

from autoaegan.arguments import positive_int, positive_int_tuple
from autoaegan.data import fashion_mnist
from autoaegan.pixels import uint8_to_unit
from autoaegan.pretrained.catalog import TrainedModel, catalog_entry
from autoaegan.profiles import Profile
from autoaegan.seeding import set_seed
from autoaegan.training.fitting import train

FEATURES_LAYER = "features"
FEATURES = 128
BLOCK_FILTERS = (32, 64, 128)
CLASSES = 10
IMAGE_SIZE = 28
DROPOUT = 0.3
# The requirement for the shipped classifier.
REQUIRED_TEST_ACCURACY = 0.92
# The shipped classifier's plan (12 epochs of a cosine decay on batches of 128): its catalogue entry's.
PLAN = catalog_entry("fashion_classifier").plan


def conv_bn_block(filters: int, *, convolutions: int = 1, kernel_size: int = 3) -> list[keras.layers.Layer]:
    """`convolutions` × (3×3 convolution, batch norm, relu), then a 2×2 max-pooling: depth `filters`, side halved.

    The convolutions have no bias: the batch normalisation that follows has its own shift. Its
    moving statistics use a momentum of 0.9 (Keras: 0.99) so that they follow the weights
    closely in a training of a few thousand steps; otherwise the validation accuracy lags far
    behind the training accuracy in the first epochs.
    """
    filters = positive_int(filters, "filters")
    layers = []
    for _ in range(positive_int(convolutions, "convolutions")):
        layers += [
            keras.layers.Conv2D(filters, positive_int(kernel_size, "kernel_size"), padding="same", use_bias=False),
            keras.layers.BatchNormalization(momentum=0.9),
            keras.layers.Activation("relu"),
        ]
    layers.append(keras.layers.MaxPool2D(2))
    return layers


def build_fashion_classifier(
    *,
    filters=BLOCK_FILTERS,
    features: int = FEATURES,
    classes: int = CLASSES,
    dropout: float = DROPOUT,
    image_size: int = IMAGE_SIZE,
) -> keras.Sequential:
    """Images (N, side, side) in [0, 1] → class probabilities; the dense layer named "features" is the penultimate.

    Not compiled. The defaults are the shipped classifier (`fashion_classifier` in the catalogue).
    """
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    side = positive_int(image_size, "image_size")
    blocks = [layer for f in positive_int_tuple(filters, "filters") for layer in conv_bn_block(f)]
    return keras.Sequential(
        [
            keras.Input(shape=(side, side)),
            keras.layers.Reshape((side, side, 1)),
            *blocks,
            keras.layers.Flatten(),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(positive_int(features, "features"), activation="relu", name=FEATURES_LAYER),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(positive_int(classes, "classes"), activation="softmax", name="probabilities"),
        ],
        name="fashion_classifier",
    )


def accuracy(model: keras.Model, images, labels, *, batch_size: int = 1_000) -> float:
    """The share of `images` (uint8) whose most probable class under `model` is their label."""
    images, labels = np.asarray(images), np.asarray(labels)
    if images.dtype != np.uint8:
        raise TypeError(f"images must be uint8 (0-255), got dtype {images.dtype}")
    if len(images) != len(labels) or len(images) == 0:
        raise ValueError(f"expected as many labels as images (at least one), got {len(images)} and {len(labels)}")
    correct = 0
    for start in range(0, len(images), batch_size):
        batch = uint8_to_unit(images[start : start + batch_size])
        predicted = np.argmax(model.predict(batch, batch_size=len(batch), verbose=0), axis=1)
        correct += int(np.sum(predicted == labels[start : start + batch_size]))
    return correct / len(images)


def train_fashion_classifier(profile: Profile) -> TrainedModel:
    """Train the shipped classifier on Fashion-MNIST under `profile` with its `PLAN`; return a `TrainedModel` with
    its accuracies."""
    data = fashion_mnist.load_fashion_mnist()  # looked up at call time, so that a test can stand in for it
    x_train, y_train = profile.subset(data.train_images, "train"), profile.subset(data.train_labels, "train")
    x_valid, y_valid = profile.subset(data.valid_images, "valid"), profile.subset(data.valid_labels, "valid")
    x_test, y_test = profile.subset(data.test_images, "test"), profile.subset(data.test_labels, "test")
    epochs = PLAN.epochs_for(profile)
    set_seed(profile=profile)
    model = build_fashion_classifier()
    history = train(
        model,
        x_train,
        y_train,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        epochs=epochs,
        recipe=PLAN.recipe,
        validation_data=(x_valid, y_valid),
        profile=profile,
        verbose=2,
    )
    shipped = build_fashion_classifier()  # a fresh, uncompiled copy: its weights file then holds no optimizer state
    shipped.set_weights(model.get_weights())
    settings = {
        "data": (
            f"Fashion-MNIST: {len(x_train):,} training, {len(x_valid):,} validation and "
            f"{len(x_test):,} test images, scaled to [0, 1]"
        ),
        "loss": "sparse_categorical_crossentropy",
        "epochs": epochs,
        "recipe": asdict(PLAN.recipe),
        "seed": profile.seed,
        "features_layer": FEATURES_LAYER,
    }
    metrics = {
        "test_accuracy": accuracy(shipped, x_test, y_test),
        "valid_accuracy": accuracy(shipped, x_valid, y_valid),
        "train_accuracy_last_epoch": float(history.history["accuracy"][-1]),
        "valid_accuracy_by_epoch": [round(float(v), 4) for v in history.history["val_accuracy"]],
        "parameters": int(shipped.count_params()),
    }
    return TrainedModel(model=shipped, settings=settings, metrics=metrics)

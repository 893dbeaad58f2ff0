"""The shared training path: uint8 `tf.data` input, a progress bar, a NaN guard, and an epoch timer.

`fit` trains a model you compiled yourself. `train` compiles it from a `Recipe`
(`autoaegan.plans`: optimizer, peak learning rate and schedule, batch size, XLA and
`steps_per_execution`) and then fits it: the schedule needs the number of steps,
which only the training call knows. Both take the run profile that the chapter or
command chose.
"""

from __future__ import annotations

import math
import time

import keras
import numpy as np

from autoaegan.data.pipeline import make_dataset
from autoaegan.plans import Recipe
from autoaegan.profiles import Profile


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite during training."""


class NaNGuard(keras.callbacks.Callback):
    """Stop training when the loss stops being finite, restore the last good weights and say where.

    The weights are kept at the end of every epoch (and before the first), so a
    diverged run loses at most the epoch in which it diverged.
    """

    def __init__(self, monitor: str | tuple[str, ...] | None = None):
        super().__init__()
        # None watches "loss" and every other logged "*_loss" (a GAN logs d_loss and g_loss, and no loss).
        self.monitor = (monitor,) if isinstance(monitor, str) else monitor
        self._epoch = 0
        self._good_weights = None
        self._good_epoch = 0

    def on_train_begin(self, logs=None):
        self._good_weights = self.model.get_weights()
        self._good_epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self._good_weights = self.model.get_weights()
        self._good_epoch = epoch + 1

    def _first_bad(self, logs):
        names = self.monitor or sorted(
            (name for name in logs if name == "loss" or name.endswith("_loss")), key=lambda name: name != "loss"
        )
        for name in names:
            value = logs.get(name)
            if value is not None and not math.isfinite(float(value)):
                return name, float(value)
        return None, None

    def on_train_batch_end(self, batch, logs=None):
        name, value = self._first_bad(logs or {})
        if name is None:
            return
        self.model.stop_training = True
        self.model.set_weights(self._good_weights)
        restored = (
            "the initial weights" if self._good_epoch == 0 else f"the weights from the end of epoch {self._good_epoch}"
        )
        raise TrainingDivergedError(
            f"training stopped: the {name} became {value} at epoch {self._epoch + 1}, step {batch + 1}. "
            f"The model was reset to {restored}. Try a lower learning rate, gradient clipping "
            "(e.g. clipnorm=1.0 in the optimizer), or check the inputs for extreme values."
        )


def _check_input_shape(model: keras.Model, x: np.ndarray, name: str) -> None:
    try:
        expected = tuple(model.input_shape)
    except (AttributeError, ValueError):  # a subclassed model that has not been built has no input shape yet
        return
    if not expected or isinstance(expected[0], (tuple, list)):
        return  # several inputs: leave the checking to Keras
    got = tuple(x.shape[1:])
    wanted = expected[1:]
    if len(got) != len(wanted) or any(w is not None and w != g for w, g in zip(wanted, got)):
        raise ValueError(
            f"{name} does not fit the model: expected examples of shape {wanted} "
            f"(model input {expected}), got an array of shape {tuple(x.shape)}"
        )


def _split_validation(validation_data):
    if validation_data is None:
        return None, None
    if isinstance(validation_data, tuple):
        if len(validation_data) != 2:
            raise ValueError(f"validation_data must be x or (x, y), got a tuple of {len(validation_data)} items")
        return np.asarray(validation_data[0]), np.asarray(validation_data[1])
    return np.asarray(validation_data), None


def fit(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray | None = None,
    *,
    epochs: int | None = None,
    batch_size: int | None = None,
    validation_data=None,
    profile: Profile,
    shuffle: bool = True,
    verbose="auto",
    callbacks=(),
) -> keras.callbacks.History:
    """Train a compiled `model` on `x` (targets `y`, or `x` itself when `y` is None, as for an autoencoder).

    uint8 images are scaled to [0, 1] batch by batch; float arrays are used as they
    are. `epochs` and `batch_size` default to `profile`'s, and the shuffling follows its
    seed. `validation_data` is `x_valid` or `(x_valid, y_valid)`. Training stops with a
    `TrainingDivergedError` naming the epoch and step if the loss becomes NaN or infinite.
    """
    epochs = profile.epochs if epochs is None else int(epochs)
    batch_size = profile.batch_size if batch_size is None else int(batch_size)
    if not getattr(model, "compiled", False):
        raise RuntimeError("the model is not compiled: call model.compile(optimizer=..., loss=...) before fit()")
    x = np.asarray(x)
    _check_input_shape(model, x, "x")
    train = make_dataset(x, y, batch_size=batch_size, shuffle=shuffle, seed=profile.seed, reconstruct=y is None)

    valid_x, valid_y = _split_validation(validation_data)
    valid = None
    if valid_x is not None:
        _check_input_shape(model, valid_x, "validation x")
        valid = make_dataset(valid_x, valid_y, batch_size=batch_size, reconstruct=valid_y is None)
    return model.fit(
        train,
        validation_data=valid,
        epochs=epochs,
        shuffle=False,  # the dataset shuffles itself
        verbose=verbose,
        callbacks=[NaNGuard(), *callbacks],
    )


class EpochTimer(keras.callbacks.Callback):
    """Record how long the training steps of each epoch take (the validation pass excluded)."""

    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []
        self._started = None

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_test_begin(self, logs=None):
        self._stop()

    def on_epoch_end(self, epoch, logs=None):
        self._stop()  # when there is no validation pass

    def _stop(self):
        if self._started is not None:
            self.seconds.append(time.perf_counter() - self._started)
            self._started = None


def train(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray | None = None,
    *,
    loss,
    metrics=(),
    epochs: int | None = None,
    recipe: Recipe,
    validation_data=None,
    profile: Profile,
    verbose="auto",
    callbacks=(),
) -> keras.callbacks.History:
    """Compile `model` with `loss`, `metrics` and `recipe`, then train it with `fit` (see there).

    The learning-rate schedule spans exactly `epochs` epochs of `recipe.batch_size`
    batches; `epochs` defaults to `profile`'s. The course's recipes are
    `autoaegan.pretrained.catalog.FAST_RECIPE` and `SMALL_BATCH_RECIPE`.
    """
    epochs = profile.epochs if epochs is None else int(epochs)
    total_steps = epochs * math.ceil(len(x) / recipe.batch_size)
    model.compile(
        optimizer=recipe.make_optimizer(total_steps),
        loss=loss,
        metrics=list(metrics),
        # TensorFlow's op determinism (the test profile) rules XLA out; Keras would warn and fall back.
        jit_compile=recipe.jit_compile and not profile.deterministic,
        steps_per_execution=recipe.steps_per_execution,
    )
    return fit(
        model,
        x,
        y,
        epochs=epochs,
        batch_size=recipe.batch_size,
        validation_data=validation_data,
        profile=profile,
        verbose=verbose,
        callbacks=callbacks,
    )

"""Probes for the training parts of every assignment, run in the student's kernel.

A training part asks the student for a function `train_...(images, *, steps, seed)`
(or `(images, labels, *, steps, seed)` for a conditional model) that builds and
trains a model and returns it. The checker (`autoaegan.grading.training`) calls it
through these probes: `run_training` draws the grading's training images here, from
Fashion-MNIST's training files (the test files read as empty in the grading sandbox),
seeds Keras and switches TensorFlow to deterministic ops, and times the call;
`predict` runs a returned model on the checker's inputs in inference mode. They
return plain data and handles; none of them judges anything.
"""

from __future__ import annotations

import time

import numpy as np

from autoaegan.data.fashion_mnist import OFFICIAL_FILES, locate_fashion_mnist
from autoaegan.data.idx import read_idx
from autoaegan.pixels import uint8_to_unit

VALID_SIZE = 5_000  # the last 5,000 training images are the course's validation split: grading never trains on them


def training_data(n: int, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` images (float32, (n, 28, 28), in [0, 1]) and their labels (int64) drawn with `seed` from the training split.

    Reads only the two training files (checksums verified), so it works where the test
    files are held out. The checker draws the same images with the same call.
    """
    location = locate_fashion_mnist(download=False)
    arrays = {
        key: read_idx(location.file(key), expected_shape=OFFICIAL_FILES[key].shape, sha256=OFFICIAL_FILES[key].sha256)
        for key in ("train_images", "train_labels")
    }
    available = len(arrays["train_images"]) - VALID_SIZE
    if not 0 < n <= available:
        raise ValueError(f"n must be between 1 and {available:,} (the training split), got {n!r}")
    chosen = np.sort(np.random.default_rng(seed).choice(available, size=n, replace=False))
    images = uint8_to_unit(arrays["train_images"][chosen])
    return images, arrays["train_labels"][chosen].astype(np.int64)


def run_training(function, *, n_images: int, data_seed: int, steps: int, seed: int, labels: bool) -> dict:
    """Call the student's `function` on the grading's training data, seeded and with deterministic ops.

    Returns a dict: `result` (what the function returned: handles to its models, seen
    from the checker), `seconds` (wall-clock) and `cpu_seconds` (this process's CPU time)
    of the call.
    """
    # Here, not at the top: the checker imports `training_data` from this module and never loads TensorFlow.
    import keras
    import tensorflow as tf

    images, image_labels = training_data(n_images, seed=data_seed)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    wall, cpu = time.perf_counter(), time.process_time()
    if labels:
        result = function(images, image_labels, steps=steps, seed=seed)
    else:
        result = function(images, steps=steps, seed=seed)
    return {"result": result, "seconds": time.perf_counter() - wall, "cpu_seconds": time.process_time() - cpu}


def _as_array(value) -> np.ndarray:
    import keras  # here: see `run_training`

    return np.asarray(keras.ops.convert_to_numpy(value))


def predict(model, inputs, *, batch_size: int = 500):
    """`model(inputs, training=False)` in batches, as NumPy: an array, or a list of arrays for a model with several
    outputs.

    `inputs` is an array, or a list of arrays for a model with several inputs (codings
    and labels). A model that cannot take `training=` is called without it.
    """
    parts = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    parts = [np.asarray(part) for part in parts]
    outputs = []
    for start in range(0, len(parts[0]), batch_size):
        batch = [part[start : start + batch_size] for part in parts]
        batch = batch if isinstance(inputs, (list, tuple)) else batch[0]
        try:
            output = model(batch, training=False)
        except TypeError:  # a plain function, or a layer whose call has no `training`
            output = model(batch)
        outputs.append([_as_array(o) for o in output] if isinstance(output, (list, tuple)) else _as_array(output))
    if isinstance(outputs[0], list):
        return [np.concatenate([o[i] for o in outputs]) for i in range(len(outputs[0]))]
    return np.concatenate(outputs)

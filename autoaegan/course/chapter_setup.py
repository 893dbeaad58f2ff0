"""The setup cell every chapter opens with."""

from __future__ import annotations

import autoaegan

# Imported here, in every notebook's locked setup cell, so that the grading helpers note NumPy's and the
# builtins' functions before any cell a student wrote can replace them (see autoaegan.grading.checks).
import autoaegan.grading.checks  # noqa: F401
from autoaegan.figures.theme import use_theme
from autoaegan.profiles import Profile, get_profile
from autoaegan.seeding import set_seed
from autoaegan.tensorflow_logs import quiet_tensorflow_logs


def compute_device() -> str:
    """Name the device TensorFlow will train on: "GPU (n)" or "CPU"."""
    import tensorflow as tf  # here: a chapter that trains nothing (`tensorflow=False`) never loads TensorFlow

    # Listing devices initialises TensorFlow's runtime, whose start-up messages then land in
    # the setup cell rather than in the first cell that trains (where nbgrader would see them).
    gpus = tf.config.list_physical_devices("GPU")
    # Retracing notices are for library authors; in a chapter that trains several models they are noise.
    tf.get_logger().setLevel("ERROR")
    return f"GPU ({len(gpus)})" if gpus else "CPU"


def setup_chapter(*, tensorflow: bool = True) -> Profile:
    """Read the run profile, print it, seed every generator and apply the plotly theme.

    TensorFlow's C++ log lines are kept out of the notebook (`autoaegan.tensorflow_logs`).

    Returns the active `Profile`, which the chapter reads for its sizes. Chapters
    that train no network pass `tensorflow=False` and skip TensorFlow's import.
    """
    # Before TensorFlow's import: its C++ start-up lines would reach the learner as red stderr.
    quiet_tensorflow_logs()
    profile = get_profile()
    set_seed(profile=profile, tensorflow=tensorflow)
    use_theme()
    device = f" · training on {compute_device()}" if tensorflow else ""
    print(f"autoaegan {autoaegan.__version__}{device} · {profile}")
    return profile

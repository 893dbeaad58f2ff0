"""The exercises' round trip through nbgrader, in a temporary copy of the course.

`solutions/<assignment>/*.ipynb` are the instructor's notebooks (solutions and
hidden tests); `exercises/` holds what `nbgrader generate_assignment` makes of
them. Here every assignment's release is regenerated and compared with the
committed one, the notebooks are validated, a few submissions of each assignment
are autograded in one call per assignment and the points of every test cell are
read back from the gradebook. The validations and the gradings run side by side,
each in its own process (and each assignment in its own copy of the course, with
its own gradebook), to keep the file's wall time down.
"""

from __future__ import annotations

import copy
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent  # nbgrader runs `alembic` from PATH: the venv's bin must be on it
SOLUTION_NOTEBOOKS = sorted(path.relative_to(ROOT / "solutions") for path in (ROOT / "solutions").glob("*/*.ipynb"))
RELEASE_NOTEBOOKS = sorted(path.relative_to(ROOT / "exercises") for path in (ROOT / "exercises").glob("*/*.ipynb"))
IDS = [path.as_posix() for path in SOLUTION_NOTEBOOKS]
ASSIGNMENTS = sorted({path.parts[0] for path in SOLUTION_NOTEBOOKS})

# The points of the first assignment, cell by cell (grade_id: points).
REPRESENTATIONS = Path("01_02_representations/representations.ipynb")
PART_1 = {
    "test_encode_hailstone": 2,
    "test_encode_hailstone_hidden": 2,
    "test_encode_hailstone_errors_hidden": 1,
    "test_decode_hailstone": 2,
    "test_decode_hailstone_hidden": 2,
}
PART_2 = {"test_principal_angles": 2, "test_principal_angles_hidden": 2, "test_plane_angles": 2}

# Submissions that take the package's reference implementations instead of writing their own.
IMPORTED_CODEC = {
    "encode_hailstone": "from autoaegan.representations import encode_hailstone_run as encode_hailstone\n",
    "decode_hailstone": (
        "from autoaegan.representations import decode_hailstone_run\n\n\n"
        "def decode_hailstone(first, count):\n"
        '    """A thin wrapper around the package."""\n'
        "    return decode_hailstone_run(first, count)\n"
    ),
}
WRAPPED_ANGLES = {
    "principal_angles": (
        "import numpy as np\n"
        "import autoaegan.subspace\n\n\n"
        "def principal_angles(a, b):\n"
        "    return autoaegan.subspace.principal_angles(a, b)\n"
    ),
}
# Passes the visible tests but forgets to reject empty runs and numbers below 1.
LENIENT_ENCODER = {
    "encode_hailstone": (
        "def encode_hailstone(run):\n"
        "    for index in range(1, len(run)):\n"
        "        before = run[index - 1]\n"
        "        if run[index] != (3 * before + 1 if before % 2 else before // 2):\n"
        '            raise ValueError(f"the rule breaks at index {index}")\n'
        "    return run[0], len(run)\n"
    ),
}

# Raises ValueError on every run, valid or not: it must not earn the point of the test of its errors.
REJECTS_EVERYTHING = {
    "encode_hailstone": (
        "def encode_hailstone(run):\n"
        "    raise ValueError(f\"not a hailstone run: {run!r}\")\n"
    ),
}


# The points of the assignment of chapters 03-05, cell by cell.
AUTOENCODERS = Path("03_05_autoencoders/autoencoders.ipynb")
TIED_WEIGHTS = {"test_dense_transpose": 2, "test_dense_transpose_hidden": 3, "test_tied_autoencoder": 2}
SPARSITY = {
    "test_kl_regularizer": 2,
    "test_kl_regularizer_hidden": 2,
    "test_kl_response": 2,
    "test_kl_response_hidden": 2,
}
CONVOLUTIONS = {"test_conv_encoder": 2, "test_conv_decoder": 2, "test_conv_autoencoder_hidden": 3}

# Takes the package's layer, subclasses its regularizer and imports its encoder; writes only the decoder.
PACKAGE_MODELS = {
    "dense_transpose": "from autoaegan.layers.dense_transpose import DenseTranspose\n",
    "kl_regularizer": (
        "from autoaegan.regularizers import KLDivergenceRegularizer as PackageRegularizer\n\n\n"
        "class KLDivergenceRegularizer(PackageRegularizer):\n"
        '    """The package\'s regularizer under the exercise\'s name."""\n'
    ),
    "conv_encoder": "from autoaegan.models.convolutional import build_convolutional_encoder as build_conv_encoder\n",
}

# The points of the assignment of chapter 06, cell by cell.
VARIATIONAL = Path("06_variational/variational.ipynb")
SAMPLING = {"test_sampling": 2, "test_sampling_hidden": 3}
LATENT_LOSS = {"test_latent_loss": 2, "test_latent_loss_hidden": 2}
VAE_TRAINING = {"test_vae_training": 2}

# Takes the package's Sampling layer; writes its own latent loss.
PACKAGE_SAMPLING = {"sampling": "from autoaegan.models.variational import Sampling\n"}
# A sampling layer that scales ε by exp(log_var), the variance, instead of exp(log_var / 2), the standard deviation.
VARIANCE_AS_SCALE = {
    "sampling": (
        "import keras\n"
        "from keras import ops\n\n\n"
        "class Sampling(keras.layers.Layer):\n"
        "    def __init__(self, seed=None, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "        self.seed = seed\n"
        "        self.seed_generator = keras.random.SeedGenerator(seed)\n\n"
        "    def call(self, inputs):\n"
        "        mean, log_var = inputs\n"
        "        return mean + ops.exp(log_var) * keras.random.normal(ops.shape(mean), seed=self.seed_generator)\n\n"
        "    def get_config(self):\n"
        "        return {**super().get_config(), \"seed\": self.seed}\n"
    ),
}

# The points of the assignment of chapters 07-09, cell by cell.
GANS = Path("07_09_gans/gans.ipynb")
TRAINING_STEPS = {"test_discriminator_step": 2, "test_generator_step": 2, "test_gan_steps_hidden": 3}
REPLAY_BUFFER = {"test_replay_buffer": 2, "test_replay_buffer_hidden": 2, "test_replay_buffer_errors_hidden": 1}
MINIBATCH_DISCRIMINATION = {"test_minibatch_discrimination": 2, "test_minibatch_discrimination_hidden": 3}
DCGAN = {"test_dcgan_generator": 2, "test_dcgan_discriminator": 2, "test_dcgan_hidden": 2}
GAN_PIECES = {"test_pieces_together": 2}

# Phase 2 labels the fakes 0; the replay buffer, once full, overwrites its newest image instead of its oldest; the
# DCGAN is imported from the package.
ZERO_LABELS_NEWEST_OUT_PACKAGE_DCGAN = {
    "generator_step": (
        "import tensorflow as tf\n"
        "from keras import ops\n\n\n"
        "def generator_step(generator, discriminator, g_optimizer, codings):\n"
        "    labels = ops.zeros((ops.shape(codings)[0], 1))\n"
        "    weights = generator.trainable_variables\n"
        "    with tf.GradientTape() as tape:\n"
        "        predictions = discriminator(generator(codings, training=True), training=False)\n"
        "        loss = binary_crossentropy(labels, predictions)\n"
        "    g_optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))\n"
        "    return loss\n"
    ),
    "replay_buffer": (
        "import numpy as np\n\n\n"
        "class ReplayBuffer:\n"
        "    def __init__(self, capacity):\n"
        "        if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:\n"
        "            raise ValueError(f\"capacity must be a positive integer, got {capacity!r}\")\n"
        "        self.capacity, self.images = capacity, []\n\n"
        "    def add(self, images):\n"
        "        images = np.array(images)\n"
        "        if self.images and images.shape[1:] != self.images[0].shape:\n"
        "            raise ValueError(f\"expected images of shape {self.images[0].shape}, got {images.shape[1:]}\")\n"
        "        for image in images:\n"
        "            if len(self.images) < self.capacity:\n"
        "                self.images.append(image)\n"
        "            else:\n"
        "                self.images[-1] = image\n\n"
        "    def sample(self, n, rng):\n"
        "        if not isinstance(n, int) or not 1 <= n <= len(self.images):\n"
        "            raise ValueError(f\"n must be from 1 to {len(self.images)}, got {n!r}\")\n"
        "        return np.stack([self.images[i] for i in rng.choice(len(self.images), size=n, replace=False)])\n\n"
        "    def __len__(self):\n"
        "        return len(self.images)\n"
    ),
    "dcgan_generator": "from autoaegan.models.dcgan import build_dcgan_generator\n",
    "dcgan_discriminator": "from autoaegan.models.dcgan import build_dcgan_discriminator\n",
}
# Phase 2 judges the fakes with the discriminator in training mode; mini-batch discrimination counts each sample
# among its own neighbours (o one too large); the generator has a Dense hidden layer and a sigmoid output.
TRAINING_JUDGE_SELF_COUNTED_DENSE_GENERATOR = {
    "generator_step": (
        "import tensorflow as tf\n"
        "from keras import ops\n\n\n"
        "def generator_step(generator, discriminator, g_optimizer, codings):\n"
        "    labels = ops.ones((ops.shape(codings)[0], 1))\n"
        "    weights = generator.trainable_variables\n"
        "    with tf.GradientTape() as tape:\n"
        "        predictions = discriminator(generator(codings, training=True), training=True)\n"
        "        loss = binary_crossentropy(labels, predictions)\n"
        "    g_optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))\n"
        "    return loss\n"
    ),
    "minibatch_discrimination": (
        "import keras\n"
        "from keras import ops\n\n\n"
        "class MinibatchDiscrimination(keras.layers.Layer):\n"
        "    def __init__(self, num_kernels, kernel_dim, kernel_initializer=\"random_normal\", **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "        self.num_kernels, self.kernel_dim = num_kernels, kernel_dim\n"
        "        self.kernel_initializer = keras.initializers.get(kernel_initializer)\n\n"
        "    def build(self, input_shape):\n"
        "        self.T = self.add_weight(shape=(input_shape[-1], self.num_kernels, self.kernel_dim),\n"
        "                                 initializer=self.kernel_initializer, name=\"T\")\n\n"
        "    def call(self, inputs):\n"
        "        m = ops.reshape(ops.matmul(inputs, ops.reshape(self.T, (ops.shape(self.T)[0], -1))),\n"
        "                        (-1, self.num_kernels, self.kernel_dim))\n"
        "        c = ops.exp(-ops.sum(ops.abs(m[:, None] - m[None]), axis=3))\n"
        "        return ops.concatenate([inputs, ops.sum(c, axis=1)], axis=1)\n\n"
        "    def compute_output_shape(self, input_shape):\n"
        "        return (*input_shape[:-1], input_shape[-1] + self.num_kernels)\n\n"
        "    def get_config(self):\n"
        "        return {**super().get_config(), \"num_kernels\": self.num_kernels, \"kernel_dim\": self.kernel_dim,\n"
        "                \"kernel_initializer\": keras.initializers.serialize(self.kernel_initializer)}\n"
    ),
    "dcgan_generator": (
        "import keras\n\n\n"
        "def build_dcgan_generator(codings_size=100):\n"
        "    return keras.Sequential([\n"
        "        keras.Input(shape=(codings_size,)),\n"
        "        keras.layers.Dense(128, activation=\"relu\"),\n"
        "        keras.layers.Dense(7 * 7 * 32, use_bias=False),\n"
        "        keras.layers.Reshape((7, 7, 32)),\n"
        "        keras.layers.BatchNormalization(),\n"
        "        keras.layers.ReLU(),\n"
        "        keras.layers.Conv2DTranspose(16, 5, strides=2, padding=\"same\", use_bias=False),\n"
        "        keras.layers.BatchNormalization(),\n"
        "        keras.layers.ReLU(),\n"
        "        keras.layers.Conv2DTranspose(1, 5, strides=2, padding=\"same\", activation=\"sigmoid\"),\n"
        "    ])\n"
    ),
}
# A correct buffer in another style: a deque, and integers checked with the standard library's `numbers` module,
# which a helper of the test cell, named `numbers` too, used to shadow (7 points lost).
NUMBERS_MODULE_BUFFER = {
    "replay_buffer": (
        "import collections\n"
        "import numbers\n\n"
        "import numpy as np\n\n\n"
        "class ReplayBuffer:\n"
        "    def __init__(self, capacity):\n"
        "        if isinstance(capacity, bool) or not isinstance(capacity, numbers.Integral) or capacity < 1:\n"
        "            raise ValueError(f\"capacity must be a positive integer, got {capacity!r}\")\n"
        "        self.images = collections.deque(maxlen=int(capacity))\n\n"
        "    def add(self, images):\n"
        "        images = np.array(images)\n"
        "        if self.images and images.shape[1:] != self.images[0].shape:\n"
        "            raise ValueError(f\"expected images of shape {self.images[0].shape}, got {images.shape[1:]}\")\n"
        "        self.images.extend(images)\n\n"
        "    def sample(self, n, rng):\n"
        "        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 1 <= n <= len(self.images):\n"
        "            raise ValueError(f\"n must be from 1 to {len(self.images)}, got {n!r}\")\n"
        "        return np.stack([self.images[i] for i in rng.choice(len(self.images), size=n, replace=False)])\n\n"
        "    def __len__(self):\n"
        "        return len(self.images)\n"
    ),
}


# The points of the assignment of chapters 10-11, cell by cell.
PROGAN_STYLEGAN = Path("10_11_progan_stylegan/progan_stylegan.ipynb")
PROGAN_STYLEGAN_POINTS = {
    f"test_{part}{hidden}": 2
    for part in ("pixel_norm", "minibatch_stddev", "fade_in", "adain", "mix_styles") for hidden in ("", "_hidden")
}

# The paper's per-channel spread instead of the seed's; α weighing the old path; AdaIN with batch statistics.
CHANNEL_SPREAD_SWAPPED_FADE_BATCH_ADAIN = {
    "minibatch_stddev": (
        "from keras import ops\n\n\n"
        "def minibatch_stddev(x):\n"
        "    spread = ops.mean(ops.std(x, axis=0))\n"
        "    return ops.concatenate([x, ops.ones_like(x[..., :1]) * spread], axis=-1)\n"
    ),
    "fade_in": (
        "def fade_in(old, new, alpha):\n"
        "    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha <= 1:\n"
        "        raise ValueError(f\"alpha must be in [0, 1], got {alpha!r}\")\n"
        "    if tuple(old.shape) != tuple(new.shape):\n"
        "        raise ValueError(f\"shapes differ: {tuple(old.shape)} and {tuple(new.shape)}\")\n"
        "    return alpha * old + (1 - alpha) * new\n"
    ),
    "adain": (
        "from keras import ops\n\n\n"
        "def adain(x, style_scale, style_bias, epsilon=1e-8):\n"
        "    mean = ops.mean(x, axis=(0, 1, 2), keepdims=True)\n"
        "    variance = ops.var(x, axis=(0, 1, 2), keepdims=True)\n"
        "    return style_scale[:, None, None, :] * (x - mean) / ops.sqrt(variance + epsilon) + style_bias[:, None, None, :]\n"
    ),
}
# Pixel normalization borrowed from the package; the crossover level itself given to w1 (an off-by-one).
PACKAGE_PIXEL_NORM_LATE_CROSSOVER = {
    "pixel_norm": (
        "from autoaegan.layers.progressive import PixelNormalization\n\n\n"
        "def pixel_norm(x, epsilon=1e-8):\n"
        "    return PixelNormalization(epsilon)(x)\n"
    ),
    "mix_styles": (
        "import numpy as np\n"
        "from keras import ops\n\n\n"
        "def mix_styles(w1, w2, crossover, num_styles):\n"
        "    crossover = np.asarray(crossover)\n"
        "    if crossover.min() < 0 or crossover.max() > num_styles:\n"
        "        raise ValueError(f\"crossover must lie in [0, {num_styles}], got {crossover.tolist()}\")\n"
        "    coarse = np.arange(num_styles)[None, :] <= crossover[:, None]\n"
        "    return ops.where(coarse[:, :, None], w1[:, None, :], w2[:, None, :])\n"
    ),
}

# The points each assignment must have, and the submissions beside the solution and the untouched release.
PLANNED_POINTS = {
    REPRESENTATIONS: {**PART_1, **PART_2},
    AUTOENCODERS: {**TIED_WEIGHTS, **SPARSITY, **CONVOLUTIONS},
    VARIATIONAL: {**SAMPLING, **LATENT_LOSS, **VAE_TRAINING},
    GANS: {**TRAINING_STEPS, **REPLAY_BUFFER, **MINIBATCH_DISCRIMINATION, **DCGAN, **GAN_PIECES},
    PROGAN_STYLEGAN: PROGAN_STYLEGAN_POINTS,
}
SUBMISSIONS = {
    REPRESENTATIONS: {
        "imported_codec": IMPORTED_CODEC,
        "wrapped_angles": WRAPPED_ANGLES,
        "lenient_encoder": LENIENT_ENCODER,
        "rejects_everything": REJECTS_EVERYTHING,
    },
    AUTOENCODERS: {"package_models": PACKAGE_MODELS},
    VARIATIONAL: {"package_sampling": PACKAGE_SAMPLING, "variance_as_scale": VARIANCE_AS_SCALE},
    GANS: {
        "zero_labels_newest_out_package_dcgan": ZERO_LABELS_NEWEST_OUT_PACKAGE_DCGAN,
        "training_judge_self_counted_dense_generator": TRAINING_JUDGE_SELF_COUNTED_DENSE_GENERATOR,
        "numbers_module_buffer": NUMBERS_MODULE_BUFFER,
    },
    PROGAN_STYLEGAN: {
        "channel_spread_swapped_fade_batch_adain": CHANNEL_SPREAD_SWAPPED_FADE_BATCH_ADAIN,
        "package_pixel_norm_late_crossover": PACKAGE_PIXEL_NORM_LATE_CROSSOVER,
    },
}


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def nbgrader_cells(nb, **flags) -> dict[str, nbformat.NotebookNode]:
    """The cells of `nb` with nbgrader metadata matching `flags` (e.g. grade=True), by grade_id."""
    cells = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if "grade_id" in meta and all(meta.get(flag, False) == value for flag, value in flags.items()):
            cells[meta["grade_id"]] = cell
    return cells


def points_of(nb) -> dict[str, float]:
    """The points of each autograded test cell of `nb`."""
    cells = nbgrader_cells(nb, grade=True)
    return {grade_id: float(cell.metadata.nbgrader["points"]) for grade_id, cell in cells.items()}


def nbgrader_environment() -> dict[str, str]:
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.setdefault("AUTOAEGAN_PROFILE", "test")
    return env


def nbgrader(course: Path, *args: str, timeout: int = 400) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "nbgrader"), *args],
        cwd=course, env=nbgrader_environment(), capture_output=True, text=True, timeout=timeout,
    )


# nbgrader's Validator, run in its own process so that several notebooks validate side by side.
VALIDATE = """
import json, sys
from nbgrader.validator import Validator
from traitlets.config.loader import PyFileConfigLoader

config = PyFileConfigLoader("nbgrader_config.py", path=sys.argv[1]).load_config()
print(json.dumps(Validator(config=config).validate(sys.argv[2])))
"""


def validate(course: Path, notebook: Path, timeout: int = 400) -> dict:
    """`Validator().validate(notebook)` with the course's configuration: {} when every test cell passes."""
    done = subprocess.run(
        [sys.executable, "-c", VALIDATE, str(course), str(notebook)],
        cwd=course, env=nbgrader_environment(), capture_output=True, text=True, timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A copy of the course in which `exercises/` has been regenerated from `solutions/`."""
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    shutil.copytree(ROOT / "exercises", course / "exercises")
    for assignment in ASSIGNMENTS:
        done = nbgrader(course, "generate_assignment", assignment, "--force")
        assert done.returncode == 0, done.stderr
    return course


def test_every_solution_notebook_has_its_release():
    assert SOLUTION_NOTEBOOKS, "no notebook in solutions/<assignment>/"
    assert SOLUTION_NOTEBOOKS == RELEASE_NOTEBOOKS, (
        "solutions/ and exercises/ should hold the same notebooks: regenerate the release with "
        "`nbgrader generate_assignment <assignment> --force` at the repository root"
    )


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_regenerating_the_release_reproduces_the_committed_one(course, notebook):
    regenerated = (course / "exercises" / notebook).read_bytes()
    committed = (ROOT / "exercises" / notebook).read_bytes()
    # nbgrader's output is deterministic (checksums, cell ids and JSON layout), so the files match byte for byte.
    assert regenerated == committed, (
        f"exercises/{notebook} is not what `nbgrader generate_assignment` makes from solutions/{notebook}: "
        "regenerate it (never edit the release by hand)"
    )


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_every_assignment_has_its_planned_points(notebook):
    assert notebook in PLANNED_POINTS, f"plan the points of {notebook} in PLANNED_POINTS"
    assert points_of(read(ROOT / "solutions" / notebook)) == PLANNED_POINTS[notebook]


def normalise(text: str) -> str:
    return " ".join(text.split())


def submission(release, answers: dict[str, str]):
    """The release with the answer cells named in `answers` filled in, as a student would hand it in."""
    nb = copy.deepcopy(release)
    cells = nbgrader_cells(nb, solution=True)
    for grade_id, source in answers.items():
        cells[grade_id].source = source
    return nb


@dataclass
class Grading:
    """One assignment graded in its own copy of the course: the nbgrader calls that autograded it and gave feedback."""

    course: Path
    autograde: subprocess.CompletedProcess
    feedback: subprocess.CompletedProcess


def grade_assignment(folder: Path) -> Grading:
    """Autograde every submission in `folder` (a course copy named after its assignment) at once, then give feedback."""
    autograde = nbgrader(folder, "autograde", folder.name)
    return Grading(folder, autograde, nbgrader(folder, "generate_feedback", folder.name))


def prepare_grading(course: Path, assignment: str, folder: Path) -> Path:
    """A copy of the course for grading `assignment` alone: its notebooks, a copy of the gradebook, the submissions."""
    folder.mkdir()
    for name in ("nbgrader_config.py", "gradebook.db"):
        shutil.copy(course / name, folder)
    for source in ("solutions", "exercises"):
        shutil.copytree(course / source / assignment, folder / source / assignment)
    for notebook in (path for path in SOLUTION_NOTEBOOKS if path.parts[0] == assignment):
        solution = read(course / "solutions" / notebook)
        release = read(course / "exercises" / notebook)
        answers = {grade_id: cell.source for grade_id, cell in nbgrader_cells(solution, solution=True).items()}
        students = {"solution": solution, "untouched": release}
        for student, changed in SUBMISSIONS.get(notebook, {}).items():
            students[student] = submission(release, {**answers, **changed})
        for student, nb in students.items():
            path = folder / "submitted" / student / notebook
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, path)
    return folder


@pytest.fixture(scope="module")
def jobs(course, tmp_path_factory):
    """Start the validations and the gradings side by side; yield their futures by name.

    The gradings take longest and start first: one autograde call per assignment,
    each in its own copy of the course (nbgrader's gradebook is one SQLite file).
    """
    grading_root = tmp_path_factory.mktemp("grading")
    folders = {assignment: prepare_grading(course, assignment, grading_root / assignment) for assignment in ASSIGNMENTS}

    def timed(name, function, *args):
        start = time.perf_counter()
        result = function(*args)
        print(f"{name}: {time.perf_counter() - start:.0f} s")
        return result

    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        futures = {}
        for assignment, folder in sorted(folders.items(), key=lambda item: -len(list(item[1].glob("submitted/*")))):
            futures[assignment] = pool.submit(timed, f"autograde {assignment}", grade_assignment, folder)
        for source in ("solutions", "exercises"):
            for notebook in SOLUTION_NOTEBOOKS:
                name = f"validate {source}/{notebook.as_posix()}"
                futures[source, notebook] = pool.submit(timed, name, validate, course, course / source / notebook)
        yield futures


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_the_solution_passes_validation(jobs, notebook):
    assert jobs["solutions", notebook].result() == {}


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_the_release_fails_validation(jobs, notebook):
    results = jobs["exercises", notebook].result()
    assert set(results) == {"failed"}
    errors = "\n".join(failure["error"] for failure in results["failed"])
    assert "NotImplementedError" in errors


class Graded:
    """The gradings of every assignment, read by notebook and student."""

    def __init__(self, gradings: dict[str, Grading]):
        self.gradings = gradings

    def grading(self, notebook: Path) -> Grading:
        return self.gradings[notebook.parts[0]]

    def scores(self, student: str, notebook: Path) -> dict[str, float]:
        """The points of each test cell of `student`'s `notebook`, from the assignment's gradebook."""
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.grading(notebook).course / 'gradebook.db'}") as gradebook:
            submission = gradebook.find_submission_notebook(notebook.stem, notebook.parts[0], student)
            return {grade.name: grade.score for grade in submission.grades}

    def students(self, notebook: Path) -> list[str]:
        return sorted(path.name for path in (self.grading(notebook).course / "submitted").iterdir())

    def autograded(self, student: str, notebook: Path) -> nbformat.NotebookNode:
        return read(self.grading(notebook).course / "autograded" / student / notebook)

    def feedback_text(self, student: str, notebook: Path) -> str:
        """The feedback page of `student`'s `notebook` as plain text (tags removed, entities decoded)."""
        page = (self.grading(notebook).course / "feedback" / student / notebook.with_suffix(".html")).read_text()
        page = re.sub(r"<style.*?</style>|<script.*?</script>", "", page, flags=re.S)
        return normalise(html.unescape(re.sub(r"<[^>]+>", "", page)))


@pytest.fixture(scope="module")
def graded(jobs) -> Graded:
    """Every submission of every assignment autograded, and its feedback generated."""
    return Graded({assignment: jobs[assignment].result() for assignment in ASSIGNMENTS})


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_autograde_and_feedback_run_cleanly(graded, assignment):
    grading = graded.gradings[assignment]
    # autograde exits 1 when a submission's kernel dies; no submission here should crash it.
    assert grading.autograde.returncode == 0, grading.autograde.stderr[-3000:]
    assert grading.feedback.returncode == 0, grading.feedback.stderr[-3000:]


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_the_solution_gets_full_marks(graded, notebook):
    points = points_of(read(ROOT / "solutions" / notebook))
    assert points and graded.scores("solution", notebook) == points


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_the_solutions_test_cells_write_nothing_to_stderr(graded, notebook):
    # nbgrader gives no points to a test cell that writes to stderr (a warning, a log line), even when it passes.
    autograded = graded.autograded("solution", notebook)
    noisy = {
        grade_id: [output.text for output in cell.outputs if output.get("name") == "stderr"]
        for grade_id, cell in nbgrader_cells(autograded, grade=True).items()
    }
    assert not {grade_id: texts for grade_id, texts in noisy.items() if texts}


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_the_untouched_release_gets_zero(graded, notebook):
    points = points_of(read(ROOT / "solutions" / notebook))
    assert graded.scores("untouched", notebook) == dict.fromkeys(points, 0.0)
    # Every cell ran: the notebook was graded to its end, not cut short by a crash.
    autograded = graded.autograded("untouched", notebook)
    assert all(cell.execution_count for cell in autograded.cells if cell.cell_type == "code")


def error_of(nb, grade_id: str) -> str:
    (error,) = [output for output in nbgrader_cells(nb)[grade_id].outputs if output.output_type == "error"]
    return f"{error.ename}: {error.evalue}"


def test_importing_the_package_codec_earns_nothing_for_part_1(graded):
    assert graded.scores("imported_codec", REPRESENTATIONS) == {**dict.fromkeys(PART_1, 0.0), **PART_2}
    autograded = graded.autograded("imported_codec", REPRESENTATIONS)
    # The package's functions give the right answers: what fails them is the own-implementation check.
    assert "comes from module 'autoaegan.representations', not from this notebook" in error_of(
        autograded, "test_encode_hailstone"
    )
    assert "`decode_hailstone_run` (from autoaegan.representations)" in error_of(autograded, "test_decode_hailstone")
    assert error_of(autograded, "test_encode_hailstone_hidden").startswith("HiddenTestFailure: hidden tests failed")


def test_wrapping_the_package_angles_earns_nothing_for_part_2(graded):
    assert graded.scores("wrapped_angles", REPRESENTATIONS) == {**PART_1, **dict.fromkeys(PART_2, 0.0)}
    autograded = graded.autograded("wrapped_angles", REPRESENTATIONS)
    for grade_id in ("test_principal_angles", "test_plane_angles"):
        error = error_of(autograded, grade_id)
        assert "principal_angles must be your own code, but it uses the autoaegan package" in error


def test_a_lenient_encoder_loses_only_the_hidden_error_tests(graded):
    expected = {**PART_1, **PART_2, "test_encode_hailstone_errors_hidden": 0.0}
    assert graded.scores("lenient_encoder", REPRESENTATIONS) == expected
    feedback = graded.feedback_text("lenient_encoder", REPRESENTATIONS)
    assert "HiddenTestFailure: hidden tests failed: encode_hailstone raises ValueError" in feedback


def test_an_encoder_that_rejects_everything_earns_nothing_for_its_errors_either(graded):
    lost = ("test_encode_hailstone", "test_encode_hailstone_hidden", "test_encode_hailstone_errors_hidden")
    expected = {**PART_1, **PART_2, **dict.fromkeys(lost, 0.0)}
    assert graded.scores("rejects_everything", REPRESENTATIONS) == expected


# Parametrised by the notebook so that `-k 07_09` selects it with the assignment's other tests.
@pytest.mark.parametrize("notebook", [GANS], ids=[GANS.as_posix()])
def test_a_buffer_that_uses_the_numbers_module_gets_full_marks(graded, notebook):
    # The test cells' helpers live in a function deleted after use: nothing shadows the student's `numbers`.
    assert graded.scores("numbers_module_buffer", notebook) == PLANNED_POINTS[notebook]


def test_the_package_models_earn_only_the_students_own_decoder(graded):
    expected = {**dict.fromkeys(PLANNED_POINTS[AUTOENCODERS], 0.0), "test_conv_decoder": 2.0}
    assert graded.scores("package_models", AUTOENCODERS) == expected
    autograded = graded.autograded("package_models", AUTOENCODERS)
    # The package's layer, regularizer and encoder pass the tests: what fails them is the own-implementation check.
    imported_layer = "DenseTranspose comes from module 'autoaegan.layers.dense_transpose', not from this notebook"
    assert imported_layer in error_of(autograded, "test_dense_transpose")
    assert imported_layer in error_of(autograded, "test_tied_autoencoder")
    subclass = "`base class KLDivergenceRegularizer` (from autoaegan.regularizers)"
    assert subclass in error_of(autograded, "test_kl_regularizer")
    assert subclass in error_of(autograded, "test_kl_response")
    imported_encoder = "build_convolutional_encoder comes from module 'autoaegan.models.convolutional'"
    assert imported_encoder in error_of(autograded, "test_conv_encoder")
    for grade_id in ("test_dense_transpose_hidden", "test_kl_regularizer_hidden", "test_conv_autoencoder_hidden"):
        assert error_of(autograded, grade_id).startswith("HiddenTestFailure: hidden tests failed")


def test_the_package_sampling_layer_earns_only_the_own_latent_loss(graded):
    expected = {**dict.fromkeys(SAMPLING, 0.0), **LATENT_LOSS, "test_vae_training": 0.0}
    assert graded.scores("package_sampling", VARIATIONAL) == expected
    autograded = graded.autograded("package_sampling", VARIATIONAL)
    imported = "Sampling comes from module 'autoaegan.models.variational', not from this notebook"
    assert imported in error_of(autograded, "test_sampling")
    assert imported in error_of(autograded, "test_vae_training")
    assert error_of(autograded, "test_sampling_hidden").startswith("HiddenTestFailure: hidden tests failed")


def test_scaling_by_the_variance_fails_the_sampling_tests_with_a_clear_message(graded):
    expected = {**dict.fromkeys(SAMPLING, 0.0), **LATENT_LOSS, **VAE_TRAINING}
    assert graded.scores("variance_as_scale", VARIATIONAL) == expected
    error = error_of(graded.autograded("variance_as_scale", VARIATIONAL), "test_sampling")
    assert "against mean + exp(log_var / 2) * ε" in error



# Parametrised by the notebook so that `-k 07_09` selects it with the assignment's other tests.
@pytest.mark.parametrize("notebook", [GANS], ids=[GANS.as_posix()])
def test_zero_labels_a_buffer_that_drops_its_newest_and_the_package_dcgan_lose_their_parts(graded, notebook):
    student = "zero_labels_newest_out_package_dcgan"
    lost = ("test_generator_step", "test_gan_steps_hidden", *REPLAY_BUFFER, *DCGAN)
    # The buffer still raises the errors it should: its error tests keep their point.
    expected = {**PLANNED_POINTS[notebook], **dict.fromkeys(lost, 0.0), "test_replay_buffer_errors_hidden": 1.0}
    assert graded.scores(student, notebook) == expected
    autograded = graded.autograded(student, notebook)
    assert "that is the loss with every fake labelled 0" in error_of(autograded, "test_generator_step")
    assert "(the oldest go first): expected [2, 3, 4, 5, 6] (type list), got [0, 1, 2, 3, 6]" in error_of(
        autograded, "test_replay_buffer"
    )
    for grade_id, name in (("test_dcgan_generator", "generator"), ("test_dcgan_discriminator", "discriminator")):
        assert f"build_dcgan_{name} comes from module 'autoaegan.models.dcgan', not from this notebook" in error_of(
            autograded, grade_id
        )
    for grade_id in ("test_gan_steps_hidden", "test_replay_buffer_hidden", "test_dcgan_hidden"):
        assert error_of(autograded, grade_id).startswith("HiddenTestFailure: hidden tests failed")


# Parametrised by the notebook so that `-k 07_09` selects it with the assignment's other tests.
@pytest.mark.parametrize("notebook", [GANS], ids=[GANS.as_posix()])
def test_a_judge_in_training_mode_a_self_counted_sample_and_a_dense_generator_lose_their_parts(graded, notebook):
    student = "training_judge_self_counted_dense_generator"
    lost = ("test_generator_step", "test_gan_steps_hidden", *MINIBATCH_DISCRIMINATION, "test_dcgan_generator",
            "test_dcgan_hidden")
    # The pieces still train together: o one too large still tells a collapsed batch from a real one.
    assert graded.scores(student, notebook) == {**PLANNED_POINTS[notebook], **dict.fromkeys(lost, 0.0)}
    autograded = graded.autograded(student, notebook)
    judge = error_of(autograded, "test_generator_step")
    assert "call it with training=False" in judge and "moving_mean" in judge
    assert "o for a batch of 4 identical samples" in error_of(autograded, "test_minibatch_discrimination")
    generator = error_of(autograded, "test_dcgan_generator")
    assert "[fully_connected]" in generator and "[generator_tanh]" in generator


# Parametrised by the notebook so that `-k 10_11` selects it with the assignment's other tests.
@pytest.mark.parametrize("notebook", [PROGAN_STYLEGAN], ids=[PROGAN_STYLEGAN.as_posix()])
def test_a_per_channel_spread_a_swapped_blend_and_batch_statistics_lose_their_parts(graded, notebook):
    student = "channel_spread_swapped_fade_batch_adain"
    lost = [f"test_{part}{hidden}" for part in ("minibatch_stddev", "fade_in", "adain") for hidden in ("", "_hidden")]
    assert graded.scores(student, notebook) == {**PLANNED_POINTS[notebook], **dict.fromkeys(lost, 0.0)}
    autograded = graded.autograded(student, notebook)
    assert "the paper's variant" in error_of(autograded, "test_minibatch_stddev")
    assert "α weighs the new block" in error_of(autograded, "test_fade_in")
    assert "(batch normalisation)" in error_of(autograded, "test_adain")
    for grade_id in ("test_minibatch_stddev_hidden", "test_fade_in_hidden", "test_adain_hidden"):
        assert error_of(autograded, grade_id).startswith("HiddenTestFailure: hidden tests failed")


# Parametrised by the notebook so that `-k 10_11` selects it with the assignment's other tests.
@pytest.mark.parametrize("notebook", [PROGAN_STYLEGAN], ids=[PROGAN_STYLEGAN.as_posix()])
def test_a_borrowed_pixel_norm_and_a_late_crossover_lose_their_parts(graded, notebook):
    student = "package_pixel_norm_late_crossover"
    lost = [f"test_{part}{hidden}" for part in ("pixel_norm", "mix_styles") for hidden in ("", "_hidden")]
    assert graded.scores(student, notebook) == {**PLANNED_POINTS[notebook], **dict.fromkeys(lost, 0.0)}
    autograded = graded.autograded(student, notebook)
    assert "uses the autoaegan package: `PixelNormalization`" in error_of(autograded, "test_pixel_norm")
    assert "which levels take w1 (1) and which w2 (0)" in error_of(autograded, "test_mix_styles")


def region_lines(nb, inside: bool) -> set[str]:
    """The normalised code lines of `nb` inside (or outside) the hidden-test regions."""
    lines, hidden = set(), False
    for cell in nb.cells:
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line or "END HIDDEN TESTS" in line:
                hidden = "BEGIN" in line
            elif normalise(line) and hidden == inside:
                lines.add(normalise(line))
    return lines


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_the_feedback_shows_no_hidden_test_code(graded, notebook):
    source = read(ROOT / "solutions" / notebook)
    hidden_only = region_lines(source, inside=True) - region_lines(source, inside=False)
    # Lines too short to tell apart from the visible code's (`}`, `else:`) are left out of the search.
    hidden_only = {line for line in hidden_only if len(line) >= 10}
    visible = region_lines(nbformat.read(ROOT / "exercises" / notebook, as_version=4), inside=False)
    assert hidden_only
    for student in graded.students(notebook):
        # The autograded notebook still holds the hidden tests; only the feedback clears them...
        assert hidden_only <= region_lines(graded.autograded(student, notebook), inside=True)
        text = graded.feedback_text(student, notebook)
        # ...and the page shows the code of the visible tests, so the search below can find code.
        assert any(line in text for line in visible if line.startswith("expect_"))
        shown = sorted(line for line in hidden_only if line in text)
        assert not shown, f"{student}'s feedback shows hidden test code: {shown}"

"""A graded part that takes the package's code gets 0 and is flagged; correct work in any style gets no finding.

The package's code can reach a part by every route `autoaegan.grading.reuse` reads: imported (also under an alias,
through a module, with `getattr`, with `*`), subclassed, wrapped (also through a helper), exec'd from its source
(at the top level: every part; inside a part: that part), imported by a name built at run time, read from its file,
and copied with its names changed or its layout redone. Each route is checked on the source, without a kernel, in
notebooks kept as data under `tests/fixtures/reuse/`: an earlier version of the assignments, whose parts (the
sampling layer, the KL regularizer, the replay buffer...) the package defines too, which today's parts, past their
chapters, no longer do. No solution of today's assignments, no noisy solution and no correct answer in another
style (Géron's book's among them) gets a finding. One `nbgrader autograde` batch of assignment 01_02 (the solution,
and the package's hailstone encoder imported) checks that FlagForReview gives the part's test cells 0 and flags the
notebook, and that the instructor gets one progress line per submission with its points (autoaegan.grading.progress).
"""

from __future__ import annotations

import copy
import inspect
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from system_needs import require

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from test_grading_robustness import filled, run_nbgrader, solution_answers  # noqa: E402
from test_nbgrader_roundtrip import SOLUTION_NOTEBOOKS, nbgrader_cells, points_of, read  # noqa: E402

import autoaegan.layers.minibatch_discrimination as package_minibatch  # noqa: E402
import autoaegan.models.replay as package_replay  # noqa: E402
import autoaegan.models.variational as package_variational  # noqa: E402
from autoaegan.grading.reuse import find_reuse  # noqa: E402
from benchmarks.adversarial_rewrites import noisy  # noqa: E402
from benchmarks.autograding import OTHER_STYLE, stealing  # noqa: E402

# An earlier version of four assignments (solutions and releases), kept as data for the routes' tests.
FIXTURES = ROOT / "tests" / "fixtures" / "reuse"
REPRESENTATIONS = Path("01_02_representations/representations.ipynb")
AUTOENCODERS = Path("03_05_autoencoders/autoencoders.ipynb")
VARIATIONAL = Path("06_variational/variational.ipynb")
GANS = Path("07_09_gans/gans.ipynb")

# Answers that take the package's code for a part of the fixtures.
PACKAGE_SAMPLING = {"sampling": "from autoaegan.models.variational import Sampling\n"}
PACKAGE_REGULARIZER = {
    "kl_regularizer": (
        "from autoaegan.layers.regularizers import KLDivergenceRegularizer as PackageRegularizer\n\n\n"
        "class KLDivergenceRegularizer(PackageRegularizer):\n"
        '    """The package\'s regularizer under the exercise\'s name."""\n'
    ),
}
WRAPPED_ANGLES = {
    "principal_angles": (
        "import numpy as np\n"
        "import autoaegan.metrics.subspace\n\n\n"
        "def principal_angles(a, b):\n"
        "    return autoaegan.metrics.subspace.principal_angles(a, b)\n"
    ),
}
# Today's assignment 01_02 with the package's hailstone encoder for its part 1a.
IMPORTED_ENCODER = {
    "encode_hailstone": "from autoaegan.experiments.representations import encode_hailstone_run as encode_hailstone\n"
}

SAMPLING_TESTS = ["test_sampling", "test_sampling_hidden", "test_vae_training"]
LATENT_LOSS_TESTS = ["test_latent_loss", "test_latent_loss_hidden", "test_vae_training"]


def released_answers(notebook: Path, root: Path = FIXTURES) -> list[str]:
    """The answer cells as released: their given code is nobody's copy."""
    return [cell.source for cell in nbgrader_cells(read(root / "exercises" / notebook), solution=True).values()]


def fixture_answers(notebook: Path) -> dict[str, str]:
    """The answer cells of a fixture's solution, by grade_id."""
    solution = read(FIXTURES / "solutions" / notebook)
    return {grade_id: cell.source for grade_id, cell in nbgrader_cells(solution, solution=True).items()}


def reuse_in(notebook: Path, answers: dict[str, str], root: Path = FIXTURES):
    """What find_reuse reads in the solution notebook (hidden tests included) with `answers` in its answer cells.

    `root` holds `solutions/` and `exercises/`: the fixtures by default, the repository for today's assignments.
    """
    nb = copy.deepcopy(read(root / "solutions" / notebook))
    cells = nbgrader_cells(nb, solution=True)
    for grade_id, source in answers.items():
        cells[grade_id].source = source
    return find_reuse(nb.cells, given=released_answers(notebook, root))


def only(reuse, part: str, *expected_words: str) -> list[str]:
    """Assert that `part` is the only part found, with reasons holding `expected_words`; return its reasons."""
    assert list(reuse.findings) == [part], reuse.describe()
    text = "; ".join(reuse.findings[part])
    for words in expected_words:
        assert words in text, text
    return reuse.findings[part]


# ----- the routes ----------------------------------------------------------------------------------------------------


def test_the_packages_class_imported_gets_its_test_cells_zero():
    reuse = reuse_in(VARIATIONAL, PACKAGE_SAMPLING)
    only(reuse, "Sampling", "imported from the package (autoaegan.models.variational.Sampling)")
    assert reuse.test_cells() == sorted(SAMPLING_TESTS)


@pytest.mark.parametrize(
    "answer",
    [
        "from autoaegan.models.variational import Sampling as PackageSampling\n\nSampling = PackageSampling\n",
        "import autoaegan.models.variational as reference\n\nSampling = reference.Sampling\n",
        "import autoaegan.models.variational\n\nSampling = getattr(autoaegan.models.variational, 'Sampling')\n",
        "from autoaegan.models.variational import *\n",
        "import keras\nfrom autoaegan import models\n\n"
        "layer_kind = models.variational\nSampling = layer_kind.Sampling\n",
    ],
    ids=["alias", "module", "getattr", "star", "module_alias"],
)
def test_the_packages_class_under_an_alias_is_found(answer):
    only(reuse_in(VARIATIONAL, {"sampling": answer}), "Sampling", "autoaegan.models.variational.Sampling")


def test_a_subclass_of_the_packages_class_is_found():
    reuse = reuse_in(AUTOENCODERS, PACKAGE_REGULARIZER)
    only(
        reuse,
        "KLDivergenceRegularizer",
        "subclasses the package's autoaegan.layers.regularizers.KLDivergenceRegularizer",
    )
    assert "test_kl_response_hidden" in reuse.test_cells()


def test_thin_wrappers_are_found_also_through_a_helper():
    reuse = reuse_in(REPRESENTATIONS, WRAPPED_ANGLES)
    assert reuse.findings["principal_angles"] == [
        "a thin wrapper around the package's autoaegan.metrics.subspace.principal_angles"
    ]
    # plane_angles, the answer that calls principal_angles, gets it too (test_plane_angles grades both).
    assert sorted(reuse.findings) == ["plane_angles", "principal_angles"]
    assert reuse.test_cells() == ["test_plane_angles", "test_principal_angles", "test_principal_angles_hidden"]
    helper = (
        "from autoaegan.models.variational import latent_loss as reference\n\n\n"
        "def _kl(mean, log_var):\n    return reference(mean, log_var)\n\n\n"
        "def latent_loss(mean, log_var):\n    total = _kl(mean, log_var)\n    return total\n"
    )
    only(
        reuse_in(VARIATIONAL, {"latent_loss": helper}),
        "latent_loss",
        "uses the package's autoaegan.models.variational.latent_loss (in `_kl`, which it uses)",
    )


def test_the_packages_source_execd_at_the_top_level_counts_for_every_part():
    answer = (
        "import inspect\nimport autoaegan.models.variational as reference\n\n"
        "exec(inspect.getsource(reference.latent_loss))\n"
    )
    reuse = reuse_in(VARIATIONAL, {"latent_loss": answer})
    assert sorted(reuse.findings) == ["Sampling", "latent_loss"], reuse.describe()
    text = "; ".join(reuse.findings["Sampling"])
    assert "runs code built at run time (`exec`)" in text and "reads source code (`inspect.getsource`)" in text
    assert reuse.test_cells() == sorted(set(SAMPLING_TESTS + LATENT_LOSS_TESTS))


@pytest.mark.parametrize(
    "body, words",
    [
        (
            "    namespace = {}\n    exec(inspect.getsource(reference.latent_loss), vars(reference), namespace)\n"
            "    return namespace['latent_loss'](mean, log_var)\n",
            "runs code built at run time (`exec`)",
        ),
        (
            "    module = importlib.import_module('auto' + 'aegan.models.variational')\n"
            "    return module.latent_loss(mean, log_var)\n",
            "imports modules by computed names (`importlib`)",
        ),
        (
            "    module = __import__(''.join(['auto', 'aegan.models.variational']), fromlist=['latent_loss'])\n"
            "    return module.latent_loss(mean, log_var)\n",
            "imports a module by a computed name (`__import__`)",
        ),
        (
            "    source = (Path(reference.__file__).parent / 'variational.py').read_text()\n"
            "    return compile(source, 'variational', 'exec')\n",
            "reads `.__file__`",
        ),
    ],
    ids=["exec_getsource", "importlib", "dunder_import", "package_file"],
)
def test_code_found_at_run_time_inside_a_part_counts_for_that_part(body, words):
    answer = (
        "import importlib\nimport inspect\nfrom pathlib import Path\n\nimport autoaegan.models.variational as reference"
        "\n\n\ndef latent_loss(mean, log_var):\n" + body
    )
    only(reuse_in(VARIATIONAL, {"latent_loss": answer}), "latent_loss", words)


def renamed(source: str, names: dict[str, str]) -> str:
    for old, new in names.items():
        source = re.sub(rf"\b{old}\b", new, source)
    return source


def test_the_packages_code_copied_with_renamed_variables_is_found():
    copied = (
        "import keras\nfrom keras import ops\n\n\n"
        + inspect.getsource(package_variational._check_same_shape)
        + "\n\n"
        + inspect.getsource(package_variational.latent_loss)
    )
    copied = renamed(copied, {"mean": "mu", "log_var": "gamma", "shape_mean": "first", "what": "label"})
    reasons = only(reuse_in(VARIATIONAL, {"latent_loss": copied}), "latent_loss")
    assert any(
        "the same code as the package's autoaegan.models.variational.latent_loss" in reason for reason in reasons
    ), reasons


def test_the_packages_code_reformatted_and_edited_is_found():
    import ast

    source = inspect.getsource(package_minibatch.MinibatchDiscrimination)
    # Another layout (ast.unparse), comments, another name for the argument, one line of its own.
    reformatted = renamed(ast.unparse(ast.parse(source)), {"inputs": "x", "input_shape": "shape"})
    reformatted = reformatted.replace("\n    def call(", "\n    # my own layer\n    def call(", 1)
    answer = "import keras\nfrom keras import ops\n\n\n@keras.saving.register_keras_serializable()\n" + reformatted
    only(
        reuse_in(GANS, {"minibatch_discrimination": answer}),
        "MinibatchDiscrimination",
        "autoaegan.layers.minibatch_discrimination.MinibatchDiscrimination",
    )
    # The replay buffer, copied, with one statement more: nearly the same.
    source = inspect.getsource(package_replay.ReplayBuffer)
    edited = source.replace("def call(self", "def call(self", 1)
    tree = ast.parse(edited)
    first_method = next(node for node in tree.body[0].body if isinstance(node, ast.FunctionDef))
    first_method.body.insert(0, ast.parse("unused = 0").body[0])
    answer = "import numpy as np\nimport keras\nfrom keras import ops\n\n\n" + ast.unparse(tree)
    only(reuse_in(GANS, {"replay_buffer": answer}), "ReplayBuffer", "autoaegan.models.replay.ReplayBuffer")


# ----- correct work gets no finding ----------------------------------------------------------------------------------

IDS = [notebook.as_posix() for notebook in SOLUTION_NOTEBOOKS]


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_the_solutions_and_their_noisy_versions_get_no_finding(notebook):
    answers = solution_answers(notebook)
    assert reuse_in(notebook, answers, ROOT).findings == {}
    noisy_answers = {grade_id: noisy(source) for grade_id, source in answers.items()}
    assert reuse_in(notebook, noisy_answers, ROOT).findings == {}


@pytest.mark.parametrize("notebook", [AUTOENCODERS, VARIATIONAL, GANS], ids=lambda notebook: notebook.as_posix())
def test_the_fixtures_solutions_get_no_finding(notebook):
    assert reuse_in(notebook, fixture_answers(notebook)).findings == {}


# Correct answers in other styles: Géron's book (TensorFlow functions, `super().__init__` last, `K` for the
# backend), a deque, and the notebooks' own imports from the package, which are not reuse.
GERON_STYLE = {
    AUTOENCODERS: {
        "dense_transpose": (
            "import keras\nimport tensorflow as tf\n\n\n"
            "class DenseTranspose(keras.layers.Layer):\n"
            "    def __init__(self, dense, activation=None, **kwargs):\n"
            "        super().__init__(**kwargs)\n"
            "        self.dense = dense\n"
            "        self.activation = keras.activations.get(activation)\n\n"
            "    def build(self, batch_input_shape):\n"
            "        self.biases = self.add_weight(name='bias', shape=[self.dense.kernel.shape[0]],\n"
            "                                      initializer='zeros')\n"
            "        super().build(batch_input_shape)\n\n"
            "    def call(self, inputs):\n"
            "        z = tf.matmul(inputs, self.dense.kernel, transpose_b=True)\n"
            "        return self.activation(z + self.biases)\n"
        ),
        "kl_regularizer": (
            "import keras\nfrom keras import ops\nfrom autoaegan.models.stacked import build_stacked_autoencoder\n\n"
            "kl_divergence = keras.losses.kl_divergence\n\n\n"
            "class KLDivergenceRegularizer(keras.regularizers.Regularizer):\n"
            "    def __init__(self, weight, target=0.1):\n"
            "        self.weight = weight\n"
            "        self.target = target\n\n"
            "    def __call__(self, inputs):\n"
            "        mean_activities = ops.clip(ops.mean(inputs, axis=0), 1e-7, 1 - 1e-7)\n"
            "        return self.weight * (\n"
            "            kl_divergence(self.target, mean_activities) +\n"
            "            kl_divergence(1. - self.target, 1. - mean_activities))\n\n"
            "    def get_config(self):\n"
            "        return {'weight': self.weight, 'target': self.target}\n"
        ),
    },
    VARIATIONAL: {
        "sampling": (
            "import keras\nimport tensorflow as tf\n\n\n"
            "class Sampling(keras.layers.Layer):\n"
            "    def __init__(self, seed=None, **kwargs):\n"
            "        super().__init__(**kwargs)\n"
            "        self.seed = seed\n"
            "        self.seed_generator = keras.random.SeedGenerator(seed)\n\n"
            "    def call(self, inputs):\n"
            "        mean, log_var = inputs\n"
            "        epsilon = keras.random.normal(tf.shape(log_var), seed=self.seed_generator)\n"
            "        return epsilon * tf.exp(log_var / 2) + mean\n"
        ),
        "latent_loss": (
            "import tensorflow as tf\n\n\n"
            "def latent_loss(codings_mean, codings_log_var):\n"
            "    return -0.5 * tf.reduce_sum(\n"
            "        1 + codings_log_var - tf.exp(codings_log_var) - tf.square(codings_mean), axis=-1)\n"
        ),
    },
    GANS: {
        "dcgan_generator": (
            "import keras\n\n\n"
            "def build_dcgan_generator(codings_size=100):\n"
            "    return keras.Sequential([\n"
            "        keras.layers.Dense(7 * 7 * 128, input_shape=[codings_size], use_bias=False),\n"
            "        keras.layers.Reshape([7, 7, 128]),\n"
            "        keras.layers.BatchNormalization(),\n"
            "        keras.layers.ReLU(),\n"
            "        keras.layers.Conv2DTranspose(64, kernel_size=5, strides=2, padding='SAME', use_bias=False),\n"
            "        keras.layers.BatchNormalization(),\n"
            "        keras.layers.ReLU(),\n"
            "        keras.layers.Conv2DTranspose(1, kernel_size=5, strides=2, padding='SAME', activation='tanh'),\n"
            "    ])\n"
        ),
        "dcgan_discriminator": (
            "import keras\nfrom autoaegan.experiments.dcgan_guidelines import check_dcgan_guidelines\n\n\n"
            "def build_dcgan_discriminator():\n"
            "    model = keras.Sequential([\n"
            "        keras.layers.Conv2D(64, kernel_size=5, strides=2, padding='SAME', input_shape=[28, 28, 1]),\n"
            "        keras.layers.LeakyReLU(alpha=0.2),\n"
            "        keras.layers.Conv2D(128, kernel_size=5, strides=2, padding='SAME', use_bias=False),\n"
            "        keras.layers.BatchNormalization(),\n"
            "        keras.layers.LeakyReLU(alpha=0.2),\n"
            "        keras.layers.Flatten(),\n"
            "        keras.layers.Dense(1, activation='sigmoid'),\n"
            "    ])\n"
            "    return model\n"
        ),
        "replay_buffer": (
            "from collections import deque\nimport numbers\n\nimport numpy as np\n\n\n"
            "class ReplayBuffer:\n"
            "    def __init__(self, capacity):\n"
            "        if isinstance(capacity, bool) or not isinstance(capacity, numbers.Integral) or capacity < 1:\n"
            "            raise ValueError(f'capacity must be a positive integer, got {capacity!r}')\n"
            "        self.images = deque(maxlen=int(capacity))\n\n"
            "    def add(self, images):\n"
            "        for image in np.array(images):\n"
            "            self.images.append(image)\n\n"
            "    def sample(self, n, rng):\n"
            "        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 1 <= n <= len(self.images):\n"
            "            raise ValueError(f'cannot sample {n!r} of {len(self.images)} images')\n"
            "        stored = np.stack(list(self.images))\n"
            "        return stored[rng.choice(len(stored), size=n, replace=False)]\n\n"
            "    def __len__(self):\n"
            "        return len(self.images)\n"
        ),
    },
}


@pytest.mark.parametrize("notebook", list(GERON_STYLE), ids=[notebook.as_posix() for notebook in GERON_STYLE])
def test_correct_answers_in_other_styles_get_no_finding(notebook):
    answers = {**fixture_answers(notebook), **GERON_STYLE[notebook]}
    assert reuse_in(notebook, answers).findings == {}


def test_the_benchmarks_other_style_and_a_reader_of_the_running_tests_are_no_reuse():
    # Reading the running tests' frames with linecache is hostile (the classroom matrix grades it), but it takes
    # nothing of the package's.
    answers = solution_answers(REPRESENTATIONS)
    assert reuse_in(REPRESENTATIONS, {**answers, **OTHER_STYLE}, ROOT).findings == {}
    assert reuse_in(REPRESENTATIONS, stealing(answers), ROOT).findings == {}


# ----- through nbgrader: FlagForReview and the progress lines ---------------------------------------------------------


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Assignment 01_02 generated in a copy of the course; the solution and the package's hailstone encoder autograded
    in one batch."""
    require("bwrap")  # autograding refuses without the grading sandbox
    from nbgrader.api import Gradebook

    folder = tmp_path_factory.mktemp("reuse")
    assignment = REPRESENTATIONS.parts[0]
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "solutions" / assignment, folder / "solutions" / assignment)
    generated = run_nbgrader(folder, "generate_assignment", assignment, "--force")
    assert generated.returncode == 0, generated.stderr[-3000:]
    release = read(folder / "exercises" / REPRESENTATIONS)
    answers = solution_answers(REPRESENTATIONS)
    submissions = {"honest": answers, "imported": {**answers, **IMPORTED_ENCODER}}
    for student, given in submissions.items():
        path = folder / "submitted" / student / REPRESENTATIONS
        path.parent.mkdir(parents=True)
        nbformat.write(filled(release, given), path)
    autograde = run_nbgrader(folder, "autograde", assignment)
    students = {}
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        for student in submissions:
            notebook = gradebook.find_submission_notebook(REPRESENTATIONS.stem, assignment, student)
            comments = [comment.auto_comment or "" for comment in notebook.comments]
            students[student] = {
                "scores": {grade.name: float(grade.score) for grade in notebook.grades},
                "manual": sorted(grade.name for grade in notebook.grades if grade.needs_manual_grade),
                "flagged": bool(notebook.flagged),
                "comments": "\n".join(comments),
            }
    return autograde, students


def test_the_reused_parts_test_cells_get_zero_and_the_notebook_is_flagged(graded):
    autograde, students = graded
    assert autograde.returncode == 0, autograde.stderr[-3000:]
    points = points_of(read(ROOT / "solutions" / REPRESENTATIONS))
    reused = reuse_in(REPRESENTATIONS, {**solution_answers(REPRESENTATIONS), **IMPORTED_ENCODER}, ROOT).test_cells()
    assert reused == ["test_encode_hailstone", "test_encode_hailstone_errors_hidden", "test_encode_hailstone_hidden"]
    assert students["honest"]["scores"] == points and not students["honest"]["flagged"]
    imported = students["imported"]
    assert imported["flagged"] and imported["manual"] == reused
    assert imported["scores"] == {name: 0.0 if name in reused else value for name, value in points.items()}
    assert "takes the package's code: encode_hailstone" in imported["comments"]
    listing = autograde.stderr.split("flagged for review (needs_manual_grade in the gradebook):")[-1]
    assert (
        f"imported/{REPRESENTATIONS.parts[0]}/{REPRESENTATIONS.stem}: a graded part takes the package's code" in listing
    )


def test_the_instructor_gets_one_progress_line_per_submission(graded):
    autograde, students = graded
    lines = [line for line in autograde.stderr.splitlines() if line.startswith("autoaegan: [")]
    total = sum(points_of(read(ROOT / "solutions" / REPRESENTATIONS)).values())
    assert len(lines) == 2, lines
    assignment = REPRESENTATIONS.parts[0]
    for index, (line, student) in enumerate(zip(lines, sorted(students)), start=1):
        score = sum(students[student]["scores"].values())
        pattern = rf"autoaegan: \[{index}/2\] {student} · {assignment} · {score:g}/{total:g} points · [0-9.]+ s"
        assert re.fullmatch(pattern + (r" · flagged \(.+\)" if students[student]["flagged"] else ""), line), line
    assert "flagged (a graded part takes the package's code: encode_hailstone" in lines[1]

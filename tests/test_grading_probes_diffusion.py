"""The checks of assignment 12 outside nbgrader: the scoring of its training part
(`autoaegan.grading.training_denoiser`, served in this process through the local bridge), and the reading of its
notebook for the package's code.

Part 1 and Part 2 are NumPy functions, checked against NumPy formulas in the test cells themselves: they need no
probe of their own. Part 3 is trained through `autoaegan.grading.probes.training`, like every training part, and
scored here. Each test writes a student's training function into a namespace that stands for the notebook and reads
the report: a denoiser that predicts ε̂ = 0 scores 1 at every noise level, on noise drawn afresh each time; one that
ignores t does exactly as well told the wrong step; a formula of x_t and t misses the limits; the best linear
denoiser, returned as a model, scores what the checker's own linear filter scores and misses the limit set by it; a
denoiser that depends on its batch, returns the wrong shape, comes as a pair or raises is named. Then the notebook:
the solution and the other styles take nothing of the package's; a submission that takes its posterior, its DDIM step
or its time encoding loses those parts.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autoaegan.grading import training as grading_training
from autoaegan.grading import training_denoiser
from autoaegan.grading.reuse import find_reuse
from autoaegan.models.diffusion import variance_schedule
from tests.roundtrip_cases import diffusion as cases
from tests.student_cells import student_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = cases.NOTEBOOK
PRELUDE = "import keras\nimport numpy as np\nfrom keras import layers, ops\n"


@pytest.fixture
def notebook(monkeypatch):
    """Run `code` as a notebook's cell would: its functions are the student's own, in `__main__`."""
    with student_notebook(monkeypatch, PRELUDE) as run:
        yield run


def test_the_checkers_schedule_is_chapter_12s():
    np.testing.assert_allclose(
        training_denoiser.cosine_alpha_bars(), variance_schedule("cosine").alpha_bars, rtol=1e-12, atol=0
    )


def test_the_checker_scores_without_keras_or_tensorflow():
    code = (
        "import sys, numpy as np, autoaegan.grading.training_denoiser as checker\n"
        "checker.linear_noise_estimate(np.zeros((2, 28, 28, 1), np.float32), 200)  # the linear filter fitted here\n"
        "loaded = [name for name in ('keras', 'tensorflow') if name in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


ZEROS = """
def train_zeros(images, *, steps, seed):
    noisy, step = keras.Input((28, 28, 1)), keras.Input(())
    return keras.Model([noisy, step], layers.Lambda(lambda inputs: 0 * inputs[0] + 0 * inputs[1][:, None, None, None])(
        [noisy, step]))
"""

# ε̂ = √(1 − ᾱ_t) x_t: no training, and told t, through a table of ᾱ looked up in the model.
SCALED = """
ALPHA_BARS = np.concatenate([[1.0], np.cumprod(1 - np.minimum(1 - (np.cos((np.arange(1, 1001) / 1000 + 0.008) / 1.008
    * np.pi / 2) / np.cos((np.arange(1000) / 1000 + 0.008) / 1.008 * np.pi / 2)) ** 2, 0.999))])


def train_scaled(images, *, steps, seed):
    table = ops.convert_to_tensor(ALPHA_BARS.astype("float32"))
    noisy, step = keras.Input((28, 28, 1)), keras.Input(())

    def scaled(inputs):
        x_t, t = inputs
        alpha_bar = ops.take(table, ops.cast(t, "int32"))
        return ops.sqrt(1 - alpha_bar)[:, None, None, None] * x_t

    return keras.Model([noisy, step], layers.Lambda(scaled)([noisy, step]))
"""


def test_a_denoiser_that_predicts_zero_scores_one_at_every_level_and_ignores_t(notebook):
    notebook(ZEROS)
    report = training_denoiser.denoiser_report("train_zeros", steps=5)
    assert report["problems"] == [] and "error" not in report
    assert list(report["noise_mse"]) == list(training_denoiser.NOISE_LEVELS)
    for level, error in report["noise_mse"].items():
        assert error == pytest.approx(1.0, abs=0.01), level  # the mean of ε² over 2,000 × 784 values
    assert report["wrong_step_ratio"] == pytest.approx(1.0)
    assert report["seed"] == grading_training.DEFAULT_TRAINING_SEED and report["steps"] == 5
    # The report is kept: the next cell of the part reads it without training again.
    assert training_denoiser.denoiser_report("train_zeros", steps=5) is report
    assert training_denoiser.noise_level_failures(report) == [
        f"at step {t}: expected at most {limit}, got {report['noise_mse'][t]:.3f}"
        for t, limit in training_denoiser.NOISE_LIMITS.items()
    ] + [
        f"at step 200: expected at most {0.95 * report['linear_mse'][200]:.3f}, the best linear denoiser's "
        f"{report['linear_mse'][200]:.3f} × 0.95; got {report['noise_mse'][200]:.3f}"
    ]


def test_the_checker_draws_its_noise_afresh_each_time(notebook):
    # A seed of the package's would let code regenerate ε and return it: the noise comes from fresh entropy instead.
    notebook(ZEROS)
    first = training_denoiser.denoiser_report("train_zeros", steps=1)
    grading_training.clear_reports()
    second = training_denoiser.denoiser_report("train_zeros", steps=1)
    assert first["noise_seed"] != second["noise_seed"]
    assert all(first["noise_mse"][level] != second["noise_mse"][level] for level in training_denoiser.NOISE_LEVELS)


def test_a_denoiser_told_t_scores_below_one_and_worse_told_the_wrong_step(notebook):
    notebook(SCALED)
    report = training_denoiser.denoiser_report("train_scaled", steps=1)
    assert report["problems"] == []
    errors = report["noise_mse"]
    # The more noise in x_t, the more of x_t is ε: the error falls with the step, and stays below ε̂ = 0's.
    assert errors[50] > errors[200] > errors[500] > errors[800] and errors[800] < 0.1 and errors[50] < 1.1
    assert report["wrong_step_ratio"] > 1.3  # 1.6 measured: told the wrong step, its scale is wrong
    assert report["mean_mse"] == pytest.approx(np.mean(list(errors.values())))
    # It uses t, but finds little of the noise: above the limit at step 50, so the test of t gives it nothing.
    assert any(failure.startswith("at step 50:") for failure in training_denoiser.noise_level_failures(report))


def test_the_best_linear_denoiser_scores_as_the_checkers_own_and_misses_its_limit(notebook):
    namespace = notebook(cases.LINEAR_FILTER_TRAINING)
    namespace.update(ALPHA_BARS=training_denoiser.cosine_alpha_bars(), T=1000)  # the notebook's schedule cell
    report = training_denoiser.denoiser_report("train_small_denoiser", steps=1)
    assert report["problems"] == []
    # The model (float32, Keras) and the checker's filter (float64, NumPy) see the same x_t and find the same ε̂.
    for level in training_denoiser.NOISE_LEVELS:
        assert report["noise_mse"][level] == pytest.approx(report["linear_mse"][level], rel=0.01), level
    # Within every fixed limit, and it uses t; only the limit the linear filter sets at step 200 fails.
    assert report["wrong_step_ratio"] >= 1.5
    (failure,) = training_denoiser.noise_level_failures(report)
    assert failure.startswith("at step 200: expected at most") and "the best linear denoiser's" in failure


def test_a_denoiser_that_depends_on_its_batch_is_named(notebook):
    notebook("""
def train_batchwise(images, *, steps, seed):
    noisy, step = keras.Input((28, 28, 1)), keras.Input(())
    centred = layers.Lambda(lambda inputs: inputs[0] - ops.mean(inputs[0], axis=0) + 0 * inputs[1][:, None, None, None])
    return keras.Model([noisy, step], centred([noisy, step]))
""")
    report = training_denoiser.denoiser_report("train_batchwise", steps=1)
    assert any("should be a function of its input alone" in problem for problem in report["problems"]), report
    assert "noise_mse" not in report


def test_a_wrong_shape_a_pair_and_an_error_are_named(notebook):
    notebook("""
def train_flat(images, *, steps, seed):
    noisy, step = keras.Input((28, 28, 1)), keras.Input(())
    return keras.Model([noisy, step], layers.Dense(1)(layers.Flatten()(noisy)) + 0 * step[:, None])


def train_pair(images, *, steps, seed):
    return keras.layers.Dense(1), keras.layers.Dense(1)


def train_broken(images, *, steps, seed):
    raise ValueError("no schedule")
""")
    flat = training_denoiser.denoiser_report("train_flat", steps=1)
    assert flat["problems"] == [
        f"the denoiser should return an array of shape ({grading_training.TEST_IMAGES}, 28, 28, 1) or "
        f"({grading_training.TEST_IMAGES}, 28, 28), got shape ({grading_training.TEST_IMAGES}, 1)"
    ]
    pair = training_denoiser.denoiser_report("train_pair", steps=1)
    assert pair["problems"] == ["the training should return the denoiser alone, got a tuple of 2: a Dense, a Dense"]
    broken = training_denoiser.denoiser_report("train_broken", steps=3)
    assert broken["error"] == (
        f"train_broken(images, steps=3, seed={grading_training.DEFAULT_TRAINING_SEED}) raised ValueError: no schedule"
    )


# ----- the notebook read for the package's code ---------------------------------------------------------------------


def _reuse(answers: dict[str, str]):
    solution = nbformat.read(ROOT / "solutions" / NOTEBOOK, as_version=4)
    release = nbformat.read(ROOT / "exercises" / NOTEBOOK, as_version=4)
    given = [cell.source for cell in release.cells if cell.metadata.get("nbgrader", {}).get("solution")]
    for cell in solution.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return find_reuse(solution.cells, given=given)


def test_the_solution_and_the_other_styles_take_nothing_of_the_package():
    assert _reuse({}).findings == {}
    for name in ("other_styles", "no_time", "too_small", "naive_precision_no_checks", "linear_filter"):
        assert _reuse(cases.SUBMISSIONS[name].answers).findings == {}, name


def test_the_packages_posterior_ddim_step_and_time_encoding_lose_their_parts():
    reuse = _reuse(cases.SUBMISSIONS["package_code"].answers)
    assert sorted(reuse.findings) == ["ddim_eta_step", "posterior_moments", "train_small_denoiser"], reuse.describe()
    text = "\n".join(reuse.describe())
    for path in ("NoiseSchedule", "ddim_step", "SinusoidalTimeEncoding"):
        assert "autoaegan.models.diffusion" in text and path in text, text
    zeroed = {grade_id for grade_id, points in cases.SUBMISSIONS["package_code"].deserved.items() if points == 0}
    assert set(reuse.test_cells()) == zeroed == set(cases.POINTS)

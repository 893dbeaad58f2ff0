"""The training parts of the assignments, scored in the checker: what the student's trained model does on unseen data.

Each assignment ends with a part where the student writes `train_...(images, *, steps,
seed)` (or `(images, labels, *, steps, seed)`), which builds a small model, trains it
for at most `steps` optimizer steps, and returns it. Grading is the same everywhere:

- **Training.** The checker calls the function in the student's kernel through the
  probe `autoaegan.grading.probes.training.run_training`: on `TRAIN_IMAGES` images
  (10,000) drawn with a fixed seed from Fashion-MNIST's training split, with Keras
  seeded by `training_seed()` and TensorFlow's deterministic ops. The budget is in steps,
  never in seconds, so a busy hub costs no points; the call may take up to
  `TRAINING_TIMEOUT` seconds.
- **Scoring**, here in the checker, which never imports Keras or TensorFlow: on
  `TEST_IMAGES` (2,000) images of the test set, which the student's kernel cannot read
  while grading (the sandbox holds the test files out). The checker calls the encoder
  and the decoder, or the generator, separately; it draws the codings itself; it checks
  the shapes, that each model is a function of its input alone (the same outputs for
  the same inputs in another batch, after other calls), and compares with a baseline
  fitted on the same training images (PCA), or measures samples through the shipped
  classifier (`autoaegan.metrics.classifier_numpy`): Fréchet distance to the test set,
  classes covered, for a conditional model the share put in the asked class, and the
  distance of each sample to its nearest training image, against the same distance for
  real test images (a model that copies its training images has samples much closer).

The report is plain data, computed once per notebook and kept for the next test cells
of the same part (`autoencoder_report`, `generator_report`). The test cells decide the
points from it; `benchmarks/training_parts.py` measures how often the solutions pass over
20 seeds. `AUTOAEGAN_TRAINING_SEED` changes the seed (for that benchmark only: grading
always uses `DEFAULT_TRAINING_SEED`).
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import numpy as np

from autoaegan.data.fashion_mnist import load_fashion_mnist
from autoaegan.grading.bridge import Remote, StudentError, student
from autoaegan.grading.probes.training import training_data
from autoaegan.metrics.classifier_numpy import classifier_outputs
from autoaegan.metrics.generative import class_coverage, frechet_distance
from autoaegan.pixels import uint8_to_unit

TRAIN_IMAGES = 10_000
TEST_IMAGES = 2_000
DATA_SEED = 2026  # which training and test images grading uses
DEFAULT_TRAINING_SEED = 42
TRAINING_SEED_VARIABLE = "AUTOAEGAN_TRAINING_SEED"
TRAINING_TIMEOUT = 600.0  # seconds one training call may take: ten times the 60 s on an idle machine
FUNCTION_CHECK_IMAGES = 500  # images fed again, in another order, to check that a model is a function of its input
FUNCTION_TOLERANCE = 1e-3  # the largest difference allowed between two calls on the same input (float32 batches)
# A sample is a copy when it lies closer to a training image than this share of the test images' nearest distance.
COPY_FRACTION = 0.5

_reports: dict[tuple, dict] = {}


def training_seed() -> int:
    """The random seed that grading trains with: `DEFAULT_TRAINING_SEED`, or `AUTOAEGAN_TRAINING_SEED` for the
    benchmark."""
    value = os.environ.get(TRAINING_SEED_VARIABLE, "").strip()
    if not value:
        return DEFAULT_TRAINING_SEED
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{TRAINING_SEED_VARIABLE} must be an integer, got {value!r}") from None


def training_images() -> tuple[np.ndarray, np.ndarray]:
    """The grading's training images and labels, drawn here exactly as the student's kernel draws them."""

    return training_data(TRAIN_IMAGES, seed=DATA_SEED)


def test_images() -> tuple[np.ndarray, np.ndarray]:
    """`TEST_IMAGES` test images (float32 in [0, 1]) and labels, drawn with `DATA_SEED`: data the student's code
    never sees."""
    data = load_fashion_mnist(download=False)
    chosen = np.sort(np.random.default_rng(DATA_SEED).choice(len(data.test_images), size=TEST_IMAGES, replace=False))
    return uint8_to_unit(data.test_images[chosen]), data.test_labels[chosen].astype(np.int64)


test_images.__test__ = False  # not a pytest test


@contextmanager
def _long_calls(student):
    before = student.timeout
    student.timeout = max(before, TRAINING_TIMEOUT)
    try:
        yield
    finally:
        student.timeout = before


def train_part(function: str, *, steps: int, labels: bool, report: dict):
    """Train in the student's kernel; return its result (handles), or None with `report["error"]` set."""

    train = student.own(function)
    probes = student.module("autoaegan.grading.probes.training")
    seed = training_seed()
    report.update(function=function, steps=steps, seed=seed, train_images=TRAIN_IMAGES, test_images=TEST_IMAGES)
    try:
        with _long_calls(student):
            run = probes.run_training(
                train, n_images=TRAIN_IMAGES, data_seed=DATA_SEED, steps=steps, seed=seed, labels=labels
            )
    except Exception as error:  # the student's training failed: the report says how, the cells fail with it
        # A StudentError's text starts with the student's exception's name already.
        what = str(error) if isinstance(error, StudentError) else f"{type(error).__name__}: {error}"
        report["error"] = f"{function}(images, {'labels, ' if labels else ''}steps={steps}, seed={seed}) raised {what}"
        return None
    report.update(seconds=float(run["seconds"]), cpu_seconds=float(run["cpu_seconds"]))
    return run["result"], probes


def returned_models(result, count: int, what: str, report: dict) -> list | None:
    """The `count` models the training returned, or None with the problem in `report`."""

    models = [result] if count == 1 else result
    if count > 1 and (not isinstance(result, (list, tuple)) or len(result) != count):
        report["problems"].append(f"the training should return {what}, got {_describe(result)}")
        return None
    if count == 1 and isinstance(result, (list, tuple)):
        report["problems"].append(f"the training should return {what} alone, got {_describe(result)}")
        return None
    for model in models:
        if not isinstance(model, Remote):
            report["problems"].append(f"the training should return {what}, got {_describe(model)}")
            return None
    return list(models)


def _describe(value) -> str:
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)}: " + ", ".join(_describe(v) for v in value[:4])

    if isinstance(value, Remote):
        return f"a {value.type_name.rsplit('.', 1)[-1]}"
    return f"{type(value).__name__} {str(value)[:60]}"


def predict(probes, model, inputs, what: str, report: dict):
    """The model's outputs as arrays, or None with the problem in `report`."""
    try:
        return probes.predict(model, inputs)
    except Exception as error:
        report["problems"].append(f"calling {what} failed: {type(error).__name__}: {error}")
        return None


def check_array(value, shapes: list[tuple], what: str, report: dict) -> np.ndarray | None:
    """`value` as a finite float array of one of `shapes` (None: any size there), or None with the problem in
    `report`."""
    if value is None:  # the call failed: `predict` said why
        return None
    array = value[-1] if isinstance(value, list) and what.startswith("the encoder") else value
    if isinstance(array, list):
        report["problems"].append(f"{what} should return one array, got {len(array)} outputs")
        return None
    array = np.asarray(array)
    if not any(
        len(shape) == array.ndim and all(s is None or s == a for s, a in zip(shape, array.shape)) for shape in shapes
    ):
        expected = " or ".join(str(tuple("n" if s is None else s for s in shape)) for shape in shapes)
        report["problems"].append(f"{what} should return an array of shape {expected}, got shape {array.shape}")
        return None
    if not np.issubdtype(array.dtype, np.floating) or not np.isfinite(array).all():
        report["problems"].append(
            f"{what} should return finite floats, got dtype {array.dtype}"
            + ("" if not np.issubdtype(array.dtype, np.floating) else " with NaN or infinity")
        )
        return None
    return array.astype(np.float32)


def check_same_function(first: np.ndarray, again: np.ndarray, what: str, report: dict) -> None:
    """Note in `report` a model whose outputs for the same inputs, asked again in another order, differ."""
    gap = float(np.max(np.abs(first - again))) if first.shape == again.shape else float("inf")
    report.setdefault("function_gaps", {})[what] = gap
    if gap > FUNCTION_TOLERANCE * max(1.0, float(np.max(np.abs(first)))):
        report["problems"].append(
            f"{what} gave other outputs for the same inputs in another batch, after other calls (largest difference "
            f"{gap:.3g}): it should be a function of its input alone, in inference mode (training=False)"
        )


def cached_report(key: tuple, compute) -> dict:
    """The report under `key`, computed once per grading process: the test cells of a part share one training."""
    if key not in _reports:
        _reports[key] = compute()
    return _reports[key]


def autoencoder_report(function: str, *, steps: int, coding_size: int) -> dict:
    """Train `function` (it returns `(encoder, decoder)`) and score it on the test images; computed once, then kept.

    The report's keys: `function`, `steps`, `seed`, `seconds`, `cpu_seconds`; `error` when
    the training raised; `problems` (what is wrong with the models: shapes, non-finite
    values, not a function of the input), empty when they are fine; `test_mse` (the mean
    squared error per pixel of the reconstructions of the test images) and `pca_mse` (the
    same for PCA with `coding_size` components fitted on the same training images); `lookup_share`
    (the share of decoded midpoints between two codings that copy a test image: near 1 for a
    decoder that looks up stored images, which is a problem);
    `encoder_affine_error` and `decoder_affine_error` (how far each model is from an
    affine map: |f(a + b) − f(a) − f(b) + f(0)| over |f(a)|, 0 for a linear autoencoder).
    """
    key = ("autoencoder", function, steps, coding_size, training_seed())
    return cached_report(key, lambda: _autoencoder_report(function, steps=steps, coding_size=coding_size))


def _autoencoder_report(function: str, *, steps: int, coding_size: int) -> dict:
    report: dict = {"problems": []}
    trained = train_part(function, steps=steps, labels=False, report=report)
    if trained is None:
        return report
    result, probes = trained
    models = returned_models(result, 2, "(encoder, decoder)", report)
    if models is None:
        return report
    encoder, decoder = models
    images, _ = test_images()
    train_images, _ = training_images()
    codings = check_array(
        predict(probes, encoder, images, "the encoder", report), [(TEST_IMAGES, coding_size)], "the encoder", report
    )
    if codings is None:
        return report
    predict(probes, encoder, train_images[:FUNCTION_CHECK_IMAGES], "the encoder", report)  # other calls between
    reconstructions = check_array(
        predict(probes, decoder, codings, "the decoder", report),
        [(TEST_IMAGES, 28, 28), (TEST_IMAGES, 28, 28, 1)],
        "the decoder",
        report,
    )
    if reconstructions is None:
        return report
    reconstructions = reconstructions.reshape(images.shape)
    order = np.random.default_rng(DATA_SEED).permutation(TEST_IMAGES)[:FUNCTION_CHECK_IMAGES]
    again = predict(probes, encoder, images[order], "the encoder", report)
    check_same_function(
        codings[order], np.asarray(again[-1] if isinstance(again, list) else again, np.float32), "the encoder", report
    )
    again = predict(probes, decoder, codings[order], "the decoder", report)
    check_same_function(
        reconstructions[order], np.asarray(again, np.float32).reshape(-1, 28, 28), "the decoder", report
    )
    if not report["problems"]:
        seen = np.concatenate([images, train_images[:FUNCTION_CHECK_IMAGES]])  # every image the encoder was given
        _check_no_lookup(probes, decoder, codings, seen, report)
    if report["problems"]:
        return report

    report["test_mse"] = float(np.mean((reconstructions - images) ** 2))
    report["pca_mse"] = pca_mse(train_images, images, coding_size)
    a, b = images[:200] * 0.5, images[200:400] * 0.5
    zero = np.zeros_like(a)
    encoded = [
        np.asarray(_last(predict(probes, encoder, x, "the encoder", report)), np.float64) for x in (a, b, a + b, zero)
    ]
    report["encoder_affine_error"] = _affine_error(*encoded)
    ca, cb = codings[:200], codings[200:400]
    decoded = [
        np.asarray(predict(probes, decoder, c, "the decoder", report), np.float64).reshape(len(c), -1)
        for c in (ca, cb, ca + cb, np.zeros_like(ca))
    ]
    report["decoder_affine_error"] = _affine_error(*decoded)
    return report


def _check_no_lookup(probes, decoder, codings: np.ndarray, seen: np.ndarray, report: dict) -> None:
    """A decoder that looks up images it was given (stored by the encoder, found by their codings) is no decoder.

    Decoded midpoints between two test images' codings are a blend for a real decoder; a
    lookup returns one of the stored images (or fails, when it finds no exact key).
    `lookup_share` is the share of midpoints decoded into a copy of an image the encoder
    was given (`seen`): closer to one than `COPY_FRACTION` times the 5th percentile of the
    test images' distances to each other.
    """
    rng = np.random.default_rng(DATA_SEED)
    first, second = (
        rng.permutation(TEST_IMAGES)[:FUNCTION_CHECK_IMAGES],
        rng.permutation(TEST_IMAGES)[:FUNCTION_CHECK_IMAGES],
    )
    keep = first != second
    midpoints = (codings[first[keep]] + codings[second[keep]]) / 2
    shapes = [(len(midpoints), 28, 28), (len(midpoints), 28, 28, 1)]
    decoded = check_array(predict(probes, decoder, midpoints, "the decoder", report), shapes, "the decoder", report)
    if decoded is None:
        return
    decoded = decoded.reshape(len(midpoints), -1)
    test = seen[:TEST_IMAGES]
    spacing = np.percentile(nearest_distances(test[:FUNCTION_CHECK_IMAGES], test[FUNCTION_CHECK_IMAGES:]), 5)
    share = float(np.mean(nearest_distances(decoded, seen) < COPY_FRACTION * spacing))
    report["lookup_share"] = share
    if share > 0.5:
        report["problems"].append(
            f"the decoder returns stored images: {share:.0%} of the codings halfway between two test images' codings "
            f"decode into a copy of a test image (a decoder maps any coding to an image; it does not look images up)"
        )


def _last(value):
    return value[-1] if isinstance(value, list) else value


def _affine_error(fa: np.ndarray, fb: np.ndarray, fab: np.ndarray, f0: np.ndarray) -> float:
    """|f(a + b) − f(a) − f(b) + f(0)| / |f(a) − f(0)|: 0 for an affine map."""
    scale = np.linalg.norm(fa - f0) + np.linalg.norm(fb - f0)
    return float(np.linalg.norm(fab - fa - fb + f0) / max(scale, 1e-12))


def pca_mse(train_images: np.ndarray, images: np.ndarray, components: int) -> float:
    """The mean squared error per pixel of PCA with `components` components (fitted on `train_images`) on `images`."""
    from sklearn.decomposition import PCA  # here: the checker loads scikit-learn only for the checks that need it

    pca = PCA(n_components=components, random_state=0).fit(train_images.reshape(len(train_images), -1))
    flat = images.reshape(len(images), -1)
    return float(np.mean((pca.inverse_transform(pca.transform(flat)) - flat) ** 2))


def generator_report(
    function: str, *, steps: int, coding_size: int, pixels: str = "tanh", conditional: bool = False, kind: str = "gan"
) -> dict:
    """Train `function` and score the samples of its generator on the test images; computed once, then kept.

    `kind="gan"`: the function returns the generator; `kind="vae"`: it returns
    `(encoder, decoder)` and the decoder is the generator (the encoder must map images to
    `[mean, log_var, codings]` or to codings; its last output is used). The checker draws
    `TEST_IMAGES` codings from N(0, I) of size `coding_size` (with `conditional`, labels
    0-9 in turn, and the generator is called on `[codings, labels]`). `pixels` is the
    generator's range: "tanh" for [-1, 1], "unit" for [0, 1].

    The report's keys: as `autoencoder_report` for the training (`error`, `problems`,
    `seconds`...); `fd` (Fréchet distance to the test images in the classifier's
    features) and `fd_real` (the same for the training images: the floor real images
    reach at this N); `classes_covered` (classes with at least 1% of the samples) and
    `class_shares`; `label_accuracy` (conditional: the share of samples the classifier
    puts in their label's class); `copy_share` (the share of samples closer to a training
    image than `COPY_FRACTION` times the 5th percentile of the test images' nearest
    distances) and `nearest_ratio` (median nearest distance of the samples over that of
    the test images); `out_of_range` (the share of pixels outside `pixels`'s range);
    for a VAE, `test_mse` (reconstructions through the encoder's last output).
    """
    if pixels not in ("tanh", "unit"):
        raise ValueError(f'pixels must be "tanh" ([-1, 1]) or "unit" ([0, 1]), got {pixels!r}')
    if kind not in ("gan", "vae"):
        raise ValueError(f'kind must be "gan" (a generator) or "vae" ((encoder, decoder)), got {kind!r}')
    key = ("generator", function, steps, coding_size, pixels, conditional, kind, training_seed())
    return cached_report(
        key,
        lambda: _generator_report(
            function, steps=steps, coding_size=coding_size, pixels=pixels, conditional=conditional, kind=kind
        ),
    )


def _generator_report(
    function: str, *, steps: int, coding_size: int, pixels: str, conditional: bool, kind: str
) -> dict:

    report: dict = {"problems": []}
    trained = train_part(function, steps=steps, labels=conditional, report=report)
    if trained is None:
        return report
    result, probes = trained
    models = returned_models(
        result, 2 if kind == "vae" else 1, "(encoder, decoder)" if kind == "vae" else "the generator", report
    )
    if models is None:
        return report
    generator = models[-1]
    images, _ = test_images()
    train_images, _ = training_images()
    rng = np.random.default_rng([DATA_SEED, training_seed()])
    codings = rng.standard_normal((TEST_IMAGES, coding_size)).astype(np.float32)
    labels = np.arange(TEST_IMAGES) % 10
    inputs = [codings, labels] if conditional else codings
    what = "the decoder" if kind == "vae" else "the generator"
    samples = check_array(
        predict(probes, generator, inputs, what, report),
        [(TEST_IMAGES, 28, 28), (TEST_IMAGES, 28, 28, 1)],
        what,
        report,
    )
    if samples is None:
        return report
    samples = samples.reshape(images.shape)
    order = rng.permutation(TEST_IMAGES)[:FUNCTION_CHECK_IMAGES]
    again = predict(probes, generator, [codings[order], labels[order]] if conditional else codings[order], what, report)
    check_same_function(samples[order], np.asarray(again, np.float32).reshape(-1, 28, 28), what, report)

    low = -1.0 if pixels == "tanh" else 0.0
    report["out_of_range"] = float(np.mean((samples < low - 1e-3) | (samples > 1 + 1e-3)))
    unit = np.clip((samples + 1) / 2 if pixels == "tanh" else samples, 0, 1)  # not autoaegan.pixels: see test_images
    sample_features, probabilities = classifier_outputs(unit, name="the samples")
    test_features, _ = classifier_outputs(images, name="the test images")
    train_features, _ = classifier_outputs(train_images[:TEST_IMAGES], name="the training images")
    report["fd"] = frechet_distance(test_features, sample_features)
    report["fd_real"] = frechet_distance(test_features, train_features)
    coverage = class_coverage(probabilities)
    report["classes_covered"] = int(coverage.covered)
    report["class_shares"] = [round(float(share), 4) for share in coverage.shares]
    if conditional:
        report["label_accuracy"] = float(np.mean(np.argmax(probabilities, axis=1) == labels))
    report.update(copy_statistics(unit, images, train_images))
    if kind == "vae":
        encoded = predict(probes, models[0], images, "the encoder", report)
        if encoded is not None:
            codes = np.asarray(_last(encoded), np.float32)
            if codes.shape == (TEST_IMAGES, coding_size):
                decoded = np.asarray(predict(probes, generator, codes, what, report), np.float32)
                report["test_mse"] = float(np.mean((decoded.reshape(images.shape) - images) ** 2))
            else:
                report["problems"].append(
                    f"the encoder's codings should have shape ({TEST_IMAGES}, {coding_size}), got {codes.shape}"
                )
    return report


def nearest_distances(queries: np.ndarray, points: np.ndarray, chunk: int = 500) -> np.ndarray:
    """The Euclidean distance from each query image to its nearest image among `points` (pixels in [0, 1])."""
    queries = queries.reshape(len(queries), -1).astype(np.float32)
    points = points.reshape(len(points), -1).astype(np.float32)
    point_norms = np.sum(points**2, axis=1)
    nearest = []
    for start in range(0, len(queries), chunk):
        block = queries[start : start + chunk]
        squared = np.sum(block**2, axis=1)[:, None] - 2 * block @ points.T + point_norms[None, :]
        nearest.append(np.sqrt(np.clip(squared.min(axis=1), 0, None)))
    return np.concatenate(nearest)


def copy_statistics(samples: np.ndarray, images: np.ndarray, train_images: np.ndarray) -> dict:
    """How close the samples lie to the training images, against how close unseen test images lie to them."""
    sample_distances = nearest_distances(samples, train_images)
    real_distances = nearest_distances(images, train_images)
    threshold = COPY_FRACTION * float(np.percentile(real_distances, 5))
    return {
        "copy_share": float(np.mean(sample_distances < threshold)),
        "nearest_ratio": float(np.median(sample_distances) / np.median(real_distances)),
    }


def clear_reports() -> None:
    """Forget the kept reports (a new notebook, or the benchmark's next seed)."""
    _reports.clear()

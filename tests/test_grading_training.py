"""The training parts' scoring (autoaegan/grading/training.py) and its probe, served in this process (local mode).

Each test writes a student's training function into a namespace of its own that
stands for the notebook, and reads the report: good models pass the structural checks;
a model that returns the wrong shapes, is not a function of its input, stashes the
encoder's input, copies training images or raises is caught, with a message that says
what was expected and what came.
"""

from __future__ import annotations

import numpy as np
import pytest

from autoaegan.grading import training as grading_training
from autoaegan.grading.checker import cell_timeout, is_training_cell
from autoaegan.grading.probes.training import training_data
from tests.student_cells import student_notebook

PRELUDE = "import keras\nimport numpy as np\n"


@pytest.fixture
def notebook(monkeypatch):
    """Run `code` as a notebook's cell would: its functions are the student's own, in `__main__`."""
    with student_notebook(monkeypatch, PRELUDE) as run:
        yield run


DENSE_AUTOENCODER = """
def train_codec(images, *, steps, seed):
    encoder = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                                keras.layers.Dense(32, activation="relu"), keras.layers.Dense(4)])
    decoder = keras.Sequential([keras.Input((4,)), keras.layers.Dense(784, activation="sigmoid"),
                                keras.layers.Reshape((28, 28))])
    model = keras.Sequential([encoder, decoder])
    model.compile("adam", "mse")
    model.fit(images[:steps * 64], images[:steps * 64], batch_size=64, epochs=1, verbose=0)
    return encoder, decoder
"""


def test_an_autoencoder_is_trained_once_and_scored_against_pca(notebook):
    notebook(
        DENSE_AUTOENCODER + "calls = []\n_train = train_codec\n"
        "def train_codec(images, *, steps, seed):\n    calls.append((images.shape, steps, seed))\n"
        "    return _train(images, steps=steps, seed=seed)\n"
    )
    report = grading_training.autoencoder_report("train_codec", steps=20, coding_size=4)
    assert report["problems"] == [] and "error" not in report
    assert report["seed"] == grading_training.DEFAULT_TRAINING_SEED and report["seconds"] > 0
    assert 0 < report["test_mse"] < 0.2
    assert report["lookup_share"] < 0.05  # a real decoder blends two codings' images
    train, _ = grading_training.training_images()
    test, _ = grading_training.test_images()
    assert report["pca_mse"] == pytest.approx(grading_training.pca_mse(train, test, 4))
    assert report["encoder_affine_error"] > 0.01  # relu: not an affine map
    # The report is kept: the next cell of the part reads it without training again.
    assert grading_training.autoencoder_report("train_codec", steps=20, coding_size=4) is report
    namespace = notebook("")
    assert namespace["calls"] == [((grading_training.TRAIN_IMAGES, 28, 28), 20, grading_training.DEFAULT_TRAINING_SEED)]


def test_a_linear_autoencoder_is_affine(notebook):
    notebook("""
def train_linear(images, *, steps, seed):
    encoder = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(3)])
    decoder = keras.Sequential([keras.Input((3,)), keras.layers.Dense(784), keras.layers.Reshape((28, 28))])
    return encoder, decoder
""")
    report = grading_training.autoencoder_report("train_linear", steps=1, coding_size=3)
    assert report["problems"] == []
    assert report["encoder_affine_error"] < 1e-4 and report["decoder_affine_error"] < 1e-4


def test_a_wrong_coding_size_is_named(notebook):
    notebook(DENSE_AUTOENCODER)
    report = grading_training.autoencoder_report("train_codec", steps=2, coding_size=16)
    assert report["problems"] == [
        f"the encoder should return an array of shape ({grading_training.TEST_IMAGES}, 16), "
        f"got shape ({grading_training.TEST_IMAGES}, 4)"
    ]
    assert "test_mse" not in report


def test_a_decoder_that_returns_the_encoders_last_input_is_caught(notebook):
    notebook("""
class Stash:
    last = None


def train_stash(images, *, steps, seed):
    def encoder(x):
        Stash.last = np.asarray(x)
        return np.asarray(x).reshape(len(x), -1)[:, :16]

    def decoder(codings):
        return Stash.last

    return keras.layers.Lambda(encoder), keras.layers.Lambda(decoder)
""")
    report = grading_training.autoencoder_report("train_stash", steps=1, coding_size=16)
    # Called in batches, the stash holds the encoder's last batch: the decoder's outputs change with the calls between.
    assert report["problems"] and report["problems"][0].startswith("the decoder gave other outputs for the same inputs")


def test_a_model_that_depends_on_the_batch_is_not_a_function_of_its_input(notebook):
    notebook("""
def train_batch_dependent(images, *, steps, seed):
    encoder = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(8)])
    # Normalised by the batch's own statistics at inference: another batch, another coding.
    decoder = keras.layers.Lambda(lambda c: keras.ops.reshape(
        keras.ops.sigmoid(keras.ops.tile(c - keras.ops.mean(c, axis=0), [1, 98])), (-1, 28, 28)))
    return encoder, decoder
""")
    report = grading_training.autoencoder_report("train_batch_dependent", steps=1, coding_size=8)
    assert any("should be a function of its input alone" in problem for problem in report["problems"]), report


def test_training_that_raises_is_reported_with_its_message(notebook):
    notebook("def train_broken(images, *, steps, seed):\n    raise ValueError('the learning rate is NaN')\n")
    report = grading_training.autoencoder_report("train_broken", steps=5, coding_size=4)
    assert report["error"] == (
        f"train_broken(images, steps=5, seed={grading_training.DEFAULT_TRAINING_SEED}) "
        "raised ValueError: the learning rate is NaN"
    )


def test_one_model_where_two_are_expected_is_named(notebook):
    notebook("def train_one(images, *, steps, seed):\n    return keras.layers.Dense(4)\n")
    report = grading_training.autoencoder_report("train_one", steps=1, coding_size=4)
    assert report["problems"] == ["the training should return (encoder, decoder), got a Dense"]


COPYING_GENERATOR = """
def train_copier(images, *, steps, seed):
    kept = np.asarray(images[:1000])

    def generate(codings):
        index = np.abs(np.asarray(codings)[:, 0] * 1e4).astype(int) % len(kept)
        return kept[index] * 2 - 1  # tanh's range

    return keras.layers.Lambda(generate)
"""

NOISE_GENERATOR = """
def train_noise(images, *, steps, seed):
    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(784, activation="tanh"),
                             keras.layers.Reshape((28, 28))])
"""


def test_a_generator_that_copies_training_images_is_caught_and_noise_is_far_from_real(notebook):
    notebook(COPYING_GENERATOR + NOISE_GENERATOR)
    copier = grading_training.generator_report("train_copier", steps=1, coding_size=8)
    assert copier["problems"] == [] and copier["copy_share"] > 0.95 and copier["nearest_ratio"] < 0.05
    assert copier["fd"] < 10 * copier["fd_real"] + 5  # copies look real to the classifier
    noise = grading_training.generator_report("train_noise", steps=1, coding_size=8)
    assert noise["problems"] == [] and noise["copy_share"] == 0 and noise["fd"] > 20 * noise["fd_real"]
    assert noise["out_of_range"] == 0 and len(noise["class_shares"]) == 10


def test_a_conditional_generator_is_scored_by_the_class_of_its_samples(notebook):
    notebook("""
def train_by_label(images, labels, *, steps, seed):
    examples = np.stack([images[np.flatnonzero(labels == c)[0]] for c in range(10)])

    def generate(inputs):
        codings, wanted = inputs
        return examples[np.asarray(wanted).astype(int)]

    return keras.layers.Lambda(generate)
""")
    report = grading_training.generator_report(
        "train_by_label", steps=1, coding_size=4, pixels="unit", conditional=True
    )
    assert report["problems"] == []
    assert report["label_accuracy"] > 0.7 and report["classes_covered"] >= 8
    assert report["copy_share"] == 1.0


def test_samples_out_of_the_stated_range_are_measured(notebook):
    notebook(NOISE_GENERATOR)
    report = grading_training.generator_report("train_noise", steps=1, coding_size=8, pixels="unit")
    assert report["out_of_range"] > 0.3  # tanh outputs read as [0, 1] pixels


def test_the_seed_comes_from_the_environment_for_the_benchmark_only(monkeypatch):
    monkeypatch.delenv(grading_training.TRAINING_SEED_VARIABLE, raising=False)
    assert grading_training.training_seed() == grading_training.DEFAULT_TRAINING_SEED
    monkeypatch.setenv(grading_training.TRAINING_SEED_VARIABLE, "7")
    assert grading_training.training_seed() == 7
    monkeypatch.setenv(grading_training.TRAINING_SEED_VARIABLE, "seven")
    with pytest.raises(ValueError, match="must be an integer, got 'seven'"):
        grading_training.training_seed()


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match='pixels must be "tanh"'):
        grading_training.generator_report("f", steps=1, coding_size=2, pixels="bytes")
    with pytest.raises(ValueError, match='kind must be "gan"'):
        grading_training.generator_report("f", steps=1, coding_size=2, kind="flow")


def test_the_training_data_are_the_training_split_and_need_no_test_files(tmp_path, monkeypatch):
    data = grading_training.training_images()
    # The grading sandbox leaves the test files empty: the probe reads only the training files.
    from autoaegan.data.fashion_mnist import OFFICIAL_FILES, locate_fashion_mnist

    source = locate_fashion_mnist(download=False)
    for key, official in OFFICIAL_FILES.items():
        target = tmp_path / official.name
        if key.startswith("train"):
            target.symlink_to(source.file(key))
        else:
            target.write_bytes(b"")
    monkeypatch.setenv("AUTOAEGAN_DATA", str(tmp_path))
    images, labels = training_data(grading_training.TRAIN_IMAGES, seed=grading_training.DATA_SEED)
    np.testing.assert_array_equal(images, data[0])
    np.testing.assert_array_equal(labels, data[1])
    assert images.dtype == np.float32 and images.min() >= 0 and images.max() <= 1
    assert set(np.unique(labels)) == set(range(10))
    with pytest.raises(ValueError, match="n must be between 1 and 55,000"):
        training_data(60_000, seed=0)


def test_training_cells_get_a_longer_time_limit():
    def cell(source, **nbgrader):
        return {"cell_type": "code", "source": source, "metadata": {"nbgrader": nbgrader}}

    training = cell("from autoaegan.grading.training import generator_report", grade=True, points=2)
    ordinary = cell("from autoaegan.grading.checks import expect_close", grade=True, points=2)
    answer = cell("# uses grading_training in a comment", grade=False, solution=True)
    assert is_training_cell(training) and not is_training_cell(ordinary) and not is_training_cell(answer)
    timeout = cell_timeout(120)
    assert timeout(training) >= 600 and timeout(ordinary) == 120 and timeout(answer) == 120


def test_a_decoder_that_looks_up_the_images_the_encoder_stored_is_caught(notebook):
    notebook("""
STORE = {}


def train_lookup(images, *, steps, seed):
    rng = np.random.default_rng(0)
    projection = rng.normal(size=(784, 16)).astype("float32")

    def encode(x):
        x = np.asarray(x).reshape(len(x), -1)
        codings = x @ projection
        for coding, image in zip(codings, x):
            STORE[coding.tobytes()] = image
        return codings

    def decode(codings):
        codings = np.asarray(codings, dtype="float32")
        keys = np.stack([np.frombuffer(key, dtype="float32") for key in STORE])
        images = np.stack(list(STORE.values()))
        nearest = np.argmin(((codings[:, None, :] - keys[None]) ** 2).sum(-1), axis=1)
        return images[nearest].reshape(-1, 28, 28)

    return keras.layers.Lambda(encode), keras.layers.Lambda(decode)
""")
    report = grading_training.autoencoder_report("train_lookup", steps=1, coding_size=16)
    assert report["lookup_share"] > 0.9
    assert report["problems"] and report["problems"][-1].startswith("the decoder returns stored images")
    assert "test_mse" not in report

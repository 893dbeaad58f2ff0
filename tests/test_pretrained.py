"""The pretrained-weights machinery: save with a manifest, load offline with a checksum, retrain."""

import json

import keras
import numpy as np
import pytest

from autoaegan.pretrained import (
    CATALOG,
    PretrainedIntegrityError,
    PretrainedModel,
    PretrainedNotFoundError,
    TrainedModel,
    load_pretrained,
    read_manifest,
    retrain,
    save_pretrained,
)
from autoaegan.pretrained.__main__ import main as cli
from autoaegan.profiles import PROFILES


def build_tiny():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(3)])


def train_tiny(profile):
    model = build_tiny()
    model.layers[0].set_weights([np.full((3, 2), 0.5, np.float32), np.zeros(2, np.float32)])
    return TrainedModel(model, settings={"epochs": profile.epochs}, metrics={"mse": 0.25})


TINY = {"tiny": PretrainedModel("tiny", "a test model", build=f"{__name__}:build_tiny", train=f"{__name__}:train_tiny")}


def test_retrain_writes_weights_and_a_manifest(tmp_path):
    manifest = retrain("tiny", profile=PROFILES["test"], directory=tmp_path, catalog=TINY)
    on_disk = json.loads((tmp_path / "tiny.json").read_text())
    assert on_disk["sha256"] == manifest.sha256 and len(manifest.sha256) == 64
    assert on_disk["profile"] == "test"
    assert on_disk["settings"] == {"epochs": PROFILES["test"].epochs}
    assert on_disk["metrics"] == {"mse": 0.25}
    assert on_disk["train_seconds"] >= 0 and on_disk["versions"]["keras"].startswith("3.")
    assert (tmp_path / "tiny.weights.h5").stat().st_size == manifest.size_bytes


def test_load_restores_the_saved_weights(tmp_path):
    retrain("tiny", profile=PROFILES["test"], directory=tmp_path, catalog=TINY)
    model = load_pretrained("tiny", directory=tmp_path, catalog=TINY)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], np.full((3, 2), 0.5))


def test_missing_manifest_says_how_to_retrain(tmp_path):
    with pytest.raises(PretrainedNotFoundError, match="python -m autoaegan.pretrained train tiny"):
        load_pretrained("tiny", directory=tmp_path, catalog=TINY)


def test_missing_weights_file_is_named(tmp_path):
    retrain("tiny", profile=PROFILES["test"], directory=tmp_path, catalog=TINY)
    (tmp_path / "tiny.weights.h5").unlink()
    with pytest.raises(PretrainedNotFoundError, match="tiny.weights.h5 of 'tiny' is missing"):
        load_pretrained("tiny", directory=tmp_path, catalog=TINY)


def test_altered_weights_are_refused_with_both_hashes(tmp_path):
    manifest = retrain("tiny", profile=PROFILES["test"], directory=tmp_path, catalog=TINY)
    path = tmp_path / "tiny.weights.h5"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(PretrainedIntegrityError) as error:
        load_pretrained("tiny", directory=tmp_path, catalog=TINY)
    assert manifest.sha256 in str(error.value) and "altered" in str(error.value)


def test_malformed_manifest_is_refused(tmp_path):
    (tmp_path / "tiny.json").write_text("{not json")
    with pytest.raises(PretrainedIntegrityError, match="not a valid manifest"):
        read_manifest("tiny", directory=tmp_path)


def test_unknown_name_lists_the_known_ones(tmp_path):
    with pytest.raises(KeyError, match="known models: tiny"):
        load_pretrained("nope", directory=tmp_path, catalog=TINY)


def test_weights_that_do_not_fit_the_architecture(tmp_path):
    wide = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5), keras.layers.Dense(3)])
    save_pretrained("tiny", wide, profile="test", settings={}, metrics={}, train_seconds=0, directory=tmp_path)
    with pytest.raises(ValueError, match="do not fit the architecture"):
        load_pretrained("tiny", directory=tmp_path, catalog=TINY)


def test_every_shipped_model_verifies_and_loads():
    assert CATALOG, "the catalogue lists no pretrained model"
    assert cli(["verify"]) == 0
    for name in CATALOG:
        model = load_pretrained(name)
        assert isinstance(model, keras.Model)


def test_cli_reports_an_altered_file(tmp_path, monkeypatch, capsys):
    import autoaegan.pretrained.store as store

    retrain("tiny", profile=PROFILES["test"], directory=tmp_path, catalog=TINY)
    (tmp_path / "tiny.weights.h5").write_bytes(b"garbage")
    monkeypatch.setattr(store, "WEIGHTS_DIR", tmp_path)
    monkeypatch.setattr("autoaegan.pretrained.__main__.CATALOG", TINY)
    assert cli(["verify"]) == 1
    assert "altered" in capsys.readouterr().err


def test_a_chapters_own_model_gets_the_shipped_weights(tmp_path):
    from autoaegan.pretrained import load_shipped_weights

    retrain("tiny", profile=PROFILES["test"], directory=tmp_path, catalog=TINY)
    own = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(2, name="codings"), keras.layers.Dense(3, name="out")]
    )
    assert load_shipped_weights(own, "tiny", directory=tmp_path, catalog=TINY) is own
    np.testing.assert_array_equal(own.layers[0].get_weights()[0], np.full((3, 2), 0.5))


@pytest.mark.parametrize(
    "layers, message",
    [
        (
            [keras.layers.Dense(2), keras.layers.Dense(4)],
            r"shapes only in the file: \[\(2, 3\), \(3,\)\], only in the model: \[\(2, 4\), \(4,\)\]",
        ),
        ([keras.layers.Dense(2)], "the file holds 4 arrays, the model 2"),
        ([keras.layers.Dense(2), keras.layers.Dense(3), keras.layers.Dense(3)], "the file holds 4 arrays, the model 6"),
    ],
)
def test_a_model_that_differs_from_the_shipped_one_is_refused_with_the_differences(tmp_path, layers, message):
    from autoaegan.pretrained import load_shipped_weights

    retrain("tiny", profile=PROFILES["test"], directory=tmp_path, catalog=TINY)
    other = keras.Sequential([keras.Input((3,)), *layers])
    with pytest.raises(ValueError, match=message):
        load_shipped_weights(other, "tiny", directory=tmp_path, catalog=TINY)


def test_same_shapes_in_another_order_do_not_load_silently(tmp_path):
    """Keras matches layers by class and order: a model of the same shapes built differently must not pass."""
    from autoaegan.pretrained import load_shipped_weights

    retrain("tiny", profile=PROFILES["test"], directory=tmp_path, catalog=TINY)
    inputs = keras.Input((3,))
    wrapped = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Dense(2)(inputs)))
    nested = keras.Sequential([keras.Input((3,)), keras.Sequential([keras.layers.Dense(2)]), keras.layers.Dense(3)])
    load_shipped_weights(wrapped, "tiny", directory=tmp_path, catalog=TINY)  # the same layers: loads
    with pytest.raises(ValueError, match="did not all load|do not fit"):
        load_shipped_weights(nested, "tiny", directory=tmp_path, catalog=TINY)

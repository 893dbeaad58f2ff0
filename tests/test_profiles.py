"""Run profiles and the seeding call."""

import numpy as np
import pytest

from autoaegan.profiles import PROFILES, UnknownProfileError, get_profile
from autoaegan.seeding import set_seed


def test_default_profile_is_classroom(monkeypatch):
    monkeypatch.delenv("AUTOAEGAN_PROFILE", raising=False)
    assert get_profile().name == "classroom"


@pytest.mark.parametrize("name", ["test", "classroom", "full"])
def test_environment_variable_selects_the_profile(monkeypatch, name):
    monkeypatch.setenv("AUTOAEGAN_PROFILE", name)
    assert get_profile() is PROFILES[name]


def test_unknown_profile_lists_the_valid_ones(monkeypatch):
    monkeypatch.setenv("AUTOAEGAN_PROFILE", "fast")
    with pytest.raises(UnknownProfileError) as error:
        get_profile()
    assert "'fast'" in str(error.value)
    for name in ("test", "classroom", "full"):
        assert name in str(error.value)


def test_profiles_grow_from_test_to_full():
    test, classroom, full = PROFILES["test"], PROFILES["classroom"], PROFILES["full"]
    assert test.train_size < 55_000 and classroom.train_size is None and full.train_size is None
    assert test.epochs < classroom.epochs < full.epochs
    assert test.deterministic and not full.deterministic


def test_pick_and_subset():
    test = PROFILES["test"]
    assert test.pick(test=1, classroom=5, full=20) == 1
    assert PROFILES["full"].pick(test=1, classroom=5, full=20) == 20
    array = np.arange(10_000)
    assert len(test.subset(array, "train")) == test.train_size
    assert len(test.subset(array, "valid")) == test.valid_size
    assert len(PROFILES["classroom"].subset(array, "test")) == 10_000
    with pytest.raises(ValueError, match="split must be one of"):
        test.subset(array, "training")


def test_str_names_the_profile_and_sizes():
    text = str(PROFILES["test"])
    assert "profile 'test'" in text and "2,000" in text


def test_set_seed_repeats_numpy_draws():
    first = set_seed(7, tensorflow=False).normal(size=5)
    second = set_seed(7, tensorflow=False).normal(size=5)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, set_seed(8, tensorflow=False).normal(size=5))


def test_set_seed_repeats_keras_initialisation_in_the_test_profile():
    import keras

    def initial_kernel():
        set_seed(3, profile=PROFILES["test"])
        layer = keras.layers.Dense(4)
        layer.build((None, 3))
        return layer.kernel

    np.testing.assert_array_equal(np.asarray(initial_kernel()), np.asarray(initial_kernel()))

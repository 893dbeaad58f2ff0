"""The noise-level explorer: its images, its controls, and what moving them changes."""

import ipywidgets
import numpy as np
import pytest

from autoaegan.models.denoising import build_denoising_autoencoder, noisy_and_reconstruction
from autoaegan.profiles import PROFILES
from autoaegan.seeding import set_seed
from autoaegan.widgets.denoising import DenoisingExplorer
from autoaegan.widgets.png import read_grey_png


@pytest.fixture
def explorer():
    set_seed(0, profile=PROFILES["test"])
    _, _, gaussian = build_denoising_autoencoder("gaussian", codings=6, hidden=12)
    _, _, dropout = build_denoising_autoencoder("dropout", codings=6, hidden=12)
    images = np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    return DenoisingExplorer({"Gaussian": gaussian, "dropout": dropout}, images, level=0.3, scale=2)


def test_the_explorer_shows_clean_noisy_and_reconstructed_images_with_labelled_controls(explorer):
    assert isinstance(explorer, ipywidgets.VBox)
    for slider in (explorer.level_slider, explorer.index_slider):
        assert slider.description and slider.readout, "sliders need a label and a readout"
    assert explorer.index_slider.max == 4
    clean, noisy, reconstruction = explorer.compute()
    np.testing.assert_array_equal(read_grey_png(explorer.clean_image.value)[::2, ::2], 255 - np.round(clean * 255))
    expected_noisy, expected_reconstruction = noisy_and_reconstruction(
        explorer.autoencoders["Gaussian"], clean, "gaussian", 0.3, seed=explorer.seed
    )
    np.testing.assert_array_equal(noisy, expected_noisy)
    np.testing.assert_array_equal(reconstruction, expected_reconstruction)
    assert "MSE" in explorer.readout.value


def test_moving_the_level_slider_changes_the_noisy_input_and_the_reconstruction(explorer):
    before = (explorer.clean_image.value, explorer.noisy_image.value, explorer.reconstruction_image.value)
    readout = explorer.readout.value
    explorer.level_slider.value = 0.8
    assert explorer.clean_image.value == before[0]
    assert explorer.noisy_image.value != before[1]
    assert explorer.reconstruction_image.value != before[2]
    assert explorer.readout.value != readout
    explorer.level_slider.value = 0.0
    assert explorer.noisy_image.value == explorer.clean_image.value, "no noise: the input is the clean image"


def test_the_other_controls_change_the_images(explorer):
    clean, noisy = explorer.clean_image.value, explorer.noisy_image.value
    explorer.index_slider.value = 3
    assert explorer.clean_image.value != clean and explorer.noisy_image.value != noisy
    noisy, reconstruction = explorer.noisy_image.value, explorer.reconstruction_image.value
    explorer.noise_picker.value = "dropout"
    assert explorer.noisy_image.value != noisy
    reconstruction = explorer.reconstruction_image.value
    explorer.model_picker.value = "dropout"
    assert explorer.reconstruction_image.value != reconstruction


def test_the_explorer_takes_one_model_and_refuses_bad_input():
    _, _, autoencoder = build_denoising_autoencoder(codings=4, hidden=4)
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    assert list(DenoisingExplorer(autoencoder, images).model_picker.options) == [autoencoder.name]
    with pytest.raises(ValueError, match=r"shaped \(n, 28, 28\)"):
        DenoisingExplorer(autoencoder, np.zeros((2, 14, 14), dtype=np.uint8))
    with pytest.raises(ValueError, match="noise must be one of"):
        DenoisingExplorer(autoencoder, images, noise="speckle")
    with pytest.raises(ValueError, match="level ≤ max_level < 1"):
        DenoisingExplorer(autoencoder, images, level=0.5, max_level=0.4)

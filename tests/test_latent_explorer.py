"""The latent explorer, in the kernel: what each control changes, on sigmoid, tanh, 32×32 and 100-D decoders."""

import ipywidgets
import keras
import numpy as np
import pytest

from autoaegan.latent import blend
from autoaegan.pixels import rescale_to_unit
from autoaegan.profiles import PROFILES
from autoaegan.seeding import set_seed
from autoaegan.widgets.decoding import decode, encode
from autoaegan.widgets.latent_explorer import (
    BLEND_CLASS,
    IMAGE_CLASS,
    LIMIT,
    UNUSED_CLASS,
    LatentExplorer,
)
from autoaegan.widgets.png import grey_png, read_grey_png

CLASS_NAMES = ["T-shirt", "Trouser", "Pullover"]


def dense_decoder(latent_dim, shape=(28, 28), activation="sigmoid", bias=0.0):
    """A one-layer decoder (n, latent_dim) → `shape`, with a constant bias so its output at z = 0 is known."""
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            keras.layers.Dense(
                int(np.prod(shape)), activation=activation, bias_initializer=keras.initializers.Constant(bias)
            ),
            keras.layers.Reshape(shape),
        ]
    )


def dense_encoder(latent_dim, shape=(28, 28)):
    """A VAE-like encoder: images → [mean, log_var], so the explorer must take the first output."""
    images = keras.Input(shape)
    flat = keras.layers.Flatten()(images)
    return keras.Model(images, [keras.layers.Dense(latent_dim)(flat), keras.layers.Dense(latent_dim)(flat)])


@pytest.fixture
def models():
    set_seed(0, profile=PROFILES["test"])
    return dense_decoder(4), dense_encoder(4)


@pytest.fixture
def data():
    images = np.random.default_rng(1).integers(0, 256, size=(12, 28, 28), dtype=np.uint8)
    labels = np.array([0, 1, 2] * 4)
    return images, labels


@pytest.fixture
def explorer(models, data):
    decoder, encoder = models
    images, labels = data
    return LatentExplorer(decoder, encoder=encoder, images=images, labels=labels, class_names=CLASS_NAMES, scale=2)


def slider_values(explorer):
    return [slider.value for slider in explorer.sliders]


def test_each_latent_dimension_has_a_labelled_keyboard_slider_and_the_image_is_findable(explorer):
    assert isinstance(explorer, ipywidgets.VBox)
    assert len(explorer.sliders) == 4
    for index, slider in enumerate(explorer.sliders):
        assert isinstance(slider, ipywidgets.FloatSlider)
        assert slider.description == f"z[{index}]" and slider.readout and slider.tooltip
        assert (slider.min, slider.max) == (-LIMIT, LIMIT) and not slider.disabled
    assert explorer.sample_button.description == "Sample again" and explorer.sample_button.tooltip
    assert explorer.t_slider.description and explorer.t_slider.readout
    assert IMAGE_CLASS in explorer.image._dom_classes
    assert BLEND_CLASS in explorer.blend_image._dom_classes
    assert read_grey_png(explorer.image.value).shape == (56, 56)


def test_the_image_is_the_decoded_coding_of_the_slider_values(explorer, models):
    decoder, _ = models
    values = slider_values(explorer)
    coding = explorer.coding_for(values)
    np.testing.assert_allclose(coding, values, atol=1e-6)
    expected = keras.ops.convert_to_numpy(decoder(coding[None]))[0]
    np.testing.assert_allclose(explorer.image_for(values), expected, atol=1e-6)
    np.testing.assert_array_equal(explorer.compute(), explorer.image_for(values))
    assert bytes(explorer.image.value) == grey_png(explorer.compute(), scale=2)


def test_setting_a_slider_value_changes_the_image(explorer):
    before = bytes(explorer.image.value)
    explorer.sliders[2].value = LIMIT if explorer.sliders[2].value < 0 else -LIMIT
    after = bytes(explorer.image.value)
    assert after != before, "moving a latent slider must change the decoded image"
    assert explorer.coding[2] == explorer.sliders[2].value
    assert after == grey_png(explorer.compute(), scale=2)


def test_sample_again_sets_new_slider_values_and_a_new_image(explorer, models, data):
    values, image = slider_values(explorer), bytes(explorer.image.value)
    blend_image = bytes(explorer.blend_image.value)
    explorer.sample_button.click()
    new_values = slider_values(explorer)
    assert new_values != values
    assert bytes(explorer.image.value) != image
    assert bytes(explorer.image.value) == grey_png(explorer.image_for(new_values), scale=2)
    assert all(abs(value) <= LIMIT and abs(value * 10 - round(value * 10)) < 1e-6 for value in new_values)
    assert bytes(explorer.blend_image.value) == blend_image, "with an encoder, the endpoints are the picked images"
    # The same seed replays the same samples.
    decoder, encoder = models
    images, labels = data
    twin = LatentExplorer(decoder, encoder=encoder, images=images, labels=labels, class_names=CLASS_NAMES, scale=2)
    assert slider_values(twin) == values
    twin.sample_again()
    assert slider_values(twin) == new_values


def test_the_interpolation_ends_are_the_decoded_endpoint_codings(explorer, models, data):
    decoder, encoder = models
    images, labels = data
    start_index, end_index = explorer.endpoint_indices()
    assert labels[start_index] == explorer.start_class.value == 0
    assert labels[end_index] == explorer.end_class.value == 1
    mean = keras.ops.convert_to_numpy(encoder(images[[start_index, end_index]] / 255.0)[0])
    np.testing.assert_allclose(explorer.start_coding, mean[0], atol=1e-5)
    np.testing.assert_allclose(explorer.end_coding, mean[1], atol=1e-5)
    decoded = np.clip(keras.ops.convert_to_numpy(decoder(mean)), 0, 1)
    start, middle, end = explorer.interpolation_images(0.0)
    np.testing.assert_allclose(start, decoded[0], atol=1e-5)
    np.testing.assert_array_equal(middle, start)
    start, middle, end = explorer.interpolation_images(1.0)
    np.testing.assert_allclose(end, decoded[1], atol=1e-5)
    np.testing.assert_array_equal(middle, end)
    _, middle, _ = explorer.interpolation_images(0.5)
    halfway = keras.ops.convert_to_numpy(decoder(((mean[0] + mean[1]) / 2)[None]))[0]
    np.testing.assert_allclose(middle, halfway, atol=1e-5)
    assert bytes(explorer.start_image.value) == grey_png(start, scale=2)
    assert bytes(explorer.start_original.value) == grey_png(images[start_index], scale=2)


def test_the_blend_slider_and_the_pickers_change_the_interpolation(explorer, data):
    _, labels = data
    blend_image = bytes(explorer.blend_image.value)
    explorer.t_slider.value = 0.95
    assert bytes(explorer.blend_image.value) != blend_image
    end_image, end_coding = bytes(explorer.end_image.value), explorer.end_coding.copy()
    explorer.end_class.value = 2
    assert explorer.end_index.max == int(np.sum(labels == 2)) - 1
    assert labels[explorer.endpoint_indices()[1]] == 2
    assert bytes(explorer.end_image.value) != end_image
    assert not np.allclose(explorer.end_coding, end_coding)
    explorer.start_index.value = 3
    assert explorer.endpoint_indices()[0] == np.flatnonzero(labels == 0)[3]
    assert [option for option, _ in explorer.start_class.options] == CLASS_NAMES


def test_without_an_encoder_the_endpoints_are_samples_that_sample_again_redraws(models):
    decoder, _ = models
    explorer = LatentExplorer(decoder, seed=3)
    assert not hasattr(explorer, "start_class")
    with pytest.raises(ValueError, match="no encoder"):
        explorer.endpoint_indices()
    start, end = explorer.start_coding.copy(), explorer.end_coding.copy()
    assert start.shape == end.shape == (4,) and not np.allclose(start, end)
    images = explorer.interpolation_images(0.0)
    np.testing.assert_allclose(images[0], np.clip(decode(decoder, start[None])[0], 0, 1), atol=1e-6)
    explorer.sample_again()
    assert not np.allclose(explorer.start_coding, start) and not np.allclose(explorer.end_coding, end)


def test_images_without_labels_are_picked_by_index(models, data):
    decoder, encoder = models
    images, _ = data
    explorer = LatentExplorer(decoder, encoder=encoder, images=images)
    assert explorer.start_class is None and explorer.end_index.max == len(images) - 1
    assert explorer.endpoint_indices() == (0, 1)
    explorer.end_index.value = 7
    assert explorer.endpoint_indices() == (0, 7)


def test_a_tanh_generator_with_32x32_outputs_and_100_d_codings():
    set_seed(0, profile=PROFILES["test"])
    generator = dense_decoder(100, shape=(32, 32, 1), activation="tanh", bias=-0.5)
    explorer = LatentExplorer(generator, value_range=(-1, 1), scale=3)
    assert len(explorer.sliders) == 10, "by default, at most 10 sliders"
    assert explorer.image_shape == (32, 32)
    assert read_grey_png(explorer.image.value).shape == (96, 96)
    values = slider_values(explorer)
    raw = decode(generator, explorer.coding_for(values)[None])[0]
    assert raw.min() < 0, "a tanh output has negative values"
    np.testing.assert_allclose(explorer.image_for(values), np.clip((raw + 1) / 2, 0, 1), atol=1e-6)
    hidden = explorer.coding[10:].copy()
    before = bytes(explorer.image.value)
    explorer.sliders[9].value = -explorer.sliders[9].value + 1.0
    assert bytes(explorer.image.value) != before
    np.testing.assert_array_equal(explorer.coding[10:], hidden)
    explorer.sample_again()
    assert not np.allclose(explorer.coding[10:], hidden), "sampling again draws the hidden dimensions too"


def test_dims_picks_how_many_or_which_dimensions_get_a_slider():
    generator = dense_decoder(12)
    assert [s.description for s in LatentExplorer(generator, dims=3).sliders] == ["z[0]", "z[1]", "z[2]"]
    explorer = LatentExplorer(generator, dims=[5, 7])
    assert [s.description for s in explorer.sliders] == ["z[5]", "z[7]"]
    explorer.sliders[1].value = 2.5
    assert explorer.coding[7] == pytest.approx(2.5)


def collapsed_encoder(latent_dim=5, dead=(1, 3)):
    """A VAE-like encoder whose mean coding is 0 for every image in the `dead` dimensions."""
    encoder = dense_encoder(latent_dim)
    mean_layer = encoder.layers[2]
    kernel, bias = mean_layer.get_weights()
    kernel[:, list(dead)], bias[list(dead)] = 0.0, 0.0
    mean_layer.set_weights([kernel, bias])
    return encoder


def test_with_an_encoder_the_dimensions_in_use_come_first_and_the_collapsed_ones_are_marked(data):
    set_seed(0, profile=PROFILES["test"])
    images, labels = data
    explorer = LatentExplorer(
        dense_decoder(5), encoder=collapsed_encoder(), images=images, labels=labels, class_names=CLASS_NAMES
    )
    assert explorer.active == (0, 2, 4)
    assert explorer.activity[[1, 3]].max() == 0 and explorer.activity[[0, 2, 4]].min() > 0.01
    assert explorer.dims == (0, 2, 4, 1, 3)
    assert [slider.description for slider in explorer.sliders] == ["z[0]", "z[2]", "z[4]", "z[1]", "z[3]"]
    marked = [UNUSED_CLASS in slider._dom_classes for slider in explorer.sliders]
    assert marked == [False, False, False, True, True]
    assert "collapsed to the prior" in explorer.sliders[3].tooltip and "in use" in explorer.sliders[0].tooltip
    headings = [
        child.value for child in explorer.children[1].children[0].children if isinstance(child, ipywidgets.HTML)
    ]
    assert headings[0].startswith("In use (3 of 5)") and headings[1].startswith("Collapsed to the prior (2)")
    # Slider k still sets dimension dims[k].
    explorer.sliders[3].value = 2.0
    assert explorer.coding[1] == pytest.approx(2.0)
    np.testing.assert_allclose(
        explorer.coding_for([0.1, 0.2, 0.3, 0.4, 0.5])[[0, 2, 4, 1, 3]], [0.1, 0.2, 0.3, 0.4, 0.5], atol=1e-6
    )


def test_the_activity_can_be_given_and_without_it_nothing_is_marked():
    decoder = dense_decoder(4)
    explorer = LatentExplorer(decoder, activity=[0.0, 0.9, 0.001, 0.5])
    assert explorer.active == (1, 3) and explorer.dims == (1, 3, 0, 2)
    assert LatentExplorer(decoder, activity=[0.0, 0.9, 0.001, 0.5], threshold=0.0001).active == (1, 2, 3)
    assert LatentExplorer(decoder, activity=[0.0, 0.9, 0.001, 0.5], dims=[0, 1]).dims == (0, 1), "dims as given"
    plain = LatentExplorer(decoder)
    assert plain.activity is None and plain.active is None and plain.dims == (0, 1, 2, 3)
    assert all(UNUSED_CLASS not in slider._dom_classes for slider in plain.sliders)
    with pytest.raises(ValueError, match="one variance ≥ 0 per latent dimension, 4 values"):
        LatentExplorer(decoder, activity=[1.0, 2.0])


def test_a_plain_function_decoder_needs_its_latent_size():
    def function(codings):
        return np.tile(np.tanh(codings.sum(axis=1))[:, None, None], (1, 8, 8)) * 0.5 + 0.5

    with pytest.raises(ValueError, match="latent_dim="):
        LatentExplorer(function)
    explorer = LatentExplorer(function, latent_dim=2)
    assert explorer.image_shape == (8, 8)


def test_pure_helpers():
    np.testing.assert_array_equal(blend([0, 2], [4, 6], 0.25), [1, 3])
    np.testing.assert_array_equal(blend([0, 2], [4, 6], 1.0), [4, 6])
    np.testing.assert_allclose(rescale_to_unit([-1.0, 0.0, 1.0], (-1, 1)), [0, 0.5, 1])
    with pytest.raises(ValueError, match=r"codings shaped \(n, latent_dim\)"):
        decode(dense_decoder(2), np.zeros(2))
    with pytest.raises(ValueError, match=r"codings shaped \(3, latent_dim\)"):
        encode(lambda images: np.zeros((2, 4)), np.zeros((3, 28, 28)))


def test_bad_arguments_get_clear_errors(models, data):
    decoder, encoder = models
    images, labels = data
    flat = keras.Sequential([keras.Input((4,)), keras.layers.Dense(784)])
    with pytest.raises(ValueError, match=r"grey images shaped \(n, height, width\).*got output shape \(1, 784\)"):
        LatentExplorer(flat)
    with pytest.raises(ValueError, match="dims must be at most the latent size 4, got 5"):
        LatentExplorer(decoder, dims=5)
    with pytest.raises(ValueError, match="distinct latent indices in 0..3"):
        LatentExplorer(decoder, dims=[1, 4])
    with pytest.raises(ValueError, match="one per image"):
        LatentExplorer(decoder, encoder=encoder, images=images, labels=labels[:-1])
    with pytest.raises(ValueError, match="labels must lie in 0..1"):
        LatentExplorer(decoder, encoder=encoder, images=images, labels=labels, class_names=["a", "b"])
    with pytest.raises(ValueError, match="class_names name the labels"):
        LatentExplorer(decoder, encoder=encoder, images=images, class_names=CLASS_NAMES)
    with pytest.raises(ValueError, match="an encoder and images together"):
        LatentExplorer(decoder, images=images)
    with pytest.raises(ValueError, match="an encoder and images together"):
        LatentExplorer(decoder, encoder=encoder)
    with pytest.raises(ValueError, match="give them with an encoder and images"):
        LatentExplorer(decoder, labels=labels)
    with pytest.raises(ValueError, match="3-D codings, but the decoder takes 4-D"):
        LatentExplorer(decoder, encoder=dense_encoder(3), images=images)
    with pytest.raises(ValueError, match=r"shaped \(n, height, width\) with n ≥ 1"):
        LatentExplorer(decoder, encoder=encoder, images=images[:0])
    with pytest.raises(ValueError, match="low < high"):
        LatentExplorer(decoder, value_range=(1, 0))
    with pytest.raises(ValueError, match="scale must be a positive integer"):
        LatentExplorer(decoder, scale=0)
    tanh = dense_decoder(4, activation="tanh", bias=-0.5)
    with pytest.raises(ValueError, match=r"value_range=\(-1, 1\) for a tanh output"):
        LatentExplorer(tanh)
    with pytest.raises(ValueError, match=r"cannot decode codings shaped \(1, 6\)"):
        LatentExplorer(decoder, latent_dim=6)
    with pytest.raises(ValueError, match="expected 4 slider values"):
        LatentExplorer(decoder).image_for([0.0, 1.0])
    with pytest.raises(ValueError, match=r"t must lie in \[0, 1\]"):
        LatentExplorer(decoder).interpolation_images(1.5)

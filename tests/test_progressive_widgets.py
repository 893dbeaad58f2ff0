"""The widgets of chapters 10 and 11, in the kernel: ProGAN's fade-in scrubber, StyleGAN's mixing, noise and truncation.

Small untrained generators (16×16 images) keep every test to a second or two; the
noise scales of the StyleGAN generator are set non-zero (they start at zero), so
that the noise shows in its images as it does in a trained one.
"""

import ipywidgets
import keras
import numpy as np
import pytest

from autoaegan.latent import sample_codings
from autoaegan.layers.progressive import fade_in_layers
from autoaegan.models.progan import ProgressiveGenerator
from autoaegan.models.stylegan import StyleGenerator
from autoaegan.profiles import PROFILES
from autoaegan.seeding import set_seed
from autoaegan.widgets.fade_in import (
    BLEND_CLASS,
    NEW_CLASS,
    OLD_CLASS,
    SCRUBBER_CLASS,
    FadeInScrubber,
    resolution_figure,
    samples_by_resolution,
    upsample_nearest,
)
from autoaegan.widgets.noise_resampler import (
    DIFFERENCE_CLASS,
    MAX_STRENGTH,
    NOISE_CLASS,
    NOISE_IMAGE_CLASS,
    SPREAD_CLASS,
    NoiseResampler,
    difference_picture,
    spread_picture,
)
from autoaegan.widgets.png import grey_png, read_grey_png
from autoaegan.widgets.style_images import style_resolution
from autoaegan.widgets.style_mixing import (
    MIXING_CELL_CLASS,
    MIXING_CLASS,
    MIXING_SOURCE_CLASS,
    StyleMixingGrid,
    crossover_description,
)
from autoaegan.widgets.truncation import AVERAGE_CLASS, TRUNCATION_CLASS, TRUNCATION_IMAGE_CLASS, TruncationExplorer

CODINGS, CHANNELS = 16, (16, 8, 8)  # levels 0-2: 4×4, 8×8, 16×16


def numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float32)


def unit(images):
    """A tanh output (n, r, r, 1) → (n, r, r) in [0, 1], as the widgets show it."""
    return np.clip((numpy(images)[..., 0] + 1) / 2, 0, 1)


def png_bytes(images):
    return [bytes(image.value) for image in images]


@pytest.fixture(scope="module")
def progressive():
    set_seed(0, profile=PROFILES["test"])
    return ProgressiveGenerator(codings_size=CODINGS, channels=CHANNELS)


@pytest.fixture(scope="module")
def style_generator():
    set_seed(1, profile=PROFILES["test"])
    generator = StyleGenerator(CODINGS, 16, CHANNELS, mapping_depth=2, seed=1)
    for layer in generator.synthesis.noises:
        layer.scale.assign(np.full(layer.scale.shape, 0.5, np.float32))
    # A w̄ away from zero, as training leaves it, so that truncating toward it is not truncating toward the origin.
    generator.w_average.assign(numpy(generator.styles(sample_codings(64, CODINGS, seed=9))).mean(axis=0))
    return generator


# ---------------------------------------------------------------------------------------------------- fade-in
def test_the_scrubber_has_a_keyboard_alpha_slider_and_three_findable_rows(progressive):
    scrubber = FadeInScrubber(progressive, 2, n=3, seed=1)
    assert isinstance(scrubber, ipywidgets.VBox) and SCRUBBER_CLASS in scrubber._dom_classes
    slider = scrubber.slider
    assert isinstance(slider, ipywidgets.FloatSlider) and not slider.disabled
    assert (slider.min, slider.max, slider.step, slider.value) == (0.0, 1.0, 0.05, 0.5)
    assert slider.description and slider.readout and slider.tooltip
    for name, css in (("old", OLD_CLASS), ("new", NEW_CLASS), ("blend", BLEND_CLASS)):
        assert len(scrubber.rows[name]) == 3
        assert all(css in image._dom_classes for image in scrubber.rows[name])
        assert read_grey_png(scrubber.rows[name][0].value).shape == (96, 96), "16×16 drawn 96 pixels wide"
    assert read_grey_png(FadeInScrubber(progressive, 1, n=1).rows["new"][0].value).shape == (96, 96), "8×8 too"


@pytest.mark.parametrize("level", [1, 2])
def test_the_rows_are_the_old_path_the_new_path_and_the_fading_generators_blend_before_tanh(progressive, level):
    scrubber = FadeInScrubber(progressive, level, n=4, seed=2)
    z = sample_codings(4, CODINGS, seed=2)
    np.testing.assert_array_equal(scrubber.codings, z)
    old = upsample_nearest(unit(progressive.model(level - 1)(z)))
    new = unit(progressive.model(level)(z))
    rows = scrubber.rows_for(0.3)
    assert set(rows) == {"old", "new", "blend"}
    assert all(rows[name].shape == (4, 4 * 2**level, 4 * 2**level) for name in rows)
    np.testing.assert_allclose(rows["old"], old, atol=1e-6)
    np.testing.assert_allclose(rows["new"], new, atol=1e-6)
    assert not np.allclose(rows["old"], rows["new"], atol=1e-3)
    # The pre-activations are the paths' images before the tanh; the blend mixes them, not the images.
    np.testing.assert_allclose((np.tanh(scrubber.old_pre[..., 0]) + 1) / 2, old, atol=1e-6)
    np.testing.assert_allclose((np.tanh(scrubber.new_pre[..., 0]) + 1) / 2, new, atol=1e-6)
    for alpha in (0.0, 0.3, 0.75, 1.0):
        expected = (np.tanh(alpha * scrubber.new_pre + (1 - alpha) * scrubber.old_pre)[..., 0] + 1) / 2
        np.testing.assert_allclose(scrubber.rows_for(alpha)["blend"], expected, atol=1e-6)
        np.testing.assert_allclose(scrubber.expected_blend(alpha), expected, atol=1e-6)
        assert scrubber.blend_error(alpha) < 1e-5
    np.testing.assert_allclose(scrubber.rows_for(0.0)["blend"], old, atol=1e-6)
    np.testing.assert_allclose(scrubber.rows_for(1.0)["blend"], new, atol=1e-6)
    pixel_mix = 0.3 * new + 0.7 * old
    assert not np.allclose(rows["blend"], pixel_mix, atol=1e-3), "the blend is taken before the tanh"


def test_the_blend_is_what_the_fading_generator_outputs_and_its_alpha_is_put_back(progressive):
    scrubber = FadeInScrubber(progressive, 2, n=2, seed=3)
    model = progressive.model(2, fade_in=True)
    layers = fade_in_layers(model)
    assert layers and all(layer in progressive.fades for layer in layers), "the generator's shared FadeIn layer"
    layers[0].set_alpha(0.2)
    blend = scrubber.rows_for(0.9)["blend"]
    assert float(numpy(layers[0].alpha)) == pytest.approx(0.2), "the widget must not leave α changed"
    layers[0].set_alpha(0.9)
    np.testing.assert_allclose(blend, unit(model(scrubber.codings)), atol=1e-6)
    layers[0].set_alpha(0.0)


def test_moving_alpha_redraws_the_blend_row_and_only_it(progressive):
    scrubber = FadeInScrubber(progressive, 2, n=3, seed=4)
    old, new, blend = (png_bytes(scrubber.rows[name]) for name in ("old", "new", "blend"))
    assert blend == [grey_png(image, scale=6) for image in scrubber.rows_for()["blend"]]
    scrubber.slider.value = 0.95
    assert png_bytes(scrubber.rows["blend"]) != blend
    assert png_bytes(scrubber.rows["blend"]) == [grey_png(image, scale=6) for image in scrubber.rows_for(0.95)["blend"]]
    assert png_bytes(scrubber.rows["old"]) == old and png_bytes(scrubber.rows["new"]) == new
    assert "0.95" in scrubber.status.value and "tanh" in scrubber.status.value


def test_samples_by_resolution_shows_the_same_codings_at_every_level(progressive):
    samples = samples_by_resolution(progressive, n=3, seed=5)
    assert [resolution for resolution, _ in samples] == [4, 8, 16]
    z = sample_codings(3, CODINGS, seed=5)
    for level, (resolution, images) in enumerate(samples):
        assert images.shape == (3, resolution, resolution) and 0 <= images.min() and images.max() <= 1
        np.testing.assert_allclose(images, unit(progressive.model(level)(z)), atol=1e-6)
    again = samples_by_resolution(progressive, n=3, seed=5)
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(samples, again))
    figure = resolution_figure(samples, title="growth")
    assert len(figure.data) == 9
    assert all(np.shape(trace.z) == (16, 16) for trace in figure.data), "upsampled to the largest size"
    np.testing.assert_allclose(np.asarray(figure.data[0].z)[::-1], upsample_nearest(samples[0][1], 4)[0], atol=1e-6)
    assert [a.text for a in figure.layout.annotations] == ["4×4", "8×8", "16×16"]


class OwnGenerator:
    """A growing generator that is not a ProgressiveGenerator, as chapter 10 defines its own: the same four names."""

    def __init__(self, layers):
        self.layers = layers
        self.max_level, self.codings_size, self.fades = layers.max_level, layers.codings_size, layers.fades

    def model(self, level, fade_in=False):
        return self.layers.model(level, fade_in=fade_in)


def test_the_fade_in_tools_take_any_growing_generator(progressive):
    own = OwnGenerator(progressive)
    before = float(keras.ops.convert_to_numpy(progressive.fades[2].alpha))
    scrubber = FadeInScrubber(own, 2, n=2, seed=4, alpha=0.3)
    reference = FadeInScrubber(progressive, 2, n=2, seed=4, alpha=0.3)
    np.testing.assert_allclose(scrubber.blend_images(), reference.blend_images(), atol=1e-6)
    assert scrubber.blend_error(0.7) < 1e-5
    assert float(keras.ops.convert_to_numpy(progressive.fades[2].alpha)) == before  # put back after drawing
    for (_, mine), (_, theirs) in zip(
        samples_by_resolution(own, n=2, seed=1), samples_by_resolution(progressive, n=2, seed=1)
    ):
        np.testing.assert_allclose(mine, theirs, atol=1e-6)


def test_the_fade_in_tools_refuse_bad_arguments_clearly(progressive):
    with pytest.raises(ValueError, match=r"level must be between 1 and 2 .*level 0, 4×4, has none\), got 0"):
        FadeInScrubber(progressive, 0)
    with pytest.raises(ValueError, match="level must be between 1 and 2.*got 3"):
        FadeInScrubber(progressive, 3)
    with pytest.raises(ValueError, match="level must be"):
        FadeInScrubber(progressive, True)
    with pytest.raises(ValueError, match="this generator has only level 0"):
        FadeInScrubber(ProgressiveGenerator(CODINGS, (8,)), 1)
    with pytest.raises(ValueError, match="n must be a positive integer, got 0"):
        FadeInScrubber(progressive, 1, n=0)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        FadeInScrubber(progressive, 1, seed=-1)
    with pytest.raises(ValueError, match=r"alpha must be a number in \[0, 1\], got 1.5"):
        FadeInScrubber(progressive, 1, alpha=1.5)
    with pytest.raises(TypeError, match="must be a growing generator.*got Functional without model, max_level"):
        FadeInScrubber(progressive.model(1), 1)
    with pytest.raises(ValueError, match=r"alpha must be a number in \[0, 1\]"):
        FadeInScrubber(progressive, 1, n=1).rows_for(-0.1)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        samples_by_resolution(progressive, n=0, seed=0)
    with pytest.raises(ValueError, match="the same number of images"):
        resolution_figure([(4, np.zeros((2, 4, 4))), (8, np.zeros((3, 8, 8)))])
    with pytest.raises(ValueError, match="at least one"):
        resolution_figure([])


# ---------------------------------------------------------------------------------------------------- style mixing
def test_the_mixing_grid_has_a_crossover_slider_sources_and_cells(style_generator):
    grid = StyleMixingGrid(style_generator, rows=2, columns=3, seed=0)
    assert isinstance(grid, ipywidgets.VBox) and MIXING_CLASS in grid._dom_classes
    assert grid.num_styles == 6
    slider = grid.slider
    assert isinstance(slider, ipywidgets.IntSlider) and (slider.min, slider.max, slider.value) == (1, 5, 3)
    assert slider.description and slider.tooltip and grid.new_button.description == "New sources"
    assert len(grid.row_images) == 2 and len(grid.column_images) == 3
    assert all(MIXING_SOURCE_CLASS in image._dom_classes for image in grid.row_images + grid.column_images)
    cells = [image for row in grid.cell_images for image in row]
    assert len(cells) == 6 and all(MIXING_CELL_CLASS in image._dom_classes for image in cells)
    assert read_grey_png(cells[0].value).shape == (96, 96)
    assert "4×4" in grid.description.value and "16×16" in grid.description.value
    figure = grid.grid()
    assert figure.shape == (3, 4, 16, 16) and figure.dtype == np.float32
    assert not figure[0, 0].any(), "the corner is blank"
    assert StyleMixingGrid(style_generator, crossover=1).slider.value == 1


def test_a_crossover_at_either_end_gives_a_source_and_in_between_a_mix(style_generator):
    grid = StyleMixingGrid(style_generator, rows=3, columns=4, seed=2)
    all_rows, all_columns = grid.grid(grid.num_styles), grid.grid(0)
    for i in range(3):
        for j in range(4):
            np.testing.assert_allclose(all_rows[i + 1, j + 1], all_rows[i + 1, 0], atol=1e-5)
            np.testing.assert_allclose(all_columns[i + 1, j + 1], all_columns[0, j + 1], atol=1e-5)
    middle = grid.grid(3)
    for i in range(3):
        for j in range(4):
            assert np.abs(middle[i + 1, j + 1] - middle[i + 1, 0]).max() > 1e-2
            assert np.abs(middle[i + 1, j + 1] - middle[0, j + 1]).max() > 1e-2
    # The sources are the generator's own images of their codings, with the grid's one noise draw for all.
    noise = [np.repeat(part, 3, axis=0) for part in grid.noise]
    np.testing.assert_allclose(middle[1:, 0], unit(style_generator(grid.row_codings, noise=noise)), atol=1e-5)


def test_the_slider_redraws_the_cells_and_new_sources_redraws_everything(style_generator):
    grid = StyleMixingGrid(style_generator, rows=2, columns=2, seed=3)
    cells = [png_bytes(row) for row in grid.cell_images]
    sources = png_bytes(grid.row_images + grid.column_images)
    grid.slider.value = 1
    assert [png_bytes(row) for row in grid.cell_images] != cells
    assert png_bytes(grid.row_images + grid.column_images) == sources
    assert [png_bytes(row) for row in grid.cell_images] == [
        [grey_png(image, scale=6) for image in row] for row in grid.mixed_images(1)
    ]
    assert grid.description.value.startswith("Crossover 1: lower style 0 (first layer of 4×4)")
    codings = grid.row_codings.copy()
    grid.new_button.click()
    assert not np.allclose(grid.row_codings, codings)
    assert png_bytes(grid.row_images + grid.column_images) != sources


def test_the_crossover_description_names_the_resolutions_of_each_side():
    assert [style_resolution(index) for index in range(8)] == [4, 4, 8, 8, 16, 16, 32, 32]
    assert crossover_description(4, 8) == (
        "lower styles 0–3 (4×4, 8×8) from the row sources; higher styles 4–7 (16×16, 32×32) from the column sources"
    )
    assert crossover_description(3, 8) == (
        "lower styles 0–2 (4×4, first layer of 8×8) from the row sources; "
        "higher styles 3–7 (second layer of 8×8, 16×16, 32×32) from the column "
        "sources"
    )
    assert crossover_description(8, 8) == "lower styles 0–7 (4×4, 8×8, 16×16, 32×32) from the row sources"
    with pytest.raises(ValueError, match="crossover must be an integer between 0 and 8"):
        crossover_description(9, 8)


# ---------------------------------------------------------------------------------------------------- noise
def test_the_noise_resampler_has_a_checkbox_per_resolution_and_findable_images(style_generator):
    resampler = NoiseResampler(style_generator, n_noise=4, seed=0)
    assert isinstance(resampler, ipywidgets.VBox) and NOISE_CLASS in resampler._dom_classes
    assert resampler.resolutions == (4, 8, 16)
    assert all(
        isinstance(box, ipywidgets.Checkbox) and box.value and box.tooltip for box in resampler.checkboxes.values()
    )
    assert len(resampler.images_row) == 4
    assert all(NOISE_IMAGE_CLASS in image._dom_classes for image in resampler.images_row)
    assert SPREAD_CLASS in resampler.spread_image._dom_classes
    assert read_grey_png(resampler.spread_image.value).shape == (96, 96)
    assert len(resampler.difference_row) == 4
    assert all(DIFFERENCE_CLASS in image._dom_classes for image in resampler.difference_row)
    assert (resampler.strength_slider.min, resampler.strength_slider.max, resampler.strength) == (
        1.0,
        MAX_STRENGTH,
        1.0,
    )
    images = resampler.images()
    assert images.shape == (4, 16, 16)
    assert png_bytes(resampler.images_row) == [grey_png(image, scale=6) for image in images]
    differences = resampler.differences(images=images)
    assert png_bytes(resampler.difference_row) == [
        grey_png(image, scale=6) for image in difference_picture(differences)
    ]
    spread = resampler.spread(images=images)
    assert bytes(resampler.spread_image.value) == grey_png(spread_picture(spread), scale=6)
    assert f"{spread.max():.3f}" in resampler.status.value, "the spread map's scale is printed"
    assert f"{np.abs(differences).max():.3f}" in resampler.status.value, "the differences' scale is printed"


def test_with_no_noise_resampled_every_draw_is_the_same_and_resampling_one_resolution_varies_them(style_generator):
    resampler = NoiseResampler(style_generator, n_noise=5, seed=1)
    held = resampler.images(set())
    np.testing.assert_allclose(held, np.broadcast_to(held[0], held.shape), atol=1e-6)
    assert resampler.spread(set()).max() < 1e-6
    spreads = {}
    for resolution in (4, 8, 16):
        images = resampler.images({resolution})
        assert np.abs(images - images[0]).max() > 1e-2, f"resampling the {resolution}×{resolution} noise varies them"
        spreads[resolution] = resampler.spread({resolution})
        assert spreads[resolution].shape == (16, 16) and spreads[resolution].max() > 1e-2
        np.testing.assert_allclose(spreads[resolution], images.std(axis=0), atol=1e-6)
    assert not np.allclose(spreads[4], spreads[16], atol=1e-3), "coarse and fine noise act differently"
    # The held noise is the same draw whatever else is resampled.
    noise = resampler.noise_for({16})
    assert all(
        np.array_equal(part, np.repeat(resampler.held[index], 5, axis=0))
        for index, part in enumerate(noise)
        if style_resolution(index) != 16
    )
    assert all(
        np.array_equal(part, resampler.draws[index])
        for index, part in enumerate(noise)
        if style_resolution(index) == 16
    )


def test_the_checkboxes_and_buttons_redraw(style_generator):
    resampler = NoiseResampler(style_generator, n_noise=3, seed=2)
    images, spread = png_bytes(resampler.images_row), bytes(resampler.spread_image.value)
    for box in resampler.checkboxes.values():
        box.value = False
    assert bytes(resampler.spread_image.value) != spread
    assert read_grey_png(resampler.spread_image.value).min() == 255, "no spread: a white map"
    assert len(set(png_bytes(resampler.images_row))) == 1, "nothing resampled: one image three times"
    assert "none" in resampler.status.value
    resampler.checkboxes[16].value = True
    np.testing.assert_array_equal(resampler.images(), resampler.images({16}))
    assert "16×16" in resampler.status.value and "4×4" not in resampler.status.value
    before, w = png_bytes(resampler.images_row), resampler.w.copy()
    resampler.coding_button.click()
    assert not np.allclose(resampler.w, w) and png_bytes(resampler.images_row) != before
    before, draws = png_bytes(resampler.images_row), [part.copy() for part in resampler.draws]
    resampler.noise_button.click()
    assert not np.array_equal(resampler.draws[-1], draws[-1]) and png_bytes(resampler.images_row) != before
    assert png_bytes(resampler.images_row) != images


def test_the_spread_map_and_differences_are_drawn_on_their_own_scale_so_small_changes_show():
    spread = np.array([[0.0, 0.01], [0.02, 0.005]], np.float32)
    picture = spread_picture(spread)
    np.testing.assert_allclose(picture, spread / 0.02)
    assert picture.max() == 1.0, "the largest spread is drawn black, however small it is"
    np.testing.assert_array_equal(spread_picture(np.zeros((2, 2))), np.zeros((2, 2)))
    np.testing.assert_array_equal(spread_picture(np.full((2, 2), 1e-7)), np.zeros((2, 2))), "rounding is no spread"
    differences = np.array([[[0.0, 0.01]], [[-0.02, 0.0]]], np.float32)
    drawn = difference_picture(differences)
    np.testing.assert_allclose(drawn, [[[0.5, 0.75]], [[0.0, 0.5]]])
    np.testing.assert_array_equal(difference_picture(np.zeros(3)), np.full(3, 0.5))
    np.testing.assert_array_equal(difference_picture(np.array([1e-7, -1e-7])), np.full(2, 0.5))


def test_the_differences_are_each_draw_minus_their_mean(style_generator):
    resampler = NoiseResampler(style_generator, n_noise=4, seed=3)
    images = resampler.images({8})
    differences = resampler.differences({8})
    np.testing.assert_allclose(differences, images - images.mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(differences.mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(resampler.differences(set()), 0, atol=1e-6)


def test_the_strength_multiplies_the_noise_and_the_slider_redraws(style_generator):
    resampler = NoiseResampler(style_generator, n_noise=4, seed=4, candidates=1)
    once = resampler.noise_for({4, 16}, strength=1)
    thrice = resampler.noise_for({4, 16}, strength=3)
    assert all(np.allclose(3 * a, b) for a, b in zip(once, thrice))
    w = np.repeat(resampler.w, 4, axis=0)
    np.testing.assert_allclose(
        resampler.images(strength=3),
        unit(style_generator.synthesis(w, noise=resampler.noise_for(None, strength=3))),
        atol=1e-6,
    )
    assert resampler.spread(strength=5).mean() > resampler.spread(strength=1).mean(), "stronger noise, more spread"
    before = png_bytes(resampler.images_row)
    resampler.strength_slider.value = 6.0
    assert resampler.strength == 6.0 and png_bytes(resampler.images_row) != before
    assert png_bytes(resampler.images_row) == [grey_png(image, scale=6) for image in resampler.images(strength=6)]
    assert "×6" in resampler.status.value
    for bad in (0.5, MAX_STRENGTH + 1, True, "2"):
        with pytest.raises(ValueError, match="strength must be a number from 1 to 10"):
            resampler.images(strength=bad)
    with pytest.raises(ValueError, match="strength must be a number from 1 to 10"):
        NoiseResampler(style_generator, strength=0)


def test_the_resampler_starts_from_the_candidate_coding_whose_noise_acts_most(style_generator):
    rng = np.random.default_rng(5)
    rng.integers(2**31, size=2)  # the widget draws its noise seeds first, then the codings
    candidates = sample_codings(6, CODINGS, seed=rng)
    resampler = NoiseResampler(style_generator, n_noise=4, seed=5, candidates=6)
    mean_spreads = []
    for coding in candidates:
        w = np.repeat(numpy(style_generator.styles(coding[None])), 4, axis=0)
        mean_spreads.append(unit(style_generator.synthesis(w, noise=resampler.draws)).std(axis=0).mean())
    best = int(np.argmax(mean_spreads))
    assert len(set(np.round(mean_spreads, 6))) > 1, "the candidates differ"
    np.testing.assert_array_equal(resampler.coding, candidates[best : best + 1])
    first = NoiseResampler(style_generator, n_noise=4, seed=5, candidates=1)
    np.testing.assert_array_equal(first.coding, candidates[:1])
    with pytest.raises(ValueError, match="candidates must be a positive integer"):
        NoiseResampler(style_generator, candidates=0)


# ---------------------------------------------------------------------------------------------------- truncation
def test_truncation_at_psi_0_gives_the_average_style_for_every_sample_and_at_1_the_generators_images(style_generator):
    explorer = TruncationExplorer(style_generator, n=4, seed=0)
    assert isinstance(explorer, ipywidgets.VBox) and TRUNCATION_CLASS in explorer._dom_classes
    assert (explorer.slider.min, explorer.slider.max, explorer.slider.step) == (0.0, 1.0, 0.05)
    assert explorer.slider.tooltip and len(explorer.images_row) == 4
    assert all(TRUNCATION_IMAGE_CLASS in image._dom_classes for image in explorer.images_row)
    assert AVERAGE_CLASS in explorer.average_image._dom_classes
    at_zero = explorer.images(0.0)
    np.testing.assert_allclose(at_zero, np.broadcast_to(at_zero[0], at_zero.shape), atol=1e-6)
    np.testing.assert_allclose(at_zero[0], explorer.average(), atol=1e-6)
    at_one = explorer.images(1.0)
    np.testing.assert_allclose(at_one, unit(style_generator(explorer.codings, noise=explorer.noise)), atol=1e-6)
    assert np.abs(at_one - at_one[0]).max() > 1e-2, "untruncated samples differ"
    halfway = explorer.images(0.5)
    w_average = numpy(style_generator.w_average)
    np.testing.assert_allclose(explorer.styles(0.5), w_average + 0.5 * (explorer.w - w_average), atol=1e-6)
    np.testing.assert_allclose(
        halfway, unit(style_generator(explorer.codings, truncation_psi=0.5, noise=explorer.noise)), atol=1e-5
    )


def test_the_psi_slider_and_new_codings_redraw(style_generator):
    explorer = TruncationExplorer(style_generator, n=3, seed=1, psi=1.0)
    assert explorer.slider.value == 1.0
    before = png_bytes(explorer.images_row)
    explorer.slider.value = 0.0
    after = png_bytes(explorer.images_row)
    assert after != before and len(set(after)) == 1
    assert after[0] == bytes(explorer.average_image.value)
    explorer.slider.value = 0.6
    assert png_bytes(explorer.images_row) == [grey_png(image, scale=6) for image in explorer.images(0.6)]
    codings = explorer.codings.copy()
    explorer.new_button.click()
    assert not np.allclose(explorer.codings, codings)
    assert png_bytes(explorer.images_row) == [grey_png(image, scale=6) for image in explorer.images(0.6)]


def test_the_style_widgets_refuse_bad_arguments_clearly(style_generator, progressive):
    with pytest.raises(TypeError, match="generator must be a StyleGenerator, got ProgressiveGenerator"):
        StyleMixingGrid(progressive)
    with pytest.raises(TypeError, match="generator must be a StyleGenerator"):
        NoiseResampler(progressive)
    with pytest.raises(TypeError, match="generator must be a StyleGenerator"):
        TruncationExplorer(progressive)
    with pytest.raises(ValueError, match="crossover must be an integer between 1 and 5 .*6 styles.*got 6"):
        StyleMixingGrid(style_generator, crossover=6)
    with pytest.raises(ValueError, match="crossover must be an integer between 1 and 5"):
        StyleMixingGrid(style_generator, crossover=0)
    with pytest.raises(ValueError, match="rows must be a positive integer"):
        StyleMixingGrid(style_generator, rows=0)
    with pytest.raises(ValueError, match="columns must be a positive integer"):
        StyleMixingGrid(style_generator, columns=-2)
    grid = StyleMixingGrid(style_generator, rows=1, columns=1)
    with pytest.raises(ValueError, match="crossover must be an integer between 0 and 6"):
        grid.grid(7)
    with pytest.raises(ValueError, match="n_noise must be at least 2"):
        NoiseResampler(style_generator, n_noise=1)
    resampler = NoiseResampler(style_generator, n_noise=2)
    with pytest.raises(ValueError, match=r"resolutions among \(4, 8, 16\) .*not a level index\), got \[2\]"):
        resampler.images({2})
    with pytest.raises(TypeError, match="a collection of resolutions"):
        resampler.images(16)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        TruncationExplorer(style_generator, n=0)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        TruncationExplorer(style_generator, seed=-3)
    with pytest.raises(ValueError, match=r"psi must be a number in \[0, 1\] for the slider"):
        TruncationExplorer(style_generator, psi=1.5)
    with pytest.raises(ValueError, match="psi must be a finite number ≥ 0"):
        TruncationExplorer(style_generator, n=1).images(-0.5)

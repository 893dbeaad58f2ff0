"""Chapter 12's diffusion scrubber: stored DDIM trajectories, two sliders that call no network, and its kernel-free
figure.

A NumPy noise predictor that counts its calls stands in for the trained network (the scrubber only needs ε̂); one
tiny U-Net checks that a Keras denoiser gives what `sample` gives with the same model.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import ipywidgets
import keras
import numpy as np
import pytest

from autoaegan.models.diffusion import ddim_step, ddim_timesteps, noise_predictor, sample, variance_schedule
from autoaegan.models.diffusion_unet import build_unet
from autoaegan.pixels import SIGNED_RANGE, generated_to_images
from autoaegan.widgets.diffusion_scrubber import (
    SCRUBBER_CLASS,
    STEP_CHOICES,
    X0_CLASS,
    X_T_CLASS,
    DiffusionScrubber,
    diffusion_scrubber,
    scrubber_slider_figure,
)
from autoaegan.widgets.kernel_free import SLIDER_FIGURE_META, mixing_picture
from autoaegan.widgets.png import grey_png, read_grey_png

ROOT = Path(__file__).resolve().parents[1]
SCHEDULE = variance_schedule("cosine")
N = 3


class CountingPredictor:
    """ε̂ as a fixed smooth function of x_t and t (no training needed), counting the network calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, x, t):
        self.calls += 1
        return (0.7 * np.tanh(x) + 0.2 * np.sin(t / 150.0)[:, None, None, None]).astype(np.float32)


@pytest.fixture
def predictor():
    return CountingPredictor()


@pytest.fixture
def scrubber(predictor):
    return diffusion_scrubber(predictor, n_images=N, seed=4)


def png_bytes(images):
    return [bytes(image.value) for image in images]


def test_every_trajectory_ends_where_a_direct_sample_call_with_the_same_seed_ends(scrubber):
    for steps in STEP_CHOICES:
        direct = sample(CountingPredictor(), SCHEDULE, N, steps=steps, seed=4)
        np.testing.assert_array_equal(scrubber.frame(steps, steps)["x_t"], direct)
        np.testing.assert_array_equal(scrubber.samples[steps], direct)
        # DDIM's last step goes to t = 0, where the sample is the guess x̂₀ itself.
        np.testing.assert_array_equal(scrubber.frame(steps, steps)["x0"], direct)
    assert not np.allclose(scrubber.samples[5], scrubber.samples[50], atol=1e-2)  # the step count matters


def test_a_trajectory_starts_at_the_seeded_noise_and_visits_ddims_steps(scrubber):
    noise = np.random.default_rng(4).standard_normal((N, 28, 28, 1), dtype=np.float32)
    np.testing.assert_array_equal(scrubber.x_T, noise)
    for steps in STEP_CHOICES:
        trajectory = scrubber.trajectories[steps]
        assert trajectory.x_t.shape == trajectory.x0.shape == (steps + 1, N, 28, 28)
        np.testing.assert_array_equal(trajectory.x_t[0], generated_to_images(noise, value_range=SIGNED_RANGE))
        assert not trajectory.x0[0].any()  # no guess before the first network call: blank paper
        np.testing.assert_array_equal(trajectory.timesteps, [*ddim_timesteps(steps), 0])
        assert scrubber.timestep(steps, 0) == SCHEDULE.steps and scrubber.timestep(steps, steps) == 0


def test_each_guess_is_the_clean_image_that_the_predicted_noise_implies(scrubber):
    # Replay 10 DDIM steps by hand: position k's x̂₀ comes from x_t at position k − 1 and the predicted ε̂.
    x = scrubber.x_T
    trajectory = scrubber.trajectories[10]
    predictor = CountingPredictor()
    for k, t in enumerate(trajectory.timesteps[:-1], start=1):
        epsilon = predictor(x, np.full(N, t, np.float32))
        guess = np.clip(SCHEDULE.predicted_x0(x, int(t), epsilon), *SIGNED_RANGE)
        np.testing.assert_allclose(trajectory.x0[k], (guess[..., 0] + 1) / 2, atol=1e-6)
        x = ddim_step(SCHEDULE, x, int(t), int(trajectory.timesteps[k]), epsilon)
        np.testing.assert_allclose(trajectory.x_t[k], np.clip((x[..., 0] + 1) / 2, 0, 1), atol=1e-6)


def test_the_widget_has_two_keyboard_sliders_a_status_line_and_findable_rows(scrubber):
    assert isinstance(scrubber, ipywidgets.VBox) and SCRUBBER_CLASS in scrubber._dom_classes
    steps, position = scrubber.steps_slider, scrubber.position_slider
    assert isinstance(steps, ipywidgets.SelectionSlider) and steps.options == STEP_CHOICES and steps.value == 50
    assert isinstance(position, ipywidgets.IntSlider) and (position.min, position.max, position.value) == (0, 50, 50)
    assert steps.description and position.description and steps.tooltip and position.tooltip
    for name, css in (("x_t", X_T_CLASS), ("x0", X0_CLASS)):
        assert len(scrubber.rows[name]) == N and all(css in image._dom_classes for image in scrubber.rows[name])
        assert read_grey_png(scrubber.rows[name][0].value).shape == (84, 84)  # 28 pixels drawn about 96 wide
    assert (
        scrubber.status.value
        == "Step 50 of 50: t = 0: the finished images, after all 50 steps; 50 network calls so far."
    )


def test_moving_the_sliders_changes_the_images_and_the_status_without_a_network_call(scrubber, predictor):
    calls = predictor.calls
    assert calls == sum(STEP_CHOICES)  # one call per step of each trajectory, on the whole batch
    shown = {name: png_bytes(row) for name, row in scrubber.rows.items()}
    scrubber.position_slider.value = 20
    t = ddim_timesteps(50)[20]  # after 20 steps, DDIM has reached the 21st step it visits
    assert scrubber.status.value == f"Step 20 of 50: t = {t} of T = 1000; 20 network calls so far."
    for name, row in scrubber.rows.items():
        assert png_bytes(row) != shown[name]
        assert png_bytes(row) == [grey_png(image, scale=3) for image in scrubber.frame(50, 20)[name]]
    scrubber.position_slider.value = 0
    assert "the starting noise x_T" in scrubber.status.value and "0 network calls" in scrubber.status.value
    assert png_bytes(scrubber.rows["x0"]) == [grey_png(np.zeros((28, 28)), scale=3)] * N
    scrubber.steps_slider.value = 5
    scrubber.position_slider.value = 5
    assert png_bytes(scrubber.rows["x_t"]) == [grey_png(image, scale=3) for image in scrubber.samples[5]]
    assert predictor.calls == calls, "the sliders only show stored images"


def test_changing_the_number_of_steps_keeps_the_share_of_the_way_done(scrubber):
    scrubber.position_slider.value = 25
    scrubber.steps_slider.value = 10
    assert (scrubber.position_slider.max, scrubber.position) == (10, 5)
    scrubber.steps_slider.value = 20
    assert (scrubber.position_slider.max, scrubber.position) == (20, 10)
    assert scrubber.status.value.startswith("Step 10 of 20: t = ")
    np.testing.assert_array_equal(
        read_grey_png(scrubber.rows["x_t"][0].value), read_grey_png(grey_png(scrubber.frame(20, 10)["x_t"][0], scale=3))
    )


def test_a_keras_denoiser_gives_what_sample_gives_with_the_same_model():
    keras.utils.set_random_seed(0)
    model = build_unet((8, 8, 8), groups=8)
    noise = model.get_layer("noise")  # it starts at zero (ε̂ = 0); give it weights so that the network matters
    noise.kernel.assign(np.random.default_rng(0).normal(0, 0.1, noise.kernel.shape).astype(np.float32))
    scrubber = diffusion_scrubber(model, n_images=2, step_choices=(2, 3), seed=1, jit_compile=False)
    direct = sample(noise_predictor(model, jit_compile=False), SCHEDULE, 2, steps=3, seed=1)
    np.testing.assert_allclose(scrubber.frame()["x_t"], direct, atol=1e-6)
    assert not np.allclose(direct, sample(lambda x, t: np.zeros_like(x), SCHEDULE, 2, steps=3, seed=1), atol=1e-3)


def test_show_picks_the_rows(predictor):
    only_guesses = DiffusionScrubber(predictor, n_images=2, step_choices=(4,), show="x0")
    assert set(only_guesses.rows) == {"x0"}
    figure = scrubber_slider_figure(only_guesses, scale=1)
    drawn = read_grey_png(base64.b64decode(figure.layout.sliders[0].steps[4].args[0]["source"][0].split(",", 1)[1]))
    assert drawn.shape == (28, 2 * 28 + 2)  # one row of two images


def test_the_kernel_free_figure_holds_every_stored_frame_and_the_site_shows_both(scrubber):
    scrubber.position_slider.value = 10
    figure = scrubber_slider_figure(scrubber, images=2, scale=1)
    assert figure.layout.meta == SLIDER_FIGURE_META  # how the site's browser test finds a kernel-free explorer
    assert [slider.currentvalue.prefix for slider in figure.layout.sliders] == [f"{s} steps: " for s in STEP_CHOICES]
    for slider, steps in zip(figure.layout.sliders, STEP_CHOICES):
        assert (
            len(slider.steps) == steps + 1 and slider.steps[0].label == "t = 1000" and slider.steps[-1].label == "t = 0"
        )
        assert slider.active == round(10 / 50 * steps)
    last = figure.layout.sliders[3].steps[50]
    assert "Step 50 of 50" in last.args[1]["title.text"] and "50 network calls" in last.args[1]["title.text"]
    drawn = read_grey_png(base64.b64decode(last.args[0]["source"][0].split(",", 1)[1]))
    frame = scrubber.frame(50, 50)
    picture = mixing_picture(np.stack([frame["x_t"][:2], frame["x0"][:2]]), gap=2, source_gap=2)
    np.testing.assert_array_equal(drawn, read_grey_png(grey_png(picture, scale=1)))

    sys.path.insert(0, str(ROOT))
    from classroom.site import build

    # On a page without a kernel the widget is a picture of its state, with alt text; the figure draws itself.
    bundle = scrubber._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "image/png" in bundle
    assert (
        bundle["text/plain"].startswith("The diffusion scrubber, 6 images") and "Step 10 of 50" in bundle["text/plain"]
    )
    pictured = build.static_output({"output_type": "display_data", "metadata": {}, "data": bundle})
    assert build.SNAPSHOT_CLASS in pictured["data"]["text/html"]
    drawn = build.static_output(
        {"output_type": "display_data", "metadata": {}, "data": {build.PLOTLY_MIME: json.loads(figure.to_json())}}
    )
    assert build.PLOTLY_CLASS in drawn["data"]["text/html"]


def test_bad_arguments_get_clear_errors(predictor):
    with pytest.raises(TypeError, match="denoiser must be a Keras model .* or a function .*, got int"):
        diffusion_scrubber(42)
    with pytest.raises(ValueError, match="n_images must be a positive integer, got 0"):
        diffusion_scrubber(predictor, n_images=0)
    with pytest.raises(ValueError, match="seed must be a non-negative integer, got -1"):
        diffusion_scrubber(predictor, seed=-1)
    expected = "step_choices must be a sequence of distinct whole numbers of DDIM steps from 1 to T = 1000"
    for bad in ((), 5, "5", (0, 5), (5, 1001), (5, 2.5), (True, 5)):
        with pytest.raises(ValueError, match=expected):
            diffusion_scrubber(predictor, step_choices=bad)
    with pytest.raises(ValueError, match=f"{expected}, got a repeated count in \\(5, 5\\)"):
        diffusion_scrubber(predictor, step_choices=(5, 5))
    with pytest.raises(ValueError, match=r"steps must be one of step_choices \(2, 3\), got 4"):
        diffusion_scrubber(predictor, step_choices=(3, 2), steps=4)
    with pytest.raises(ValueError, match=r"show must name one or both of \('x_t', 'x0'\), got \('x_t', 'noise'\)"):
        diffusion_scrubber(predictor, show=("x_t", "noise"))
    with pytest.raises(TypeError, match="schedule must be a NoiseSchedule, got str"):
        diffusion_scrubber(predictor, schedule="cosine")
    with pytest.raises(ValueError, match="must return ε̂ shaped like x_t"):
        diffusion_scrubber(lambda x, t: x[:, :, :, 0], step_choices=(2,))
    scrubber = diffusion_scrubber(predictor, n_images=1, step_choices=(2, 3))
    with pytest.raises(ValueError, match="position must be a whole number of steps from 0 to 2, got 3"):
        scrubber.frame(2, 3)
    with pytest.raises(ValueError, match=r"steps must be one of step_choices \(2, 3\), got 50"):
        scrubber.frame(50)
    with pytest.raises(TypeError, match="scrubber must be a DiffusionScrubber, got VBox"):
        scrubber_slider_figure(ipywidgets.VBox())
    with pytest.raises(ValueError, match="images must be a positive integer, got 0"):
        scrubber_slider_figure(scrubber, images=0)

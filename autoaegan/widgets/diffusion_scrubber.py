"""The diffusion scrubber (chapter 12): the same samples taken from noise to garments by DDIM, one step at a time.

One slider walks along the reverse process, from the starting noise x_T to the finished images; another picks
how many DDIM steps (η = 0) the walk takes. Each image shows x_t, the sample at the step reached, and beneath it
x̂₀, the clean image the denoiser guessed at that step; a line says which step t that is and how many network
calls it took to get there (one per step, for the whole batch).

Every trajectory is computed once, when the widget is made (`autoaegan.models.diffusion.sample` with a callback
that records each step), so moving a slider calls no network: it only shows stored images. The same stored images
make `scrubber_slider_figure`, a plotly figure whose sliders work without a kernel: on the course website, where the
widget itself shows a picture of its first state (as chapter 11 pairs its style-mixing grid with
`style_mixing_slider_figure`). The widget's sliders work with the keyboard (Tab, then the arrow keys).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ipywidgets
import keras
import numpy as np

from autoaegan.arguments import is_whole_number, non_negative_int, positive_int
from autoaegan.models.diffusion import NoisePredictor, NoiseSchedule, noise_predictor, sample, variance_schedule
from autoaegan.models.diffusion_training import SCHEDULE
from autoaegan.models.diffusion_unet import IMAGE_SHAPE
from autoaegan.pixels import SIGNED_RANGE, generated_to_images
from autoaegan.widgets.fade_in import display_scale
from autoaegan.widgets.kernel_free import mixing_picture, slider_rows_figure
from autoaegan.widgets.png import grey_png
from autoaegan.widgets.snapshot import StaticSnapshot
from autoaegan.widgets.style_images import png_row

STEP_CHOICES = (5, 10, 20, 50)  # DDIM step counts to compare; 50 is the chapter's default sampler
ROWS = ("x_t", "x0")  # what each image column can show: the sample x_t and the denoiser's guess x̂₀
CAPTIONS = {
    "x_t": "x_t: the samples at step t",
    "x0": "x̂₀: the denoiser's guess of the clean images at that step",
}
# The kernel-free figure shows the first few images only, so that they stay large beside their sliders.
FIGURE_IMAGES = 4
# A slider with more steps than this has its tick labels hidden: they would overlap (its current value still shows).
MAX_TICK_LABELS = 12
VALUE_COLOUR = "#444"  # plotly's default text colour
# CSS classes that browser tests (and custom styles) find the widgets by.
SCRUBBER_CLASS = "diffusion-scrubber"
X_T_CLASS = "diffusion-scrubber-x-t"
X0_CLASS = "diffusion-scrubber-x0"


@dataclass(frozen=True)
class Trajectory:
    """One DDIM run of `steps` steps, recorded at each position 0 … `steps` (0: the starting noise, `steps`: done).

    - `timesteps[k]`: the step t that position k has reached (T at position 0, 0 at the end);
    - `x_t[k]`: the samples there, float32 `(n, h, w)` in [0, 1] (x_t in [-1, 1], clipped for display);
    - `x0[k]`: the x̂₀ the denoiser predicted on the way to position k, the same way; blank (0) at position 0,
      before any network call.
    """

    steps: int
    timesteps: np.ndarray
    x_t: np.ndarray
    x0: np.ndarray


def record_trajectory(
    predict_noise: NoisePredictor, schedule: NoiseSchedule, x_T: np.ndarray, steps: int
) -> tuple[Trajectory, np.ndarray]:
    """Run DDIM (η = 0) for `steps` steps from the noise `x_T` `(n, h, w, 1)`, recording every step.

    Returns the `Trajectory` and `sample`'s own images (float32 `(n, h, w)` in [0, 1]), which its last x_t equals.
    """
    timesteps, x_t, x0 = [schedule.steps], [x_T], [None]

    def record(t, x, guess):
        timesteps.append(int(t))
        x_t.append(x)
        x0.append(guess)

    images = sample(predict_noise, schedule, x_T=x_T, sampler="ddim", steps=steps, callback=record)
    blank = np.full_like(x_T, SIGNED_RANGE[0])  # -1 is 0 in [0, 1], which grey_png draws as paper
    x0[0] = blank

    def unit(frames):
        return np.stack([generated_to_images(frame, value_range=SIGNED_RANGE) for frame in frames])

    return Trajectory(steps, np.asarray(timesteps, dtype=np.int64), unit(x_t), unit(x0)), images


def _step_choices(step_choices, total: int) -> tuple[int, ...]:
    expected = f"a sequence of distinct whole numbers of DDIM steps from 1 to T = {total}"
    if isinstance(step_choices, (str, bytes)) or not isinstance(step_choices, Sequence) or not step_choices:
        raise ValueError(f"step_choices must be {expected}, got {step_choices!r}")
    if any(not is_whole_number(steps) or not 1 <= steps <= total for steps in step_choices):
        raise ValueError(f"step_choices must be {expected}, got {tuple(step_choices)!r}")
    if len(set(step_choices)) != len(step_choices):
        raise ValueError(f"step_choices must be {expected}, got a repeated count in {tuple(step_choices)!r}")
    return tuple(sorted(int(steps) for steps in step_choices))


def _rows(show) -> tuple[str, ...]:
    names = (show,) if isinstance(show, str) else tuple(show) if isinstance(show, Sequence) else None
    if not names or any(name not in ROWS for name in names) or len(set(names)) != len(names):
        raise ValueError(f"show must name one or both of {ROWS}, got {show!r}")
    return tuple(name for name in ROWS if name in names)


def _predictor(denoiser, jit_compile: bool) -> tuple[NoisePredictor, tuple[int, ...]]:
    """A `NoisePredictor` for `denoiser` and the image shape it takes."""
    if isinstance(denoiser, keras.Model):
        shape = tuple(denoiser.inputs[0].shape[1:]) if denoiser.inputs else IMAGE_SHAPE
        return noise_predictor(denoiser, jit_compile=bool(jit_compile)), shape
    if callable(denoiser):
        return denoiser, IMAGE_SHAPE
    raise TypeError(
        "denoiser must be a Keras model [x_t, t] → ε̂ or a function (x_t, t) → ε̂ on NumPy arrays, "
        f"got {type(denoiser).__name__}"
    )


class DiffusionScrubber(StaticSnapshot, ipywidgets.VBox):
    """A widget: `n_images` samples on their way from noise to garments; one slider scrubs along the reverse process,
    the other picks the number of DDIM steps.

    - `denoiser`: the trained noise predictor, a Keras model `[x_t, t] → ε̂`, or a function `(x_t, t) → ε̂` on
      NumPy arrays (a `NoisePredictor`).
    - `n_images`: how many samples; their starting noise x_T is drawn with `seed`, as `sample(..., seed=seed)`
      draws it, and is the same for every step count.
    - `step_choices`: the DDIM step counts the second slider offers (each from 1 to T); `steps` the one it starts
      at (default the largest).
    - `show`: which rows to show, `("x_t", "x0")` (default both) or one of them.
    - `schedule`: the variance schedule (default the one the shipped model trained with).
    - `jit_compile`: compile the Keras denoiser with XLA (default); give False under a profile that asks for
      deterministic ops (`profile.deterministic`: TensorFlow refuses XLA there).
    - `scale`: each pixel is drawn as a `scale`×`scale` block (default: about 96 pixels per image).

    Making the widget runs the network `sum(step_choices)` times on the batch; moving a slider never does.
    """

    snapshot_name = "The diffusion scrubber"

    def __init__(
        self,
        denoiser,
        *,
        n_images: int = 8,
        step_choices: Sequence[int] = STEP_CHOICES,
        seed: int = 0,
        show: Sequence[str] = ROWS,
        steps: int | None = None,
        schedule: NoiseSchedule | None = None,
        jit_compile: bool = True,
        scale: int | None = None,
    ):
        self.schedule = variance_schedule(SCHEDULE) if schedule is None else schedule
        if not isinstance(self.schedule, NoiseSchedule):
            raise TypeError(f"schedule must be a NoiseSchedule, got {type(schedule).__name__}")
        self.n_images = positive_int(n_images, "n_images")
        self.seed = non_negative_int(seed, "seed")
        self.step_choices = _step_choices(step_choices, self.schedule.steps)
        steps = self.step_choices[-1] if steps is None else steps
        if not is_whole_number(steps) or steps not in self.step_choices:
            raise ValueError(f"steps must be one of step_choices {self.step_choices}, got {steps!r}")
        self.show = _rows(show)
        predict_noise, image_shape = _predictor(denoiser, jit_compile)
        self.scale = display_scale(image_shape[0], scale)

        # The starting noise, drawn as `sample(n=n_images, seed=seed)` draws it: every step count starts from it.
        rng = np.random.default_rng(self.seed)
        self.x_T = rng.standard_normal((self.n_images, *image_shape), dtype=np.float32)
        self.trajectories: dict[int, Trajectory] = {}
        self.samples: dict[int, np.ndarray] = {}
        for count in self.step_choices:
            self.trajectories[count], self.samples[count] = record_trajectory(
                predict_noise, self.schedule, self.x_T, count
            )

        self.steps_slider = ipywidgets.SelectionSlider(
            options=self.step_choices,
            value=int(steps),
            description="DDIM steps:",
            continuous_update=True,
            style={"description_width": "initial"},
            layout=ipywidgets.Layout(width="320px"),
            tooltip="how many DDIM steps take the noise to the images (focus and press the arrow keys)",
        )
        self.position_slider = ipywidgets.IntSlider(
            value=int(steps),
            min=0,
            max=int(steps),
            step=1,
            description="Step:",
            readout=True,
            continuous_update=True,
            layout=ipywidgets.Layout(width="420px"),
            tooltip="0: the starting noise; the last: the finished images (focus and press the arrow keys)",
        )
        self.status = ipywidgets.HTML()
        self.rows = {name: png_row(self.n_images, X_T_CLASS if name == "x_t" else X0_CLASS) for name in self.show}
        super().__init__(
            [
                ipywidgets.HTML(
                    "<b>The reverse process</b>: DDIM takes the same noise to garments in as many steps as you pick."
                    "<br>Every step was computed in advance: moving a slider calls no network."
                ),
                ipywidgets.HBox([self.position_slider, self.steps_slider]),
                self.status,
                *(
                    ipywidgets.VBox([ipywidgets.Label(CAPTIONS[name]), ipywidgets.HBox(self.rows[name])])
                    for name in self.show
                ),
            ]
        )
        self.add_class(SCRUBBER_CLASS)
        self._quiet = False
        self.steps_slider.observe(self._on_steps_change, names="value")
        self.position_slider.observe(self._on_position_change, names="value")
        self._draw()

    # -- pure computation -----------------------------------------------------------------------------------------

    @property
    def steps(self) -> int:
        """The number of DDIM steps the second slider picks."""
        return int(self.steps_slider.value)

    @property
    def position(self) -> int:
        """How many steps the first slider has taken, 0 (the noise) to `steps` (the images)."""
        return int(self.position_slider.value)

    def _position(self, steps: int, position) -> int:
        if position is None:
            return self.position
        if not is_whole_number(position) or not 0 <= position <= steps:
            raise ValueError(f"position must be a whole number of steps from 0 to {steps}, got {position!r}")
        return int(position)

    def _trajectory(self, steps) -> Trajectory:
        steps = self.steps if steps is None else steps
        if not is_whole_number(steps) or steps not in self.trajectories:
            raise ValueError(f"steps must be one of step_choices {self.step_choices}, got {steps!r}")
        return self.trajectories[int(steps)]

    def frame(self, steps: int | None = None, position: int | None = None) -> dict[str, np.ndarray]:
        """`{"x_t", "x0"}` → float32 images `(n_images, h, w)` in [0, 1] after `position` of `steps` DDIM steps
        (default: the sliders'). Stored when the widget was made: no network call."""
        trajectory = self._trajectory(steps)
        position = self._position(trajectory.steps, position)
        return {"x_t": trajectory.x_t[position], "x0": trajectory.x0[position]}

    def timestep(self, steps: int | None = None, position: int | None = None) -> int:
        """The step t reached after `position` of `steps` DDIM steps (default: the sliders'): T first, 0 at the end."""
        trajectory = self._trajectory(steps)
        return int(trajectory.timesteps[self._position(trajectory.steps, position)])

    def describe(self, steps: int | None = None, position: int | None = None) -> str:
        """The status line: the step t reached and how many network calls it took (default: the sliders')."""
        trajectory = self._trajectory(steps)
        position = self._position(trajectory.steps, position)
        t, total = self.timestep(trajectory.steps, position), self.schedule.steps
        calls = f"{position} network call{'s' if position != 1 else ''} so far"
        if position == 0:
            where = f"t = {t} of T = {total}: the starting noise x_T, no guess of x̂₀ yet"
        elif t == 0:
            where = f"t = 0: the finished images, after all {trajectory.steps} steps"
        else:
            where = f"t = {t} of T = {total}"
        return f"Step {position} of {trajectory.steps}: {where}; {calls}."

    # -- rendering ------------------------------------------------------------------------------------------------

    def _on_steps_change(self, change) -> None:
        # Keep the same share of the way from noise to images when the number of steps changes.
        old, new = int(change["old"]), int(change["new"])
        position = round(self.position / old * new)
        self._quiet = True
        try:
            if new > self.position_slider.max:
                self.position_slider.max = new
                self.position_slider.value = position
            else:
                self.position_slider.value = position
                self.position_slider.max = new
        finally:
            self._quiet = False
        self._draw()

    def _on_position_change(self, _change=None) -> None:
        if not self._quiet:
            self._draw()

    def _draw(self) -> None:
        frame = self.frame()
        for name, widgets in self.rows.items():
            for widget, image in zip(widgets, frame[name]):
                widget.value = grey_png(image, scale=self.scale)
        self.status.value = self.describe()


def scrubber_slider_figure(
    scrubber: DiffusionScrubber,
    *,
    images: int = FIGURE_IMAGES,
    scale: int = 2,
    title: str = "The reverse process, without a kernel",
):
    """The scrubber's stored trajectories as a plotly figure whose sliders work without a kernel.

    One slider per step count in `step_choices`; each moves its own row along the reverse process, showing the
    first `images` samples' x_t above their x̂₀ (the rows `show` names). The title says the step t reached and the
    network calls it took. The figure holds `sum(step_choices) + len(step_choices)` PNG pictures.
    """
    if not isinstance(scrubber, DiffusionScrubber):
        raise TypeError(f"scrubber must be a DiffusionScrubber, got {type(scrubber).__name__}")
    count = min(positive_int(images, "images"), scrubber.n_images)
    if len(scrubber.show) == 2:
        title = f"{title}: x_t above, x̂₀ below"
    rows = []
    for steps in scrubber.step_choices:
        trajectory = scrubber.trajectories[steps]
        pictures = [
            mixing_picture(
                np.stack([getattr(trajectory, name)[position, :count] for name in scrubber.show]), gap=2, source_gap=2
            )
            for position in range(steps + 1)
        ]
        share = scrubber.position / scrubber.steps  # each row starts as far along as the widget's slider
        rows.append(
            {
                "name": f"{steps} steps",
                "labels": [f"t = {t}" for t in trajectory.timesteps],
                "images": np.stack(pictures),
                "active": round(share * steps),
                "titles": [
                    f"{title}<br><sup>{scrubber.describe(steps, position)}</sup>" for position in range(steps + 1)
                ],
            }
        )
    current = rows[scrubber.step_choices.index(scrubber.steps)]
    figure = slider_rows_figure(rows, title=current["titles"][current["active"]], scale=scale)
    for slider, steps in zip(figure.layout.sliders, scrubber.step_choices):
        if steps + 1 > MAX_TICK_LABELS:  # hide the tick labels, keep the current value's
            slider.font = {"size": 10, "color": "rgba(0, 0, 0, 0)"}
            slider.currentvalue.font.color = VALUE_COLOUR
    return figure


def diffusion_scrubber(
    denoiser,
    *,
    n_images: int = 8,
    step_choices: Sequence[int] = STEP_CHOICES,
    seed: int = 0,
    show: Sequence[str] = ROWS,
    **options,
) -> DiffusionScrubber:
    """A `DiffusionScrubber` for `denoiser`: `n_images` samples from noise to garments, DDIM with `step_choices` steps.

    `options` go to `DiffusionScrubber` (`steps`, `schedule`, `jit_compile`, `scale`).
    """
    return DiffusionScrubber(denoiser, n_images=n_images, step_choices=step_choices, seed=seed, show=show, **options)

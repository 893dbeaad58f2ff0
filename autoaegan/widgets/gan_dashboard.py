"""A live dashboard for GAN training: the two losses, the discriminator's accuracies, and samples as they improve.

`GANDashboard` is a Keras callback that owns an ipywidgets box. Display it, then
train with it:

    dashboard = GANDashboard(every=50)
    display(dashboard)
    gan.fit(dataset, epochs=2, callbacks=[dashboard])

Two plotly `FigureWidget`s follow each training step: the discriminator's and the
generator's losses, and the discriminator's accuracy on real images and on fakes.
Below them, a grid of samples from fixed, seeded codings is redrawn every `every`
steps, so the same codings can be watched turning from noise into garments. The
grid travels as one PNG image (`grey_png` of a mosaic), which keeps the widget's
state small, unlike a plotly heat map per sample. The image is shown at its own
size in pixels (each sample `scale` times its size, 84 pixels for a 28×28 sample
at the default `scale=3`), not stretched to the notebook's width.

Keras logs running means since the start of the epoch; `step_values` recovers the
value of each step (or of each group of steps under `steps_per_execution`) from
them, so the curves show the step-to-step tug of war rather than its average.
"""

from __future__ import annotations

import math

import ipywidgets
import keras
import numpy as np
import plotly.graph_objects as go

from autoaegan.arguments import positive_int
from autoaegan.figures.latent import mosaic
from autoaegan.figures.theme import OKABE_ITO, use_theme
from autoaegan.latent import sample_codings
from autoaegan.training.sampling import generate_from
from autoaegan.widgets.png import grey_png
from autoaegan.widgets.snapshot import with_snapshot

LOSSES = ("d_loss", "g_loss")
ACCURACIES = ("d_real_accuracy", "d_fake_accuracy")
NAMES = {
    "d_loss": "discriminator loss",
    "g_loss": "generator loss",
    "d_real_accuracy": "real images called real",
    "d_fake_accuracy": "fakes called fake",
}
COLOURS = {
    "d_loss": OKABE_ITO[0],
    "g_loss": OKABE_ITO[1],
    "d_real_accuracy": OKABE_ITO[2],
    "d_fake_accuracy": OKABE_ITO[3],
}
# CSS classes that browser tests (and custom styles) find the widgets by.
DASHBOARD_CLASS = "gan-dashboard"
SAMPLES_CLASS = "gan-dashboard-samples"


def step_values(previous_mean: float, previous_steps: int, mean: float, steps: int) -> float:
    """The mean of the steps from `previous_steps` to `steps`, given the running means at both points.

    Keras reports a metric as its running mean over the epoch's first `steps` steps; with
    equal batches, the steps in between averaged `(steps·mean − previous_steps·previous_mean)
    / (steps − previous_steps)`. With `previous_steps = 0` it is `mean` itself.
    """
    if steps <= previous_steps:
        raise ValueError(f"steps must grow: got {steps} after {previous_steps}")
    return (steps * mean - previous_steps * previous_mean) / (steps - previous_steps)


def sample_grid(images, columns: int) -> np.ndarray:
    """Images `(n, h, w)` or `(n, h, w, 1)` in [0, 1] tiled `columns` wide into one image, blank cells at the end."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"expected images shaped (n, height, width) with n ≥ 1, got shape {images.shape}")
    columns = min(positive_int(columns, "columns"), len(images))
    rows = math.ceil(len(images) / columns)
    blank = np.zeros((rows * columns - len(images), *images.shape[1:]), np.float32)
    return mosaic(np.concatenate([images, blank]), rows, columns)


def _line_figure(names, title: str, y_title: str, y_range=None) -> go.FigureWidget:
    use_theme()
    figure = go.FigureWidget(
        [
            go.Scatter(x=[], y=[], mode="lines", name=NAMES[name], line={"color": COLOURS[name], "width": 1.5})
            for name in names
        ],
    )
    figure.update_layout(
        title=title,
        width=400,
        height=300,
        xaxis_title="training step",
        yaxis_title=y_title,
        legend={"orientation": "h", "y": -0.3},
        margin={"l": 50, "r": 10, "t": 40, "b": 40},
    )
    if y_range is not None:
        figure.update_yaxes(range=y_range)
    return figure


class GANDashboard(keras.callbacks.Callback):
    """A Keras callback that draws a GAN's training live; display the object itself in a notebook.

    Works with any model whose steps log `d_loss`, `g_loss`, `d_real_accuracy` and
    `d_fake_accuracy` and that has a `generator` (and a `value_range`, `(0, 1)` by
    default), such as `autoaegan.models.gan.GAN`. Options:

    - `every`: redraw the sample grid every this many steps (and at the start and end);
    - `samples`, `columns`: how many samples, and the grid's width; their codings are
      drawn once from N(0, I) with `seed`, so every redraw shows the same codings;
    - `plot_every`: push the curves to the browser every this many steps (and at the
      end of each epoch); 1 redraws at every step, more saves traffic on long runs;
    - `scale`: each pixel of the grid becomes a `scale`×`scale` block.

    `steps`, `values` (name → list of per-step values) and `sample_steps` (the steps at
    which the grid was drawn) hold what was recorded; `widget` is the ipywidgets box.
    """

    def __init__(
        self,
        *,
        every: int = 100,
        samples: int = 16,
        columns: int = 8,
        seed: int = 0,
        plot_every: int = 1,
        scale: int = 3,
    ):
        super().__init__()
        self.every = positive_int(every, "every")
        self.samples = positive_int(samples, "samples")
        self.columns = positive_int(columns, "columns")
        self.plot_every = positive_int(plot_every, "plot_every")
        self.scale = positive_int(scale, "scale")
        self.seed = seed
        self.steps: list[int] = []
        self.values: dict[str, list[float]] = {name: [] for name in (*LOSSES, *ACCURACIES)}
        self.sample_steps: list[int] = []
        self._codings = None
        self._epoch = 0
        self._epoch_start_step = 0
        self._epoch_start_iterations = None
        self._last = {}  # name -> (running mean, steps into the epoch) at the last recorded step
        self._plotted = 0

        self.loss_figure = _line_figure(LOSSES, "Losses", "binary cross-entropy")
        self.accuracy_figure = _line_figure(ACCURACIES, "Discriminator accuracy", "share", y_range=[-0.02, 1.02])
        # Left-aligned and sized by `draw_samples` to the grid's own pixels: a flex box would otherwise stretch the
        # image to the notebook's full width.
        self.samples_image = ipywidgets.Image(
            format="png", layout=ipywidgets.Layout(align_self="flex-start", object_fit="contain")
        )
        self.samples_image.add_class(SAMPLES_CLASS)
        self.samples_caption = ipywidgets.Label("samples: not drawn yet")
        self.status = ipywidgets.HTML("waiting for training to start")
        self.widget = ipywidgets.VBox(
            [
                self.status,
                ipywidgets.HBox([self.loss_figure, self.accuracy_figure]),
                ipywidgets.VBox([self.samples_caption, self.samples_image]),
            ]
        )
        self.widget.add_class(DASHBOARD_CLASS)

    def _repr_mimebundle_(self, **kwargs):
        # A picture of the dashboard as it stands, with its alt text, for pages without a kernel.
        return with_snapshot(self.widget._repr_mimebundle_(**kwargs), self.widget, "The GAN training dashboard")

    # --- what the callback records -------------------------------------------------------------------------------

    @property
    def step(self) -> int:
        """Training steps recorded so far, over every epoch and every `fit` call."""
        return self.steps[-1] if self.steps else 0

    def sample_images(self) -> np.ndarray:
        """The generator's images for the dashboard's fixed codings, as float32 in [0, 1]."""
        generator = self.model.generator
        if self._codings is None:
            self._codings = sample_codings(self.samples, int(generator.input_shape[-1]), seed=self.seed)
        value_range = getattr(self.model, "value_range", (0.0, 1.0))
        return generate_from(generator, self._codings, value_range=value_range)

    def draw_samples(self) -> None:
        """Redraw the sample grid now, from the fixed codings."""
        grid = sample_grid(self.sample_images(), self.columns)
        self.samples_image.value = grey_png(grid, scale=self.scale)
        height, width = grid.shape
        self.samples_image.layout.width = f"{width * self.scale}px"
        self.samples_image.layout.height = f"{height * self.scale}px"
        self.sample_steps.append(self.step)
        self.samples_caption.value = f"{self.samples} samples from fixed codings, after {self.step:,} steps"

    def plot(self) -> None:
        """Push every recorded point to the figures."""
        for figure, names in ((self.loss_figure, LOSSES), (self.accuracy_figure, ACCURACIES)):
            with figure.batch_update():
                for trace, name in zip(figure.data, names):
                    trace.x, trace.y = list(self.steps), list(self.values[name])
        self._plotted = len(self.steps)
        if self.steps:
            latest = ", ".join(f"{NAMES[name]} {self.values[name][-1]:.3f}" for name in self.values)
            self.status.value = f"epoch {self._epoch + 1}, step {self.step:,}: {latest}"

    def on_train_begin(self, logs=None):
        if getattr(self.model, "generator", None) is None:
            raise TypeError(f"GANDashboard needs a model with a `generator`, got {type(self.model).__name__}")
        if not self.sample_steps or self.sample_steps[-1] != self.step:
            self.draw_samples()

    def _optimizer_steps(self) -> int | None:
        # Under steps_per_execution Keras may report a last group longer than the steps the data had left; the
        # discriminator's optimizer counts the steps actually taken, one per phase 1.
        optimizer = getattr(self.model, "d_optimizer", None)
        iterations = getattr(optimizer, "iterations", None)
        return None if iterations is None else int(keras.ops.convert_to_numpy(iterations))

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._epoch_start_step = self.step
        self._epoch_start_iterations = self._optimizer_steps()
        self._last = {}

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        missing = [name for name in self.values if name not in logs]
        if missing:
            raise KeyError(
                f"GANDashboard expects the training step to log {', '.join(self.values)}; "
                f"missing {', '.join(missing)} (logged: {', '.join(logs) or 'nothing'})"
            )
        into_epoch = batch + 1  # Keras numbers the steps of an epoch from 0; under steps_per_execution, the last one
        iterations = self._optimizer_steps()
        if iterations is not None and self._epoch_start_iterations is not None:
            into_epoch = iterations - self._epoch_start_iterations
        if into_epoch <= self._last.get("d_loss", (0.0, 0))[1]:
            return  # no new step since the last call
        self.steps.append(self._epoch_start_step + into_epoch)
        for name in self.values:
            mean = float(logs[name])
            previous_mean, previous_steps = self._last.get(name, (0.0, 0))
            self.values[name].append(step_values(previous_mean, previous_steps, mean, into_epoch))
            self._last[name] = (mean, into_epoch)
        if len(self.steps) - self._plotted >= self.plot_every:
            self.plot()
        if self.step - self.sample_steps[-1] >= self.every:
            self.draw_samples()

    def on_epoch_end(self, epoch, logs=None):
        self.plot()

    def on_train_end(self, logs=None):
        self.plot()
        if self.sample_steps[-1] != self.step:
            self.draw_samples()

"""The fade-in scrubber (chapter 10): watch a ProGAN level grow in, α·new + (1 − α)·old, as α moves from 0 to 1.

While level k grows in, the generator's output is `FadeIn([old, new])` before the
tanh: "old" is the level below's to-image output, upsampled ×2 (nearest), and
"new" is level k's own to-image output. `FadeInScrubber` shows, for a few fixed
codings, three rows: the old path, the new path, and the blend that the fading
generator (`generator_layers.model(level, fade_in=True)`) really outputs at the
slider's α. The α slider works with the keyboard (Tab to it, then the arrow keys).

The blend is taken before the tanh, so the blended image is not the pixel mix
α·tanh(new) + (1 − α)·tanh(old) but tanh(α·new + (1 − α)·old): `expected_blend`
computes that from the two paths' pre-activations and `blend_error` measures how
far the generator's output is from it (float rounding only).

`samples_by_resolution` and `resolution_figure` show the same codings through each
level's stable model, 4×4 up to the last: what each growth stage adds.

The computation is plain and separate from the rendering: `rows_for(alpha)` gives
the images as arrays in [0, 1], and `grey_png` encodes them for `ipywidgets.Image`.
"""

from __future__ import annotations

import contextlib

import ipywidgets
import keras
import numpy as np

from autoaegan.arguments import is_whole_number, non_negative_int, positive_int, real_number
from autoaegan.figures.images import image_grid
from autoaegan.latent import sample_codings
from autoaegan.models.progan import VALUE_RANGE, ProgressiveGenerator, resolution_of, upsample
from autoaegan.pixels import generated_to_images
from autoaegan.widgets.png import grey_png
from autoaegan.widgets.snapshot import StaticSnapshot

ALPHA_STEP = 0.05
ROWS = ("old", "new", "blend")
# Images are drawn this many pixels wide whatever their resolution, so that 8×8 and 32×32 compare at a glance.
DISPLAY_SIZE = 96
# CSS classes that browser tests (and custom styles) find the widgets by.
SCRUBBER_CLASS = "fade-in-scrubber"
OLD_CLASS = "fade-in-old"
NEW_CLASS = "fade-in-new"
BLEND_CLASS = "fade-in-blend"


def display_scale(resolution: int, scale: int | None = None) -> int:
    """The PNG block size for images `resolution` pixels wide: `scale` if given, else about `DISPLAY_SIZE` wide."""
    if scale is None:
        return max(1, DISPLAY_SIZE // int(resolution))
    return positive_int(scale, "scale")


def upsample_nearest(images, factor: int = 2) -> np.ndarray:
    """Images `(n, h, w, ...)` → `(n, factor·h, factor·w, ...)` as NumPy: the generator's own `progan.upsample`."""
    return keras.ops.convert_to_numpy(upsample(np.asarray(images), factor))


# What a growing generator must offer: chapter 10 defines its own `Generator` class, the package has
# `ProgressiveGenerator`; both own the layers of every level and wire them with `model(level, fade_in=...)`.
GROWING_GENERATOR_ATTRIBUTES = ("model", "max_level", "codings_size", "fades")


def _check_generator(generator_layers) -> ProgressiveGenerator:
    missing = [name for name in GROWING_GENERATOR_ATTRIBUTES if not hasattr(generator_layers, name)]
    if missing or not callable(generator_layers.model):
        raise TypeError(
            f"generator_layers must be a growing generator (the layers of every level, such as a "
            f"ProgressiveGenerator or chapter 10's Generator), got {type(generator_layers).__name__} "
            f"without {', '.join(missing) or 'a callable model'}"
        )
    return generator_layers


def _numpy(model: keras.Model, codings: np.ndarray) -> np.ndarray:
    # A direct call, not predict: for a handful of codings it skips predict's per-call data pipeline.
    return np.asarray(keras.ops.convert_to_numpy(model(codings, training=False)), dtype=np.float32)


def pre_activation_model(generator_layers: ProgressiveGenerator, level: int) -> keras.Model:
    """Codings → level `level`'s to-image output before the tanh, `(r, r, 1)`: the stable model cut at "images".

    The cut reuses `generator_layers.model(level)`'s own wiring, so it cannot drift from it.
    """
    model = _check_generator(generator_layers).model(level)
    return keras.Model(model.input, model.get_layer("images").input, name=f"{model.name}_pre_activation")


def samples_by_resolution(generator_layers: ProgressiveGenerator, *, n: int = 8, seed) -> list[tuple[int, np.ndarray]]:
    """The same `n` codings through each level's stable model, 0 to the last: `[(resolution, images (n, r, r))]`.

    Images are float32 in [0, 1]; the codings come from `sample_codings(n, codings_size, seed=seed)`.
    """
    generator_layers = _check_generator(generator_layers)
    codings = sample_codings(positive_int(n, "n"), generator_layers.codings_size, seed=seed)
    return [
        (
            resolution_of(level),
            generated_to_images(_numpy(generator_layers.model(level), codings), value_range=VALUE_RANGE),
        )
        for level in range(generator_layers.max_level + 1)
    ]


def resolution_figure(samples, *, title: str | None = "The same codings at each growth level"):
    """A plotly grid of `samples_by_resolution`'s output: one row per resolution, one column per coding.

    Smaller images are upsampled (nearest) to the largest size, so every cell has the
    same size and the blocks of a 4×4 image stay visible.
    """
    samples = list(samples)
    if not samples:
        raise ValueError("samples must hold at least one (resolution, images) pair")
    counts = {len(images) for _, images in samples}
    if len(counts) != 1:
        raise ValueError(f"every resolution must have the same number of images, got {sorted(counts)}")
    largest = max(int(np.shape(images)[1]) for _, images in samples)
    rows = []
    for resolution, images in samples:
        images = np.asarray(images, dtype=np.float32)
        if images.ndim != 3 or images.shape[1] != images.shape[2] or largest % images.shape[1]:
            raise ValueError(
                f"expected square images (n, r, r) whose side divides {largest}, got shape "
                f"{images.shape} at resolution {resolution}"
            )
        rows.append(upsample_nearest(images, largest // images.shape[1]))
    columns = counts.pop()
    return image_grid(
        np.concatenate(rows),
        columns=columns,
        title=title,
        row_titles=[f"{resolution}×{resolution}" for resolution, _ in samples],
    )


def _alpha(alpha) -> float:
    return real_number(alpha, "alpha", expected="a number in [0, 1]", accept=lambda value: 0.0 <= value <= 1.0)


def _captioned(widget, caption: str) -> ipywidgets.VBox:
    return ipywidgets.VBox([ipywidgets.Label(caption), widget], layout=ipywidgets.Layout(align_items="flex-start"))


class FadeInScrubber(StaticSnapshot, ipywidgets.VBox):
    """A widget: slide α from 0 to 1 and watch level `level` of a ProGAN generator fade in over the level below.

    - `generator_layers`: a growing generator, the layers of every level (a `ProgressiveGenerator`, or
      chapter 10's own `Generator`): `model(level, fade_in=...)`, `max_level`, `codings_size`, and
      `fades[level]`, the `FadeIn` layer whose weight `alpha` blends level `level` in.
    - `level`: the level that grows in, 1 to `max_level` (level 0, 4×4, has nothing to fade in from).
    - `n`: how many fixed codings, drawn from `seed`.
    - `alpha`: the slider's first value.
    - `scale`: each pixel is drawn as a `scale`×`scale` block (default: about 96 pixels per image).

    Rows: the old path (the level below's images, upsampled ×2), the new path (this
    level's), and the fading generator's output at α. Moving the slider sets α of
    the generator's shared `FadeIn` layer only for the call that draws the blend,
    then puts the previous value back, so a training run that shares the layers is
    not disturbed.
    """

    snapshot_name = "The fade-in scrubber"

    def __init__(
        self,
        generator_layers: ProgressiveGenerator,
        level: int,
        *,
        n: int = 8,
        seed: int = 0,
        alpha: float = 0.5,
        scale: int | None = None,
    ):
        self.generator_layers = _check_generator(generator_layers)
        max_level = generator_layers.max_level
        if not is_whole_number(level) or not 1 <= level <= max_level:
            span = f"between 1 and {max_level}" if max_level >= 1 else "≥ 1, but this generator has only level 0"
            raise ValueError(
                f"level must be {span} (a level fades in over the one below it; level 0, 4×4, has none), got {level!r}"
            )
        self.level = int(level)
        self.n = positive_int(n, "n")
        self.seed = non_negative_int(seed, "seed")
        alpha = _alpha(alpha)
        self.resolution = resolution_of(self.level)
        self.scale = display_scale(self.resolution, scale)
        self.codings = sample_codings(self.n, generator_layers.codings_size, seed=self.seed)

        self.fade_model = generator_layers.model(self.level, fade_in=True)
        self.fades = [generator_layers.fades[self.level]]  # the FadeIn layer that the fading model wires
        # The two paths do not depend on α: computed once, before the tanh (for the check) and after it (to show).
        self.old_pre = upsample_nearest(_numpy(pre_activation_model(generator_layers, self.level - 1), self.codings))
        self.new_pre = _numpy(pre_activation_model(generator_layers, self.level), self.codings)
        self.old_images = generated_to_images(np.tanh(self.old_pre), value_range=VALUE_RANGE)
        self.new_images = generated_to_images(np.tanh(self.new_pre), value_range=VALUE_RANGE)

        previous = f"{resolution_of(self.level - 1)}×{resolution_of(self.level - 1)}"
        current = f"{self.resolution}×{self.resolution}"
        self.slider = ipywidgets.FloatSlider(
            value=round(round(alpha / ALPHA_STEP) * ALPHA_STEP, 6),
            min=0.0,
            max=1.0,
            step=ALPHA_STEP,
            description="α:",
            readout=True,
            readout_format=".2f",
            continuous_update=True,
            layout=ipywidgets.Layout(width="420px"),
            tooltip="0: only the old path, 1: only the new one (focus and press the arrow keys)",
        )
        self.rows = {name: [ipywidgets.Image(format="png") for _ in range(self.n)] for name in ROWS}
        for name, css in zip(ROWS, (OLD_CLASS, NEW_CLASS, BLEND_CLASS)):
            for image in self.rows[name]:
                image.add_class(css)
        self.status = ipywidgets.HTML()
        captions = {
            "old": f"old path: the {previous} images, upsampled ×2",
            "new": f"new path: the {current} block's own images",
            "blend": "what the fading generator outputs at α",
        }
        super().__init__(
            [
                ipywidgets.HTML(
                    f"<b>Fade-in of level {self.level} ({current})</b>: the output is "
                    "tanh(α·new + (1 − α)·old), blended before the tanh."
                ),
                self.slider,
                *(_captioned(ipywidgets.HBox(self.rows[name]), captions[name]) for name in ROWS),
                self.status,
            ]
        )
        self.add_class(SCRUBBER_CLASS)
        for name in ("old", "new"):
            images = self.old_images if name == "old" else self.new_images
            for widget, image in zip(self.rows[name], images):
                widget.value = grey_png(image, scale=self.scale)
        self.slider.observe(self._on_alpha_change, names="value")
        self._draw_blend()

    # -- pure computation -----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _alpha_set(self, alpha: float):
        """Set α of the fading model's `FadeIn` layers, and put their previous values back afterwards."""
        previous = [float(keras.ops.convert_to_numpy(layer.alpha)) for layer in self.fades]
        for layer in self.fades:
            layer.alpha.assign(alpha)  # α is a weight of the layer (the package's FadeIn and the chapter's)
        try:
            yield
        finally:
            for layer, value in zip(self.fades, previous):
                layer.alpha.assign(value)

    def blend_images(self, alpha: float | None = None) -> np.ndarray:
        """The fading generator's output at `alpha` (default: the slider's), float32 `(n, r, r)` in [0, 1]."""
        alpha = self.slider.value if alpha is None else _alpha(alpha)
        with self._alpha_set(alpha):
            return generated_to_images(_numpy(self.fade_model, self.codings), value_range=VALUE_RANGE)

    def expected_blend(self, alpha: float) -> np.ndarray:
        """tanh(α·new + (1 − α)·old) from the two paths' pre-activations, float32 `(n, r, r)` in [0, 1]."""
        alpha = _alpha(alpha)
        return generated_to_images(
            np.tanh(alpha * self.new_pre + (1.0 - alpha) * self.old_pre), value_range=VALUE_RANGE
        )

    def blend_error(self, alpha: float | None = None) -> float:
        """The largest pixel difference between the generator's blend and `expected_blend` (in [0, 1] units)."""
        alpha = self.slider.value if alpha is None else _alpha(alpha)
        return float(np.max(np.abs(self.blend_images(alpha) - self.expected_blend(alpha))))

    def rows_for(self, alpha: float | None = None) -> dict[str, np.ndarray]:
        """`{"old", "new", "blend"}` → float32 images `(n, r, r)` in [0, 1] at `alpha` (default: the slider's)."""
        return {"old": self.old_images, "new": self.new_images, "blend": self.blend_images(alpha)}

    # -- rendering ------------------------------------------------------------------------------------------------

    def _on_alpha_change(self, _change=None) -> None:
        self._draw_blend()

    def _draw_blend(self) -> None:
        alpha = self.slider.value
        blend = self.blend_images(alpha)
        for widget, image in zip(self.rows["blend"], blend):
            widget.value = grey_png(image, scale=self.scale)
        error = float(np.max(np.abs(blend - self.expected_blend(alpha))))
        self.status.value = (
            f"α = {alpha:.2f}: largest difference between the output and "
            f"tanh({alpha:.2f}·new + {1 - alpha:.2f}·old) is {error:.1e}."
        )

"""Stochastic variation (chapter 11): one StyleGAN w, several noise draws, and where the noise acts.

`NoiseResampler` shows each draw's difference from their mean, and the per-pixel standard
deviation across the draws (a heat map on its own scale); a checkbox per resolution picks
which noise inputs are drawn again, the others holding one fixed draw, and a slider
exaggerates the noise. `images`, `spread` and `differences` return arrays; `grey_png`
encodes them. All controls work with the keyboard (Tab, then the arrow keys or Space).
"""

from __future__ import annotations

from collections.abc import Iterable

import ipywidgets
import numpy as np

from autoaegan.arguments import non_negative_int, positive_int, real_number
from autoaegan.latent import sample_codings
from autoaegan.models.stylegan import StyleGenerator
from autoaegan.widgets.fade_in import display_scale
from autoaegan.widgets.png import grey_png
from autoaegan.widgets.snapshot import StaticSnapshot
from autoaegan.widgets.style_images import (
    check_style_generator,
    holding,
    mapped_styles,
    png_row,
    style_resolution,
    synthesize,
)

# The strength slider goes from 1 (the noise as trained) to this factor.
MAX_STRENGTH = 10.0
# Spreads and differences below this (a fortieth of one grey level) are rounding, not noise: drawn as none.
CHANGE_FLOOR = 1e-4
# CSS classes that browser tests (and custom styles) find the widgets by.
NOISE_CLASS = "noise-resampler"
NOISE_IMAGE_CLASS = "noise-resampler-image"
SPREAD_CLASS = "noise-resampler-spread"
DIFFERENCE_CLASS = "noise-resampler-difference"


class NoiseResampler(StaticSnapshot, ipywidgets.VBox):
    """A widget: one w, `n_noise` noise draws; the images, what each draw changed, and the per-pixel spread.

    - `generator`: a `StyleGenerator`.
    - `n_noise`: how many noise draws (at least 2, to have a spread).
    - `seed`: the codings and the noise come from it; "New coding" draws other codings,
      "New noise" other draws.
    - `candidates`: how many codings each draw of codings tries; the widget shows the
      one whose noise moves its pixels most (the largest mean spread with every
      resolution resampled). A trained generator's noise changes little, and on most
      garments too little to see; 1 shows the first coding as it comes.
    - `strength`: the noise multiplied by this factor (the slider, 1 to `MAX_STRENGTH`):
      1 is the generator as trained, more exaggerates what its noise does.
    - `scale`: each pixel is drawn as a `scale`×`scale` block (default: about 96 pixels per image).

    A checkbox per resolution (4, 8, ... pixels) says whether that resolution's two
    noise inputs are drawn anew for each image; unticked, they hold one fixed draw
    shared by all images. With nothing ticked every image is the same.

    Below the images, each draw's difference from the mean of the draws (grey: no
    change; the scale is the largest difference, printed), and the spread map,
    drawn on its own scale (black: its largest spread, printed): the changes are a
    few hundredths of the pixel range, which a fixed scale would show as white.
    """

    snapshot_name = "The noise resampler"

    def __init__(
        self,
        generator: StyleGenerator,
        *,
        n_noise: int = 8,
        seed: int = 0,
        candidates: int = 16,
        strength: float = 1.0,
        scale: int | None = None,
    ):
        self.generator = check_style_generator(generator)
        self.n_noise = positive_int(n_noise, "n_noise")
        if self.n_noise < 2:
            raise ValueError(f"n_noise must be at least 2 (a spread needs several draws), got {n_noise}")
        self.seed = non_negative_int(seed, "seed")
        self.candidates = positive_int(candidates, "candidates")
        strength = _strength(strength)
        self.resolution = generator.synthesis.resolution
        self.scale = display_scale(self.resolution, scale)
        self.num_styles = generator.num_styles
        self.resolutions = tuple(sorted({style_resolution(index) for index in range(self.num_styles)}))
        self._rng = np.random.default_rng(self.seed)
        self._quiet = False

        self.checkboxes = {
            resolution: ipywidgets.Checkbox(
                value=True,
                description=f"{resolution}×{resolution}",
                indent=False,
                layout=ipywidgets.Layout(width="max-content"),
                tooltip=f"draw the {resolution}×{resolution} noise anew for every image",
            )
            for resolution in self.resolutions
        }
        self.strength_slider = ipywidgets.FloatSlider(
            value=strength,
            min=1.0,
            max=MAX_STRENGTH,
            step=1.0,
            description="Noise ×",
            readout=True,
            readout_format=".0f",
            continuous_update=False,
            layout=ipywidgets.Layout(width="300px"),
            tooltip="1: the noise as trained; more exaggerates it (focus and press the arrow keys)",
        )
        self.coding_button = ipywidgets.Button(
            description="New coding", icon="random", tooltip="draw other codings (w), keeping the noise draws"
        )
        self.noise_button = ipywidgets.Button(
            description="New noise", icon="refresh", tooltip="draw the noise again, keeping the coding"
        )
        self.images_row = png_row(self.n_noise, NOISE_IMAGE_CLASS)
        self.difference_row = png_row(self.n_noise, DIFFERENCE_CLASS)
        self.spread_image = ipywidgets.Image(format="png")
        self.spread_image.add_class(SPREAD_CLASS)
        self.status = ipywidgets.HTML()
        super().__init__(
            [
                ipywidgets.HTML(
                    "<b>Stochastic variation</b>: one coding, several noise draws. Tick the resolutions "
                    "whose noise is drawn anew; the others keep one draw for every image."
                ),
                ipywidgets.HBox([ipywidgets.Label("Redraw:"), *self.checkboxes.values()]),
                ipywidgets.HBox([self.strength_slider, self.coding_button, self.noise_button]),
                ipywidgets.Label("the images"),
                ipywidgets.HBox(self.images_row),
                ipywidgets.Label("what each draw changed: the image minus the mean of the draws (grey: nothing)"),
                ipywidgets.HBox(self.difference_row),
                ipywidgets.HBox(
                    [
                        ipywidgets.VBox([ipywidgets.Label("spread per pixel (std)"), self.spread_image]),
                        self.status,
                    ],
                    layout=ipywidgets.Layout(align_items="center"),
                ),
            ]
        )
        self.add_class(NOISE_CLASS)
        for checkbox in self.checkboxes.values():
            checkbox.observe(self._on_change, names="value")
        self.strength_slider.observe(self._on_change, names="value")
        self.coding_button.on_click(self.new_coding)
        self.noise_button.on_click(self.new_noise)
        with holding(self):
            self.new_noise()
        self.new_coding()

    # -- pure computation -----------------------------------------------------------------------------------------

    @property
    def strength(self) -> float:
        """The factor the noise is multiplied by (the slider's value)."""
        return float(self.strength_slider.value)

    def _levels(self, resample_levels) -> frozenset[int]:
        if resample_levels is None:
            return frozenset(resolution for resolution, box in self.checkboxes.items() if box.value)
        if isinstance(resample_levels, (str, bytes)) or not isinstance(resample_levels, Iterable):
            raise TypeError(f"resample_levels must be a collection of resolutions, got {resample_levels!r}")
        levels = frozenset(resample_levels)
        unknown = sorted(level for level in levels if level not in self.resolutions)
        if unknown:
            raise ValueError(
                f"resample_levels must name resolutions among {self.resolutions} (the side in "
                f"pixels, not a level index), got {unknown}"
            )
        return levels

    def noise_for(
        self, resample_levels: Iterable[int] | None = None, *, strength: float | None = None
    ) -> list[np.ndarray]:
        """The noise maps of the `n_noise` images: drawn anew at the resolutions in `resample_levels`, held elsewhere.

        `resample_levels` is a collection of resolutions (e.g. `{16, 32}`), default the ticked checkboxes;
        every map is multiplied by `strength` (default the slider's).
        """
        levels = self._levels(resample_levels)
        factor = self.strength if strength is None else _strength(strength)
        return [
            factor * (fresh if style_resolution(index) in levels else np.repeat(held, self.n_noise, axis=0))
            for index, (fresh, held) in enumerate(zip(self.draws, self.held))
        ]

    def images(self, resample_levels: Iterable[int] | None = None, *, strength: float | None = None) -> np.ndarray:
        """The `n_noise` images of the one w, float32 `(n_noise, r, r)` in [0, 1] (see `noise_for`)."""
        w = np.repeat(self.w, self.n_noise, axis=0)
        return synthesize(self.generator, w, self.noise_for(resample_levels, strength=strength))

    def spread(
        self, resample_levels: Iterable[int] | None = None, *, strength: float | None = None, images=None
    ) -> np.ndarray:
        """The per-pixel standard deviation across the draws, float32 `(r, r)`: 0 where the noise changes nothing.

        Pass `images` (from `images`) to reuse them instead of synthesizing again.
        """
        if images is None:
            images = self.images(resample_levels, strength=strength)
        return np.asarray(images, dtype=np.float32).std(axis=0).astype(np.float32)

    def differences(
        self, resample_levels: Iterable[int] | None = None, *, strength: float | None = None, images=None
    ) -> np.ndarray:
        """Each draw minus the mean of the draws, float32 `(n_noise, r, r)`: what the noise changed, pixel by pixel."""
        if images is None:
            images = self.images(resample_levels, strength=strength)
        images = np.asarray(images, dtype=np.float32)
        return (images - images.mean(axis=0)).astype(np.float32)

    # -- rendering ------------------------------------------------------------------------------------------------

    def new_coding(self, _button=None) -> None:
        """Draw `candidates` codings from the seed's stream, keep the one whose noise acts most, and redraw."""
        codings = sample_codings(self.candidates, self.generator.codings_size, seed=self._rng)
        w = mapped_styles(self.generator, codings)
        if self.candidates > 1:
            every = np.repeat(w, self.n_noise, axis=0)
            noise = [np.tile(draw, (self.candidates, 1, 1, 1)) for draw in self.draws]
            images = synthesize(self.generator, every, noise).reshape(
                self.candidates, self.n_noise, self.resolution, self.resolution
            )
            best = int(np.argmax(images.std(axis=1).mean(axis=(1, 2))))
        else:
            best = 0
        self.coding, self.w = codings[best : best + 1], w[best : best + 1]
        self._on_change()

    def new_noise(self, _button=None) -> None:
        """Draw the held noise and the `n_noise` fresh draws again, and redraw."""
        synthesis = self.generator.synthesis
        held_seed, draws_seed = (int(seed) for seed in self._rng.integers(2**31, size=2))
        self.held = synthesis.make_noise(1, seed=held_seed)
        self.draws = synthesis.make_noise(self.n_noise, seed=draws_seed)
        self._on_change()

    def _on_change(self, _change=None) -> None:
        if self._quiet:
            return
        images = self.images()
        for widget, image in zip(self.images_row, images):
            widget.value = grey_png(image, scale=self.scale)
        differences = self.differences(images=images)
        for widget, image in zip(self.difference_row, difference_picture(differences)):
            widget.value = grey_png(image, scale=self.scale)
        spread = self.spread(images=images)
        self.spread_image.value = grey_png(spread_picture(spread), scale=self.scale)
        levels = sorted(self._levels(None))
        which = ", ".join(f"{level}×{level}" for level in levels) or "none"
        self.status.value = (
            f"Redrawn: {which}; noise ×{self.strength:g}.<br>"
            f"Differences: grey 0, white or black ±{np.abs(differences).max():.3f}.<br>"
            f"Spread: black {spread.max():.3f} (the largest), mean {spread.mean():.4f}."
        )


def _strength(strength) -> float:
    expected = f"a number from 1 to {MAX_STRENGTH:g}"
    return real_number(strength, "strength", expected=expected, accept=lambda value: 1.0 <= value <= MAX_STRENGTH)


def spread_picture(spread) -> np.ndarray:
    """A spread map `(r, r)` on its own scale, in [0, 1]: 1 (black ink) at its largest value.

    All 0 (white) when the largest is below `CHANGE_FLOOR`: identical images differ by rounding only.
    """
    spread = np.asarray(spread, dtype=np.float32)
    largest = float(spread.max()) if spread.size else 0.0
    return spread / largest if largest >= CHANGE_FLOOR else np.zeros_like(spread)


def difference_picture(differences) -> np.ndarray:
    """Differences (any shape) in [0, 1] on one shared symmetric scale: 0.5 for none, 0 and 1 for ± the largest.

    All 0.5 when the largest is below `CHANGE_FLOOR` (rounding only).
    """
    differences = np.asarray(differences, dtype=np.float32)
    largest = float(np.abs(differences).max()) if differences.size else 0.0
    return 0.5 + (differences / (2 * largest) if largest >= CHANGE_FLOOR else np.zeros_like(differences))

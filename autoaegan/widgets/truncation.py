"""The truncation trick (chapter 11): a ψ slider pulls the w of fixed codings toward the average w̄.

`TruncationExplorer` draws w' = w̄ + ψ(w − w̄); at ψ = 0 every sample is w̄'s image. All samples
share one noise draw, so only ψ changes them. The slider works with the keyboard (Tab, then the arrow keys).
"""

from __future__ import annotations

import ipywidgets
import numpy as np

from autoaegan.arguments import non_negative_int, positive_int, real_number
from autoaegan.latent import sample_codings
from autoaegan.layers.style import truncate_styles
from autoaegan.models.stylegan import StyleGenerator
from autoaegan.widgets.fade_in import display_scale
from autoaegan.widgets.png import grey_png
from autoaegan.widgets.snapshot import StaticSnapshot
from autoaegan.widgets.style_images import (
    as_float32,
    check_style_generator,
    mapped_styles,
    png_row,
    repeated_noise,
    synthesize,
)

PSI_STEP = 0.05
# CSS classes that browser tests (and custom styles) find the widgets by.
TRUNCATION_CLASS = "truncation-explorer"
TRUNCATION_IMAGE_CLASS = "truncation-explorer-image"
AVERAGE_CLASS = "truncation-explorer-average"


class TruncationExplorer(StaticSnapshot, ipywidgets.VBox):
    """A widget: a ψ slider pulls `n` samples toward the average style w̄, w' = w̄ + ψ(w − w̄).

    - `generator`: a `StyleGenerator`; its `w_average` is w̄ (tracked during training).
    - `n`: how many samples, their codings drawn from `seed` ("New codings" draws more).
    - `psi`: the slider's first value.
    - `scale`: each pixel is drawn as a `scale`×`scale` block (default: about 96 pixels per image).

    All samples share one noise draw, so at ψ = 0 they are all the same image, w̄'s,
    shown apart for comparison; at ψ = 1 they are the generator's untruncated images.
    """

    snapshot_name = "The truncation explorer"

    def __init__(
        self, generator: StyleGenerator, *, n: int = 8, seed: int = 0, psi: float = 0.7, scale: int | None = None
    ):
        self.generator = check_style_generator(generator)
        self.n = positive_int(n, "n")
        self.seed = non_negative_int(seed, "seed")
        psi = self._psi(psi)
        if psi > 1.0:
            raise ValueError(f"psi must be a number in [0, 1] for the slider, got {psi!r}")
        self.resolution = generator.synthesis.resolution
        self.scale = display_scale(self.resolution, scale)
        self._rng = np.random.default_rng(self.seed)
        self.noise = repeated_noise(generator.synthesis.make_noise(1, seed=self.seed), self.n)

        self.slider = ipywidgets.FloatSlider(
            value=round(round(psi / PSI_STEP) * PSI_STEP, 6),
            min=0.0,
            max=1.0,
            step=PSI_STEP,
            description="ψ:",
            readout=True,
            readout_format=".2f",
            continuous_update=True,
            layout=ipywidgets.Layout(width="420px"),
            tooltip="0: every sample is the average style w̄; 1: no truncation (focus and press the arrow keys)",
        )
        self.new_button = ipywidgets.Button(
            description="New codings", icon="random", tooltip="draw new codings for the samples"
        )
        self.images_row = png_row(self.n, TRUNCATION_IMAGE_CLASS)
        self.average_image = ipywidgets.Image(format="png")
        self.average_image.add_class(AVERAGE_CLASS)
        super().__init__(
            [
                ipywidgets.HTML(
                    "<b>Truncation trick</b>: w' = w̄ + ψ(w − w̄). Lower ψ trades variety for typical, "
                    "cleaner samples; at ψ = 0 every sample is the average style's image."
                ),
                ipywidgets.HBox([self.slider, self.new_button]),
                ipywidgets.HBox(self.images_row),
                ipywidgets.HBox(
                    [ipywidgets.Label("the average style w̄:"), self.average_image],
                    layout=ipywidgets.Layout(align_items="center"),
                ),
            ]
        )
        self.add_class(TRUNCATION_CLASS)
        self.slider.observe(self._on_psi_change, names="value")
        self.new_button.on_click(self.new_codings)
        self.new_codings()

    @staticmethod
    def _psi(psi) -> float:
        return real_number(psi, "psi", expected="a finite number ≥ 0", accept=lambda value: value >= 0)

    # -- pure computation -----------------------------------------------------------------------------------------

    def styles(self, psi: float | None = None) -> np.ndarray:
        """The truncated w' of the `n` codings at `psi` (default: the slider's), float32 `(n, w_size)`."""
        psi = self.slider.value if psi is None else self._psi(psi)
        if psi == 1.0:  # as the generator does: no truncation, not w̄ + (w − w̄) with its rounding
            return self.w
        return as_float32(truncate_styles(self.w, self.generator.w_average, psi))

    def images(self, psi: float | None = None) -> np.ndarray:
        """The `n` samples at `psi` (default: the slider's; above 1 extrapolates), float32 `(n, r, r)` in [0, 1]."""
        return synthesize(self.generator, self.styles(psi), self.noise)

    def average(self) -> np.ndarray:
        """The image of the average style w̄ with the samples' noise, float32 `(r, r)` in [0, 1]."""
        w_average = as_float32(self.generator.w_average)[None]
        return synthesize(self.generator, w_average, [part[:1] for part in self.noise])[0]

    # -- rendering ------------------------------------------------------------------------------------------------

    def new_codings(self, _button=None) -> None:
        """Draw `n` new codings from the seed's stream, map them to w, and redraw."""
        self.codings = sample_codings(self.n, self.generator.codings_size, seed=self._rng)
        self.w = mapped_styles(self.generator, self.codings)
        self.average_image.value = grey_png(self.average(), scale=self.scale)  # w̄ may have moved since
        self._draw()

    def _on_psi_change(self, _change=None) -> None:
        self._draw()

    def _draw(self) -> None:
        for widget, image in zip(self.images_row, self.images()):
            widget.value = grey_png(image, scale=self.scale)

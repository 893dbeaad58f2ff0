"""StyleGAN's explorers (chapter 11): style mixing, stochastic variation from the noise, and the truncation trick.

A `StyleGenerator`'s synthesis network takes one style per AdaIN layer, two per
resolution: styles 2k and 2k + 1 act at 4·2ᵏ × 4·2ᵏ pixels (0-1 at 4×4, the
coarse ones, up to the last two, the finest). Three widgets show what that buys:

- `StyleMixingGrid`, the paper's figure: a row of column sources, a column of row
  sources, and in cell (i, j) the image whose coarse styles (those below the
  crossover) come from row source i and whose fine styles come from column source
  j. An integer slider moves the crossover.
- `NoiseResampler`: one w, several noise draws. Each draw's difference from
  their mean, and the per-pixel standard deviation across the draws (a heat map
  on its own scale), show where the noise acts (the stochastic variation); a
  checkbox per resolution picks which noise inputs are drawn again, the others
  holding one fixed draw, and a slider exaggerates the noise.
- `TruncationExplorer`: a ψ slider pulls the w of fixed codings toward the average
  w̄ (w' = w̄ + ψ(w − w̄)); at ψ = 0 every sample is w̄'s image.

Every image of a widget uses fixed noise, so that only what the widget varies
changes. The computation is plain and separate from the rendering: `grid`,
`images`, `spread` return arrays in [0, 1], and `grey_png` encodes them for the
`ipywidgets.Image`s. All controls work with the keyboard (Tab, then the arrow
keys, Space or Enter).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

import ipywidgets
import keras
import numpy as np

from autoaegan.arguments import positive_int
from autoaegan.latent import sample_codings
from autoaegan.layers.style import mix_styles, truncate_styles
from autoaegan.models.stylegan import StyleGenerator
from autoaegan.widgets.fade_in import check_seed, display_scale, unit_images
from autoaegan.widgets.png import grey_png
from autoaegan.widgets.snapshot import StaticSnapshot

PSI_STEP = 0.05
# The noise resampler's strength slider goes from 1 (the noise as trained) to this factor.
MAX_STRENGTH = 10.0
# Spreads and differences below this (a fortieth of one grey level) are rounding, not noise: drawn as none.
CHANGE_FLOOR = 1e-4
# CSS classes that browser tests (and custom styles) find the widgets by.
MIXING_CLASS = "style-mixing-grid"
MIXING_CELL_CLASS = "style-mixing-cell"
MIXING_SOURCE_CLASS = "style-mixing-source"
NOISE_CLASS = "noise-resampler"
NOISE_IMAGE_CLASS = "noise-resampler-image"
SPREAD_CLASS = "noise-resampler-spread"
DIFFERENCE_CLASS = "noise-resampler-difference"
TRUNCATION_CLASS = "truncation-explorer"
TRUNCATION_IMAGE_CLASS = "truncation-explorer-image"
AVERAGE_CLASS = "truncation-explorer-average"


def style_resolution(index: int) -> int:
    """The side of the feature maps that style `index` acts on: styles 2k and 2k + 1 act at 4·2ᵏ."""
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0:
        raise ValueError(f"a style index must be an integer ≥ 0, got {index!r}")
    return 4 * 2 ** (int(index) // 2)


def _resolutions_of(indices) -> str:
    parts = []
    for resolution in sorted({style_resolution(index) for index in indices}):
        members = [index for index in indices if style_resolution(index) == resolution]
        which = "" if len(members) == 2 else f"{'first' if members[0] % 2 == 0 else 'second'} layer of "
        parts.append(f"{which}{resolution}×{resolution}")
    return ", ".join(parts)


def _span(indices) -> str:
    if len(indices) == 1:
        return f"style {indices[0]}"
    return f"styles {indices[0]}–{indices[-1]}"


def crossover_description(crossover: int, num_styles: int) -> str:
    """Which styles and resolutions a crossover gives to the row sources (the lower ones) and to the column sources."""
    num_styles = positive_int(num_styles, "num_styles")
    crossover = _crossover(crossover, num_styles, low=0)
    coarse, fine = list(range(crossover)), list(range(crossover, num_styles))
    parts = []
    if coarse:
        parts.append(f"lower {_span(coarse)} ({_resolutions_of(coarse)}) from the row sources")
    if fine:
        parts.append(f"higher {_span(fine)} ({_resolutions_of(fine)}) from the column sources")
    return "; ".join(parts)


def _crossover(crossover, num_styles: int, *, low: int = 0, high: int | None = None) -> int:
    high = num_styles if high is None else high
    if isinstance(crossover, bool) or not isinstance(crossover, (int, np.integer)) or not low <= crossover <= high:
        raise ValueError(
            f"crossover must be an integer between {low} and {high} (the generator has {num_styles} "
            f"styles), got {crossover!r}"
        )
    return int(crossover)


def _check_generator(generator) -> StyleGenerator:
    if not isinstance(generator, StyleGenerator):
        raise TypeError(f"generator must be a StyleGenerator, got {type(generator).__name__}")
    return generator


def _numpy(tensor) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(tensor), dtype=np.float32)


def _mapped(generator: StyleGenerator, codings: np.ndarray) -> np.ndarray:
    # Inference mode: in training mode `styles` would also move the generator's w̄.
    return _numpy(generator.styles(codings, training=False))


def _repeated(noise: list[np.ndarray], batch: int) -> list[np.ndarray]:
    """One image's noise maps, repeated for a batch: every image gets the very same noise."""
    return [np.repeat(part, batch, axis=0) for part in noise]


def _synthesize(generator: StyleGenerator, styles: np.ndarray, noise: list[np.ndarray]) -> np.ndarray:
    """Styles `(n, w)` or `(n, num_styles, w)` and noise → float32 images `(n, r, r)` in [0, 1]."""
    return unit_images(generator.synthesis(styles, noise=noise, training=False))


def _png_row(count: int, css: str) -> list[ipywidgets.Image]:
    images = [ipywidgets.Image(format="png") for _ in range(count)]
    for image in images:
        image.add_class(css)
    return images


@contextlib.contextmanager
def _holding(widget):
    """Set several controls of `widget` without redrawing after each one."""
    quiet, widget._quiet = widget._quiet, True
    try:
        yield
    finally:
        widget._quiet = quiet


class StyleMixingGrid(StaticSnapshot, ipywidgets.VBox):
    """A widget: the StyleGAN paper's style-mixing figure, with a slider for the crossover.

    - `generator`: a `StyleGenerator`.
    - `rows`, `columns`: how many row sources (they give the coarse styles) and
      column sources (the fine styles).
    - `seed`: the sources' codings and the noise come from it; "New sources" draws more codings.
    - `crossover`: the first style taken from the column source, 1 to `num_styles − 1`
      (default half of them: the coarse half from the rows).
    - `scale`: each pixel is drawn as a `scale`×`scale` block (default: about 96 pixels per image).

    Every image, sources and cells, uses the same noise maps, so a cell differs
    from its sources only by its styles.
    """

    snapshot_name = "The style-mixing grid"

    def __init__(
        self,
        generator: StyleGenerator,
        *,
        rows: int = 3,
        columns: int = 4,
        seed: int = 0,
        crossover: int | None = None,
        scale: int | None = None,
    ):
        self.generator = _check_generator(generator)
        self.num_styles = generator.num_styles
        if self.num_styles < 2:
            raise ValueError(f"style mixing needs at least 2 styles, the generator has {self.num_styles}")
        self.n_rows, self.n_columns = positive_int(rows, "rows"), positive_int(columns, "columns")
        self.seed = check_seed(seed)
        crossover = self.num_styles // 2 if crossover is None else crossover
        crossover = _crossover(crossover, self.num_styles, low=1, high=self.num_styles - 1)
        self.resolution = generator.synthesis.resolution
        self.scale = display_scale(self.resolution, scale)
        self._rng = np.random.default_rng(self.seed)
        self.noise = generator.synthesis.make_noise(1, seed=self.seed)  # one image's maps, shared by all images

        self.slider = ipywidgets.IntSlider(
            value=crossover,
            min=1,
            max=self.num_styles - 1,
            step=1,
            description="Crossover:",
            readout=True,
            continuous_update=True,
            style={"description_width": "initial"},
            layout=ipywidgets.Layout(width="420px"),
            tooltip="styles below the crossover come from the row sources (focus and press the arrow keys)",
        )
        self.description = ipywidgets.HTML()
        self.new_button = ipywidgets.Button(
            description="New sources", icon="random", tooltip="draw new codings for the row and column sources"
        )
        self.column_images = _png_row(self.n_columns, MIXING_SOURCE_CLASS)
        self.row_images = _png_row(self.n_rows, MIXING_SOURCE_CLASS)
        self.cell_images = [_png_row(self.n_columns, MIXING_CELL_CLASS) for _ in range(self.n_rows)]
        corner = ipywidgets.HTML("<small>rows: coarse ↓<br>columns: fine →</small>")
        cells = [corner, *self.column_images]
        for row_image, row in zip(self.row_images, self.cell_images):
            cells += [row_image, *row]
        self.grid_box = ipywidgets.GridBox(
            cells,
            layout=ipywidgets.Layout(
                grid_template_columns=f"repeat({self.n_columns + 1}, max-content)", grid_gap="4px", align_items="center"
            ),
        )
        super().__init__(
            [
                ipywidgets.HTML(
                    "<b>Style mixing</b>: cell (i, j) takes the styles below the crossover from row "
                    "source i, the others from column source j; the noise is the same everywhere."
                ),
                ipywidgets.HBox([self.slider, self.new_button]),
                self.description,
                self.grid_box,
            ]
        )
        self.add_class(MIXING_CLASS)
        self.slider.observe(self._on_crossover_change, names="value")
        self.new_button.on_click(self.new_sources)
        self.new_sources()

    # -- pure computation -----------------------------------------------------------------------------------------

    def _draw_sources(self) -> None:
        self.row_codings = sample_codings(self.n_rows, self.generator.codings_size, seed=self._rng)
        self.column_codings = sample_codings(self.n_columns, self.generator.codings_size, seed=self._rng)
        self.row_w, self.column_w = (
            _mapped(self.generator, self.row_codings),
            _mapped(self.generator, self.column_codings),
        )
        both = np.concatenate([self.row_w, self.column_w])
        images = _synthesize(self.generator, both, _repeated(self.noise, len(both)))
        self.row_source_images, self.column_source_images = images[: self.n_rows], images[self.n_rows :]

    def mixed_images(self, crossover: int | None = None) -> np.ndarray:
        """The mixed cells at `crossover` (0 to `num_styles`; default the slider's): float32 `(rows, columns, r, r)`.

        Crossover `num_styles` gives every cell its row source's styles, 0 its column source's.
        """
        crossover = self.slider.value if crossover is None else _crossover(crossover, self.num_styles)
        coarse = np.repeat(self.row_w, self.n_columns, axis=0)  # cell (i, j) at i·columns + j
        fine = np.tile(self.column_w, (self.n_rows, 1))
        styles = mix_styles(coarse, fine, crossover, self.num_styles)
        images = _synthesize(self.generator, styles, _repeated(self.noise, len(coarse)))
        return images.reshape(self.n_rows, self.n_columns, *images.shape[1:])

    def grid(self, crossover: int | None = None) -> np.ndarray:
        """The whole figure, float32 `(rows + 1, columns + 1, r, r)` in [0, 1].

        Row 0 holds the column sources (from column 1), column 0 the row sources
        (from row 1), cell (i + 1, j + 1) the mix of row source i and column source j;
        the corner (0, 0) is blank (zeros).
        """
        cells = self.mixed_images(crossover)
        grid = np.zeros((self.n_rows + 1, self.n_columns + 1, *cells.shape[2:]), dtype=np.float32)
        grid[0, 1:] = self.column_source_images
        grid[1:, 0] = self.row_source_images
        grid[1:, 1:] = cells
        return grid

    # -- rendering ------------------------------------------------------------------------------------------------

    def new_sources(self, _button=None) -> None:
        """Draw new codings for the row and column sources (from the seed's stream) and redraw."""
        self._draw_sources()
        for widget, image in zip(self.row_images, self.row_source_images):
            widget.value = grey_png(image, scale=self.scale)
        for widget, image in zip(self.column_images, self.column_source_images):
            widget.value = grey_png(image, scale=self.scale)
        self._draw_cells()

    def _on_crossover_change(self, _change=None) -> None:
        self._draw_cells()

    def _draw_cells(self) -> None:
        crossover = self.slider.value
        self.description.value = f"Crossover {crossover}: {crossover_description(crossover, self.num_styles)}."
        for widgets, images in zip(self.cell_images, self.mixed_images(crossover)):
            for widget, image in zip(widgets, images):
                widget.value = grey_png(image, scale=self.scale)


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
        self.generator = _check_generator(generator)
        self.n_noise = positive_int(n_noise, "n_noise")
        if self.n_noise < 2:
            raise ValueError(f"n_noise must be at least 2 (a spread needs several draws), got {n_noise}")
        self.seed = check_seed(seed)
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
        self.images_row = _png_row(self.n_noise, NOISE_IMAGE_CLASS)
        self.difference_row = _png_row(self.n_noise, DIFFERENCE_CLASS)
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
        with _holding(self):
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
        return _synthesize(self.generator, w, self.noise_for(resample_levels, strength=strength))

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
        w = _mapped(self.generator, codings)
        if self.candidates > 1:
            every = np.repeat(w, self.n_noise, axis=0)
            noise = [np.tile(draw, (self.candidates, 1, 1, 1)) for draw in self.draws]
            images = _synthesize(self.generator, every, noise).reshape(
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
    if (
        isinstance(strength, bool)
        or not isinstance(strength, (int, float, np.integer, np.floating))
        or not 1.0 <= strength <= MAX_STRENGTH
    ):
        raise ValueError(f"strength must be a number from 1 to {MAX_STRENGTH:g}, got {strength!r}")
    return float(strength)


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
        self.generator = _check_generator(generator)
        self.n = positive_int(n, "n")
        self.seed = check_seed(seed)
        psi = self._psi(psi)
        if psi > 1.0:
            raise ValueError(f"psi must be a number in [0, 1] for the slider, got {psi!r}")
        self.resolution = generator.synthesis.resolution
        self.scale = display_scale(self.resolution, scale)
        self._rng = np.random.default_rng(self.seed)
        self.noise = _repeated(generator.synthesis.make_noise(1, seed=self.seed), self.n)

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
        self.images_row = _png_row(self.n, TRUNCATION_IMAGE_CLASS)
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
        if (
            isinstance(psi, bool)
            or not isinstance(psi, (int, float, np.integer, np.floating))
            or not np.isfinite(psi)
            or psi < 0
        ):
            raise ValueError(f"psi must be a finite number ≥ 0, got {psi!r}")
        return float(psi)

    # -- pure computation -----------------------------------------------------------------------------------------

    def styles(self, psi: float | None = None) -> np.ndarray:
        """The truncated w' of the `n` codings at `psi` (default: the slider's), float32 `(n, w_size)`."""
        psi = self.slider.value if psi is None else self._psi(psi)
        if psi == 1.0:  # as the generator does: no truncation, not w̄ + (w − w̄) with its rounding
            return self.w
        return _numpy(truncate_styles(self.w, self.generator.w_average, psi))

    def images(self, psi: float | None = None) -> np.ndarray:
        """The `n` samples at `psi` (default: the slider's; above 1 extrapolates), float32 `(n, r, r)` in [0, 1]."""
        return _synthesize(self.generator, self.styles(psi), self.noise)

    def average(self) -> np.ndarray:
        """The image of the average style w̄ with the samples' noise, float32 `(r, r)` in [0, 1]."""
        w_average = _numpy(self.generator.w_average)[None]
        return _synthesize(self.generator, w_average, [part[:1] for part in self.noise])[0]

    # -- rendering ------------------------------------------------------------------------------------------------

    def new_codings(self, _button=None) -> None:
        """Draw `n` new codings from the seed's stream, map them to w, and redraw."""
        self.codings = sample_codings(self.n, self.generator.codings_size, seed=self._rng)
        self.w = _mapped(self.generator, self.codings)
        self.average_image.value = grey_png(self.average(), scale=self.scale)  # w̄ may have moved since
        self._draw()

    def _on_psi_change(self, _change=None) -> None:
        self._draw()

    def _draw(self) -> None:
        for widget, image in zip(self.images_row, self.images()):
            widget.value = grey_png(image, scale=self.scale)

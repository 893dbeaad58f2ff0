"""Style mixing (chapter 11): the StyleGAN paper's figure, with a slider for the crossover.

`StyleMixingGrid` shows a row of column sources, a column of row sources, and in
cell (i, j) the image whose coarse styles (those below the crossover) come from row
source i and whose fine styles come from column source j. An integer slider moves the
crossover. Every image uses the same noise, so that only the styles change. The
computation is plain and separate from the rendering: `grid` returns arrays in [0, 1],
and `grey_png` encodes them. Its controls work with the keyboard (Tab, then the arrow keys).

The other StyleGAN explorers: `autoaegan.widgets.noise_resampler` (stochastic variation) and
`autoaegan.widgets.truncation` (the truncation trick).
"""

from __future__ import annotations

import ipywidgets
import numpy as np

from autoaegan.arguments import is_whole_number, non_negative_int, positive_int
from autoaegan.latent import sample_codings
from autoaegan.layers.style import mix_styles
from autoaegan.models.stylegan import StyleGenerator
from autoaegan.widgets.fade_in import display_scale
from autoaegan.widgets.png import grey_png
from autoaegan.widgets.snapshot import StaticSnapshot
from autoaegan.widgets.style_images import (
    check_style_generator,
    mapped_styles,
    png_row,
    repeated_noise,
    style_resolution,
    synthesize,
)

# CSS classes that browser tests (and custom styles) find the widgets by.
MIXING_CLASS = "style-mixing-grid"
MIXING_CELL_CLASS = "style-mixing-cell"
MIXING_SOURCE_CLASS = "style-mixing-source"


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
    if not is_whole_number(crossover) or not low <= crossover <= high:
        raise ValueError(
            f"crossover must be an integer between {low} and {high} (the generator has {num_styles} "
            f"styles), got {crossover!r}"
        )
    return int(crossover)


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
        self.generator = check_style_generator(generator)
        self.num_styles = generator.num_styles
        if self.num_styles < 2:
            raise ValueError(f"style mixing needs at least 2 styles, the generator has {self.num_styles}")
        self.n_rows, self.n_columns = positive_int(rows, "rows"), positive_int(columns, "columns")
        self.seed = non_negative_int(seed, "seed")
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
        self.column_images = png_row(self.n_columns, MIXING_SOURCE_CLASS)
        self.row_images = png_row(self.n_rows, MIXING_SOURCE_CLASS)
        self.cell_images = [png_row(self.n_columns, MIXING_CELL_CLASS) for _ in range(self.n_rows)]
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
            mapped_styles(self.generator, self.row_codings),
            mapped_styles(self.generator, self.column_codings),
        )
        both = np.concatenate([self.row_w, self.column_w])
        images = synthesize(self.generator, both, repeated_noise(self.noise, len(both)))
        self.row_source_images, self.column_source_images = images[: self.n_rows], images[self.n_rows :]

    def mixed_images(self, crossover: int | None = None) -> np.ndarray:
        """The mixed cells at `crossover` (0 to `num_styles`; default the slider's): float32 `(rows, columns, r, r)`.

        Crossover `num_styles` gives every cell its row source's styles, 0 its column source's.
        """
        crossover = self.slider.value if crossover is None else _crossover(crossover, self.num_styles)
        coarse = np.repeat(self.row_w, self.n_columns, axis=0)  # cell (i, j) at i·columns + j
        fine = np.tile(self.column_w, (self.n_rows, 1))
        styles = mix_styles(coarse, fine, crossover, self.num_styles)
        images = synthesize(self.generator, styles, repeated_noise(self.noise, len(coarse)))
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

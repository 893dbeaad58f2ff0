"""The latent explorer: move through a generative model's latent space and watch the decoded image change.

It works on any decoder or generator the package builds: a Keras model mapping
codings `(n, latent_dim)` to images `(n, height, width)` or `(n, height, width, 1)`,
with outputs in `value_range` ((0, 1) for a sigmoid, (-1, 1) for a tanh). Three
controls, all usable with the keyboard (Tab to a control, then the arrow keys):

- one slider per shown latent dimension; the decoded image follows each move.
  Given an encoder and images, the explorer measures how much each dimension is
  used (the variance of the mean coding μ over the images, `autoaegan.latent.dimension_use`)
  and lists the dimensions in use first; those collapsed to the prior, which the
  decoder ignores, come last under their own heading;
- below them, an interpolation slider t ∈ [0, 1] on the straight line between two codings,
  which are the encodings of two images picked by class and index when an
  encoder and images are given, or two samples from N(0, I) otherwise;
- a "Sample again" button that draws a new coding from N(0, I) and sets the sliders.

The computation is plain and separate from the rendering: `autoaegan.widgets.decoding.decode`
calls the decoder directly, `LatentExplorer.image_for(values)` gives the image for
given slider values, and `grey_png` encodes it for the `ipywidgets.Image`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import ipywidgets
import numpy as np

from autoaegan.arguments import is_whole_number, non_negative_int, positive_int
from autoaegan.latent import ACTIVE_THRESHOLD, active_dimensions, blend, dimension_use, sample_codings
from autoaegan.models.denoising import as_unit_floats
from autoaegan.pixels import generated_to_images
from autoaegan.widgets.decoding import call_model, decode, decoded_images, encode
from autoaegan.widgets.png import grey_png
from autoaegan.widgets.snapshot import StaticSnapshot

# The sliders cover ±LIMIT standard deviations of the N(0, I) prior, in steps of STEP.
LIMIT, STEP = 3.0, 0.1
MAX_DEFAULT_SLIDERS = 10
# CSS classes that browser tests (and custom styles) find the widgets by.
IMAGE_CLASS = "latent-explorer-image"
BLEND_CLASS = "latent-explorer-blend"
EXPLORER_CLASS = "latent-explorer"
UNUSED_CLASS = "latent-explorer-unused"  # the sliders of dimensions collapsed to the prior
# The dimensions' use is measured on at most this many of the given images (one batch through the encoder).
ACTIVITY_IMAGES = 2_000


def _latent_size(decoder, latent_dim) -> int:
    if latent_dim is not None:
        return positive_int(latent_dim, "latent_dim")
    try:
        inputs = decoder.inputs
    except (AttributeError, ValueError):  # a plain function, or a subclassed model never called
        inputs = None
    if not inputs or len(inputs) != 1 or len(inputs[0].shape) != 2 or inputs[0].shape[-1] is None:
        shapes = "" if not inputs else f" with inputs {[tuple(i.shape) for i in inputs]}"
        raise ValueError(
            "cannot tell the decoder's latent size: expected a Keras model with one input shaped (None, latent_dim), "
            f"got {type(decoder).__name__}{shapes}; pass latent_dim="
        )
    return int(inputs[0].shape[-1])


def _shown_dims(dims, latent_dim: int, active=None) -> tuple[int, ...]:
    if dims is None:
        if active is None:
            return tuple(range(min(latent_dim, MAX_DEFAULT_SLIDERS)))
        ordered = list(active) + [index for index in range(latent_dim) if index not in set(active)]
        return tuple(ordered[:MAX_DEFAULT_SLIDERS])
    if is_whole_number(dims):
        count = positive_int(dims, "dims")
        if count > latent_dim:
            raise ValueError(f"dims must be at most the latent size {latent_dim}, got {count}")
        return tuple(range(count))
    if isinstance(dims, (str, bytes)) or not hasattr(dims, "__iter__"):
        raise TypeError(f"dims must be a number of sliders or a sequence of latent indices, got {dims!r}")
    indices = tuple(int(index) for index in dims)
    if not indices or len(set(indices)) != len(indices) or min(indices) < 0 or max(indices) >= latent_dim:
        raise ValueError(f"dims must list distinct latent indices in 0..{latent_dim - 1}, got {list(dims)}")
    return indices


def _activity(activity, latent_dim: int) -> np.ndarray:
    values = np.asarray(activity, dtype=np.float64)
    if values.shape != (latent_dim,) or not np.isfinite(values).all() or (values < 0).any():
        raise ValueError(
            f"activity must hold one variance ≥ 0 per latent dimension, {latent_dim} values, got {activity!r}"
        )
    return values


def _value_range(value_range) -> tuple[float, float]:
    try:
        low, high = (float(value) for value in value_range)
    except (TypeError, ValueError):
        raise ValueError(f"value_range must be a pair (low, high), got {value_range!r}") from None
    if not np.isfinite([low, high]).all() or not low < high:
        raise ValueError(f"value_range must be a pair (low, high) with low < high, got {value_range!r}")
    return low, high


def _captioned(image: ipywidgets.Image, caption: str) -> ipywidgets.VBox:
    return ipywidgets.VBox([ipywidgets.Label(caption), image], layout=ipywidgets.Layout(align_items="center"))


class LatentExplorer(StaticSnapshot, ipywidgets.VBox):
    """A widget to explore a decoder's latent space: a slider per dimension, sampling, and an interpolation below.

    - `decoder`: a Keras model mapping `(n, latent_dim)` to `(n, height, width)` or
      `(n, height, width, 1)`; a plain function works too with `latent_dim=` given.
    - `encoder`, `images`: a callable from images `(n, height, width)` as floats in
      [0, 1] to codings (a VAE's encoder, whose first output, the mean, is used), and
      the images to pick the interpolation's endpoints from (uint8 or floats in [0, 1]).
      Give both or neither; with neither, the endpoints are samples from N(0, I).
    - `labels`, `class_names`: the images' integer classes and their names, to pick
      an endpoint by class, then by index within the class.
    - `dims`: how many latent dimensions get a slider (the first ones), or which
      indices; default all, up to 10, those in use first. The others keep the last sampled values.
    - `activity`: how much each dimension is used, the variance of μ over the data (one
      value per dimension). By default it is measured on the first `ACTIVITY_IMAGES` images
      when an encoder is given, and unknown otherwise (then no dimension is marked).
      Dimensions above `threshold` are in use; the sliders of the others are marked unused.
    - `value_range`: the decoder's output range, (0, 1) for a sigmoid, (-1, 1) for a tanh.
    - `seed`: the first coding and every "Sample again" come from this seed's stream.
    - `scale`: each pixel is drawn as a `scale`×`scale` block.
    """

    snapshot_name = "The latent explorer"

    def __init__(
        self,
        decoder,
        *,
        encoder=None,
        images=None,
        labels=None,
        class_names: Sequence[str] | None = None,
        dims: int | Sequence[int] | None = None,
        value_range: tuple[float, float] = (0.0, 1.0),
        seed: int = 0,
        scale: int = 4,
        latent_dim: int | None = None,
        activity=None,
        threshold: float = ACTIVE_THRESHOLD,
    ):
        self.decoder = decoder
        self.latent_dim = _latent_size(decoder, latent_dim)
        self.value_range = _value_range(value_range)
        self.scale = positive_int(scale, "scale")
        self.seed = non_negative_int(seed, "seed")
        self._rng = np.random.default_rng(self.seed)
        self._quiet = False

        probe = np.zeros((1, self.latent_dim), dtype=np.float32)
        try:
            output = call_model(decoder, probe)
        except Exception as error:  # e.g. a latent_dim= that is not the model's: say what was fed
            raise ValueError(f"the decoder cannot decode codings shaped {probe.shape}: {error}") from error
        first = decoded_images(output, probe.shape)
        self.image_shape = first.shape[1:]
        self._check_output_range(first)

        self.encoder, self.images, self.labels, self.class_names = self._check_data(
            encoder, images, labels, class_names
        )
        if activity is None and self.encoder is not None:
            activity = dimension_use(encode(self.encoder, self.images[:ACTIVITY_IMAGES]))["activity"]
        self.activity = None if activity is None else _activity(activity, self.latent_dim)
        self.active = None if self.activity is None else tuple(active_dimensions(self.activity, threshold=threshold))
        self.dims = _shown_dims(dims, self.latent_dim, self.active)

        # The current coding: the sliders' dimensions follow the sliders, the others keep their sampled values.
        self.coding = np.zeros(self.latent_dim, dtype=np.float32)
        wide = {"description_width": "initial"}
        self.sliders = [
            ipywidgets.FloatSlider(
                value=0.0,
                min=-LIMIT,
                max=LIMIT,
                step=STEP,
                description=f"z[{index}]",
                readout=True,
                readout_format="+.1f",
                continuous_update=True,
                style=wide,
                layout=ipywidgets.Layout(width="300px"),
                tooltip=f"latent dimension {index}{self._use_note(index)}: drag, or focus and press the arrow keys",
            )
            for index in self.dims
        ]
        for slider, index in zip(self.sliders, self.dims):
            if not self.in_use(index):
                slider.add_class(UNUSED_CLASS)
        self.sample_button = ipywidgets.Button(
            description="Sample again",
            icon="random",
            tooltip="draw a new coding from N(0, I) and set the sliders",
        )
        self.image = ipywidgets.Image(format="png")
        self.image.add_class(IMAGE_CLASS)

        self.t_slider = ipywidgets.FloatSlider(
            value=0.5,
            min=0.0,
            max=1.0,
            step=0.05,
            description="Interpolation t:",
            readout=True,
            readout_format=".2f",
            continuous_update=True,
            style=wide,
            layout=ipywidgets.Layout(width="420px"),
            tooltip="0 is the start coding, 1 the end coding",
        )
        self.start_image, self.blend_image, self.end_image = (ipywidgets.Image(format="png") for _ in range(3))
        self.blend_image.add_class(BLEND_CLASS)
        self.start_coding = self.end_coding = None

        children = [
            ipywidgets.HTML("<b>Latent coding</b>: each slider moves one coordinate; the decoder draws the image."),
            ipywidgets.HBox(
                [
                    ipywidgets.VBox(self._slider_groups() + [self.sample_button]),
                    _captioned(self.image, "decoded coding"),
                ]
            ),
            ipywidgets.HTML("<b>Interpolation</b>: the straight line between two codings, decoded at t."),
        ]
        if self.encoder is not None:
            children += self._endpoint_pickers(wide)
        children += [
            self.t_slider,
            ipywidgets.HBox(
                [
                    _captioned(self.start_image, "start (t = 0)"),
                    _captioned(self.blend_image, "blend at t"),
                    _captioned(self.end_image, "end (t = 1)"),
                ]
            ),
        ]
        super().__init__(children)
        self.add_class(EXPLORER_CLASS)

        for slider in self.sliders:
            slider.observe(self._on_coding_change, names="value")
        self.sample_button.on_click(self.sample_again)
        self.t_slider.observe(self._on_blend_change, names="value")
        self.sample_again()

    # -- which dimensions are used -------------------------------------------------------------------------------

    def in_use(self, index: int) -> bool:
        """Whether latent dimension `index` is in use (True when the activity is unknown)."""
        return self.active is None or int(index) in self.active

    def _use_note(self, index: int) -> str:
        if self.activity is None:
            return ""
        state = "in use" if self.in_use(index) else "collapsed to the prior, ignored by the decoder"
        return f" ({state}; spread of μ {np.sqrt(self.activity[index]):.3f})"

    def _slider_groups(self) -> list:
        """The sliders, under headings that say which dimensions are in use when that is known."""
        if self.activity is None:
            return list(self.sliders)
        used = [slider for slider, index in zip(self.sliders, self.dims) if self.in_use(index)]
        unused = [slider for slider, index in zip(self.sliders, self.dims) if not self.in_use(index)]
        groups = [ipywidgets.HTML(f"In use ({len(used)} of {self.latent_dim}): the image follows these.")] + used
        if unused:
            groups += [ipywidgets.HTML(f"Collapsed to the prior ({len(unused)}): these change almost nothing.")]
            groups += unused
        return groups

    # -- checks ---------------------------------------------------------------------------------------------------

    def _check_output_range(self, images: np.ndarray) -> None:
        low, high = self.value_range
        margin = 0.05 * (high - low)  # a linear output may overshoot a little; a tanh one read as (0, 1) does not
        if images.min() < low - margin or images.max() > high + margin:
            raise ValueError(
                f"the decoder's output runs from {images.min():.3g} to {images.max():.3g}, outside value_range "
                f"{self.value_range}: pass value_range=(-1, 1) for a tanh output, (0, 1) for a sigmoid"
            )

    def _check_data(self, encoder, images, labels, class_names):
        if (encoder is None) != (images is None):
            raise ValueError("give an encoder and images together (to interpolate between encoded images), or neither")
        if encoder is None:
            if labels is not None or class_names is not None:
                raise ValueError("labels and class_names describe images: give them with an encoder and images")
            return None, None, None, None
        images = as_unit_floats(images)
        if images.ndim == 4 and images.shape[-1] == 1:
            images = images[..., 0]
        if images.ndim != 3 or len(images) == 0:
            raise ValueError(f"expected images shaped (n, height, width) with n ≥ 1, got shape {images.shape}")
        codings = encode(encoder, images[:1])
        if codings.shape[1] != self.latent_dim:
            raise ValueError(
                f"the encoder gives {codings.shape[1]}-D codings, but the decoder takes {self.latent_dim}-D ones"
            )
        if labels is None:
            if class_names is not None:
                raise ValueError("class_names name the labels' classes: give labels too")
            return encoder, images, None, None
        labels = np.asarray(labels)
        if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"labels must be integers, one per image, shape ({len(images)},), "
                f"got {labels.dtype} shaped {labels.shape}"
            )
        if class_names is not None:
            class_names = [str(name) for name in class_names]
            if labels.min() < 0 or labels.max() >= len(class_names):
                raise ValueError(
                    f"labels must lie in 0..{len(class_names) - 1} (one per class name), "
                    f"got {labels.min()}..{labels.max()}"
                )
        return encoder, images, labels, class_names

    # -- interpolation endpoints ----------------------------------------------------------------------------------

    def _endpoint_pickers(self, wide) -> list:
        """Build the class menus and index sliders that pick the start and end images."""
        self.start_original, self.end_original = ipywidgets.Image(format="png"), ipywidgets.Image(format="png")
        self.start_class = self.end_class = None
        columns = []
        if self.labels is not None:
            present = np.unique(self.labels)
            options = [(self.class_names[label] if self.class_names else str(label), int(label)) for label in present]
            self.start_class, self.end_class = (
                ipywidgets.Dropdown(
                    options=options,
                    value=options[min(k, len(options) - 1)][1],
                    description=f"{which} class:",
                    style=wide,
                )
                for k, which in enumerate(("Start", "End"))
            )
        self.start_index, self.end_index = (
            ipywidgets.IntSlider(
                value=0,
                min=0,
                max=0,
                description=f"{which} image #:",
                continuous_update=False,
                style=wide,
                layout=ipywidgets.Layout(width="360px"),
                tooltip="index within the chosen class" if self.labels is not None else "image index",
            )
            for which in ("Start", "End")
        )
        for menu, slider, original, caption in (
            (self.start_class, self.start_index, self.start_original, "start image"),
            (self.end_class, self.end_index, self.end_original, "end image"),
        ):
            controls = [slider] if menu is None else [menu, slider]
            columns.append(ipywidgets.HBox([ipywidgets.VBox(controls), _captioned(original, caption)]))
            if menu is not None:
                menu.observe(self._on_class_change, names="value")
            slider.observe(self._on_endpoint_change, names="value")
        self._fit_index_sliders()
        if self.labels is None and len(self.images) > 1:
            with self._holding():
                self.end_index.value = 1
        return [ipywidgets.HBox(columns)]

    def _members(self, menu) -> np.ndarray:
        """The dataset indices the index slider next to `menu` walks through."""
        if menu is None:
            return np.arange(len(self.images))
        return np.flatnonzero(self.labels == menu.value)

    def _fit_index_sliders(self) -> None:
        with self._holding():
            for menu, slider in ((self.start_class, self.start_index), (self.end_class, self.end_index)):
                count = len(self._members(menu))
                slider.value = min(slider.value, count - 1)
                slider.max = count - 1

    def endpoint_indices(self) -> tuple[int, int]:
        """The dataset indices of the start and end images (only with an encoder and images)."""
        if self.encoder is None:
            raise ValueError("the endpoints are sampled codings: this explorer has no encoder and images")
        return (
            int(self._members(self.start_class)[self.start_index.value]),
            int(self._members(self.end_class)[self.end_index.value]),
        )

    def _update_endpoints(self) -> None:
        if self.encoder is None:
            return
        start, end = self.endpoint_indices()
        self.start_coding, self.end_coding = encode(self.encoder, self.images[[start, end]])
        self.start_original.value = grey_png(self.images[start], scale=self.scale)
        self.end_original.value = grey_png(self.images[end], scale=self.scale)

    # -- pure computation -----------------------------------------------------------------------------------------

    def coding_for(self, values) -> np.ndarray:
        """The full coding for the given slider values (one per shown dimension); other dimensions as they are."""
        values = np.asarray(values, dtype=np.float32)
        if values.shape != (len(self.dims),):
            raise ValueError(f"expected {len(self.dims)} slider values, got shape {values.shape}")
        coding = self.coding.copy()
        coding[list(self.dims)] = values
        return coding

    def image_for(self, values) -> np.ndarray:
        """The decoded image for the given slider values, float32 in [0, 1] (rescaled from `value_range`)."""
        return self.decode_unit(self.coding_for(values)[None])[0]

    def decode_unit(self, codings) -> np.ndarray:
        """Decode codings `(n, latent_dim)` into images rescaled to [0, 1] and clipped."""
        return generated_to_images(decode(self.decoder, codings), value_range=self.value_range)

    def compute(self) -> np.ndarray:
        """The image the sliders show now, float32 in [0, 1]."""
        return self.image_for([slider.value for slider in self.sliders])

    def interpolation_images(self, t: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The decoded start, blend at `t` (default: the slider's) and end, each float32 in [0, 1], in one batch."""
        t = self.t_slider.value if t is None else float(t)
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"t must lie in [0, 1], got {t}")
        codings = np.stack([self.start_coding, blend(self.start_coding, self.end_coding, t), self.end_coding])
        start, middle, end = self.decode_unit(codings)
        return start, middle, end

    # -- rendering ------------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _holding(self):
        """Set several controls without redrawing after each one."""
        quiet, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = quiet

    def sample_again(self, _button=None) -> None:
        """Draw a new coding from N(0, I), set the sliders to it (rounded to their step), and redraw.

        Without an encoder, the interpolation's two endpoints are drawn again too.
        """
        coding, start, end = sample_codings(3, self.latent_dim, seed=self._rng)
        shown = np.clip(np.round(coding[list(self.dims)] / STEP) * STEP, -LIMIT, LIMIT)
        coding[list(self.dims)] = shown
        self.coding = coding
        with self._holding():
            for slider, value in zip(self.sliders, shown):
                slider.value = round(float(value), 6) + 0.0  # + 0.0: no "-0.0" readout
        if self.encoder is None:
            self.start_coding, self.end_coding = start, end
        else:
            self._update_endpoints()
        self._draw_coding()
        self._draw_interpolation()

    def _on_coding_change(self, change=None) -> None:
        if not self._quiet:
            self._draw_coding()

    def _on_class_change(self, change=None) -> None:
        if not self._quiet:
            self._fit_index_sliders()
            self._on_endpoint_change()

    def _on_endpoint_change(self, change=None) -> None:
        if not self._quiet:
            self._update_endpoints()
            self._draw_interpolation()

    def _on_blend_change(self, change=None) -> None:
        if not self._quiet:
            self._draw_interpolation()

    def _draw_coding(self) -> None:
        values = [slider.value for slider in self.sliders]
        self.coding = self.coding_for(values)
        self.image.value = grey_png(self.image_for(values), scale=self.scale)

    def _draw_interpolation(self) -> None:
        start, middle, end = self.interpolation_images()
        self.start_image.value = grey_png(start, scale=self.scale)
        self.blend_image.value = grey_png(middle, scale=self.scale)
        self.end_image.value = grey_png(end, scale=self.scale)

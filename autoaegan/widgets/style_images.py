"""What StyleGAN's explorers (chapter 11) share: a `StyleGenerator`'s styles w, its images with fixed noise as
float32 arrays in [0, 1], and rows of PNG images for the widgets.

A `StyleGenerator`'s synthesis network takes one style per AdaIN layer, two per
resolution: styles 2k and 2k + 1 act at 4·2ᵏ × 4·2ᵏ pixels (0-1 at 4×4, the
coarse ones, up to the last two, the finest).
"""

from __future__ import annotations

import contextlib

import ipywidgets
import keras
import numpy as np

from autoaegan.arguments import whole_number
from autoaegan.models.progan import VALUE_RANGE
from autoaegan.models.stylegan import StyleGenerator
from autoaegan.pixels import generated_to_images


def style_resolution(index: int) -> int:
    """The side of the feature maps that style `index` acts on: styles 2k and 2k + 1 act at 4·2ᵏ."""
    index = whole_number(index, "a style index", at_least=0, expected="an integer ≥ 0")
    return 4 * 2 ** (index // 2)


def check_style_generator(generator) -> StyleGenerator:
    """Return `generator`, or raise TypeError unless it is a `StyleGenerator`."""
    if not isinstance(generator, StyleGenerator):
        raise TypeError(f"generator must be a StyleGenerator, got {type(generator).__name__}")
    return generator


def as_float32(tensor) -> np.ndarray:
    """A tensor (or array) as a float32 NumPy array."""
    return np.asarray(keras.ops.convert_to_numpy(tensor), dtype=np.float32)


def mapped_styles(generator: StyleGenerator, codings: np.ndarray) -> np.ndarray:
    """The styles w of `codings` through the generator's mapping network, float32 `(n, w_size)`."""
    # Inference mode: in training mode `styles` would also move the generator's w̄.
    return as_float32(generator.styles(codings, training=False))


def repeated_noise(noise: list[np.ndarray], batch: int) -> list[np.ndarray]:
    """One image's noise maps, repeated for a batch: every image gets the very same noise."""
    return [np.repeat(part, batch, axis=0) for part in noise]


def synthesize(generator: StyleGenerator, styles: np.ndarray, noise: list[np.ndarray]) -> np.ndarray:
    """Styles `(n, w)` or `(n, num_styles, w)` and noise → float32 images `(n, r, r)` in [0, 1]."""
    return generated_to_images(generator.synthesis(styles, noise=noise, training=False), value_range=VALUE_RANGE)


def png_row(count: int, css: str) -> list[ipywidgets.Image]:
    """`count` empty PNG image widgets, each with the CSS class `css`."""
    images = [ipywidgets.Image(format="png") for _ in range(count)]
    for image in images:
        image.add_class(css)
    return images


@contextlib.contextmanager
def holding(widget):
    """Set several controls of `widget` without redrawing after each one."""
    quiet, widget._quiet = widget._quiet, True
    try:
        yield
    finally:
        widget._quiet = quiet

"""PNG encoding for the course's image widgets: dark ink on white, each pixel a sharp block.

Every explorer shows its images through `ipywidgets.Image(format="png")`, so they all
share this encoder; `read_grey_png` reads the bytes back, for tests and checks.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from autoaegan.arguments import positive_int


def grey_png(image, *, scale: int = 5) -> bytes:
    """Encode a 2-D image (uint8, or floats clipped to [0, 1]) as an 8-bit grey PNG, dark ink on white.

    Each pixel becomes a `scale`×`scale` block, so small images stay sharp in the browser.
    """
    image = np.asarray(image)
    if image.ndim != 2 or image.size == 0:
        raise ValueError(f"expected a 2-D image (height, width), got shape {image.shape}")
    scale = positive_int(scale, "scale")
    if image.dtype != np.uint8:
        image = np.round(np.clip(image.astype(np.float64), 0.0, 1.0) * 255).astype(np.uint8)
    ink = 255 - image  # Fashion-MNIST stores the garment bright on black; the course draws it dark on white
    height, width = ink.shape
    picture = Image.fromarray(ink).resize((width * int(scale), height * int(scale)), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def read_grey_png(data) -> np.ndarray:
    """The pixels of an 8-bit grey PNG (bytes, or the memoryview an `ipywidgets.Image` holds), as stored.

    Raises ValueError for anything that is not a grey PNG.
    """
    try:
        picture = Image.open(io.BytesIO(bytes(data)))
    except Exception as error:  # Pillow raises UnidentifiedImageError, or OSError for truncated data
        raise ValueError(f"expected PNG bytes, got data that Pillow cannot read ({error})") from None
    if picture.format != "PNG" or picture.mode != "L":
        raise ValueError(f"expected an 8-bit grey PNG, got a {picture.format} image in mode {picture.mode}")
    return np.asarray(picture)

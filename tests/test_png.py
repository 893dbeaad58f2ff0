"""The widgets' PNG encoder and its reader: dark ink on white, sharp pixel blocks, clear errors."""

import io

import numpy as np
import pytest
from PIL import Image

from autoaegan.widgets.png import grey_png, read_grey_png


def test_grey_png_draws_dark_ink_on_white_and_scales_each_pixel():
    image = np.array([[0.0, 1.0], [0.5, 0.25]])
    pixels = read_grey_png(grey_png(image, scale=3))
    assert pixels.shape == (6, 6)
    np.testing.assert_array_equal(pixels[::3, ::3], [[255, 0], [127, 191]])
    np.testing.assert_array_equal(pixels[:3, :3], 255)
    uint8 = np.array([[0, 255, 10]], dtype=np.uint8)
    np.testing.assert_array_equal(read_grey_png(grey_png(uint8, scale=1)), [[255, 0, 245]])
    np.testing.assert_array_equal(read_grey_png(grey_png(np.array([[-3.0, 7.0]]), scale=1)), [[255, 0]])


def test_grey_png_refuses_other_shapes_and_scales():
    with pytest.raises(ValueError, match=r"2-D image"):
        grey_png(np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match="scale must be a positive integer"):
        grey_png(np.zeros((2, 2)), scale=0)


def test_read_grey_png_takes_a_memoryview_and_refuses_other_images():
    data = grey_png(np.eye(3), scale=1)
    np.testing.assert_array_equal(read_grey_png(memoryview(data)), 255 - np.eye(3) * 255)
    rgb = io.BytesIO()
    Image.new("RGB", (2, 2)).save(rgb, format="PNG")
    with pytest.raises(ValueError, match="8-bit grey PNG"):
        read_grey_png(rgb.getvalue())
    with pytest.raises(ValueError, match="expected PNG bytes"):
        read_grey_png(b"not a picture")

"""The real images of a progressive GAN (chapters 10 and 11): Fashion-MNIST padded to 32×32, and the pooling and
upsampling that bring images to a growth level's size and blend two levels while one fades in."""

from __future__ import annotations

import numpy as np
from keras import ops

from autoaegan.arguments import positive_int
from autoaegan.data.pipeline import make_dataset


def pad_images(images, size: int = 32) -> np.ndarray:
    """uint8 images `(n, 28, 28)` → `(n, size, size, 1)`, centred on a black border (the background's value)."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] != 1):
        raise ValueError(
            f"images must be uint8 shaped (n, height, width) or (n, height, width, 1), "
            f"got {images.dtype} of shape {images.shape}"
        )
    height, width = images.shape[1:3]
    size = positive_int(size, "size")
    if size < max(height, width):
        raise ValueError(f"size must be at least the images' {height}×{width}, got {size}")
    top, left = (size - height) // 2, (size - width) // 2
    padded = np.zeros((len(images), size, size, 1), np.uint8)
    padded[:, top : top + height, left : left + width, 0] = images.reshape(len(images), height, width)
    return padded


def real_dataset(images, *, batch_size: int, seed: int | None, size: int = 32):
    """Shuffled whole batches of uint8 `images` `(n, 28, 28)`, padded to `size`, as floats in [0, 1].

    Every batch is full, so that each step has the same shape (one XLA compilation).
    `ProGAN` scales them to [-1, 1] and averages them down to the level's size.
    """
    return padded_dataset(pad_images(images, size), batch_size=batch_size, seed=seed)


def padded_dataset(padded, *, batch_size: int, seed: int | None):
    """`real_dataset` of images already padded by `pad_images` (a long training pads them once, not per dataset)."""
    batch_size = positive_int(batch_size, "batch_size")
    if len(padded) < batch_size:
        raise ValueError(f"need at least one batch of {batch_size} images, got {len(padded)}")
    return make_dataset(padded, batch_size=batch_size, shuffle=True, seed=seed, drop_remainder=True)


def downsample(images, factor: int):
    """Average-pool `(batch, H, W, C)` images by `factor` (a power of 2 or 1), as the real images of a lower level."""
    factor = positive_int(factor, "factor")
    if factor == 1:
        return images
    return ops.average_pool(images, factor, strides=factor, padding="valid")


def upsample(images, factor: int = 2):
    """Nearest-neighbour ×`factor` upsampling of `(batch, H, W, C)` images: each pixel repeated in a square."""
    factor = positive_int(factor, "factor")
    return ops.repeat(ops.repeat(images, factor, axis=1), factor, axis=2)

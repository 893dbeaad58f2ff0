"""The arithmetic cost of a network and of a GAN's training step, counted from the layers' shapes.

A Dense layer costs inputs × units multiply-accumulates (MACs) per example; a
convolution output height × width × kernel area × input channels × filters; a
transposed convolution input height × width × kernel area × input channels ×
filters (each input pixel is spread over a kernel-sized patch). A floating-point
operation count (FLOPs) is two per MAC. Batch normalisation, activations and the
like cost a few operations per value, a small share that is left out.
"""

from __future__ import annotations

import math

import keras

from autoaegan.arguments import positive_int

TRANSPOSED_CONVOLUTIONS = (keras.layers.Conv1DTranspose, keras.layers.Conv2DTranspose, keras.layers.Conv3DTranspose)
CONVOLUTIONS = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)
# Forward passes' worth of work per real image in one two-phase GAN step (`autoaegan.models.gan.GAN.train_step`)
# for each network's layers, and how many of them its first layer skips: the input gradients nobody needs (see
# `training_flops_per_image`).
TRAINING_PASSES = {"generator": (4, 1), "discriminator": (8, 2)}


def forward_macs(model: keras.Model) -> list[tuple[str, int]]:
    """Multiply-accumulates per example of each Dense layer and (transposed) convolution of `model`, in order.

    Nested models are walked inside; a wrapper (e.g. spectral normalisation) is costed as the layer it wraps.
    """
    costs = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            costs += forward_macs(layer)
            continue
        inner = layer.layer if isinstance(layer, keras.layers.Wrapper) else layer
        if isinstance(inner, keras.layers.Dense):
            costs.append((layer.name, int(inner.kernel.shape[0]) * int(inner.kernel.shape[1])))
        elif isinstance(inner, TRANSPOSED_CONVOLUTIONS):
            spatial = math.prod(int(d) for d in tuple(layer.input.shape)[1:-1])
            costs.append((layer.name, spatial * math.prod(int(d) for d in inner.kernel.shape)))
        elif isinstance(inner, CONVOLUTIONS):
            spatial = math.prod(int(d) for d in tuple(layer.output.shape)[1:-1])
            costs.append((layer.name, spatial * math.prod(int(d) for d in inner.kernel.shape)))
    return costs


def total_macs(model: keras.Model) -> int:
    """Multiply-accumulates per example of all of `model`'s dense layers and convolutions (`forward_macs` summed).

    Counted on a clone of `model`, whose layers belong to it alone: a layer shared between models (the levels of
    a progressive GAN) has no single output shape to read.
    """
    return sum(cost for _, cost in forward_macs(keras.models.clone_model(model)))


def parameter_count(*models: keras.Model) -> int:
    """The number of distinct trainable weights in `models` (weights shared between them counted once)."""
    seen = {}
    for model in models:
        for weight in model.trainable_weights:
            seen[id(weight)] = math.prod(weight.shape)
    return int(sum(seen.values()))


def layer_passes(network: str, layer_count: int) -> list[int]:
    """Forward passes' worth of work per real image that one train step gives each of `network`'s costed layers."""
    if network not in TRAINING_PASSES:
        raise ValueError(f"network must be one of {sorted(TRAINING_PASSES)}, got {network!r}")
    passes, first_layer_skips = TRAINING_PASSES[network]
    return [passes - first_layer_skips] + [passes] * (positive_int(layer_count, "layer_count") - 1)


def training_flops_per_image(generator: keras.Model, discriminator: keras.Model) -> int:
    """Floating-point operations (2 per multiply-accumulate) of one two-phase GAN step, per real image in the batch.

    Per real image the step runs: phase one, the generator forward on one coding,
    the discriminator forward on two images (a fake and the real one) and backward
    for both its weight gradients and its input gradients (all layers but the
    first); phase two, the generator forward, the discriminator forward and
    backward for input gradients only (down to the image), and the generator
    backward for weight gradients and input gradients (all layers but the first).
    A backward pass costs its forward again for each kind of gradient, so the total
    is 4·G + 8·D − 2·D₁ − G₁ in multiply-accumulates, where G and D are the
    networks' forward costs and G₁, D₁ their first layers'. Géron's loop does the
    same work per image, and so does a ProGAN's logistic-loss step (its discriminator scores the two batches in
    two calls instead of one; the "wgan-gp" loss adds a forward and a double backward pass of the discriminator
    on the interpolated images). Counted on clones of the networks (see `total_macs`).
    """
    macs = 0
    for network, model in (("generator", generator), ("discriminator", discriminator)):
        layers = forward_macs(keras.models.clone_model(model))
        if not layers:
            raise ValueError("both networks need at least one Dense layer or convolution to count")
        macs += sum(cost * passes for (_, cost), passes in zip(layers, layer_passes(network, len(layers))))
    return 2 * macs

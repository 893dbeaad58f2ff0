"""Check a generator and a discriminator against the DCGAN guidelines (Radford, Metz & Chintala 2016).

The paper's "architecture guidelines for stable deep convolutional GANs", as the
slides list them:

1. replace pooling layers with strided convolutions in the discriminator and
   transposed (fractionally strided) convolutions in the generator;
2. use batch normalisation in both networks, except at the generator's output
   layer and the discriminator's input layer;
3. remove fully connected hidden layers;
4. use ReLU in the generator for every layer except the output, which uses tanh;
5. use LeakyReLU in the discriminator for every layer.

`check_dcgan_guidelines(generator, discriminator)` returns one `Violation` per
broken rule and layer, each naming the network, the layer and the rule, so that a
learner's own variant gets a list of what to change. An empty list means the pair
follows every guideline.

How the rules are read, exactly
-------------------------------
The checker walks each network's layers in order (nested models are walked
inside; a wrapper such as `SpectralNormalization` counts as the layer it wraps).
The *weight layers* are Dense layers and (transposed) convolutions; everything
between two weight layers belongs to the first: its batch normalisation and its
activation, either the layer's own `activation` or a separate activation layer
(ReLU, LeakyReLU, `Activation(...)`), in either order. Layers the guidelines say
nothing about (Reshape, Flatten, Dropout, noise) are ignored. The first weight
layer of the discriminator is its *input layer*, the last weight layer of each
network its *output layer*; the others are *hidden*.

- `pooling`: no pooling layer in either network, and no `UpSampling` layer in the
  generator (`upsampling`).
- `strided_convolutions`: the discriminator has at least one convolution with a
  stride above 1; `transposed_convolutions`: the generator has at least one
  transposed convolution with a stride above 1.
- `batchnorm`: every hidden layer of either network, and the generator's first
  layer, is followed by a BatchNormalization; `batchnorm_output`: none follows
  the generator's output layer; `batchnorm_input`: none reads the discriminator's
  input images or follows its input layer.
- `generator_relu`: every generator layer except the output has a ReLU;
  `generator_tanh`: the output layer has a tanh.
- `discriminator_leaky_relu`: every discriminator layer except the output has a
  LeakyReLU; `discriminator_output`: the output layer gives one number per image,
  with a sigmoid (a probability, as the chapter's `GAN` needs) or none (a logit).
- `fully_connected`: no Dense layer, with the two exceptions the paper itself
  makes. The generator's *projection*: one Dense layer whose output is reshaped
  into feature maps that a convolution reads next, with no convolution before it
  (any Dense layer in front of it is a hidden layer; the paper: "could be called fully connected as it is
  just a matrix multiplication, but the result is reshaped into a 4-dimensional
  tensor and used as the start of the convolution stack"). The discriminator's
  *output*: its last layer may be a Dense layer with one unit (the paper flattens
  the last convolution's output "and then fed into a single sigmoid output").
  Any other Dense layer is a fully connected hidden layer, or an output made by a
  dense layer instead of a convolution.

The checker reads architecture only: it cannot see how the model is trained (for
instance that `GAN.train_step` judges fakes with the discriminator in inference
mode), and a model with branches is read in Keras' layer order.

Géron's DCGAN breaks two of the rules: his discriminator has Dropout where the
guidelines put batch normalisation (on purpose: he notes that training was unstable
otherwise), and his projection has no ReLU (a linear Dense layer, then batch
normalisation). The course's DCGAN (`autoaegan.models.dcgan`)
follows them all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras

RULES = {
    "pooling": "replace pooling layers with strided convolutions (discriminator) and transposed convolutions "
    "(generator)",
    "upsampling": "upsample in the generator with transposed convolutions, not UpSampling layers",
    "strided_convolutions": "the discriminator downsamples with strided convolutions",
    "transposed_convolutions": "the generator upsamples with transposed (fractionally strided) convolutions",
    "batchnorm": "batch normalisation after every layer except the generator's output and the discriminator's input",
    "batchnorm_output": "no batch normalisation at the generator's output layer",
    "batchnorm_input": "no batch normalisation at the discriminator's input layer",
    "generator_relu": "ReLU in the generator for every layer except the output",
    "generator_tanh": "tanh at the generator's output",
    "discriminator_leaky_relu": "LeakyReLU in the discriminator for every layer except the output",
    "discriminator_output": "the discriminator outputs one number per image: a sigmoid probability or a logit",
    "fully_connected": "no fully connected hidden layers (only the generator's projection of the codings and the "
    "discriminator's one-unit output may be Dense)",
}

_CONVOLUTIONS = (
    keras.layers.Conv1D,
    keras.layers.Conv2D,
    keras.layers.Conv3D,
    keras.layers.SeparableConv1D,
    keras.layers.SeparableConv2D,
    keras.layers.DepthwiseConv1D,
    keras.layers.DepthwiseConv2D,
)
_TRANSPOSED = (keras.layers.Conv1DTranspose, keras.layers.Conv2DTranspose, keras.layers.Conv3DTranspose)
_POOLING = tuple(getattr(keras.layers, name) for name in dir(keras.layers) if "Pooling" in name and name[0].isupper())
_UPSAMPLING = (keras.layers.UpSampling1D, keras.layers.UpSampling2D, keras.layers.UpSampling3D)
_ACTIVATION_LAYERS = (
    keras.layers.ReLU,
    keras.layers.LeakyReLU,
    keras.layers.Activation,
    keras.layers.ELU,
    keras.layers.PReLU,
    keras.layers.Softmax,
)


@dataclass(frozen=True)
class Violation:
    """One broken guideline: the network ("generator" or "discriminator"), the layer (None for the whole
    network), the rule's key in `RULES`, and a message that says what was found and what the guideline asks."""

    network: str
    layer: str | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = self.network if self.layer is None else f"{self.network}, layer '{self.layer}'"
        return f"{where}: {self.message} [{self.rule}]"


@dataclass
class _WeightLayer:
    layer: keras.layers.Layer  # the layer itself (a wrapper's inner layer)
    name: str
    activations: list  # activation names, its own first, then those of activation layers after it
    batchnorm_after: bool = False
    reshaped_to_maps: bool = False  # a Reshape to feature maps (2+ axes besides the batch) follows it

    @property
    def kind(self) -> str:
        if isinstance(self.layer, _TRANSPOSED):
            return "transposed convolution"
        if isinstance(self.layer, _CONVOLUTIONS):
            return "convolution"
        return "dense"

    @property
    def label(self) -> str:
        """How messages name it: "Dense layer", "convolution", "transposed convolution"."""
        return "Dense layer" if self.kind == "dense" else self.kind

    @property
    def activation(self) -> str:
        """The first nonlinearity applied to its output, or "linear"."""
        for name in self.activations:
            if name != "linear":
                return name
        return "linear"

    @property
    def strided(self) -> bool:
        strides = getattr(self.layer, "strides", 1)
        strides = strides if isinstance(strides, (tuple, list)) else (strides,)
        return any(int(s) > 1 for s in strides)


def _unwrap(layer):
    while isinstance(layer, keras.layers.Wrapper):
        layer = layer.layer
    return layer


def _flat_layers(model) -> list:
    layers = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.Model):
            layers.extend(_flat_layers(layer))
        else:
            layers.append(layer)
    return layers


def _activation_name(activation) -> str:
    """ "relu", "leaky_relu", "tanh", "sigmoid", "linear", ... for an activation function or activation layer."""
    if activation is None:
        return "linear"
    if isinstance(activation, keras.layers.LeakyReLU):
        return "leaky_relu"
    if isinstance(activation, keras.layers.ReLU):
        if float(activation.negative_slope or 0) > 0:
            return "leaky_relu"
        return "relu" if activation.max_value is None and float(activation.threshold or 0) == 0 else "clipped_relu"
    if isinstance(activation, keras.layers.Activation):
        return _activation_name(activation.activation)
    if isinstance(activation, keras.layers.Layer):
        return type(activation).__name__.lower()
    return getattr(activation, "__name__", type(activation).__name__).lower()


def _walk(model, network: str) -> tuple[list[_WeightLayer], list[Violation], bool]:
    """The weight layers of `model` with what follows each, the pooling/upsampling violations, and whether a
    BatchNormalization reads the input before any weight layer."""
    weights: list[_WeightLayer] = []
    violations: list[Violation] = []
    batchnorm_on_input = False
    for raw in _flat_layers(model):
        layer = _unwrap(raw)
        if isinstance(layer, _POOLING):
            violations.append(
                Violation(
                    network,
                    raw.name,
                    "pooling",
                    (
                        f"{type(layer).__name__} is a pooling layer: "
                        + (
                            "downsample with strided convolutions instead"
                            if network == "discriminator"
                            else "the generator should not pool; upsample with transposed convolutions"
                        )
                    ),
                )
            )
        elif isinstance(layer, _UPSAMPLING) and network == "generator":
            violations.append(
                Violation(
                    network,
                    raw.name,
                    "upsampling",
                    (
                        f"{type(layer).__name__} upsamples by repeating pixels: use a transposed convolution with "
                        "strides=2, which learns its own upsampling"
                    ),
                )
            )
        elif isinstance(layer, (keras.layers.Dense, *_CONVOLUTIONS, *_TRANSPOSED)):
            weights.append(_WeightLayer(layer, raw.name, [_activation_name(getattr(layer, "activation", None))]))
        elif isinstance(layer, keras.layers.BatchNormalization):
            if weights:
                weights[-1].batchnorm_after = True
            else:
                batchnorm_on_input = True
        elif isinstance(layer, _ACTIVATION_LAYERS):
            if weights:
                weights[-1].activations.append(_activation_name(layer))
        elif isinstance(layer, keras.layers.Reshape) and weights:
            if len(tuple(layer.target_shape)) >= 2:
                weights[-1].reshaped_to_maps = True
    return weights, violations, batchnorm_on_input


def _units(layer) -> int | None:
    """How many numbers per example the layer outputs (None when unknown)."""
    try:
        return int(math.prod(int(d) for d in tuple(layer.output.shape)[1:]))
    except (TypeError, ValueError, AttributeError):
        return getattr(layer, "units", None)


def _check_generator(model) -> list[Violation]:
    network = "generator"
    weights, violations, batchnorm_on_input = _walk(model, network)
    if not weights:
        return violations + [Violation(network, None, "transposed_convolutions", "the generator has no weight layer")]
    if not any(w.kind == "transposed convolution" and w.strided for w in weights):
        violations.append(
            Violation(
                network,
                None,
                "transposed_convolutions",
                (
                    "no transposed convolution with a stride above 1: the generator should grow its feature maps with "
                    "transposed (fractionally strided) convolutions"
                ),
            )
        )
    last = len(weights) - 1
    for index, w in enumerate(weights):
        if w.kind == "dense":
            # The projection: reshaped into the feature maps that a convolution reads next, and no convolution
            # before it. Other Dense layers in front of it are the fully connected hidden layers.
            projection = (
                w.reshaped_to_maps
                and index < last
                and weights[index + 1].kind != "dense"
                and all(earlier.kind == "dense" for earlier in weights[:index])
            )
            if not projection:
                where = "the output layer" if index == last else "a fully connected hidden layer"
                violations.append(
                    Violation(
                        network,
                        w.name,
                        "fully_connected",
                        (
                            f"Dense layer as {where}: the only Dense layer the generator may have is the projection of "
                            "the codings, reshaped into the feature maps that start the convolution stack"
                        ),
                    )
                )
        if index == last:
            if w.batchnorm_after:
                violations.append(
                    Violation(
                        network,
                        w.name,
                        "batchnorm_output",
                        (
                            "batch normalisation after the output layer: the images should come straight from the "
                            "output's tanh"
                        ),
                    )
                )
            if w.activation != "tanh":
                violations.append(
                    Violation(
                        network,
                        w.name,
                        "generator_tanh",
                        (
                            f"the output layer's activation is {w.activation}: use tanh, with real images scaled to "
                            "[-1, 1]"
                        ),
                    )
                )
        else:
            if not w.batchnorm_after:
                violations.append(
                    Violation(
                        network,
                        w.name,
                        "batchnorm",
                        (f"no batch normalisation after this {w.label}: every generator layer but the output has one"),
                    )
                )
            if w.activation != "relu":
                violations.append(
                    Violation(
                        network,
                        w.name,
                        "generator_relu",
                        (
                            f"this {w.label}'s activation is {w.activation}: "
                            "the generator uses ReLU in every layer but the output"
                        ),
                    )
                )
    if batchnorm_on_input:
        violations.append(
            Violation(
                network,
                None,
                "batchnorm",
                ("batch normalisation applied to the codings before any layer: normalise the layers' outputs"),
            )
        )
    return violations


def _check_discriminator(model) -> list[Violation]:
    network = "discriminator"
    weights, violations, batchnorm_on_input = _walk(model, network)
    if batchnorm_on_input:
        violations.append(
            Violation(
                network,
                None,
                "batchnorm_input",
                ("batch normalisation applied to the input images: the discriminator's input layer has none"),
            )
        )
    if not weights:
        return violations + [Violation(network, None, "strided_convolutions", "the discriminator has no weight layer")]
    if not any(w.kind == "convolution" and w.strided for w in weights):
        violations.append(
            Violation(
                network,
                None,
                "strided_convolutions",
                (
                    "no convolution with a stride above 1: the discriminator should shrink its feature maps with "
                    "strided convolutions"
                ),
            )
        )
    last = len(weights) - 1
    for index, w in enumerate(weights):
        if w.kind == "dense" and not (index == last and _units(w.layer) == 1):
            where = "the output layer, with more than one unit" if index == last else "a fully connected hidden layer"
            violations.append(
                Violation(
                    network,
                    w.name,
                    "fully_connected",
                    (f"Dense layer as {where}: only the final one-unit output may be Dense"),
                )
            )
        if index == last:
            if w.activation not in ("sigmoid", "linear") or (_units(w.layer) not in (1, None)):
                violations.append(
                    Violation(
                        network,
                        w.name,
                        "discriminator_output",
                        (
                            f"the output layer gives {_units(w.layer)} number(s) with {w.activation}: "
                            "the discriminator outputs one number per image, a sigmoid probability (or a logit)"
                        ),
                    )
                )
            continue
        if index == 0:
            if w.batchnorm_after:
                violations.append(
                    Violation(
                        network,
                        w.name,
                        "batchnorm_input",
                        (
                            "batch normalisation after the input layer: the guidelines leave the discriminator's input "
                            "layer without it"
                        ),
                    )
                )
        elif not w.batchnorm_after:
            violations.append(
                Violation(
                    network,
                    w.name,
                    "batchnorm",
                    (
                        f"no batch normalisation after this {w.label}: every discriminator layer but the input and the "
                        "output has one"
                    ),
                )
            )
        if w.activation != "leaky_relu":
            violations.append(
                Violation(
                    network,
                    w.name,
                    "discriminator_leaky_relu",
                    (
                        f"this {w.label}'s activation is {w.activation}: "
                        "the discriminator uses LeakyReLU in every layer but the output"
                    ),
                )
            )
    return violations


def check_dcgan_guidelines(generator, discriminator) -> list[Violation]:
    """Every DCGAN guideline that `generator` and `discriminator` break, one `Violation` per rule and layer.

    Both must be Keras models (built: Sequential or functional). An empty list
    means the pair follows every guideline; see the module's docstring for how
    each rule is read.
    """
    for name, model in (("generator", generator), ("discriminator", discriminator)):
        if not isinstance(model, keras.Model):
            raise TypeError(f"{name} must be a keras.Model, got {type(model).__name__}")
    return _check_generator(generator) + _check_discriminator(discriminator)


def describe_violations(violations: list[Violation]) -> str:
    """The violations as readable text, one per line (or a line saying that every guideline is followed)."""
    if not violations:
        return "follows every DCGAN guideline"
    lines = [f"{len(violations)} guideline violation{'s' if len(violations) > 1 else ''}:"]
    lines += [f"- {violation}" for violation in violations]
    return "\n".join(lines)

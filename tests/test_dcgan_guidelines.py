"""The DCGAN guideline checker: Géron's DCGAN, the course's, the dense GAN, and variants that break one rule each."""

import keras
import pytest

from autoaegan.experiments.dcgan_guidelines import RULES, Violation, check_dcgan_guidelines, describe_violations
from autoaegan.models import dcgan
from autoaegan.models.gan import build_dense_discriminator, build_dense_generator

L = keras.layers


def generator(*, hidden=None, output=None, head=None, name="g"):
    """A course-style generator whose hidden upsampling block, output block or head can be swapped."""
    head = (
        head
        if head is not None
        else [
            L.Dense(7 * 7 * 128, use_bias=False, name="projection"),
            L.Reshape((7, 7, 128)),
            L.BatchNormalization(),
            L.ReLU(),
        ]
    )
    hidden = (
        hidden
        if hidden is not None
        else [
            L.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False, name="up"),
            L.BatchNormalization(),
            L.ReLU(),
        ]
    )
    output = (
        output
        if output is not None
        else [
            L.Conv2DTranspose(1, 5, strides=2, padding="same", activation="tanh", name="out"),
        ]
    )
    return keras.Sequential([keras.Input((dcgan.CODINGS_SIZE,)), *head, *hidden, *output], name=name)


def discriminator(*, first=None, hidden=None, tail=None, name="d"):
    """A course-style discriminator whose input block, hidden block or tail can be swapped."""
    first = first if first is not None else [L.Conv2D(64, 5, strides=2, padding="same", name="c1"), L.LeakyReLU(0.2)]
    hidden = (
        hidden
        if hidden is not None
        else [
            L.Conv2D(128, 5, strides=2, padding="same", use_bias=False, name="c2"),
            L.BatchNormalization(),
            L.LeakyReLU(0.2),
        ]
    )
    tail = tail if tail is not None else [L.Flatten(), L.Dense(1, activation="sigmoid", name="p")]
    return keras.Sequential([keras.Input(dcgan.IMAGE_SHAPE), *first, *hidden, *tail], name=name)


def rules(violations):
    return sorted((v.network, v.layer, v.rule) for v in violations)


def test_the_course_dcgan_follows_every_guideline():
    assert check_dcgan_guidelines(dcgan.build_dcgan_generator(), dcgan.build_dcgan_discriminator()) == []
    assert check_dcgan_guidelines(generator(), discriminator()) == []
    assert describe_violations([]) == "follows every DCGAN guideline"


def test_gerons_dcgan_breaks_exactly_the_two_rules_he_departs_from():
    g, d = dcgan.build_geron_generator(), dcgan.build_geron_discriminator()
    violations = check_dcgan_guidelines(g, d)
    projection = g.layers[0].name  # his Dense projection is linear
    second_conv = [layer.name for layer in d.layers if isinstance(layer, L.Conv2D)][1]  # Dropout, no BatchNorm
    assert rules(violations) == [
        ("discriminator", second_conv, "batchnorm"),
        ("generator", projection, "generator_relu"),
    ]
    # His LeakyReLU is passed as a layer instance in `activation=`: it counts as a LeakyReLU.
    assert not any(v.rule == "discriminator_leaky_relu" for v in violations)


def test_the_dense_gan_breaks_many_rules():
    violations = check_dcgan_guidelines(build_dense_generator(), build_dense_discriminator())
    found = {(v.network, v.rule) for v in violations}
    assert {
        ("generator", "transposed_convolutions"),
        ("generator", "fully_connected"),
        ("generator", "batchnorm"),
        ("generator", "generator_tanh"),
        ("discriminator", "strided_convolutions"),
        ("discriminator", "fully_connected"),
        ("discriminator", "discriminator_leaky_relu"),
        ("discriminator", "batchnorm"),
    } <= found
    # Every hidden Dense layer is named, in both networks: two in each; the generator's sigmoid output is a third.
    dense_g = [v for v in violations if v.network == "generator" and v.rule == "fully_connected"]
    dense_d = [v for v in violations if v.network == "discriminator" and v.rule == "fully_connected"]
    assert len(dense_g) == 3 and len(dense_d) == 2
    # The discriminator's one-unit sigmoid output is the allowed exception.
    output_name = build_dense_discriminator().layers[-1].name
    assert "real_probability" == output_name
    assert not any(v.layer == "real_probability" for v in violations)
    assert describe_violations(violations).startswith(f"{len(violations)} guideline violations:")


VARIANTS = {
    "pooling in D": (
        lambda: (
            generator(),
            discriminator(
                hidden=[
                    L.Conv2D(128, 5, padding="same", use_bias=False, name="c2"),
                    L.BatchNormalization(),
                    L.LeakyReLU(0.2),
                    L.MaxPooling2D(name="pool"),
                ]
            ),
        ),
        ("discriminator", "pool", "pooling"),
    ),
    "UpSampling in G": (
        lambda: (
            generator(
                hidden=[
                    L.UpSampling2D(name="repeat"),
                    L.Conv2D(64, 5, padding="same", use_bias=False),
                    L.BatchNormalization(),
                    L.ReLU(),
                ]
            ),
            discriminator(),
        ),
        ("generator", "repeat", "upsampling"),
    ),
    "no strided convolution in D": (
        lambda: (
            generator(),
            discriminator(
                first=[L.Conv2D(64, 5, padding="same", name="c1"), L.LeakyReLU(0.2)],
                hidden=[
                    L.Conv2D(128, 5, padding="same", use_bias=False, name="c2"),
                    L.BatchNormalization(),
                    L.LeakyReLU(0.2),
                ],
            ),
        ),
        ("discriminator", None, "strided_convolutions"),
    ),
    "no transposed convolution in G": (
        lambda: (
            generator(
                head=[
                    L.Dense(28 * 28 * 64, use_bias=False, name="projection"),
                    L.Reshape((28, 28, 64)),
                    L.BatchNormalization(),
                    L.ReLU(),
                ],
                hidden=[L.Conv2D(64, 5, padding="same", use_bias=False), L.BatchNormalization(), L.ReLU()],
                output=[L.Conv2D(1, 5, padding="same", activation="tanh", name="out")],
            ),
            discriminator(),
        ),
        ("generator", None, "transposed_convolutions"),
    ),
    "no BatchNorm in a G hidden layer": (
        lambda: (
            generator(hidden=[L.Conv2DTranspose(64, 5, strides=2, padding="same", activation="relu", name="up")]),
            discriminator(),
        ),
        ("generator", "up", "batchnorm"),
    ),
    "no BatchNorm after G's projection": (
        lambda: (
            generator(head=[L.Dense(7 * 7 * 128, name="projection"), L.Reshape((7, 7, 128)), L.ReLU()]),
            discriminator(),
        ),
        ("generator", "projection", "batchnorm"),
    ),
    "BatchNorm at G's output": (
        lambda: (
            generator(
                output=[
                    L.Conv2DTranspose(1, 5, strides=2, padding="same", name="out"),
                    L.BatchNormalization(),
                    L.Activation("tanh"),
                ]
            ),
            discriminator(),
        ),
        ("generator", "out", "batchnorm_output"),
    ),
    "no BatchNorm in a D hidden layer": (
        lambda: (
            generator(),
            discriminator(
                hidden=[L.Conv2D(128, 5, strides=2, padding="same", name="c2"), L.Dropout(0.4), L.LeakyReLU(0.2)]
            ),
        ),
        ("discriminator", "c2", "batchnorm"),
    ),
    "BatchNorm after D's input layer": (
        lambda: (
            generator(),
            discriminator(
                first=[L.Conv2D(64, 5, strides=2, padding="same", name="c1"), L.BatchNormalization(), L.LeakyReLU(0.2)]
            ),
        ),
        ("discriminator", "c1", "batchnorm_input"),
    ),
    "BatchNorm on D's input images": (
        lambda: (
            generator(),
            discriminator(
                first=[L.BatchNormalization(), L.Conv2D(64, 5, strides=2, padding="same", name="c1"), L.LeakyReLU(0.2)]
            ),
        ),
        ("discriminator", None, "batchnorm_input"),
    ),
    "LeakyReLU in G": (
        lambda: (
            generator(
                hidden=[
                    L.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False, name="up"),
                    L.BatchNormalization(),
                    L.LeakyReLU(0.2),
                ]
            ),
            discriminator(),
        ),
        ("generator", "up", "generator_relu"),
    ),
    "sigmoid at G's output": (
        lambda: (
            generator(output=[L.Conv2DTranspose(1, 5, strides=2, padding="same", activation="sigmoid", name="out")]),
            discriminator(),
        ),
        ("generator", "out", "generator_tanh"),
    ),
    "ReLU in D": (
        lambda: (
            generator(),
            discriminator(
                hidden=[
                    L.Conv2D(128, 5, strides=2, padding="same", use_bias=False, name="c2"),
                    L.BatchNormalization(),
                    L.ReLU(),
                ]
            ),
        ),
        ("discriminator", "c2", "discriminator_leaky_relu"),
    ),
    "a fully connected hidden layer in D": (
        lambda: (
            generator(),
            discriminator(
                tail=[
                    L.Flatten(),
                    L.Dense(64, use_bias=False, name="hidden_dense"),
                    L.BatchNormalization(),
                    L.LeakyReLU(0.2),
                    L.Dense(1, activation="sigmoid"),
                ]
            ),
        ),
        ("discriminator", "hidden_dense", "fully_connected"),
    ),
    "a fully connected hidden layer in G": (
        lambda: (
            generator(
                head=[
                    L.Dense(256, use_bias=False, name="hidden_dense"),
                    L.BatchNormalization(),
                    L.ReLU(),
                    L.Dense(7 * 7 * 128, use_bias=False),
                    L.Reshape((7, 7, 128)),
                    L.BatchNormalization(),
                    L.ReLU(),
                ]
            ),
            discriminator(),
        ),
        ("generator", "hidden_dense", "fully_connected"),
    ),
    "a softmax output in D": (
        lambda: (generator(), discriminator(tail=[L.Flatten(), L.Dense(1, activation="softmax", name="p")])),
        ("discriminator", "p", "discriminator_output"),
    ),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_variant_that_breaks_one_rule_gets_exactly_that_violation(variant):
    build, expected = VARIANTS[variant]
    violations = check_dcgan_guidelines(*build())
    assert rules(violations) == [expected], describe_violations(violations)
    assert expected[2] in RULES
    text = str(violations[0])
    assert expected[0] in text and f"[{expected[2]}]" in text and (expected[1] is None or expected[1] in text)


def test_the_activation_may_come_before_or_after_the_batchnorm_and_relu_may_be_a_leaky_slope():
    # Géron's order (ReLU inside the layer, then BatchNorm) is as good as Radford's (BatchNorm, then ReLU).
    g = generator(
        hidden=[L.Conv2DTranspose(64, 5, strides=2, padding="same", activation="relu"), L.BatchNormalization()]
    )
    assert check_dcgan_guidelines(g, discriminator()) == []
    # A ReLU layer with a negative slope is a LeakyReLU.
    d = discriminator(first=[L.Conv2D(64, 5, strides=2, padding="same"), L.ReLU(negative_slope=0.2)])
    assert check_dcgan_guidelines(generator(), d) == []
    d = discriminator(first=[L.Conv2D(64, 5, strides=2, padding="same", activation="leaky_relu")])
    assert check_dcgan_guidelines(generator(), d) == []


def test_nested_and_functional_models_and_wrapped_layers_are_read_layer_by_layer():
    inner = generator(name="inner")
    codings = keras.Input((dcgan.CODINGS_SIZE,))
    outer = keras.Model(codings, inner(codings))
    images = keras.Input(dcgan.IMAGE_SHAPE)
    x = L.Conv2D(64, 5, strides=2, padding="same")(images)
    x = L.LeakyReLU(0.2)(x)
    x = L.SpectralNormalization(L.Conv2D(128, 5, strides=2, padding="same", name="sn_conv"), name="sn")(x)
    x = L.LeakyReLU(0.2)(x)
    probability = L.Dense(1, activation="sigmoid")(L.Flatten()(x))
    d = keras.Model(images, probability)
    # The wrapped convolution is a convolution; without BatchNorm after it, it breaks that rule and only that.
    assert rules(check_dcgan_guidelines(outer, d)) == [("discriminator", "sn", "batchnorm")]


def test_the_checker_wants_keras_models():
    with pytest.raises(TypeError, match="generator must be a keras.Model, got list"):
        check_dcgan_guidelines([], discriminator())
    with pytest.raises(TypeError, match="discriminator must be a keras.Model, got str"):
        check_dcgan_guidelines(generator(), "d")


def test_violations_are_plain_records():
    v = Violation("generator", "dense", "generator_relu", "linear projection")
    assert str(v) == "generator, layer 'dense': linear projection [generator_relu]"
    assert str(Violation("discriminator", None, "strided_convolutions", "none")) == (
        "discriminator: none [strided_convolutions]"
    )

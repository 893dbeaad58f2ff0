"""Sparse autoencoders: Géron's architectures, what each coding layer adds to the loss, and the sparsity figures."""

import keras
import numpy as np
import plotly.graph_objects as go
import pytest
from scipy.special import rel_entr

from autoaegan.figures.sparsity import activation_histogram_figure, mean_activation_figure, sparsity_loss_figure
from autoaegan.layers.regularizers import KLDivergenceRegularizer
from autoaegan.models.sparse import (
    build_kl_sparse_autoencoder,
    build_l1_sparse_autoencoder,
    build_plain_sigmoid_autoencoder,
)
from autoaegan.profiles import PROFILES
from autoaegan.seeding import set_seed

# Géron's model: 784 → 100 → 300 → 100 → 784, weights and biases.
GERON_PARAMETERS = (784 * 100 + 100) + (100 * 300 + 300) + (300 * 100 + 100) + (100 * 784 + 784)


def layer_summary(model):
    return [
        (
            type(layer).__name__,
            getattr(layer, "units", None),
            getattr(getattr(layer, "activation", None), "__name__", None),
        )
        for layer in model.layers
    ]


def test_the_kl_model_is_gerons_architecture():
    encoder, decoder, autoencoder = build_kl_sparse_autoencoder()
    assert layer_summary(encoder) == [("Flatten", None, None), ("Dense", 100, "relu"), ("Dense", 300, "sigmoid")]
    assert layer_summary(decoder) == [("Dense", 100, "relu"), ("Dense", 784, "linear"), ("Reshape", None, None)]
    assert autoencoder.layers == [encoder, decoder]
    assert autoencoder.count_params() == GERON_PARAMETERS
    regularizer = encoder.get_layer("codings").activity_regularizer
    assert type(regularizer) is KLDivergenceRegularizer
    assert (regularizer.weight, regularizer.target) == (5e-3, 0.1)
    assert encoder.output_shape == (None, 300) and autoencoder.output_shape == (None, 28, 28)


def test_the_builders_take_their_sizes_and_settings():
    encoder, _, autoencoder = build_kl_sparse_autoencoder(codings=40, target=0.05, weight=0.2, hidden=16)
    assert encoder.output_shape == (None, 40) and encoder.layers[1].units == 16
    regularizer = encoder.get_layer("codings").activity_regularizer
    assert (regularizer.weight, regularizer.target) == (0.2, 0.05)
    encoder, _, _ = build_l1_sparse_autoencoder(codings=12, l1=0.5, hidden=8)
    assert layer_summary(encoder)[-2:] == [("Dense", 12, "sigmoid"), ("ActivityRegularization", None, None)]
    assert encoder.layers[-1].l1 == 0.5
    encoder, _, autoencoder = build_plain_sigmoid_autoencoder(codings=12, hidden=8)
    assert layer_summary(encoder) == [("Flatten", None, None), ("Dense", 8, "relu"), ("Dense", 12, "sigmoid")]
    assert all(getattr(layer, "activity_regularizer", None) is None for layer in encoder.layers)


def added_loss(model, images):
    """The regularization loss a model adds on one batch (what `fit` adds to the MSE)."""
    model(images, training=True)
    return float(sum(keras.ops.convert_to_numpy(loss) for loss in model.losses))


def test_each_coding_layer_adds_its_own_penalty():
    images = np.random.default_rng(0).random((16, 28, 28)).astype(np.float32)
    set_seed(0, profile=PROFILES["test"])
    encoder, _, plain = build_plain_sigmoid_autoencoder(codings=20, hidden=10)
    assert added_loss(plain, images) == 0.0

    encoder, _, l1 = build_l1_sparse_autoencoder(codings=20, l1=1e-2, hidden=10)
    codings = keras.ops.convert_to_numpy(encoder(images))
    # Keras divides activity losses by the batch size: l1 × mean over the batch of Σ|codings|.
    assert added_loss(l1, images) == pytest.approx(1e-2 * np.abs(codings).sum() / len(images), rel=1e-4)

    encoder, _, kl = build_kl_sparse_autoencoder(codings=20, target=0.1, weight=0.5, hidden=10)
    mean = keras.ops.convert_to_numpy(encoder(images)).mean(axis=0)
    expected = 0.5 * np.sum(rel_entr(0.1, mean) + rel_entr(0.9, 1 - mean)) / len(images)
    assert added_loss(kl, images) == pytest.approx(expected, rel=1e-4)


def test_training_with_the_kl_regularizer_moves_the_mean_activations_to_the_target():
    import tensorflow as tf

    images = np.random.default_rng(1).integers(0, 256, size=(256, 28, 28), dtype=np.uint8)
    x = tf.constant(images.astype(np.float32) / 255)

    def trained_means(build, steps=60):
        set_seed(2, profile=PROFILES["test"])
        encoder, _, autoencoder = build()
        optimizer = keras.optimizers.Adam(1e-2)

        @tf.function
        def step(batch):  # what `fit` does: the MSE plus the losses the layers add
            with tf.GradientTape() as tape:
                loss = keras.ops.mean((autoencoder(batch, training=True) - batch) ** 2) + sum(autoencoder.losses)
            optimizer.apply(tape.gradient(loss, autoencoder.trainable_weights), autoencoder.trainable_weights)

        for index in range(steps):
            step(x[(index % 4) * 64 : (index % 4 + 1) * 64])
        return keras.ops.convert_to_numpy(encoder(x)).mean(axis=0)

    plain = trained_means(lambda: build_plain_sigmoid_autoencoder(codings=16, hidden=8))
    sparse = trained_means(lambda: build_kl_sparse_autoencoder(codings=16, target=0.1, weight=2.0, hidden=8))
    plain_gap, sparse_gap = np.abs(plain - 0.1).mean(), np.abs(sparse - 0.1).mean()
    assert sparse_gap < 0.5 * plain_gap, f"mean |activation - target|: KL {sparse_gap:.3f}, plain {plain_gap:.3f}"
    assert sparse_gap < 0.05, f"the KL model's neurons average {sparse_gap:.3f} away from the target 0.1"


@pytest.mark.parametrize(
    "build, arguments, message",
    [
        (build_kl_sparse_autoencoder, {"codings": 0}, "codings must be a positive integer"),
        (build_kl_sparse_autoencoder, {"target": 1.5}, "strictly between 0 and 1"),
        (build_l1_sparse_autoencoder, {"l1": -1.0}, "l1 must be a non-negative number"),
        (build_plain_sigmoid_autoencoder, {"hidden": 2.5}, "hidden must be a positive integer"),
    ],
)
def test_bad_sizes_and_settings_are_refused(build, arguments, message):
    with pytest.raises(ValueError, match=message):
        build(**arguments)


def test_the_sparsity_loss_figure_draws_kl_mse_and_mae_around_the_target():
    figure = sparsity_loss_figure(target=0.2, points=99)
    names = [trace.name for trace in figure.data]
    assert names == ["KL divergence", "MSE", "MAE"]
    kl = figure.data[0]
    q = np.asarray(kl.x)
    assert q.min() > 0 and q.max() < 1
    at_target = np.argmin(np.abs(q - 0.2))
    assert np.argmin(kl.y) == at_target and kl.y[at_target] == pytest.approx(0, abs=1e-3)
    assert kl.y[-1] > figure.data[1].y[-1], "KL should penalise a neuron that is always on more than the MSE"
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        sparsity_loss_figure(target=1.0)


def test_the_mean_activation_figure_sorts_each_models_neurons_and_marks_the_target():
    activations = {"plain": np.array([[0.2, 0.9, 0.5], [0.4, 0.7, 0.5]]), "sparse": np.full((2, 3), 0.1)}
    figure = mean_activation_figure(activations, target=0.1)
    assert [trace.name for trace in figure.data] == ["plain", "sparse"]
    np.testing.assert_allclose(figure.data[0].y, [0.8, 0.5, 0.3])
    np.testing.assert_allclose(figure.data[1].y, [0.1, 0.1, 0.1])
    assert any(shape.y0 == 0.1 for shape in figure.layout.shapes)
    with pytest.raises(ValueError, match=r"shaped \(n_inputs, n_neurons\)"):
        mean_activation_figure({"flat": np.zeros(5)})
    with pytest.raises(TypeError, match="non-empty dict"):
        mean_activation_figure(np.zeros((2, 3)))


def test_the_histograms_count_mean_and_all_activations_in_percent():
    activations = {"a": np.array([[0.05, 0.95], [0.05, 0.95]]), "b": np.random.default_rng(0).random((100, 20))}
    figure = activation_histogram_figure(activations, bins=10)
    assert isinstance(figure, go.Figure) and len(figure.data) == 4
    means_a, all_a = figure.data[0], figure.data[1]
    assert means_a.name == all_a.name == "a" and means_a.showlegend and not all_a.showlegend
    np.testing.assert_allclose(sum(all_a.y), 100)
    np.testing.assert_allclose(all_a.y[0], 50) and np.testing.assert_allclose(all_a.y[-1], 50)
    np.testing.assert_allclose(sum(figure.data[3].y), 100)
    assert len(figure.data[3].y) == 10, "the figure should hold the bin counts, not the 2,000 activations"
    with pytest.raises(ValueError, match="bins must be an integer"):
        activation_histogram_figure(activations, bins=1)

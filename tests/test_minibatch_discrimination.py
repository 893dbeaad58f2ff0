"""`MinibatchDiscrimination` (Salimans et al. 2016): closeness features across the batch, appended to the inputs."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from autoaegan.layers.minibatch_discrimination import MinibatchDiscrimination
from autoaegan.seeding import set_seed


def features(n=6, width=8, seed=0):
    return np.random.default_rng(seed).normal(size=(n, width)).astype("float32")


def reference_closeness(x, kernel):
    """The paper's formula, one pair at a time in NumPy: o(xᵢ)_b = Σ_{j≠i} exp(−‖M_{i,b} − M_{j,b}‖₁)."""
    m = np.einsum("na,abc->nbc", x.astype(np.float64), kernel.astype(np.float64))
    o = np.zeros((len(x), kernel.shape[1]))
    for i in range(len(x)):
        for j in range(len(x)):
            if i != j:
                o[i] += np.exp(-np.abs(m[i] - m[j]).sum(axis=-1))
    return o


@pytest.fixture
def layer():
    set_seed(1)
    layer = MinibatchDiscrimination(num_kernels=4, kernel_dim=3)
    layer.build((None, 8))
    return layer


def test_the_output_appends_one_feature_per_kernel(layer):
    x = features()
    y = keras.ops.convert_to_numpy(layer(x))
    assert y.shape == (6, 8 + 4)
    np.testing.assert_array_equal(y[:, :8], x)  # the inputs pass through unchanged
    assert layer.compute_output_shape((None, 8)) == (None, 12)
    assert tuple(layer.kernel.shape) == (8, 4, 3) and layer.count_params() == 8 * 4 * 3


def test_the_features_follow_the_papers_formula(layer):
    x = features()
    y = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(y[:, 8:], reference_closeness(x, layer.kernel.numpy()), rtol=1e-5, atol=1e-6)


def test_identical_samples_score_n_minus_one_and_distinct_ones_score_less(layer):
    copies = np.repeat(features(1), 5, axis=0)
    closeness = keras.ops.convert_to_numpy(layer(copies))[:, 8:]
    # Each copy is at L1 distance 0 from the 4 others: exp(0) = 1 each, itself left out.
    np.testing.assert_allclose(closeness, np.full((5, 4), 4.0), rtol=1e-6)
    spread = features(5, seed=2) * 100  # far apart: every exp(−L1) is tiny
    far = keras.ops.convert_to_numpy(layer(spread))[:, 8:]
    assert (far >= 0).all() and far.max() < 0.1
    # A batch that is half copies: the copies see each other, the varied half does not.
    mixed = np.concatenate([copies[:3], spread[:3]])
    scores = keras.ops.convert_to_numpy(layer(mixed))[:, 8:].mean(axis=1)
    assert scores[:3].min() > 1.9 and scores[3:].max() < 0.1


def test_a_sample_alone_in_its_batch_scores_zero(layer):
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(features(1)))[:, 8:], 0.0, atol=1e-7)


def test_the_features_depend_on_the_rest_of_the_batch(layer):
    x = features()
    first_alone = keras.ops.convert_to_numpy(layer(x[:3]))[0, 8:]
    first_with_others = keras.ops.convert_to_numpy(layer(x))[0, 8:]
    assert (first_with_others > first_alone).all()  # three more terms in each sum, all positive


def test_gradients_reach_the_kernel_and_every_input():
    set_seed(0)
    layer = MinibatchDiscrimination(num_kernels=3, kernel_dim=2)
    # Close samples: the exp terms are not vanishingly small, so every gradient is visibly non-zero.
    x = tf.Variable(features(4) * 0.1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x)[:, -3:])
    kernel_gradient, input_gradient = tape.gradient(loss, [layer.kernel.value, x])
    assert np.abs(kernel_gradient.numpy()).sum() > 0 and np.isfinite(kernel_gradient.numpy()).all()
    assert (np.abs(input_gradient.numpy()).sum(axis=1) > 0).all()
    # Lowering the closeness means pushing the samples apart: one gradient step must do that.
    before = float(loss)
    x.assign_sub(0.01 * input_gradient)
    assert float(tf.reduce_sum(layer(x)[:, -3:])) < before


def test_a_discriminator_with_the_layer_trains():
    set_seed(0)
    inputs = keras.Input(shape=(8,))
    hidden = MinibatchDiscrimination(5, 3)(keras.layers.Dense(16, activation="relu")(inputs))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(hidden))
    model.compile(keras.optimizers.Adam(1e-2), "binary_crossentropy")
    kernel = model.layers[2].kernel
    before = kernel.numpy().copy()
    x, y = features(64), np.tile([[0.0], [1.0]], (32, 1)).astype("float32")
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert not np.allclose(kernel.numpy(), before)


def test_the_config_round_trips_and_a_saved_model_loads(tmp_path):
    set_seed(0)
    layer = MinibatchDiscrimination(num_kernels=7, kernel_dim=2, name="mbd")
    config = layer.get_config()
    assert config["num_kernels"] == 7 and config["kernel_dim"] == 2
    clone = MinibatchDiscrimination.from_config(config)
    assert (clone.num_kernels, clone.kernel_dim, clone.name) == (7, 2, "mbd")
    assert isinstance(clone.kernel_initializer, keras.initializers.RandomNormal)

    inputs = keras.Input(shape=(8,))
    model = keras.Model(inputs, MinibatchDiscrimination(3, 2)(inputs))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # registered as autoaegan>MinibatchDiscrimination: no custom_objects
    x = features()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x)), rtol=1e-6)


@pytest.mark.parametrize("shape", [(None, 4, 4), (None, None)])
def test_it_refuses_inputs_that_are_not_flat_features(shape):
    with pytest.raises(ValueError, match="flat features"):
        MinibatchDiscrimination(2, 2).build(shape)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_it_refuses_bad_sizes(bad):
    with pytest.raises(ValueError, match="num_kernels must be a positive integer"):
        MinibatchDiscrimination(bad, 2)
    with pytest.raises(ValueError, match="kernel_dim must be a positive integer"):
        MinibatchDiscrimination(2, bad)

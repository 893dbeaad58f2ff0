"""`DenseTranspose`: a decoder layer tied to an encoder `Dense` layer's kernel."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from autoaegan.layers.dense_transpose import DenseTranspose
from autoaegan.seeding import set_seed


@pytest.fixture
def dense():
    set_seed(3, tensorflow=True)
    layer = keras.layers.Dense(5, activation="relu")
    layer.build((None, 8))
    layer.bias.assign(np.linspace(-0.5, 0.5, 5).astype("float32"))
    return layer


def codings(n=4, width=5):
    return np.random.default_rng(0).normal(size=(n, width)).astype("float32")


def test_the_output_is_the_transposed_product_plus_its_own_bias(dense):
    layer = DenseTranspose(dense, activation="sigmoid")
    x = codings()
    y = keras.ops.convert_to_numpy(layer(x))
    assert y.shape == (4, 8)
    layer.bias.assign(np.arange(8, dtype="float32") / 10)
    expected = 1 / (1 + np.exp(-(x @ dense.kernel.numpy().T + np.arange(8) / 10)))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), expected, rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None, 5)) == (None, 8)


def test_the_bias_is_made_in_build_and_sized_by_the_kernel(dense):
    layer = DenseTranspose(dense)
    assert not layer.built and not hasattr(layer, "bias")
    layer.build((None, 5))
    assert layer.built and tuple(layer.bias.shape) == (8,)
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(8))


def test_the_layer_owns_only_its_bias(dense):
    layer = DenseTranspose(dense)
    layer.build((None, 5))
    assert [tuple(w.shape) for w in layer.weights] == [(8,)]
    assert layer.count_params() == 8
    assert all(w is not dense.kernel for w in layer.weights)


def test_the_kernel_is_shared_with_the_dense_layer(dense):
    layer = DenseTranspose(dense)
    x = codings()
    before = keras.ops.convert_to_numpy(layer(x))
    dense.kernel.assign(dense.kernel.numpy() * 2)
    after = keras.ops.convert_to_numpy(layer(x))
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, x @ dense.kernel.numpy().T, rtol=1e-5, atol=1e-6)


def test_gradients_reach_the_shared_kernel_through_both_layers(dense):
    decoder = DenseTranspose(dense)
    x = np.random.default_rng(1).normal(size=(6, 8)).astype("float32")
    with tf.GradientTape() as tape:
        through_decoder_only = tf.reduce_sum(decoder(tf.constant(codings(6))) ** 2)
    (gradient,) = tape.gradient(through_decoder_only, [dense.kernel])
    assert gradient is not None and np.abs(gradient.numpy()).sum() > 0

    model = keras.Sequential([keras.Input((8,)), dense, decoder])
    assert len(model.trainable_variables) == 3  # the kernel once, two biases
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    kernel_before = dense.kernel.numpy().copy()
    model.train_on_batch(x, x)
    assert not np.allclose(dense.kernel.numpy(), kernel_before)


def test_bad_inputs_are_refused(dense):
    with pytest.raises(TypeError, match="keras.layers.Dense layer, got Conv2D"):
        DenseTranspose(keras.layers.Conv2D(3, 3))
    with pytest.raises(ValueError, match="expects inputs with 5 features .* got input shape \\(None, 7\\)"):
        DenseTranspose(dense).build((None, 7))
    with pytest.raises(ValueError, match="is not built yet"):
        DenseTranspose(keras.layers.Dense(3)).build((None, 3))


def test_config_round_trip_keeps_activation_and_tied_layer_shape(dense):
    layer = DenseTranspose(dense, activation="sigmoid", name="tied")
    layer.build((None, 5))
    config = layer.get_config()
    assert config["activation"] == "sigmoid" and config["name"] == "tied"
    copy = DenseTranspose.from_config(config)
    assert copy.dense is not dense and copy.dense.units == 5
    assert keras.ops.convert_to_numpy(copy(codings())).shape == (4, 8)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(restored) is DenseTranspose and restored.activation is keras.activations.sigmoid


def test_a_tied_autoencoder_saves_and_loads_its_weights(tmp_path):
    from autoaegan.models.stacked import build_tied_autoencoder

    set_seed(1, tensorflow=True)
    _, _, saved = build_tied_autoencoder("relu_mse", hidden=16, codings=4)
    images = np.random.default_rng(2).random((3, 28, 28)).astype("float32")
    path = tmp_path / "tied.weights.h5"
    saved.save_weights(path)
    _, _, loaded = build_tied_autoencoder("relu_mse", hidden=16, codings=4)
    assert not np.allclose(loaded.predict(images, verbose=0), saved.predict(images, verbose=0))
    loaded.load_weights(path)
    np.testing.assert_allclose(loaded.predict(images, verbose=0), saved.predict(images, verbose=0), rtol=1e-6)

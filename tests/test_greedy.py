"""Training one autoencoder at a time: greedy stages of any depth, stacked and fine-tuned."""

import keras
import numpy as np
import pytest

from autoaegan.models.greedy import build_shallow_autoencoder, encode, train_greedy_autoencoder
from autoaegan.pretrained.catalog import FAST_RECIPE
from autoaegan.profiles import PROFILES
from autoaegan.seeding import set_seed

TEST = PROFILES["test"]
QUICK = FAST_RECIPE.with_changes(jit_compile=False, steps_per_execution=1, batch_size=32)


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).integers(0, 256, size=(64, 28, 28), dtype=np.uint8)


def kernel_shapes(model):
    return [tuple(layer.kernel.shape) for layer in model.layers if isinstance(layer, keras.layers.Dense)]


@pytest.mark.parametrize("sizes", [(20,), (24, 8), (32, 16, 6)], ids=["depth 1", "depth 2", "depth 3"])
def test_any_depth_trains_stage_by_stage_then_stacks(images, sizes):
    set_seed(0, profile=TEST)
    result = train_greedy_autoencoder(
        images,
        images[:16],
        variant="relu_mse",
        sizes=sizes,
        stage_epochs=1,
        fine_tune_epochs=1,
        recipe=QUICK,
        profile=TEST,
        verbose=0,
    )
    assert len(result.stage_histories) == len(sizes)
    assert result.encoder.output_shape == (None, sizes[-1])
    assert result.autoencoder.input_shape == (None, 28, 28) and result.autoencoder.output_shape == (None, 28, 28)
    widths = (784, *sizes)
    assert kernel_shapes(result.encoder) == list(zip(widths, widths[1:]))
    assert kernel_shapes(result.decoder) == [(b, a) for a, b in zip(widths, widths[1:])][::-1]
    assert "val_loss" in result.stage_histories[0].history
    assert result.fine_tune_history is not None and "val_rounded_accuracy" in result.fine_tune_history.history


def test_later_stages_reconstruct_the_codings_of_the_stage_below(images):
    set_seed(0, profile=TEST)
    result = train_greedy_autoencoder(
        images,
        variant="slides",
        sizes=(24, 8),
        stage_epochs=1,
        fine_tune_epochs=0,
        recipe=QUICK,
        profile=TEST,
        verbose=0,
    )
    assert result.fine_tune_history is None
    first, second = result.stage_histories
    # Stage 1 reconstructs pixels with the variant's loss and metrics; stage 2 reconstructs SELU codings with the MSE.
    assert "rounded_accuracy" in first.history and "rounded_accuracy" not in second.history
    first_encoder = [layer for layer in result.encoder.layers if isinstance(layer, keras.layers.Dense)][0]
    codings = encode(first_encoder, images)
    assert codings.dtype == np.float32 and codings.shape == (64, 24)
    second_decoder = [layer for layer in result.decoder.layers if isinstance(layer, keras.layers.Dense)][0]
    assert second_decoder.get_config()["activation"] == "selu"


def test_the_stack_without_fine_tuning_chains_the_stage_layers(images):
    set_seed(0, profile=TEST)
    result = train_greedy_autoencoder(
        images,
        variant="relu_mse",
        sizes=(16, 4),
        stage_epochs=1,
        fine_tune_epochs=0,
        recipe=QUICK,
        profile=TEST,
        verbose=0,
    )
    enc1, enc2 = [layer for layer in result.encoder.layers if isinstance(layer, keras.layers.Dense)]
    by_stages = encode(enc2, encode(enc1, images))
    np.testing.assert_allclose(result.encoder.predict(images / 255.0, verbose=0), by_stages, rtol=1e-4, atol=1e-5)


def test_encode_flattens_and_scales_images(images):
    layer = keras.layers.Dense(3, use_bias=False, kernel_initializer="ones")
    from_uint8 = encode(layer, images[:5])
    np.testing.assert_allclose(from_uint8[:, 0], images[:5].reshape(5, -1).sum(axis=1) / 255.0, rtol=1e-4)
    np.testing.assert_allclose(encode(layer, images[:5] / 255.0), from_uint8, rtol=1e-5)


def test_shallow_autoencoder_shapes():
    encoding, decoding, model = build_shallow_autoencoder(
        (28, 28), 10, hidden_activation="selu", output_activation="sigmoid"
    )
    assert model.output_shape == (None, 28, 28) and (encoding.units, decoding.units) == (10, 784)
    _, _, flat = build_shallow_autoencoder((100,), 30, hidden_activation="relu", output_activation="relu")
    assert flat.output_shape == (None, 100) and len(flat.layers) == 2


def test_bad_arguments_are_refused(images):
    with pytest.raises(ValueError, match="non-empty sequence of positive integers"):
        train_greedy_autoencoder(images, sizes=(), profile=TEST)
    with pytest.raises(ValueError, match="non-empty sequence of positive integers"):
        train_greedy_autoencoder(images, sizes=(10, 0), profile=TEST)
    with pytest.raises(ValueError, match=r"images of shape \(n, 28, 28\), got an array of shape \(64, 784\)"):
        train_greedy_autoencoder(images.reshape(64, -1), profile=TEST)

"""The KL-divergence sparsity regularizer: its value, its response to the activations, and its configuration."""

import keras
import numpy as np
import pytest
from scipy.special import rel_entr

from autoaegan.layers.regularizers import KLDivergenceRegularizer


def reference_penalty(activations, target, weight):
    """Independent numpy reference: weight × Σ_neurons KL(Bernoulli(target) ‖ Bernoulli(mean activation))."""
    mean = np.clip(np.asarray(activations, dtype=np.float64).mean(axis=0), 1e-7, 1 - 1e-7)
    return weight * np.sum(rel_entr(target, mean) + rel_entr(1 - target, 1 - mean))


def penalty(regularizer, activations) -> float:
    return float(keras.ops.convert_to_numpy(regularizer(np.asarray(activations, dtype=np.float32))))


@pytest.mark.parametrize("target, weight, shape", [(0.1, 5e-3, (32, 300)), (0.05, 1.0, (7, 13)), (0.5, 0.3, (64, 4))])
def test_the_value_matches_a_numpy_reference_on_random_activations(target, weight, shape):
    activations = np.random.default_rng(3).random(shape).astype(np.float32)
    value = penalty(KLDivergenceRegularizer(weight=weight, target=target), activations)
    np.testing.assert_allclose(value, reference_penalty(activations, target, weight), rtol=1e-4)
    assert value > 0


def test_sigmoid_like_activations_far_from_the_target_match_the_reference():
    activations = 1 / (1 + np.exp(-np.random.default_rng(4).normal(2.0, 1.5, size=(50, 30))))
    regularizer = KLDivergenceRegularizer(weight=5e-3, target=0.1)
    np.testing.assert_allclose(penalty(regularizer, activations), reference_penalty(activations, 0.1, 5e-3), rtol=1e-4)


def test_it_is_zero_when_every_neuron_averages_the_target():
    regularizer = KLDivergenceRegularizer(weight=1.0, target=0.1)
    assert penalty(regularizer, np.full((16, 5), 0.1)) == pytest.approx(0.0, abs=1e-6)
    # Means at the target, single activations not: only the batch mean counts.
    activations = np.tile([[0.0], [0.2]], (8, 5))
    assert penalty(regularizer, activations) == pytest.approx(0.0, abs=1e-6)


def test_it_grows_away_from_the_target_and_shrinks_toward_it():
    regularizer = KLDivergenceRegularizer(weight=1.0, target=0.1)
    values = {q: penalty(regularizer, np.full((8, 3), q)) for q in (0.001, 0.02, 0.05, 0.1, 0.2, 0.5, 0.9)}
    below = [values[q] for q in (0.001, 0.02, 0.05, 0.1)]
    above = [values[q] for q in (0.1, 0.2, 0.5, 0.9)]
    assert all(a > b for a, b in zip(below, below[1:])), f"not decreasing toward the target from below: {below}"
    assert all(a < b for a, b in zip(above, above[1:])), f"not increasing away from the target above it: {above}"


def test_the_weight_scales_the_penalty_and_extremes_stay_finite():
    activations = np.random.default_rng(5).random((10, 6))
    light, heavy = KLDivergenceRegularizer(weight=0.01), KLDivergenceRegularizer(weight=0.03)
    assert penalty(heavy, activations) == pytest.approx(3 * penalty(light, activations), rel=1e-5)
    for constant in (0.0, 1.0):
        value = penalty(light, np.full((4, 6), constant))
        assert np.isfinite(value) and value > 0


def test_it_works_on_symbolic_tensors_and_gives_gradients():
    import tensorflow as tf

    activations = tf.Variable(np.full((4, 3), 0.3, dtype=np.float32))
    with tf.GradientTape() as tape:
        loss = KLDivergenceRegularizer(weight=1.0, target=0.1)(activations)
    gradient = tape.gradient(loss, activations).numpy()
    assert np.all(gradient > 0), "above the target, raising an activation should raise the penalty"


def test_config_round_trip_and_serialization():
    regularizer = KLDivergenceRegularizer(weight=0.02, target=0.05)
    assert regularizer.get_config() == {"weight": 0.02, "target": 0.05}
    copy = KLDivergenceRegularizer.from_config(regularizer.get_config())
    assert type(copy) is KLDivergenceRegularizer and copy.get_config() == regularizer.get_config()
    restored = keras.regularizers.deserialize(keras.regularizers.serialize(regularizer))
    assert type(restored) is KLDivergenceRegularizer and restored.get_config() == regularizer.get_config()


def test_a_saved_model_keeps_its_regularizer(tmp_path):
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(3, activation="sigmoid", activity_regularizer=KLDivergenceRegularizer(0.2, 0.3)),
        ]
    )
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    regularizer = loaded.layers[0].activity_regularizer
    assert type(regularizer) is KLDivergenceRegularizer
    assert (regularizer.weight, regularizer.target) == (0.2, 0.3)


def test_as_an_activity_regularizer_keras_adds_it_divided_by_the_batch_size():
    layer = keras.layers.Dense(3, activation="sigmoid", activity_regularizer=KLDivergenceRegularizer(1.0, 0.1))
    x = np.random.default_rng(6).normal(size=(8, 5)).astype(np.float32)
    activations = keras.ops.convert_to_numpy(layer(x))
    (loss,) = layer.losses
    np.testing.assert_allclose(float(loss), reference_penalty(activations, 0.1, 1.0) / 8, rtol=1e-4)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"target": 0.0}, "strictly between 0 and 1"),
        ({"target": 1.0}, "strictly between 0 and 1"),
        ({"target": "0.1"}, "strictly between 0 and 1"),
        ({"weight": -1e-3}, "non-negative"),
        ({"weight": float("nan")}, "non-negative"),
    ],
)
def test_bad_arguments_are_refused_clearly(arguments, message):
    with pytest.raises(ValueError, match=message):
        KLDivergenceRegularizer(**arguments)


def test_activations_without_a_batch_axis_are_refused():
    with pytest.raises(ValueError, match=r"shaped \(batch, neurons\)"):
        KLDivergenceRegularizer()(np.full(5, 0.1, dtype=np.float32))


def test_an_l1_activity_penalty_is_a_mean_per_image_whatever_the_batch_size():
    # Since Keras 3.14 (keras-team/keras PR #22021) a layer divides its activity penalty by the batch size:
    # the l1 sum over a batch twice as large, made of the same images, gives the same loss.
    layer = keras.layers.ActivityRegularization(l1=0.5)
    images = np.random.default_rng(7).random((4, 6)).astype(np.float32)
    losses = []
    for batch in (images, np.concatenate([images, images])):
        layer(batch)
        losses.append(float(keras.ops.convert_to_numpy(layer.losses[0])))
    np.testing.assert_allclose(losses, [0.5 * np.abs(images).sum() / 4] * 2, rtol=1e-5)

"""Experience replay: the ring buffer of past fakes, and the GAN whose discriminator trains on them."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from autoaegan.data.pipeline import make_dataset
from autoaegan.models.gan import GAN, build_dense_discriminator, build_dense_generator
from autoaegan.models.replay import ReplayBuffer, ReplayGAN
from autoaegan.seeding import set_seed


def numbered(start, n, shape=(2,)):
    """Items whose every value is their number: item k is full of k."""
    return np.broadcast_to(
        np.arange(start, start + n, dtype="float32").reshape(-1, *([1] * len(shape))), (n, *shape)
    ).copy()


def stored(buffer):
    return keras.ops.convert_to_numpy(buffer.items)[:, 0]


# --- the buffer ----------------------------------------------------------------------------------------------------


def test_the_buffer_fills_then_overwrites_its_oldest_items():
    buffer = ReplayBuffer(5, (2,), seed=0)
    assert int(buffer.size()) == 0
    buffer.add(numbered(1, 3))
    assert int(buffer.size()) == 3
    np.testing.assert_array_equal(stored(buffer), [1, 2, 3, 0, 0])
    buffer.add(numbered(4, 3))  # 4 and 5 fill the buffer, 6 takes the place of the oldest, 1
    assert int(buffer.size()) == 5
    np.testing.assert_array_equal(stored(buffer), [6, 2, 3, 4, 5])
    buffer.add(numbered(7, 4))  # then 2, 3, 4 and 5 go, oldest first
    np.testing.assert_array_equal(stored(buffer), [6, 7, 8, 9, 10])
    assert int(buffer.size()) == 5 and int(buffer.added) == 10


def test_samples_come_only_from_stored_items_and_uniformly():
    buffer = ReplayBuffer(10, (3,), seed=1)
    buffer.add(numbered(1, 4, (3,)))  # 6 slots still empty (zeros): they must never be drawn
    drawn = keras.ops.convert_to_numpy(buffer.sample(4_000))
    assert drawn.shape == (4_000, 3)
    values, counts = np.unique(drawn[:, 0], return_counts=True)
    np.testing.assert_array_equal(values, [1, 2, 3, 4])
    # Uniform: each of the 4 items about 1,000 times (the standard deviation of a count is about 27).
    assert counts.min() > 850 and counts.max() < 1_150


def test_an_empty_buffer_samples_zeros():
    buffer = ReplayBuffer(4, (2,), seed=0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(buffer.sample(3)), np.zeros((3, 2)))


def test_the_same_seed_draws_the_same_samples():
    first, second = ReplayBuffer(8, (1,), seed=7), ReplayBuffer(8, (1,), seed=7)
    for buffer in (first, second):
        buffer.add(numbered(1, 8, (1,)))
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(first.sample(20)), keras.ops.convert_to_numpy(second.sample(20))
    )


def test_the_buffer_works_inside_a_compiled_function():
    buffer = ReplayBuffer(6, (2,), seed=0)

    @tf.function(jit_compile=True)
    def step(items):
        buffer.add(items)
        return buffer.sample(5), buffer.size()

    step(tf.constant(numbered(1, 4)))
    drawn, size = step(tf.constant(numbered(5, 4)))
    assert int(size) == 6
    np.testing.assert_array_equal(stored(buffer), [7, 8, 3, 4, 5, 6])
    assert set(drawn.numpy()[:, 0]) <= {3, 4, 5, 6, 7, 8}


def test_the_buffer_refuses_bad_input():
    with pytest.raises(ValueError, match="capacity must be a positive integer"):
        ReplayBuffer(0, (2,))
    with pytest.raises(TypeError, match="item_shape must be a tuple"):
        ReplayBuffer(4, 2)
    buffer = ReplayBuffer(4, (2,))
    with pytest.raises(ValueError, match="cannot add 5 items at once to a buffer of capacity 4"):
        buffer.add(numbered(1, 5))
    with pytest.raises(ValueError, match=r"items must be shaped \(n, \*\(2,\)\)"):
        buffer.add(np.zeros((2, 3), "float32"))


def test_the_buffers_variables_are_non_trainable_and_its_config_round_trips():
    buffer = ReplayBuffer(4, (2, 3), seed=5, name="replay")
    assert buffer.trainable_variables == []
    assert {v.path for v in buffer.non_trainable_variables} >= {"replay/items", "replay/added"}
    clone = ReplayBuffer.from_config(buffer.get_config())
    assert (clone.capacity, clone.item_shape, clone.seed) == (4, (2, 3), 5)


# --- the GAN -------------------------------------------------------------------------------------------------------


def small_replay_gan(**kwargs):
    set_seed(0)
    gan = ReplayGAN(build_dense_generator(8, units=(16,)), build_dense_discriminator(units=(16,)), seed=0, **kwargs)
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    return gan


def rows_in(rows, pool):
    """For each of `rows`, whether it is exactly one of the rows of `pool`."""
    flat_pool = pool.reshape(len(pool), -1)
    return np.array([(flat_pool == row.reshape(-1)).all(axis=1).any() for row in rows])


def test_the_first_step_shows_only_fresh_fakes_and_stores_them():
    gan = small_replay_gan(replay_capacity=32)
    fakes = keras.ops.convert_to_numpy(gan.discriminator_fakes(8))
    assert int(gan.replay.size()) == 8
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(gan.replay.items)[:8], fakes)


def test_later_steps_mix_replayed_and_fresh_fakes():
    gan = small_replay_gan(replay_capacity=32, replay_fraction=0.5)
    gan.discriminator_fakes(8)
    past = keras.ops.convert_to_numpy(gan.replay.items)[:8].copy()
    gan.generator.set_weights([w * 1.5 for w in gan.generator.get_weights()])  # a new generator: new fakes
    fakes = keras.ops.convert_to_numpy(gan.discriminator_fakes(8))
    assert rows_in(fakes[:4], past).all()  # the first half replayed from the buffer
    assert not rows_in(fakes[4:], past).any()  # the second half fresh
    now_stored = keras.ops.convert_to_numpy(gan.replay.items)[:16]
    assert int(gan.replay.size()) == 16 and rows_in(fakes[4:], now_stored[8:]).all()


@pytest.mark.parametrize("fraction, replayed", [(0.0, 0), (0.25, 2), (1.0, 8)])
def test_the_replayed_share_follows_the_fraction(fraction, replayed):
    gan = small_replay_gan(replay_capacity=64, replay_fraction=fraction)
    gan.discriminator_fakes(8)
    past = keras.ops.convert_to_numpy(gan.replay.items)[:8].copy()
    gan.generator.set_weights([w * 1.5 for w in gan.generator.get_weights()])
    fakes = keras.ops.convert_to_numpy(gan.discriminator_fakes(8))
    assert int(rows_in(fakes, past).sum()) == replayed


def test_phase_one_leaves_the_generator_alone_and_trains_the_discriminator():
    gan = small_replay_gan(replay_capacity=32)
    generator_before = [w.copy() for w in gan.generator.get_weights()]
    discriminator_before = [w.copy() for w in gan.discriminator.get_weights()]
    images = (np.random.default_rng(0).random((8, 28, 28)) * 255).astype("uint8")
    for _ in range(2):
        gan.discriminator_step(images)
    for before, after in zip(generator_before, gan.generator.get_weights()):
        np.testing.assert_array_equal(before, after)
    assert all(not np.array_equal(b, a) for b, a in zip(discriminator_before, gan.discriminator.get_weights()))


def test_a_replay_gan_trains_with_fit():
    set_seed(0)
    gan = ReplayGAN(
        build_dense_generator(8, units=(16,)), build_dense_discriminator(units=(16,)), seed=0, replay_capacity=48
    )
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3), steps_per_execution=2)
    images = (np.random.default_rng(0).random((96, 28, 28)) * 255).astype("uint8")
    history = gan.fit(make_dataset(images, batch_size=16, drop_remainder=True), epochs=2, verbose=0).history
    assert all(np.isfinite(values).all() for values in history.values())
    assert int(gan.replay.added) == 2 * 96 and int(gan.replay.size()) == 48
    assert float(keras.ops.max(keras.ops.abs(gan.replay.items))) > 0


def test_the_replay_gan_is_a_gan_and_its_config_round_trips():
    gan = small_replay_gan(replay_capacity=20, replay_fraction=0.25)
    assert isinstance(gan, GAN) and gan.replay_capacity == 20
    clone = ReplayGAN.from_config(gan.get_config())
    assert (clone.replay_capacity, clone.replay_fraction, clone.seed) == (20, 0.25, 0)


@pytest.mark.parametrize("bad", [-0.1, 1.5, "half", True])
def test_the_replay_gan_refuses_a_bad_fraction(bad):
    with pytest.raises(ValueError, match=r"replay_fraction must be a number in \[0, 1\]"):
        ReplayGAN(build_dense_generator(8, units=(16,)), build_dense_discriminator(units=(16,)), replay_fraction=bad)

"""Experience replay for GANs: the discriminator also trains on fakes from earlier generators.

The slides' first fix for unstable training. Phase 1 of `GAN.train_step` normally
shows the discriminator only what the current generator makes, so the
discriminator can overfit the generator's latest outputs, and the two chase each
other from one mode to the next. With experience replay every fake the generator
makes is also stored in a **replay buffer** of fixed capacity, where the newest
images overwrite the oldest; each discriminator batch then mixes fresh fakes with
fakes drawn uniformly from the buffer (Shrivastava et al. 2017 train their
refiner's discriminator this way, half and half). A discriminator that must still
reject last epoch's shoes cannot simply forget them, so the generator gains less
by cycling back to them.

`ReplayBuffer` keeps the images in non-trainable Keras variables (a ring buffer),
so that adding and sampling work inside a traced, XLA-compiled `train_step`.
`ReplayGAN` is the shared `GAN` with the buffer in phase 1; phase 2 is unchanged.
"""

from __future__ import annotations

import keras
from keras import ops

from autoaegan.arguments import positive_int, real_number
from autoaegan.models.gan import GAN

DEFAULT_CAPACITY = 4_096
DEFAULT_FRACTION = 0.5


@keras.saving.register_keras_serializable(package="autoaegan")
class ReplayBuffer(keras.layers.Layer):
    """A ring buffer of at most `capacity` items of shape `item_shape`, held in non-trainable variables.

    `add(items)` stores a batch, overwriting the oldest items once the buffer is
    full; `sample(n)` draws n stored items uniformly, with replacement, from a
    `keras.random.SeedGenerator` seeded with `seed`. `size()` is the number of
    items stored, at most `capacity`. A batch added at once may not exceed the
    capacity. Both methods run eagerly or inside a traced function.
    """

    def __init__(self, capacity: int, item_shape, *, seed: int | None = None, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.capacity = positive_int(capacity, "capacity")
        try:
            self.item_shape = tuple(positive_int(side, "each side of item_shape") for side in item_shape)
        except TypeError:
            raise TypeError(f"item_shape must be a tuple of positive integers, got {item_shape!r}") from None
        self.seed = seed
        self.items = self.add_weight(
            name="items", shape=(self.capacity, *self.item_shape), initializer="zeros", trainable=False
        )
        # The count of items ever added: the next slot is added % capacity, the size min(added, capacity).
        self.added = self.add_weight(name="added", shape=(), dtype="int32", initializer="zeros", trainable=False)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    def size(self):
        """The number of items stored (a scalar int32 tensor): the items added so far, at most `capacity`."""
        return ops.minimum(self.added.value, self.capacity)

    def add(self, items) -> None:
        """Store a batch of items `(n, *item_shape)`, n ≤ `capacity`, in place of the oldest ones once full."""
        shape = tuple(items.shape)
        if shape[1:] != self.item_shape:
            raise ValueError(f"items must be shaped (n, *{self.item_shape}), got {shape}")
        if shape[0] is not None and shape[0] > self.capacity:
            raise ValueError(f"cannot add {shape[0]} items at once to a buffer of capacity {self.capacity}")
        n = ops.shape(items)[0]
        slots = ops.mod(self.added.value + ops.arange(n, dtype="int32"), self.capacity)
        self.items.assign(
            ops.scatter_update(self.items.value, ops.expand_dims(slots, 1), ops.cast(items, self.items.dtype))
        )
        self.added.assign(self.added.value + ops.cast(n, "int32"))

    def sample(self, n):
        """`n` stored items `(n, *item_shape)`, drawn uniformly with replacement; zeros while the buffer is empty."""
        # maxval at least 1 so that the draw is defined when empty; slot 0 then holds the initial zeros.
        slots = keras.random.randint((n,), 0, ops.maximum(self.size(), 1), dtype="int32", seed=self.seed_generator)
        return ops.take(self.items.value, slots, axis=0)

    def get_config(self):
        return {
            **super().get_config(),
            "capacity": self.capacity,
            "item_shape": list(self.item_shape),
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package="autoaegan")
class ReplayGAN(GAN):
    """The shared `GAN` with experience replay: phase 1 replaces a share of its fresh fakes by replayed ones.

    Each discriminator step makes `batch_size` fresh fakes as usual, replaces the
    first `round(replay_fraction × batch_size)` of them by fakes drawn from the
    `ReplayBuffer` (of `replay_capacity` images), and then stores all the fresh
    ones in the buffer. On the first step the buffer is empty and every fake is
    fresh. The buffer's images are in the generator's value range. Phase 2, and
    everything else of `GAN` (compile, metrics, sampling), is unchanged;
    `d_fake_accuracy` counts the replayed fakes with the fresh ones.
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        *,
        replay_capacity: int = DEFAULT_CAPACITY,
        replay_fraction: float = DEFAULT_FRACTION,
        **kwargs,
    ):
        super().__init__(generator, discriminator, **kwargs)
        self.replay_fraction = real_number(
            replay_fraction, "replay_fraction", expected="a number in [0, 1]", accept=lambda v: 0.0 <= v <= 1.0
        )
        # The buffer's own seed stream, distinct from the codings' but fixed by the same seed.
        self.replay = ReplayBuffer(
            replay_capacity,
            tuple(generator.output_shape)[1:],
            seed=None if self.seed is None else self.seed + 1,
            name="replay_buffer",
        )

    @property
    def replay_capacity(self) -> int:
        """How many fakes the buffer holds at most."""
        return self.replay.capacity

    def discriminator_fakes(self, batch_size):
        """Fresh fakes, the first `replay_fraction` of them swapped for replayed ones; the fresh ones are stored."""
        fresh = super().discriminator_fakes(batch_size)
        replayed = self.replay.sample(batch_size)
        replayed_count = ops.cast(ops.round(self.replay_fraction * ops.cast(batch_size, "float32")), "int32")
        # Where the buffer is still empty it has nothing to replay: every fake stays fresh.
        replayed_count = ops.where(self.replay.size() > 0, replayed_count, 0)
        rows = ops.arange(batch_size, dtype="int32") < replayed_count
        mask = ops.reshape(rows, (-1,) + (1,) * (len(fresh.shape) - 1))
        fakes = ops.where(mask, ops.cast(replayed, fresh.dtype), fresh)
        self.replay.add(fresh)
        return fakes

    def get_config(self):
        return {
            **super().get_config(),
            "replay_capacity": self.replay_capacity,
            "replay_fraction": self.replay_fraction,
        }

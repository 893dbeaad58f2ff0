"""`MinibatchDiscrimination`: let a discriminator compare each sample with the rest of its batch.

Salimans et al. (2016), section 3.2. A collapsed generator makes batches of near
copies, yet a discriminator that judges one image at a time cannot see that: each
copy, alone, may look real. This layer gives it the batch as side information.
With `f(xᵢ)` the A features of sample i (a hidden layer's output), a learned tensor
T of shape A × B × C projects them to a matrix Mᵢ = f(xᵢ)·T of B rows of C numbers.
For each row b it measures how close sample i is to every other sample j,

    c_b(xᵢ, xⱼ) = exp(−‖M_{i,b} − M_{j,b}‖₁),   o(xᵢ)_b = Σ_{j ≠ i} c_b(xᵢ, xⱼ),

and appends the B numbers o(xᵢ) to the features. In a batch of near copies every
o is close to n − 1; among varied real images it stays small. The next layer can
then reject a whole batch that lacks diversity, and the generator's gradient pushes
its samples apart.
"""

from __future__ import annotations

import keras
from keras import ops

from autoaegan.arguments import positive_int


@keras.saving.register_keras_serializable(package="autoaegan")
class MinibatchDiscrimination(keras.layers.Layer):
    """Features `(batch, A)` → `(batch, A + num_kernels)`: the inputs followed by the B closeness features.

    `num_kernels` is B (the number of rows of each projected matrix), `kernel_dim` C
    (their length). The layer owns one weight, the tensor T `(A, B, C)`, made in
    `build()` and drawn by `kernel_initializer`. The closeness of a sample to itself
    (always exp(0) = 1) is left out. Every output row depends on the whole batch, so a
    batch of one gets zeros.
    """

    def __init__(self, num_kernels: int = 50, kernel_dim: int = 5, *, kernel_initializer=None, **kwargs):
        super().__init__(**kwargs)
        self.num_kernels = positive_int(num_kernels, "num_kernels")
        self.kernel_dim = positive_int(kernel_dim, "kernel_dim")
        # N(0, 0.05²) by default, the initial T of Salimans et al.'s code (openai/improved-gan).
        default = keras.initializers.RandomNormal(stddev=0.05)
        self.kernel_initializer = keras.initializers.get(kernel_initializer or default)

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                "MinibatchDiscrimination expects flat features (batch, features) with a known number of features, "
                f"got input shape {tuple(input_shape)}: put a Flatten or Dense layer before it"
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_shape[-1], self.num_kernels, self.kernel_dim),
            initializer=self.kernel_initializer,
        )

    def closeness(self, inputs):
        """o(xᵢ) for each sample: `(batch, num_kernels)`, the sum of exp(−L1) to every other sample, row by row."""
        features = ops.shape(self.kernel)[0]
        projection = ops.matmul(inputs, ops.reshape(self.kernel, (features, self.num_kernels * self.kernel_dim)))
        rows = ops.reshape(projection, (-1, self.num_kernels, self.kernel_dim))  # Mᵢ: (batch, B, C)
        # Every pair (i, j) at once: (batch, 1, B, C) − (1, batch, B, C) → L1 over C → (batch, batch, B).
        distances = ops.sum(ops.abs(ops.expand_dims(rows, 1) - ops.expand_dims(rows, 0)), axis=-1)
        # The diagonal term is exp(−0) = 1 exactly: subtracting it leaves out each sample's closeness to itself.
        return ops.sum(ops.exp(-distances), axis=1) - 1.0

    def call(self, inputs):
        return ops.concatenate([inputs, ops.cast(self.closeness(inputs), inputs.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + self.num_kernels)

    def get_config(self):
        return {
            **super().get_config(),
            "num_kernels": self.num_kernels,
            "kernel_dim": self.kernel_dim,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }

"""The KL-divergence sparsity regularizer of sparse autoencoders (Ng 2011; Géron, chapter 17).

Each coding neuron should be active on a small share of the inputs, the target
sparsity p (e.g. 0.1). Over a batch, the neuron's mean activation q is its measured
sparsity; the penalty is the Kullback-Leibler divergence between two Bernoulli
distributions, summed over the neurons and multiplied by a weight:

    weight * sum_j [ p log(p / q_j) + (1 - p) log((1 - p) / (1 - q_j)) ]

It is zero when every q_j equals p and grows steeply as q_j approaches 0 or 1,
so it suits activations in [0, 1], such as a sigmoid layer's. Used as a layer's
`activity_regularizer`. Since Keras 3.14 (keras-team/keras PR #22021), a layer
divides what its activity regularizer returns by the batch size, as tf.keras did
in Géron's notebook; Keras 3.0 to 3.13 added it undivided. The penalty computed
here is one number per batch, so its pressure per image then depends on the batch
size: `weight` 5e-3 at batch 32 pushes as hard as 2e-2 at batch 128.
"""

from __future__ import annotations

import keras
from keras import ops

from autoaegan.arguments import real_number

# Keeps log(q) and log(1 - q) finite when a neuron is always off or always on in a batch.
EPSILON = 1e-7


def _check_target(target) -> float:
    expected = "a number strictly between 0 and 1 (a share of active inputs)"
    return real_number(target, "target", expected=expected, accept=lambda value: 0.0 < value < 1.0)


def _check_weight(weight) -> float:
    return real_number(weight, "weight", expected="a non-negative number", accept=lambda value: value >= 0.0)


@keras.saving.register_keras_serializable(package="autoaegan")
class KLDivergenceRegularizer(keras.regularizers.Regularizer):
    """Penalise coding neurons whose mean activation over the batch differs from `target` (KL divergence).

    `weight` scales the penalty against the reconstruction loss (Géron: 5e-3 with an
    MSE loss, target 0.1). Activations are shaped (batch, ...): the mean runs over
    the batch axis, the sum over every neuron.
    """

    def __init__(self, weight: float = 5e-3, target: float = 0.1):
        self.weight = _check_weight(weight)
        self.target = _check_target(target)

    def __call__(self, activations):
        activations = ops.convert_to_tensor(activations)
        if len(activations.shape) < 2:
            raise ValueError(
                f"expected activations shaped (batch, neurons), got a tensor of shape {tuple(activations.shape)}"
            )
        mean = ops.clip(ops.mean(activations, axis=0), EPSILON, 1.0 - EPSILON)
        p = self.target
        divergence = p * ops.log(p / mean) + (1.0 - p) * ops.log((1.0 - p) / (1.0 - mean))
        # A divergence is never negative; float32 rounding can make it -1e-8 right at the target.
        return self.weight * ops.sum(ops.maximum(divergence, 0.0))

    def get_config(self) -> dict:
        """The constructor's arguments, for saving and `from_config`."""
        return {"weight": self.weight, "target": self.target}

    def __repr__(self) -> str:
        return f"KLDivergenceRegularizer(weight={self.weight!r}, target={self.target!r})"

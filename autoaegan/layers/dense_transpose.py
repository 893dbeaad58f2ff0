"""`DenseTranspose`: a decoder layer that reuses an encoder `Dense` layer's kernel, transposed (tied weights).

A `Dense(units)` layer maps `n` inputs to `units` outputs with an `n × units`
kernel. Its transpose maps `units` values back to `n`: that is the mirror layer
of a symmetric autoencoder. Tying the two halves the weights of the model, and
the decoder learns only its own biases.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="autoaegan")
class DenseTranspose(keras.layers.Layer):
    """Compute `activation(inputs @ dense.kernel.T + bias)`, sharing `dense`'s kernel.

    `dense` must be a built `keras.layers.Dense`. Gradients reach its kernel
    through both layers. The layer owns one weight, its bias, sized in `build()`
    from the kernel's first dimension (the inputs of `dense`), once the build
    argument has been checked against `dense.units`.
    """

    def __init__(self, dense: keras.layers.Dense, activation=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(dense, keras.layers.Dense):
            raise TypeError(f"dense must be a keras.layers.Dense layer, got {type(dense).__name__}")
        # Held without Keras' tracking: the kernel (and bias) belong to `dense`; tracked, they
        # would count among this layer's weights, in its summary and in its saved weights.
        object.__setattr__(self, "dense", dense)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        if not self.dense.built:
            raise ValueError(
                f"the tied Dense layer {self.dense.name!r} is not built yet: build it (or the encoder that holds it) "
                "before the DenseTranspose layer"
            )
        if input_shape[-1] is not None and input_shape[-1] != self.dense.units:
            raise ValueError(
                f"DenseTranspose tied to {self.dense.name!r} expects inputs with {self.dense.units} features "
                f"(the Dense layer's units), got input shape {tuple(input_shape)}"
            )
        n_outputs = self.dense.kernel.shape[0]
        self.bias = self.add_weight(name="bias", shape=(n_outputs,), initializer="zeros")

    def call(self, inputs):
        return self.activation(ops.matmul(inputs, ops.transpose(self.dense.kernel)) + self.bias)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.dense.kernel.shape[0])

    def get_config(self):
        """The activation and the tied layer's own config.

        A config describes an architecture, not shared objects: `from_config` makes a
        layer tied to a new, untied copy of the `Dense` layer. To restore a tied model,
        rebuild it (e.g. `build_tied_autoencoder`) and load its weights.
        """
        return {
            **super().get_config(),
            "activation": keras.activations.serialize(self.activation),
            "dense": keras.saving.serialize_keras_object(self.dense),  # with its build config, so it comes back built
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        dense = keras.saving.deserialize_keras_object(config.pop("dense"))
        return cls(dense, **config)

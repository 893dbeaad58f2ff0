"""The variational autoencoder of chapter 06 (Kingma & Welling 2014; Géron, 3rd edition).

The encoder does not map an image to one coding but to a Gaussian over codings:
its mean μ and γ = log σ² per dimension. A `Sampling` layer draws a coding
μ + σ·ε with ε ~ N(0, I), and the decoder turns that coding into an image. Two
losses train it:

- the reconstruction loss, here the mean squared error per pixel;
- the latent loss, the KL divergence between N(μ, σ²) and the prior N(0, I),
  which pulls every image's Gaussian toward the origin and keeps them overlapping,
  so that codings drawn from N(0, I) decode to plausible images.

Keras 3 has no `add_loss` on a functional model (Géron's code raises
NotImplementedError there), so `VariationalAutoencoder` is a `keras.Model` with
its own `train_step` and `test_step`, after the keras-io VAE example. The loss is
scaled as Géron's: MSE per pixel plus the mean latent loss divided by 784, so its
total compares with his 0.0311 validation loss (latent 10, 25 epochs).
"""

from __future__ import annotations

from dataclasses import asdict

import keras
import numpy as np

# This module's train_step is TensorFlow's (tf.GradientTape); its layers use keras.ops only.
import tensorflow as tf
from keras import ops

from autoaegan.arguments import is_real_number, optional_seed, positive_int, positive_int_tuple, real_number
from autoaegan.data import fashion_mnist
from autoaegan.data.pipeline import make_dataset
from autoaegan.plans import PerProfile, Plan
from autoaegan.pretrained.catalog import FAST_RECIPE, TrainedModel, catalog_entry, load_pretrained
from autoaegan.profiles import Profile
from autoaegan.seeding import set_seed
from autoaegan.training.fitting import EpochTimer, train

IMAGE_SHAPE = (28, 28)
N_PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
LATENT_DIM = 10
ENCODER_UNITS = (150, 100)
DECODER_UNITS = (100, 150)
# Géron divides the mean latent loss by the number of pixels, which puts it on the scale of an MSE per pixel.
KL_WEIGHT = 1 / N_PIXELS

# Géron's validation loss after 25 epochs (3rd edition, notebook 17): MSE + mean KL / 784, the figure to beat.
GERON_VALID_LOSS = 0.0311
# The pretrained model of each latent size.
PRETRAINED_NAMES = {10: "variational_autoencoder", 2: "variational_autoencoder_2d"}
# The shipped weights' plan (Géron's 25 epochs, the course's fast recipe): the catalogue entry's, the same for
# both latent sizes.
PLAN = catalog_entry(PRETRAINED_NAMES[LATENT_DIM]).plan
# Fine-tuning the shipped weights: a brief pass (none in `full`, where the shipped weights are the full training)
# at a tenth of the training's peak rate, without XLA, whose compilation would cost more than one or two epochs
# of this small model save.
FINETUNE_PLAN = Plan(
    recipe=FAST_RECIPE.with_changes(learning_rate=5e-4, warmup_fraction=0.0, jit_compile=False),
    epochs=PerProfile(test=1, classroom=1, full=0),
)


def _pair(inputs, what: str):
    if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
        got = f"{len(inputs)} items" if isinstance(inputs, (list, tuple)) else type(inputs).__name__
        raise ValueError(f"{what} expects a pair (mean, log_var), got {got}")
    return inputs[0], inputs[1]


def _check_same_shape(mean, log_var, what: str) -> None:
    shape_mean, shape_log_var = tuple(mean.shape), tuple(log_var.shape)
    compatible = len(shape_mean) == len(shape_log_var) and all(
        a is None or b is None or a == b for a, b in zip(shape_mean, shape_log_var)
    )
    if not compatible:
        raise ValueError(f"{what}: mean and log_var must have the same shape, got {shape_mean} and {shape_log_var}")
    if len(shape_mean) < 1:
        raise ValueError(f"{what}: mean and log_var must have at least one axis (the latent dimensions), got shape ()")


@keras.saving.register_keras_serializable(package="autoaegan")
class Sampling(keras.layers.Layer):
    """Draw codings `mean + exp(log_var / 2) * ε`, ε ~ N(0, I), from the pair `(mean, log_var)`.

    This is the reparameterization trick: the randomness is an input ε, so the
    gradients flow through μ and σ to the encoder. ε comes from a
    `keras.random.SeedGenerator` the layer holds: a given `seed` makes the draws
    repeatable, and each call advances the generator, so successive calls differ.
    The layer samples at inference too, as Géron's does; the encoder's first
    output, μ, is the deterministic coding.
    """

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = optional_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def call(self, inputs):
        mean, log_var = _pair(inputs, "Sampling")
        _check_same_shape(mean, log_var, "Sampling")
        epsilon = keras.random.normal(ops.shape(mean), dtype=self.compute_dtype, seed=self.seed_generator)
        return mean + ops.exp(log_var / 2) * epsilon

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def latent_loss(mean, log_var):
    """The KL divergence from N(μ, σ²) to N(0, I), per sample: −½ Σ (1 + γ − exp(γ) − μ²) over the last axis.

    `mean` (μ) and `log_var` (γ = log σ²) have the same shape, e.g. `(batch, latent_dim)`;
    the result has the shape without the last axis, `(batch,)`. It is 0 only where
    μ = 0 and γ = 0, the prior itself.

    Why the encoder predicts γ = log σ² rather than σ: a Dense layer's output is any
    real number, and every real γ is a valid variance exp(γ) > 0, so no activation or
    constraint has to keep σ positive (a σ output would need one, and its gradient
    would blow up as σ → 0 in log σ). exp(γ) is smooth and cheap, and the loss uses
    γ itself and exp(γ) directly, never the log of a predicted number that could be 0.
    """
    # Lists become tensors; arrays, tensors and symbolic Keras tensors are used as they are.
    mean = mean if hasattr(mean, "shape") else ops.convert_to_tensor(mean)
    log_var = log_var if hasattr(log_var, "shape") else ops.convert_to_tensor(log_var)
    _check_same_shape(mean, log_var, "latent_loss")
    return -0.5 * ops.sum(1 + log_var - ops.exp(log_var) - ops.square(mean), axis=-1)


def build_vae_encoder(latent_dim: int = LATENT_DIM, *, units=ENCODER_UNITS, seed: int | None = None) -> keras.Model:
    """Images `(28, 28)` in [0, 1] → `[mean, log_var, codings]`, each `(latent_dim,)`.

    Flatten, relu Dense layers of `units` (Géron's 150 and 100), then two linear Dense
    heads for μ and γ = log σ², and a `Sampling` layer (seeded by `seed`) for the codings.
    """
    latent_dim = positive_int(latent_dim, "latent_dim")
    images = keras.Input(shape=IMAGE_SHAPE, name="images")
    hidden = keras.layers.Flatten()(images)
    for size in positive_int_tuple(units, "units"):
        hidden = keras.layers.Dense(size, activation="relu")(hidden)
    mean = keras.layers.Dense(latent_dim, name="mean")(hidden)
    log_var = keras.layers.Dense(latent_dim, name="log_var")(hidden)  # linear: γ can be any real number
    codings = Sampling(seed=seed, name="codings")([mean, log_var])
    return keras.Model(images, [mean, log_var, codings], name="vae_encoder")


def build_vae_decoder(latent_dim: int = LATENT_DIM, *, units=DECODER_UNITS) -> keras.Model:
    """Codings `(latent_dim,)` → images `(28, 28)`: relu Dense layers of `units`, then 784 sigmoid pixels.

    Géron's 3rd edition ends with a linear layer (trained with the MSE, as here). The
    sigmoid keeps every decoded pixel in [0, 1], where the images live: images decoded
    from any coding, including the far corners the latent explorer reaches, stay
    displayable without clipping, and the MSE is not spent on impossible values.
    """
    latent_dim = positive_int(latent_dim, "latent_dim")
    codings = keras.Input(shape=(latent_dim,), name="codings")
    hidden = codings
    for size in positive_int_tuple(units, "units"):
        hidden = keras.layers.Dense(size, activation="relu")(hidden)
    pixels = keras.layers.Dense(N_PIXELS, activation="sigmoid")(hidden)
    images = keras.layers.Reshape(IMAGE_SHAPE, name="reconstructions")(pixels)
    return keras.Model(codings, images, name="vae_decoder")


def _kl_weight(value) -> float:
    if not is_real_number(value):
        raise TypeError(f"kl_weight must be a number, got {value!r}")
    return real_number(value, "kl_weight", expected="a finite number ≥ 0", accept=lambda v: v >= 0)


def _latent_dim_of(encoder: keras.Model, decoder: keras.Model) -> int:
    if not isinstance(encoder, keras.Model) or not isinstance(decoder, keras.Model):
        raise TypeError(
            "encoder and decoder must be keras.Model objects, "
            f"got {type(encoder).__name__} and {type(decoder).__name__}"
        )
    outputs = getattr(encoder, "outputs", None)
    if not outputs or len(outputs) != 3:
        count = "unknown" if not outputs else len(outputs)
        raise ValueError(f"the encoder must output [mean, log_var, codings] (3 outputs), got {count} outputs")
    latent_dim = outputs[2].shape[-1]
    decoder_inputs = tuple(decoder.input_shape)
    if decoder_inputs[-1] != latent_dim:
        raise ValueError(
            f"the decoder takes codings of shape {decoder_inputs[1:]}, but the encoder makes codings of {latent_dim}"
        )
    return int(latent_dim)


@keras.saving.register_keras_serializable(package="autoaegan")
class VariationalAutoencoder(keras.Model):
    """A VAE from an `encoder` (images → `[mean, log_var, codings]`) and a `decoder` (codings → images).

    Trained by its own `train_step` (TensorFlow backend: `tf.GradientTape`) on the loss

        reconstruction MSE per pixel + kl_weight · mean over the batch of `latent_loss`,

    whose default `kl_weight` of 1/784 is Géron's scaling. It fits through
    `autoaegan.training.fitting.train` (pass `loss=None`: the loss is built in) with batches
    `(x, x)`, or `(x, y)` to reconstruct targets `y`. It reports `loss` (the total),
    `reconstruction_loss` (the MSE) and `kl_loss`, the latent loss per sample
    *unscaled* (in nats), so the KL reads the same whatever `kl_weight` is.
    Calling it returns reconstructions: the decoder of sampled codings.
    """

    def __init__(self, encoder: keras.Model, decoder: keras.Model, *, kl_weight: float = KL_WEIGHT, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = _latent_dim_of(encoder, decoder)
        self.encoder = encoder
        self.decoder = decoder
        self.kl_weight = _kl_weight(kl_weight)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")
        # The encoder and decoder are built functional models: so is this model, and its weights load directly.
        self.built = True

    @property
    def metrics(self):
        # Listed here so that Keras resets them at the start of each epoch and of each evaluation.
        return [self.loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def call(self, inputs, training=None):
        _, _, codings = self.encoder(inputs, training=training)
        return self.decoder(codings, training=training)

    def compute_losses(self, x, y=None, training=None):
        """`(total, reconstruction MSE, mean latent loss)` for images `x` and targets `y` (default `x`): scalars."""
        y = x if y is None else y
        mean, log_var, codings = self.encoder(x, training=training)
        reconstructions = self.decoder(codings, training=training)
        reconstruction = ops.mean(ops.square(ops.cast(y, reconstructions.dtype) - reconstructions))
        kl = ops.mean(latent_loss(mean, log_var))
        return reconstruction + self.kl_weight * kl, reconstruction, kl

    def _report(self, total, reconstruction, kl):
        self.loss_tracker.update_state(total)
        self.reconstruction_loss_tracker.update_state(reconstruction)
        self.kl_loss_tracker.update_state(kl)
        return {metric.name: metric.result() for metric in self.metrics}

    def train_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            total, reconstruction, kl = self.compute_losses(x, y, training=True)
        gradients = tape.gradient(total, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        return self._report(total, reconstruction, kl)

    def test_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        return self._report(*self.compute_losses(x, y, training=False))

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "kl_weight": self.kl_weight,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        encoder = keras.saving.deserialize_keras_object(config.pop("encoder"))
        decoder = keras.saving.deserialize_keras_object(config.pop("decoder"))
        return cls(encoder, decoder, **config)


def build_variational_autoencoder(
    latent_dim: int = LATENT_DIM, *, units=ENCODER_UNITS, kl_weight: float = KL_WEIGHT, seed: int | None = None
) -> tuple[keras.Model, keras.Model, VariationalAutoencoder]:
    """Return `(encoder, decoder, vae)`, not compiled; the decoder mirrors the encoder's `units`.

    The defaults are Géron's model: 784 → 150 → 100 → (μ, γ) of 10, and back.
    `seed` seeds the `Sampling` layer.
    """
    units = positive_int_tuple(units, "units")
    encoder = build_vae_encoder(latent_dim, units=units, seed=seed)
    decoder = build_vae_decoder(latent_dim, units=tuple(reversed(units)))
    vae = VariationalAutoencoder(encoder, decoder, kl_weight=kl_weight, name=f"variational_autoencoder_{latent_dim}d")
    return encoder, decoder, vae


def evaluate_vae(vae: VariationalAutoencoder, images, *, batch_size: int = 1_000) -> dict[str, float]:
    """The VAE's losses on uint8 `images`, run eagerly in batches (works on a model that is not compiled).

    Returns `reconstruction_mse` (sampled codings, as in training), `kl` (mean latent
    loss per image, unscaled), `loss` (their total with the model's `kl_weight`) and
    `mean_coding_mse`, the MSE when decoding μ itself, without sampling.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3 or len(images) == 0:
        raise ValueError(f"images must be uint8 images shaped (n, 28, 28), got {images.dtype} of shape {images.shape}")
    sums = dict.fromkeys(("reconstruction_mse", "kl", "mean_coding_mse"), 0.0)
    for batch in make_dataset(images, batch_size=positive_int(batch_size, "batch_size")):
        mean, log_var, codings = vae.encoder(batch, training=False)
        for key, decoded in (("reconstruction_mse", codings), ("mean_coding_mse", mean)):
            sums[key] += float(ops.sum(ops.square(vae.decoder(decoded, training=False) - batch)))
        sums["kl"] += float(ops.sum(latent_loss(mean, log_var)))
    result = {
        "reconstruction_mse": sums["reconstruction_mse"] / images.size,
        "kl": sums["kl"] / len(images),
        "mean_coding_mse": sums["mean_coding_mse"] / images.size,
    }
    result["loss"] = result["reconstruction_mse"] + vae.kl_weight * result["kl"]
    return result


def build_pretrained_vae() -> VariationalAutoencoder:
    """The latent-10 VAE whose weights `autoaegan.pretrained` ships as `variational_autoencoder` (untrained)."""
    return build_variational_autoencoder(10)[2]


def build_pretrained_vae_2d() -> VariationalAutoencoder:
    """The 2-D-latent VAE whose weights `autoaegan.pretrained` ships as `variational_autoencoder_2d` (untrained)."""
    return build_variational_autoencoder(2)[2]


def _train_pretrained(profile: Profile, latent_dim: int) -> TrainedModel:
    plan = catalog_entry(PRETRAINED_NAMES[latent_dim]).plan
    data = fashion_mnist.load_fashion_mnist()  # looked up at call time, so that a test can stand in for it
    x_train, x_valid = profile.subset(data.train_images, "train"), profile.subset(data.valid_images, "valid")
    set_seed(profile=profile)
    _, _, vae = build_variational_autoencoder(latent_dim, seed=profile.seed)
    epochs = plan.epochs_for(profile)
    timer = EpochTimer()
    history = train(
        vae,
        x_train,
        loss=None,
        epochs=epochs,
        recipe=plan.recipe,
        validation_data=x_valid,
        profile=profile,
        verbose=2,
        callbacks=[timer],
    )
    after_first = timer.seconds[1:] or timer.seconds  # the first epoch also traces and compiles the model
    by_epoch = {key: [round(float(v), 6) for v in values] for key, values in history.history.items()}
    settings = {
        "data": f"Fashion-MNIST: {len(x_train):,} training and {len(x_valid):,} validation images, scaled to [0, 1]",
        "latent_dim": latent_dim,
        "units": list(ENCODER_UNITS),
        "decoder_output": "sigmoid",
        "loss": "reconstruction MSE per pixel + kl_weight * mean KL per sample (Géron's 3rd-edition scaling)",
        "kl_weight": KL_WEIGHT,
        "epochs": epochs,
        "recipe": asdict(plan.recipe),
        "seed": profile.seed,
    }
    metrics = {
        "valid_reconstruction_mse": by_epoch["val_reconstruction_loss"][-1],
        "valid_kl": by_epoch["val_kl_loss"][-1],
        "valid_loss": by_epoch["val_loss"][-1],
        "train_loss": by_epoch["loss"][-1],
        "valid_loss_by_epoch": by_epoch["val_loss"],
        "valid_reconstruction_mse_by_epoch": by_epoch["val_reconstruction_loss"],
        "valid_kl_by_epoch": by_epoch["val_kl_loss"],
        "valid_mean_coding_mse": round(evaluate_vae(vae, x_valid)["mean_coding_mse"], 6),
        "parameters": int(vae.count_params()),
        "seconds_per_epoch": round(float(np.mean(after_first)), 1),
        "notes": "validation figures use sampled codings, as training does; kl is per image, unscaled (nats)",
    }
    shipped = build_variational_autoencoder(latent_dim)[2]  # a fresh, uncompiled copy: no optimizer state in the file
    shipped.set_weights(vae.get_weights())
    return TrainedModel(model=shipped, settings=settings, metrics=metrics)


def train_pretrained_vae(profile: Profile):
    """Train the shipped latent-10 VAE on Fashion-MNIST under `profile`; return a `TrainedModel`."""
    return _train_pretrained(profile, 10)


def train_pretrained_vae_2d(profile: Profile):
    """Train the shipped 2-D-latent VAE on Fashion-MNIST under `profile`; return a `TrainedModel`."""
    return _train_pretrained(profile, 2)


def load_or_finetune_vae(
    *, profile: Profile, latent_dim: int = LATENT_DIM, epochs: int | None = None, verbose=0
) -> VariationalAutoencoder:
    """The shipped VAE of `latent_dim` (10 or 2), loaded and then fine-tuned briefly on the profile's images.

    Fine-tuning takes `epochs` epochs (default: `FINETUNE_PLAN`'s, 1 in the `test` and
    `classroom` profiles, on their training subsets; none in `full`, where the shipped
    weights are the full training) at a tenth of the training's peak rate, so the chapter
    shows a model training without paying for one. Read `vae.encoder` and `vae.decoder`
    from the result; `vae.history` holds the fine-tuning's history when there was one.
    """
    latent_dim = positive_int(latent_dim, "latent_dim")
    if latent_dim not in PRETRAINED_NAMES:
        raise ValueError(f"pretrained VAEs exist for latent_dim {sorted(PRETRAINED_NAMES)}, got {latent_dim}")
    vae = load_pretrained(PRETRAINED_NAMES[latent_dim])
    epochs = FINETUNE_PLAN.epochs_for(profile) if epochs is None else int(epochs)
    if epochs < 0:
        raise ValueError(f"epochs must be ≥ 0, got {epochs}")
    if epochs:
        data = fashion_mnist.load_fashion_mnist()
        train(
            vae,
            profile.subset(data.train_images, "train"),
            loss=None,
            epochs=epochs,
            recipe=FINETUNE_PLAN.recipe,
            validation_data=profile.subset(data.valid_images, "valid"),
            profile=profile,
            verbose=verbose,
        )
    return vae

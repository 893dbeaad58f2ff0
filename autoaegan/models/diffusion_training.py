"""Training chapter 12's denoiser, and the long, resumable CPU training of the shipped `diffusion` model.

`DiffusionModel` wraps the U-Net (`autoaegan.models.diffusion_unet`) in Ho et al.'s training step: take clean
images x₀, draw a step t uniformly from 1 … T and noise ε, make x_t in closed form, and regress ε̂(x_t, t) on ε.
The loss is the mean squared error, Ho et al.'s simplified objective: it is the variational bound's terms without
their weights, and ε is Gaussian, so there are no outliers for a Huber loss (Géron's choice) to be robust to. Seen
from chapter 05, it is a denoising autoencoder trained at every noise level at once, told which level it faces.

The optimizer keeps an exponential moving average of the weights (Keras's `use_ema`, the recipe's
`g_ema_momentum`: the denoiser plays the generator's part); the average is what samples and what ships
(`autoaegan.training.averaging`). A long training saves a checkpoint after every epoch in `work_dir("diffusion")`
(`autoaegan.training.checkpoints`: the model with its random state, the optimizer with its average, the
`TrainingState` with each epoch's loss, wall-clock and CPU seconds), so a killed run resumes after its last epoch;
and every `fd_every` epochs it measures the FD of `fd_n` DDIM samples of the averaged weights against the test set,
written to `fd_curve.json` in the same folder (FD by training images seen). The learning rate is constant, so the
plan's epochs can grow and a finished run resumes to train more.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from autoaegan.arguments import positive_int, whole_number
from autoaegan.data.fashion_mnist import load_fashion_mnist
from autoaegan.data.pipeline import make_dataset
from autoaegan.metrics.evaluation import evaluate_generated
from autoaegan.models.diffusion import DDIM_STEPS, NoiseSchedule, noise_predictor, sample, variance_schedule
from autoaegan.models.diffusion_unet import IMAGE_SHAPE, build_unet, unet_macs
from autoaegan.pixels import unit_to_signed
from autoaegan.plans import Recipe
from autoaegan.pretrained.catalog import CATALOG, TrainedModel
from autoaegan.profiles import Profile
from autoaegan.seeding import set_seed
from autoaegan.training.averaging import averaged_copy
from autoaegan.training.checkpoints import Checkpoints
from autoaegan.training.progress_log import log
from autoaegan.training.quality import SAMPLE_SEEDS, score_seeds
from autoaegan.training.training_state import TrainingState
from autoaegan.training.work_dir import work_dir

PLAN = CATALOG["diffusion"].plan
RECIPE = PLAN.recipe
SCHEDULE = "cosine"
NAME = "diffusion"
CURVE_FILE = "fd_curve.json"
FD_SEED = 0  # the starting noise of the monitoring FD's samples: the same at every measurement


class DiffusionModel(keras.Model):
    """A noise predictor `denoiser` ([x_t, t] → ε̂) with DDPM's training step over `schedule`.

    `fit` takes batches of clean images in [0, 1] shaped (batch, 28, 28, 1), scales them to [-1, 1], and logs the
    mean squared error of ε̂ as `loss`. The noise and steps come from the model's seeded generator, which a
    checkpoint of the model saves with it.
    """

    def __init__(self, denoiser: keras.Model, schedule: NoiseSchedule | None = None, *, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.denoiser = denoiser
        self.schedule = variance_schedule(SCHEDULE) if schedule is None else schedule
        self.seed_generator = keras.random.SeedGenerator(whole_number(seed, "seed", at_least=0))
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self._alpha_bars = self.schedule.alpha_bars.astype(np.float32)

    def compile(self, optimizer, **kwargs):
        """Compile with `optimizer` (other keyword arguments, e.g. `jit_compile`, go to `keras.Model.compile`)."""
        if not isinstance(optimizer, keras.optimizers.Optimizer):
            raise TypeError(f"optimizer must be a keras optimizer, got {type(optimizer).__name__}")
        # Kept as `denoiser_optimizer`, not given to Keras: at the end of every `fit` call Keras writes the moving
        # average into the weights of `self.optimizer` (`finalize_variable_values`), and the training calls `fit`
        # once per epoch. The live weights must keep training; the average is read only when sampling.
        super().compile(**kwargs)
        self.denoiser_optimizer = optimizer
        # Built here, outside any traced function: XLA-compiled steps and checkpoint restores need its variables.
        if not optimizer.built:
            optimizer.build(self.denoiser.trainable_variables)

    @property
    def metrics(self):
        return [self.loss_tracker]

    def call(self, inputs, training=None):
        return self.denoiser(inputs, training=training)

    def noisy_batch(self, images):
        """`(x_t, t, ε)` for a batch of clean images in [0, 1]: t uniform in 1 … T, ε ~ N(0, I), x_t in closed form."""
        shape = tuple(images.shape)[1:]
        if shape != IMAGE_SHAPE:
            raise ValueError(f"images must be shaped (batch, {', '.join(map(str, IMAGE_SHAPE))}), got {shape}")
        x0 = unit_to_signed(ops.cast(images, "float32"))
        batch = ops.shape(x0)[0]
        t = keras.random.randint((batch,), 1, self.schedule.steps + 1, seed=self.seed_generator)
        noise = keras.random.normal(ops.shape(x0), seed=self.seed_generator)
        alpha_bar = ops.reshape(ops.take(ops.convert_to_tensor(self._alpha_bars), t), (-1, 1, 1, 1))
        return ops.sqrt(alpha_bar) * x0 + ops.sqrt(1.0 - alpha_bar) * noise, t, noise

    def train_step(self, data):
        images, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        x_t, t, noise = self.noisy_batch(images)
        weights = self.denoiser.trainable_variables
        with tf.GradientTape() as tape:
            predicted = self.denoiser([x_t, ops.cast(t, "float32")], training=True)
            loss = ops.mean(ops.square(noise - predicted))
        self.denoiser_optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}


def make_optimizer(recipe: Recipe):
    """The recipe's optimizer, keeping the moving average of the weights when the recipe asks (`g_ema_momentum`)."""
    # A Recipe gives the average to a GAN's generator optimizer; the denoiser is this training's generator.
    return recipe.make_optimizers()[1]


def build_diffusion_model(recipe: Recipe = RECIPE, *, profile: Profile, seed: int = 0) -> DiffusionModel:
    """A compiled `DiffusionModel` over a fresh U-Net of the recipe's widths (`recipe.channels`).

    XLA is left out under a deterministic profile (TensorFlow refuses both).
    """
    denoiser = build_unet(recipe.channels)
    model = DiffusionModel(denoiser, seed=seed, name="diffusion_model")
    model.compile(
        make_optimizer(recipe),
        jit_compile=recipe.jit_compile and not profile.deterministic,
        steps_per_execution=recipe.steps_per_execution,
    )
    return model


def averaged_denoiser(model: DiffusionModel) -> keras.Model:
    """A copy of `model`'s denoiser holding the moving average of its weights (its live ones without an average)."""
    if model.denoiser_optimizer.use_ema:
        return averaged_copy(model.denoiser, model.denoiser_optimizer)
    copy = keras.models.clone_model(model.denoiser)
    copy.set_weights(model.denoiser.get_weights())
    return copy


def generate(
    denoiser: keras.Model,
    n: int | None = None,
    *,
    steps: int | None = DDIM_STEPS,
    sampler: str = "ddim",
    eta: float = 0.0,
    seed: int = 0,
    jit_compile: bool = True,
    schedule: NoiseSchedule | None = None,
    **options,
) -> np.ndarray:
    """`n` images in [0, 1] `(n, 28, 28)` from a trained denoiser, by default with 50 deterministic DDIM steps.

    `options` go to `autoaegan.models.diffusion.sample` (`x_T`, `callback`, `batch_size`, `clip`).
    """
    schedule = variance_schedule(SCHEDULE) if schedule is None else schedule
    predictor = noise_predictor(denoiser, jit_compile=jit_compile)
    return sample(predictor, schedule, n, sampler=sampler, steps=steps, eta=eta, seed=seed, **options)


def measure_fd(denoiser: keras.Model, *, n: int, steps: int, jit_compile: bool = True, seed: int = FD_SEED) -> dict:
    """The FD (and classes covered) of `n` DDIM samples against the test set, with how long sampling took."""
    started = time.perf_counter()
    images = generate(denoiser, n, steps=steps, seed=seed, jit_compile=jit_compile)
    sampled = time.perf_counter() - started
    scores = evaluate_generated(images, name="diffusion", n=n).scores
    return {
        "fd": round(float(scores.fd), 3),
        "covered": int(scores.coverage.covered),
        "sampling_seconds": round(sampled, 1),
    }


# --------------------------------------------------------------------------------------------------------- the curve
def read_fd_curve(directory) -> list[dict]:
    """The FD curve that a training wrote in `directory` (its points in epoch order; empty when there is none)."""
    path = Path(directory) / CURVE_FILE
    return json.loads(path.read_text())["points"] if path.is_file() else []


def _write_fd_curve(directory: Path, points: list[dict], *, n: int, steps: int) -> None:
    document = {
        "what": "FD of the averaged denoiser's DDIM samples against the test set, by training images seen",
        "n": n,
        "sampler": {"kind": "ddim", "steps": steps, "eta": 0.0, "seed": FD_SEED},
        "points": points,
    }
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f"{CURVE_FILE}.tmp"
    temporary.write_text(json.dumps(document, indent=1) + "\n")
    temporary.replace(directory / CURVE_FILE)  # whole or not at all: a kill mid-write keeps the previous curve


@dataclass
class DiffusionTraining:
    """What `train_diffusion` returns: the model (live weights, optimizer with the average), its state, the curve."""

    model: DiffusionModel
    state: TrainingState
    fd_curve: list = field(default_factory=list)


def train_diffusion(
    images,
    *,
    profile: Profile,
    recipe: Recipe = RECIPE,
    epochs: int | None = None,
    seed: int = 42,
    directory=None,
    fd_every: int | None = None,
    fd_n: int | None = None,
    sampling_steps: int | None = None,
    verbose: int = 0,
) -> DiffusionTraining:
    """Train (or resume) the denoiser on uint8 `images` `(n, 28, 28)` for `epochs` epochs (default the plan's).

    Checkpoints go to `directory` (default `work_dir("diffusion")`), one per epoch; a second call resumes after the
    last complete one, and refuses a folder made with another recipe, architecture, seed or data
    (`Checkpoints.check_settings`). `directory=False` trains without checkpoints. Every `fd_every` epochs (and after
    the last), the FD of `fd_n` samples (`sampling_steps` DDIM steps) joins the curve; `fd_every=0` measures none.
    Defaults come from the plan for `profile`. A loss that is no longer finite stops the training with a
    RuntimeError that names the epoch, before anything is saved.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE[:2]:
        raise ValueError(f"images must be uint8 shaped (n, 28, 28), got {images.dtype} of shape {images.shape}")
    if len(images) < recipe.batch_size:
        raise ValueError(f"need at least one batch of {recipe.batch_size} images, got {len(images)}")
    epochs = PLAN.epochs_for(profile) if epochs is None else positive_int(epochs, "epochs")
    fd_every = PLAN.count("fd_every", profile) if fd_every is None else whole_number(fd_every, "fd_every", at_least=0)
    fd_n = PLAN.count("fd_n", profile) if fd_n is None else positive_int(fd_n, "fd_n")
    steps = PLAN.count("sampling_steps", profile) if sampling_steps is None else positive_int(sampling_steps, "steps")
    set_seed(seed, profile=profile)
    model = build_diffusion_model(recipe, profile=profile, seed=seed)
    objects = {"model": model, "optimizer": model.denoiser_optimizer}
    folder = None if directory is False else Path(work_dir(NAME) if directory is None else directory)
    checkpoints = None if folder is None else Checkpoints(folder)
    settings = _settings(recipe, model.schedule, seed, images)
    state, curve = TrainingState(), []
    if checkpoints is not None:
        checkpoints.check_settings(settings)
        state = checkpoints.restore(**objects)
        # Points past the last checkpoint belong to an epoch that a kill cut short: it trains again.
        curve = [point for point in read_fd_curve(folder) if point["epoch"] <= state.epochs_done]
        if state.epochs_done:
            log(f"{NAME}: resuming after epoch {state.epochs_done} of {epochs} ({state.train_seconds:.0f} s so far)")
    state.settings = settings
    steps_per_epoch = len(images) // recipe.batch_size
    jit = recipe.jit_compile and not profile.deterministic
    for epoch in range(state.epochs_done, epochs):
        # A seed per epoch: a resumed run sees the batches an uninterrupted one would.
        dataset = make_dataset(
            images[..., None], batch_size=recipe.batch_size, shuffle=True, seed=seed + epoch, drop_remainder=True
        )
        started, cpu_started = time.perf_counter(), time.process_time()
        history = model.fit(dataset, epochs=1, verbose=verbose, shuffle=False)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        logs = {name: float(values[-1]) for name, values in history.history.items()}
        if not all(math.isfinite(value) for value in logs.values()):
            raise RuntimeError(
                f"the diffusion training diverged in epoch {epoch + 1} (losses {logs}): stopped; "
                f"the last checkpoint is kept (epoch {state.epochs_done}). Lower the learning rate, or resume."
            )
        state.record(epoch + 1, logs, seconds=seconds, cpu_seconds=cpu_seconds)
        line = (
            f"{NAME} epoch {epoch + 1}/{epochs} in {seconds:.0f} s ({cpu_seconds:.0f} CPU s): loss {logs['loss']:.5f}"
        )
        if fd_every and ((epoch + 1) % fd_every == 0 or epoch + 1 == epochs):
            point = {
                "epoch": epoch + 1,
                "images_seen": (epoch + 1) * steps_per_epoch * recipe.batch_size,
                "train_seconds": round(state.train_seconds, 1),
                "cpu_seconds": round(sum(state.cpu_seconds_by_epoch), 1),
                **measure_fd(averaged_denoiser(model), n=fd_n, steps=steps, jit_compile=jit),
            }
            curve = [p for p in curve if p["epoch"] != point["epoch"]] + [point]
            if folder is not None:
                _write_fd_curve(folder, curve, n=fd_n, steps=steps)  # before the checkpoint: see above
            line += f", FD {point['fd']:.2f} ({point['covered']}/10 classes)"
        if checkpoints is not None:
            checkpoints.save(state, **objects)
        log(line)
    return DiffusionTraining(model, state, curve)


def _settings(recipe: Recipe, schedule: NoiseSchedule, seed: int, images) -> dict:
    # What a resumed run must share with the saved one; the epochs, the FD's schedule and the profile may change.
    return {
        "model": NAME,
        "architecture": "U-Net of the recipe's widths, `channels` (autoaegan.models.diffusion_unet.build_unet)",
        "objective": "ε-prediction, mean squared error, t uniform in 1 … T",
        "schedule": {"kind": schedule.kind, "steps": schedule.steps},
        "recipe": asdict(recipe),
        "seed": seed,
        "images": int(len(images)),
    }


# ---------------------------------------------------------------------------------------------------- shipped weights
def build_pretrained_diffusion() -> keras.Model:
    """The shipped denoiser's architecture: the U-Net of the plan's widths, `[x_t, t] → ε̂` (not trained)."""
    return build_unet(RECIPE.channels)


def diffusion_quality(denoiser: keras.Model, *, n: int, steps: int = DDIM_STEPS, seeds=SAMPLE_SEEDS, jit=True) -> dict:
    """FD, KID, precision, recall and classes covered of `n` DDIM samples per noise seed, and their means, beside the
    real-vs-real floor: the figures the GANs' manifests record (`autoaegan.training.quality.quality_figures`), with
    the seconds each seed's sampling took."""
    seconds = []

    def timed_samples(seed: int) -> np.ndarray:
        started = time.perf_counter()
        images = generate(denoiser, n, steps=steps, seed=seed, jit_compile=jit)
        seconds.append(round(time.perf_counter() - started, 1))
        return images

    figures = score_seeds(timed_samples, n=n, seeds=seeds, name="diffusion")
    figures["floor"].pop("entropy")
    return {
        "n": n,
        "sampler": {"kind": "ddim", "steps": steps, "eta": 0.0},
        "sample_seeds": figures["sample_seeds"],
        "sampling_seconds": seconds,
        **{key: figures[key] for key in ("mean", "runs", "floor")},
    }


def train_pretrained_diffusion(profile: Profile) -> TrainedModel:
    """Train (or resume and finish, from `work_dir("diffusion")` under the full profile) the shipped denoiser, and
    return it with the averaged weights, its settings (whole training's wall and CPU seconds) and quality figures."""
    images = profile.subset(load_fashion_mnist().train_images, "train")
    checkpointed = profile.pick(test=False, classroom=False, full=True)
    run = train_diffusion(images, profile=profile, seed=profile.seed, directory=None if checkpointed else False)
    state = run.state
    shipped = build_pretrained_diffusion()
    shipped.set_weights(averaged_denoiser(run.model).get_weights())
    steps = PLAN.count("sampling_steps", profile)
    settings = {
        **state.settings,
        "epochs": state.epochs_done,
        "images_seen": state.epochs_done * (len(images) // RECIPE.batch_size) * RECIPE.batch_size,
        "data": f"Fashion-MNIST: {len(images):,} training images, scaled to [-1, 1]",
        "shipped_weights": f"the moving average of the denoiser's weights (momentum {RECIPE.g_ema_momentum} per step)",
        "sampler": {"kind": "ddim", "steps": steps, "eta": 0.0, "clip": True},
        "train_seconds_total": round(state.train_seconds, 1),
        "cpu_seconds_total": round(sum(state.cpu_seconds_by_epoch), 1),
        "seconds_by_epoch": state.seconds_by_epoch,
        "note": "training ran niced on a shared 2-core machine: wall-clock times are upper bounds",
    }
    metrics = {
        "quality": diffusion_quality(
            shipped,
            n=PLAN.count("metric_n", profile),
            steps=steps,
            jit=RECIPE.jit_compile and not profile.deterministic,
        ),
        "fd_curve": run.fd_curve,
        "history": state.history,
        "parameters": int(shipped.count_params()),
        "forward_macs": unet_macs(shipped),
    }
    return TrainedModel(model=shipped, settings=settings, metrics=metrics)

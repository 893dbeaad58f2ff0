"""Long, resumable trainings of chapter 10's ProGAN and chapter 11's StyleGAN, in chunks of steps.

Both GANs train on the 55,000 training images padded to 32×32, with the papers'
Adam (β₁ = 0, β₂ = 0.99) and the non-saturating logistic loss, and ship the moving
average of their generator's weights (as the papers do). A training is a list of
*chunks* of `recipe.chunk_steps` steps; after each chunk a checkpoint is written
(`autoaegan.models.dcgan.Checkpoints`: weights, optimizers, a `TrainingState` whose
`epochs_done` counts chunks), with a quick FD on 2,000 samples in its history, so a
killed run resumes after its last chunk and loses at most one.

The ProGAN's chunks follow a *schedule* of phases: level 0 (4×4) stable, then for
each level a fade-in phase (α from 0 to 1) and a stable phase. Adam's state starts
afresh at every phase, as in the paper's code (the set of weights changes).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras
import numpy as np

from autoaegan.arguments import positive_int
from autoaegan.models.dcgan import Checkpoints, TrainingState
from autoaegan.models.dcgan import default_work_dir as dcgan_work_dir
from autoaegan.profiles import Profile, get_profile

QUICK_FD_N = 2_000


@dataclass(frozen=True)
class ProgressiveRecipe:
    """How chapters 10 and 11 train: network widths, Adam, batches, XLA, chunk length, weight averaging."""

    channels: tuple[int, ...] = (64, 64, 32, 16)
    batch_size: int = 32
    learning_rate: float = 1e-3
    beta_1: float = 0.0
    beta_2: float = 0.99
    g_ema_momentum: float = 0.999
    jit_compile: bool = True
    steps_per_execution: int = 8
    chunk_steps: int = 400

    def make_optimizers(self) -> tuple[keras.optimizers.Optimizer, keras.optimizers.Optimizer]:
        """Fresh `(d_optimizer, g_optimizer)`; the generator's keeps the moving average of its weights."""
        return (
            keras.optimizers.Adam(self.learning_rate, beta_1=self.beta_1, beta_2=self.beta_2),
            keras.optimizers.Adam(
                self.learning_rate,
                beta_1=self.beta_1,
                beta_2=self.beta_2,
                use_ema=True,
                ema_momentum=self.g_ema_momentum,
            ),
        )


# Widths (64, 64, 32, 16) train at about 175 images/s (StyleGAN) on 2 cores with XLA, against 61 for (128, 128, 64,
# 32): the narrow networks make a full training a CPU-hour.
RECIPE = ProgressiveRecipe()


@dataclass(frozen=True)
class Phase:
    """A stretch of a progressive training: `chunks` chunks at `level`, fading the level in or not."""

    level: int
    fade_in: bool
    chunks: int


def progan_schedule(max_level: int, *, chunks_per_phase: int, final_chunks: int) -> list[Phase]:
    """Level 0 stable, then for each level a fade-in and a stable phase; the last stable phase is `final_chunks` long."""
    phases = [Phase(0, False, positive_int(chunks_per_phase, "chunks_per_phase"))]
    for level in range(1, max_level + 1):
        phases.append(Phase(level, True, chunks_per_phase))
        last = level == max_level
        phases.append(Phase(level, False, positive_int(final_chunks, "final_chunks") if last else chunks_per_phase))
    return phases


# (chunks per phase, chunks of the final stable phase) and StyleGAN chunks, by profile. Full: 3 chunks = 38,400 images
# per phase; the ProGAN sees 358,400 images in all, the StyleGAN 307,200 (5.6 epochs, the DCGAN 5).
PROGAN_CHUNKS_BY_PROFILE = {"test": (1, 1), "classroom": (1, 1), "full": (3, 10)}
STYLEGAN_CHUNKS_BY_PROFILE = {"test": 1, "classroom": 2, "full": 24}
CHUNK_STEPS_BY_PROFILE = {"test": 8, "classroom": 40, "full": RECIPE.chunk_steps}


def phase_of(schedule: list[Phase], chunk: int) -> tuple[int, Phase, int]:
    """`(phase index, phase, chunk index inside it)` of the `chunk`-th chunk (from 0) of `schedule`."""
    start = 0
    for index, phase in enumerate(schedule):
        if chunk < start + phase.chunks:
            return index, phase, chunk - start
        start += phase.chunks
    raise ValueError(f"chunk {chunk} is past the schedule's {start} chunks")


def work_dir(kind: str) -> Path:
    """Where the long training of `kind` ("progan" or "stylegan") keeps its checkpoints (git-ignored)."""
    return dcgan_work_dir().parent / kind


def _log(message: str) -> None:
    print(time.strftime("%H:%M:%S"), message, flush=True)


def quick_fd(generator, *, n: int = QUICK_FD_N, seed: int = 0, **generate) -> float:
    """The FD of `n` samples of `generator` (tanh images, 32×32 centre-cropped), for monitoring a training."""
    from autoaegan.latent import sample_codings
    from autoaegan.metrics.evaluation import evaluate_generated
    from autoaegan.models.gan import generate_from

    codings = sample_codings(n, int(generator.input_shape[-1]), seed=seed)
    images = generate_from(generator, codings, value_range=(-1.0, 1.0), **generate)
    return float(evaluate_generated(images, n=n).scores.fd)


def averaged_weights(gan) -> list[np.ndarray]:
    """The generator's weights with its trainable ones replaced by the moving averages its optimizer keeps."""
    optimizer = gan.g_optimizer
    if not optimizer.use_ema:
        raise ValueError("the generator's optimizer keeps no moving average: make it with use_ema=True")
    averages = {
        id(v): np.asarray(a)
        for v, a in zip(gan.generator.trainable_variables, optimizer._model_variables_moving_average)
    }
    return [averages.get(id(v), np.asarray(v)) for v in gan.generator.weights]


def _chunk(gan, dataset, *, steps: int, callbacks=()) -> dict:
    history = gan.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False, callbacks=list(callbacks))
    logs = {name: float(values[-1]) for name, values in history.history.items()}
    bad = {name: value for name, value in logs.items() if not math.isfinite(value)}
    if bad:
        raise RuntimeError(f"the training diverged ({bad}): stopped; the last checkpoint is kept")
    return logs


@dataclass
class _Run:
    """What a chunked training shares, whichever GAN it trains."""

    kind: str
    images: np.ndarray
    recipe: ProgressiveRecipe
    chunk_steps: int
    seed: int
    profile: Profile
    directory: Path | None
    monitor: bool
    state: TrainingState = field(default_factory=TrainingState)
    padded: np.ndarray | None = None

    def dataset(self, chunk: int):
        from autoaegan.models.progan import pad_images, padded_dataset

        if self.padded is None:
            self.padded = pad_images(self.images)  # once, not once per chunk
        # A seed per chunk: a resumed run sees the batches an uninterrupted one would.
        return padded_dataset(self.padded, batch_size=self.recipe.batch_size, seed=self.seed + chunk).repeat()

    def compile(self, gan):
        d_optimizer, g_optimizer = self.recipe.make_optimizers()
        gan.compile(
            d_optimizer,
            g_optimizer,
            steps_per_execution=self.recipe.steps_per_execution,
            jit_compile=self.recipe.jit_compile and not self.profile.deterministic,
        )
        return gan

    def record(self, chunk: int, logs: dict, seconds: float, cpu_seconds: float, gan, fd_of) -> None:
        state = self.state
        state.seconds_by_epoch.append(round(seconds, 1))
        state.cpu_seconds_by_epoch.append(round(cpu_seconds, 1))
        for name, value in logs.items():
            state.history.setdefault(name, []).append(round(value, 5))
        if self.monitor:
            state.history.setdefault(f"fd_{QUICK_FD_N}", []).append(round(fd_of(), 2))
        state.epochs_done = chunk + 1
        if self.directory is not None:
            averaged = None
            if gan.g_optimizer.use_ema:
                averaged = _WeightsFile(averaged_weights(gan), gan.generator)
            Checkpoints(self.directory).save(
                state, gan.generator, gan.discriminator, gan.d_optimizer, gan.g_optimizer, averaged_generator=averaged
            )
        shown = {**logs, **({f"fd_{QUICK_FD_N}": state.history[f"fd_{QUICK_FD_N}"][-1]} if self.monitor else {})}
        _log(
            f"{self.kind} chunk {chunk + 1} done in {seconds:.0f} s: "
            + ", ".join(f"{name} {value:.4g}" for name, value in shown.items())
        )


class _WeightsFile:
    """Saves given weights through a model's `save_weights` (for the averaged generator), leaving the model as it was."""

    def __init__(self, weights, model):
        self.weights, self.model = weights, model

    def save_weights(self, path):
        live = self.model.get_weights()
        self.model.set_weights(self.weights)
        try:
            self.model.save_weights(path)
        finally:
            self.model.set_weights(live)


def _start(kind, images, *, recipe, profile, seed, directory, monitor, chunk_steps=None) -> _Run:
    from autoaegan.seeding import set_seed

    profile = profile or get_profile()
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(f"images must be uint8 shaped (n, 28, 28), got {images.dtype} of shape {images.shape}")
    if len(images) < recipe.batch_size:  # before any model is built: a bad input fails at once
        raise ValueError(f"need at least one batch of {recipe.batch_size} images, got {len(images)}")
    set_seed(seed, profile=profile)
    chunk_steps = (
        profile.pick(**CHUNK_STEPS_BY_PROFILE) if chunk_steps is None else positive_int(chunk_steps, "chunk_steps")
    )
    if chunk_steps % recipe.steps_per_execution:
        raise ValueError(
            f"chunk_steps ({chunk_steps}) must be a multiple of steps_per_execution ({recipe.steps_per_execution})"
        )
    return _Run(
        kind, images, recipe, chunk_steps, seed, profile, None if directory is False else Path(directory), monitor
    )


def train_progan(
    images,
    *,
    recipe: ProgressiveRecipe = RECIPE,
    profile: Profile | None = None,
    seed: int = 42,
    directory=None,
    monitor: bool = True,
    techniques=None,
    phases: tuple[int, int] | None = None,
    chunk_steps: int | None = None,
):
    """Train (or resume) a ProGAN on uint8 `images` `(n, 28, 28)` through its growth schedule.

    Returns `(gan, state)`: the `ProGAN` of the last phase (32×32, stable), whose
    `generator_layers` attribute is the `ProgressiveGenerator` of every level, and
    the `TrainingState`. Checkpoints go to `directory` (default `work_dir("progan")`);
    `directory=False` trains without them. `techniques` (a `ProGANTechniques`,
    default all on) switches the paper's techniques off for the ablation. `phases`
    (chunks per phase, chunks of the last phase) and `chunk_steps` replace the
    profile's budget (the ablation's reduced runs).
    """
    from autoaegan.models.progan import FadeInSchedule, ProGAN, build_progressive_pair

    profile = profile or get_profile()
    directory = work_dir("progan") if directory is None else directory
    run = _start(
        "progan",
        images,
        recipe=recipe,
        profile=profile,
        seed=seed,
        directory=directory,
        monitor=monitor,
        chunk_steps=chunk_steps,
    )
    generator_layers, discriminator_layers = build_progressive_pair(recipe.channels, techniques=techniques)
    per_phase, final = profile.pick(**PROGAN_CHUNKS_BY_PROFILE) if phases is None else phases
    schedule = progan_schedule(generator_layers.max_level, chunks_per_phase=per_phase, final_chunks=final)
    if techniques is not None and not techniques.progressive_growing:
        # The same number of images, all at the last level.
        schedule = [Phase(generator_layers.max_level, False, sum(phase.chunks for phase in schedule))]
    total = sum(phase.chunks for phase in schedule)

    def pair(phase: Phase):
        gan = ProGAN(
            generator_layers.model(phase.level, fade_in=phase.fade_in),
            discriminator_layers.model(phase.level, fade_in=phase.fade_in),
            seed=seed,
            name=f"progan_level_{phase.level}{'_fade_in' if phase.fade_in else ''}",
        )
        return run.compile(gan)

    gan, current = None, None
    if run.directory is not None and Checkpoints(run.directory).latest() is not None:
        done = Checkpoints(run.directory).state().epochs_done
        current, saved_phase, _ = phase_of(schedule, min(done, total) - 1)
        gan = pair(saved_phase)
        run.state = Checkpoints(run.directory).restore(
            gan.generator, gan.discriminator, gan.d_optimizer, gan.g_optimizer
        )
        _log(f"progan: resuming after chunk {done} of {total} ({run.state.train_seconds:.0f} s so far)")
    run.state.settings = _settings(
        run,
        "progan",
        schedule=[asdict(p) for p in schedule],
        techniques=asdict(techniques) if techniques is not None else "all",
    )
    for chunk in range(run.state.epochs_done, total):
        index, phase, inside = phase_of(schedule, chunk)
        if index != current:
            gan, current = pair(phase), index
        callbacks = (
            [FadeInSchedule(phase.chunks * run.chunk_steps, start=inside * run.chunk_steps)] if phase.fade_in else []
        )
        started, cpu_started = time.perf_counter(), time.process_time()
        logs = _chunk(gan, run.dataset(chunk), steps=run.chunk_steps, callbacks=callbacks)
        if phase.fade_in:
            logs["alpha"] = gan.alpha
        run.record(
            chunk,
            logs,
            time.perf_counter() - started,
            time.process_time() - cpu_started,
            gan,
            lambda: _progan_quick_fd(gan, generator_layers, phase),
        )
    if gan is None:
        gan = pair(schedule[-1])
    gan.generator_layers = generator_layers
    return gan, run.state


def _progan_quick_fd(gan, generator_layers, phase: Phase) -> float:
    if phase.level != generator_layers.max_level:
        return float("nan")  # the metrics read 28×28 or 32×32 images only
    averaged = generator_layers.model(phase.level, fade_in=phase.fade_in)
    live = averaged.get_weights()
    averaged.set_weights(averaged_weights(gan))
    try:
        return quick_fd(averaged)
    finally:
        averaged.set_weights(live)


def train_stylegan(
    images,
    *,
    recipe: ProgressiveRecipe = RECIPE,
    profile: Profile | None = None,
    seed: int = 42,
    directory=None,
    monitor: bool = True,
    style_mixing_probability: float | None = None,
    chunks: int | None = None,
    chunk_steps: int | None = None,
):
    """Train (or resume) a StyleGAN on uint8 `images` `(n, 28, 28)`; returns `(gan, state)`.

    Checkpoints go to `directory` (default `work_dir("stylegan")`); `directory=False`
    trains without them. `style_mixing_probability` (default the paper's 0.9) and
    `chunks` and `chunk_steps` (default the profile's) serve the mixing ablation.
    """
    from autoaegan.models.stylegan import STYLE_MIXING_PROBABILITY, build_stylegan

    profile = profile or get_profile()
    directory = work_dir("stylegan") if directory is None else directory
    run = _start(
        "stylegan",
        images,
        recipe=recipe,
        profile=profile,
        seed=seed,
        directory=directory,
        monitor=monitor,
        chunk_steps=chunk_steps,
    )
    mixing = STYLE_MIXING_PROBABILITY if style_mixing_probability is None else style_mixing_probability
    gan = run.compile(build_stylegan(channels=recipe.channels, seed=seed, style_mixing_probability=mixing))
    total = positive_int(chunks, "chunks") if chunks is not None else profile.pick(**STYLEGAN_CHUNKS_BY_PROFILE)
    if run.directory is not None and Checkpoints(run.directory).latest() is not None:
        run.state = Checkpoints(run.directory).restore(
            gan.generator, gan.discriminator, gan.d_optimizer, gan.g_optimizer
        )
        _log(
            f"stylegan: resuming after chunk {run.state.epochs_done} of {total} "
            f"({run.state.train_seconds:.0f} s so far)"
        )
    run.state.settings = _settings(run, "stylegan", chunks=total, style_mixing_probability=mixing)
    for chunk in range(run.state.epochs_done, total):
        started, cpu_started = time.perf_counter(), time.process_time()
        logs = _chunk(gan, run.dataset(chunk), steps=run.chunk_steps)
        run.record(
            chunk,
            logs,
            time.perf_counter() - started,
            time.process_time() - cpu_started,
            gan,
            lambda: _stylegan_quick_fd(gan),
        )
    return gan, run.state


def averaged_style_generator(gan):
    """A copy of a `StyleGAN`'s generator holding the moving average of its weights (w̄ copied as it is)."""
    from autoaegan.models.stylegan import StyleGenerator

    source = gan.generator
    copy = StyleGenerator(
        source.codings_size,
        source.w_size,
        source.synthesis.channels,
        mapping_depth=source.mapping_depth,
        w_average_beta=source.w_average_beta,
        seed=source.seed,
        name=source.name,
    )
    copy.set_weights(averaged_weights(gan))
    return copy


def _stylegan_quick_fd(gan) -> float:
    return quick_fd(averaged_style_generator(gan))


def _settings(run: _Run, kind: str, **extra) -> dict:
    return {
        "gan": kind,
        "recipe": asdict(run.recipe),
        "chunk_steps": run.chunk_steps,
        "seed": run.seed,
        "images": int(len(run.images)),
        "profile": run.profile.name,
        "data": "Fashion-MNIST training images padded to 32×32, scaled to [-1, 1]",
        **extra,
    }


# ---------------------------------------------------------------------------------------------------- shipped weights
def build_pretrained_progan() -> keras.Model:
    """The shipped ProGAN generator: codings 128 → 32×32 images in [-1, 1], the last level's fade-in model at α = 1.

    The fade-in model holds the 16×16 to-image layer too, so that chapter 10's
    α-scrubber can blend the two paths; at α = 1 its images are the stable
    model's. Its `generator_layers` attribute is the `ProgressiveGenerator` whose
    layers it wires (for the other levels' models).
    """
    from autoaegan.models.progan import ProgressiveGenerator

    layers = ProgressiveGenerator(channels=RECIPE.channels)
    model = layers.model(layers.max_level, fade_in=True)
    layers.fades[layers.max_level].set_alpha(1.0)
    model.generator_layers = layers
    return model


def build_pretrained_stylegan():
    """The shipped StyleGAN generator's architecture: a `StyleGenerator` of the recipe's widths (not trained)."""
    from autoaegan.models.stylegan import StyleGenerator

    return StyleGenerator(channels=RECIPE.channels, seed=0, name="style_generator")


def _shipped_settings(state: TrainingState, checkpointed: bool, images) -> dict:
    return {
        **state.settings,
        "data": f"Fashion-MNIST: {len(images):,} training images padded to 32×32, scaled to [-1, 1]",
        "shipped_weights": f"the moving average of the generator's weights (momentum {RECIPE.g_ema_momentum} per step)",
        "train_seconds_total": round(state.train_seconds, 1) if checkpointed else None,
        "cpu_seconds_total": round(sum(state.cpu_seconds_by_epoch), 1) if checkpointed else None,
        "images_seen": int(state.epochs_done * state.settings["chunk_steps"] * state.settings["recipe"]["batch_size"]),
        "note": "training ran at nice 19 on a shared 2-core machine: wall-clock times are upper bounds",
    }


def _quality(generator, profile: Profile, state: TrainingState) -> dict:
    from autoaegan.models.dcgan import METRIC_N_BY_PROFILE, quality_figures

    return {
        "quality": quality_figures(generator, n=profile.pick(**METRIC_N_BY_PROFILE), value_range=(-1.0, 1.0)),
        "history": state.history,
        "parameters": int(generator.count_params()),
    }


def train_pretrained_progan(profile: Profile):
    """Train (or finish, from its checkpoints under the full profile) the ProGAN; return a `TrainedModel`."""
    from autoaegan.data.fashion_mnist import load_fashion_mnist
    from autoaegan.pretrained.catalog import TrainedModel

    images = profile.subset(load_fashion_mnist().train_images, "train")
    checkpointed = profile.name == "full"
    gan, state = train_progan(
        images, profile=profile, seed=profile.seed, directory=None if checkpointed else False, monitor=checkpointed
    )
    layers = gan.generator_layers
    # The averaged weights go into the shared layers, so the fade-in model below reads them (and the live
    # 16×16 to-image layer, which the last phase no longer trained).
    for variable, value in zip(gan.generator.weights, averaged_weights(gan)):
        variable.assign(value)
    fading = layers.model(layers.max_level, fade_in=True)
    layers.fades[layers.max_level].set_alpha(1.0)
    shipped = build_pretrained_progan()
    shipped.set_weights(fading.get_weights())
    if checkpointed:
        record_growth(work_dir("progan"), state)
    return TrainedModel(
        model=shipped,
        settings=_shipped_settings(state, checkpointed, images),
        metrics=_quality(shipped, profile, state),
    )


GROWTH_SAMPLES = 10
GROWTH_SEED = 0


def record_growth(directory, state: TrainingState, *, target: Path | None = None) -> Path:
    """Ship the samples of each level at the end of its stable phase (`recordings/progan_growth_samples.npz`).

    The same `GROWTH_SAMPLES` codings go through the averaged generator of every
    level's last checkpoint: what the growing generator made at 4×4, 8×8, 16×16
    and 32×32, as training reached each size. `target`: the folder to write to
    (default the package's recordings).
    """
    import json

    from autoaegan.latent import sample_codings
    from autoaegan.models.gan import generate_from
    from autoaegan.models.progan import ProgressiveGenerator, resolution_of
    from autoaegan.recordings import RECORDINGS_DIR

    schedule = [Phase(**phase) for phase in state.settings["schedule"]]
    channels = tuple(state.settings["recipe"]["channels"])
    target = RECORDINGS_DIR if target is None else Path(target)
    arrays, chunks = {}, {}
    end = 0
    for phase in schedule:
        end += phase.chunks
        if phase.fade_in or end > state.epochs_done:
            continue
        layers = ProgressiveGenerator(channels=channels)
        model = layers.model(phase.level)
        model.load_weights(Checkpoints(directory).generator_weights(end, averaged=True))
        size = resolution_of(phase.level)
        codings = sample_codings(GROWTH_SAMPLES, layers.codings_size, seed=GROWTH_SEED)
        images = generate_from(model, codings, value_range=(-1.0, 1.0))[..., 0]
        arrays[f"{size}x{size}"] = np.round(images * 255).astype(np.uint8)
        chunks[f"{size}x{size}"] = end
    path = target / "progan_growth_samples.npz"
    np.savez_compressed(path, **arrays)
    images_per_chunk = state.settings["chunk_steps"] * state.settings["recipe"]["batch_size"]
    (target / "progan_growth.json").write_text(
        json.dumps(
            {
                "what": "samples of the shipped ProGAN's training at the end of each level's stable phase "
                "(averaged weights, the same codings)",
                "codings_seed": GROWTH_SEED,
                "samples": GROWTH_SAMPLES,
                "images_seen": {key: chunk * images_per_chunk for key, chunk in chunks.items()},
            },
            indent=1,
        )
        + "\n"
    )
    return path


def train_pretrained_stylegan(profile: Profile):
    """Train (or finish, from its checkpoints under the full profile) the StyleGAN; return a `TrainedModel`."""
    from autoaegan.data.fashion_mnist import load_fashion_mnist
    from autoaegan.pretrained.catalog import TrainedModel

    images = profile.subset(load_fashion_mnist().train_images, "train")
    checkpointed = profile.name == "full"
    gan, state = train_stylegan(
        images, profile=profile, seed=profile.seed, directory=None if checkpointed else False, monitor=checkpointed
    )
    shipped = build_pretrained_stylegan()
    shipped.set_weights(averaged_weights(gan))
    return TrainedModel(
        model=shipped,
        settings=_shipped_settings(state, checkpointed, images),
        metrics=_quality(shipped, profile, state),
    )

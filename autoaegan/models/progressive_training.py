"""Long, resumable trainings of chapter 10's ProGAN and chapter 11's StyleGAN, in chunks of steps.

Both GANs train on the 55,000 training images padded to 32×32, with the papers'
Adam (β₁ = 0, β₂ = 0.99) and the non-saturating logistic loss, and ship the moving
average of their generator's weights (as the papers do). A training is a list of
*chunks* of the plan's `chunk_steps` steps; after each chunk a checkpoint is written
(`autoaegan.training.checkpoints`: networks, optimizers, the averaged generator, a
`TrainingState` whose `epochs_done` counts chunks), with a quick FD on 2,000 samples in
its history, so a killed run resumes after its last chunk and loses at most one. The
recipe and the chunks per profile are the plans of the `progan` and `stylegan` entries
of the pretrained catalogue.

The ProGAN's chunks follow a *schedule* of phases: level 0 (4×4) stable, then for
each level a fade-in phase (α from 0 to 1) and a stable phase. Adam's state starts
afresh at every phase, as in the paper's code (the set of weights changes).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras
import numpy as np

from autoaegan.arguments import positive_int
from autoaegan.data.fashion_mnist import load_fashion_mnist
from autoaegan.latent import sample_codings
from autoaegan.models.progan import FadeInSchedule, ProGAN, ProgressiveGenerator, build_progressive_pair, resolution_of
from autoaegan.models.progressive_images import pad_images, padded_dataset
from autoaegan.models.stylegan import STYLE_MIXING_PROBABILITY, StyleGenerator, build_stylegan
from autoaegan.pixels import SIGNED_RANGE, unit_to_uint8
from autoaegan.plans import Recipe
from autoaegan.pretrained.catalog import CATALOG, TrainedModel
from autoaegan.profiles import Profile
from autoaegan.recordings import RECORDINGS_DIR
from autoaegan.seeding import set_seed
from autoaegan.training.averaging import averaged_copy, averaged_weights
from autoaegan.training.checkpoints import Checkpoints
from autoaegan.training.gan_recipe import compile_gan
from autoaegan.training.progress_log import log
from autoaegan.training.quality import QUICK_FD_N, quality_figures, quick_fd
from autoaegan.training.sampling import generate_from
from autoaegan.training.training_state import TrainingState
from autoaegan.training.work_dir import work_dir

# The plans of the shipped ProGAN and StyleGAN (their catalogue entries): one recipe, chunks per profile.
PROGAN_PLAN = CATALOG["progan"].plan
STYLEGAN_PLAN = CATALOG["stylegan"].plan
PLANS = {"progan": PROGAN_PLAN, "stylegan": STYLEGAN_PLAN}
# The recipe both progressive GANs share (the catalogue gives them the same one); tests and ablations vary it.
RECIPE = PROGAN_PLAN.recipe


@dataclass(frozen=True)
class Phase:
    """A stretch of a progressive training: `chunks` chunks at `level`, fading the level in or not."""

    level: int
    fade_in: bool
    chunks: int


def progan_schedule(max_level: int, *, chunks_per_phase: int, final_chunks: int) -> list[Phase]:
    """Level 0 stable, then for each level a fade-in and a stable phase, the last stable one `final_chunks` long."""
    phases = [Phase(0, False, positive_int(chunks_per_phase, "chunks_per_phase"))]
    for level in range(1, max_level + 1):
        phases.append(Phase(level, True, chunks_per_phase))
        last = level == max_level
        phases.append(Phase(level, False, positive_int(final_chunks, "final_chunks") if last else chunks_per_phase))
    return phases


def phase_of(schedule: list[Phase], chunk: int) -> tuple[int, Phase, int]:
    """`(phase index, phase, chunk index inside it)` of the `chunk`-th chunk (from 0) of `schedule`."""
    start = 0
    for index, phase in enumerate(schedule):
        if chunk < start + phase.chunks:
            return index, phase, chunk - start
        start += phase.chunks
    raise ValueError(f"chunk {chunk} is past the schedule's {start} chunks")


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
    recipe: Recipe
    chunk_steps: int
    seed: int
    profile: Profile
    directory: Path | None
    monitor: bool
    state: TrainingState = field(default_factory=TrainingState)
    padded: np.ndarray | None = None

    def dataset(self, chunk: int):
        if self.padded is None:
            self.padded = pad_images(self.images)  # once, not once per chunk
        # A seed per chunk: a resumed run sees the batches an uninterrupted one would.
        return padded_dataset(self.padded, batch_size=self.recipe.batch_size, seed=self.seed + chunk).repeat()

    def compile(self, gan):
        return compile_gan(gan, self.recipe, profile=self.profile)

    def checkpoints(self) -> Checkpoints | None:
        return None if self.directory is None else Checkpoints(self.directory)

    def record(self, chunk: int, logs: dict, seconds: float, cpu_seconds: float, gan, average) -> None:
        """Append the chunk's figures (and the averaged generator's quick FD) and save its checkpoint.

        `average(gan)` makes a copy of the generator holding its averaged weights, only when needed.
        """
        averaged = average(gan) if self.monitor or self.directory is not None else None
        if self.monitor:
            logs = {**logs, f"fd_{QUICK_FD_N}": round(_quick_fd(averaged), 2)}
        self.state.record(chunk + 1, logs, seconds=seconds, cpu_seconds=cpu_seconds)
        if self.directory is not None:
            self.checkpoints().save(self.state, **_objects(gan), averaged_generator=averaged)
        log(
            f"{self.kind} chunk {chunk + 1} done in {seconds:.0f} s: "
            + ", ".join(f"{name} {value:.4g}" for name, value in logs.items())
        )


def _objects(gan) -> dict:
    """What a checkpoint restores: both networks and both optimizers (the generator's keeps its average)."""
    return {
        "generator": gan.generator,
        "discriminator": gan.discriminator,
        "d_optimizer": gan.d_optimizer,
        "g_optimizer": gan.g_optimizer,
    }


def _averaged_generator(gan) -> keras.Model:
    return averaged_copy(gan.generator, gan.g_optimizer)


def _quick_fd(generator) -> float:
    if generator.output_shape[1] != generator.output_shape[2] or generator.output_shape[1] < 28:
        return float("nan")  # the metrics read 28×28 or 32×32 images only
    return quick_fd(generator)


def _start(kind, images, *, recipe, profile, seed, directory, monitor, chunk_steps=None) -> _Run:
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(f"images must be uint8 shaped (n, 28, 28), got {images.dtype} of shape {images.shape}")
    if len(images) < recipe.batch_size:  # before any model is built: a bad input fails at once
        raise ValueError(f"need at least one batch of {recipe.batch_size} images, got {len(images)}")
    set_seed(seed, profile=profile)
    chunk_steps = (
        PLANS[kind].count("chunk_steps", profile) if chunk_steps is None else positive_int(chunk_steps, "chunk_steps")
    )
    if chunk_steps % recipe.steps_per_execution:
        raise ValueError(
            f"chunk_steps ({chunk_steps}) must be a multiple of steps_per_execution ({recipe.steps_per_execution})"
        )
    return _Run(
        kind, images, recipe, chunk_steps, seed, profile, None if directory is False else Path(directory), monitor
    )


def _timed_chunk(gan, run: _Run, chunk: int, callbacks=()) -> tuple[dict, float, float]:
    started, cpu_started = time.perf_counter(), time.process_time()
    logs = _chunk(gan, run.dataset(chunk), steps=run.chunk_steps, callbacks=callbacks)
    return logs, time.perf_counter() - started, time.process_time() - cpu_started


def train_progan(
    images,
    *,
    profile: Profile,
    recipe: Recipe = PROGAN_PLAN.recipe,
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
    plan's budget for `profile` (the ablation's reduced runs).
    """
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
    if phases is None:
        phases = (PROGAN_PLAN.count("chunks_per_phase", profile), PROGAN_PLAN.count("final_chunks", profile))
    per_phase, final = phases
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
    checkpoints = run.checkpoints()
    if checkpoints is not None and checkpoints.latest() is not None:
        done = checkpoints.latest()
        current, saved_phase, _ = phase_of(schedule, min(done, total) - 1)
        gan = pair(saved_phase)
        run.state = checkpoints.restore(**_objects(gan))
        log(f"progan: resuming after chunk {done} of {total} ({run.state.train_seconds:.0f} s so far)")
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
        logs, seconds, cpu_seconds = _timed_chunk(gan, run, chunk, callbacks)
        if phase.fade_in:
            logs["alpha"] = gan.alpha
        run.record(chunk, logs, seconds, cpu_seconds, gan, _averaged_generator)
    if gan is None:
        gan = pair(schedule[-1])
    gan.generator_layers = generator_layers
    return gan, run.state


def train_stylegan(
    images,
    *,
    profile: Profile,
    recipe: Recipe = STYLEGAN_PLAN.recipe,
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
    `chunks` and `chunk_steps` (default the plan's for `profile`) serve the mixing ablation.
    """
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
    total = positive_int(chunks, "chunks") if chunks is not None else STYLEGAN_PLAN.count("chunks", profile)
    checkpoints = run.checkpoints()
    if checkpoints is not None and checkpoints.latest() is not None:
        run.state = checkpoints.restore(**_objects(gan))
        log(
            f"stylegan: resuming after chunk {run.state.epochs_done} of {total} "
            f"({run.state.train_seconds:.0f} s so far)"
        )
    run.state.settings = _settings(run, "stylegan", chunks=total, style_mixing_probability=mixing)
    for chunk in range(run.state.epochs_done, total):
        logs, seconds, cpu_seconds = _timed_chunk(gan, run, chunk)
        run.record(chunk, logs, seconds, cpu_seconds, gan, averaged_style_generator)
    return gan, run.state


def averaged_style_generator(gan) -> StyleGenerator:
    """A copy of a `StyleGAN`'s generator holding the moving average of its weights (w̄ copied as it is)."""
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
    copy.set_weights(averaged_weights(source, gan.g_optimizer))
    return copy


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
    layers = ProgressiveGenerator(channels=PROGAN_PLAN.recipe.channels)
    model = layers.model(layers.max_level, fade_in=True)
    layers.fades[layers.max_level].set_alpha(1.0)
    model.generator_layers = layers
    return model


def build_pretrained_stylegan() -> StyleGenerator:
    """The shipped StyleGAN generator's architecture: a `StyleGenerator` of the recipe's widths (not trained)."""
    return StyleGenerator(channels=STYLEGAN_PLAN.recipe.channels, seed=0, name="style_generator")


def _shipped_settings(state: TrainingState, checkpointed: bool, images) -> dict:
    return {
        **state.settings,
        "data": f"Fashion-MNIST: {len(images):,} training images padded to 32×32, scaled to [-1, 1]",
        "shipped_weights": "the moving average of the generator's weights "
        f"(momentum {state.settings['recipe']['g_ema_momentum']} per step)",
        "train_seconds_total": round(state.train_seconds, 1) if checkpointed else None,
        "cpu_seconds_total": round(sum(state.cpu_seconds_by_epoch), 1) if checkpointed else None,
        "images_seen": int(state.epochs_done * state.settings["chunk_steps"] * state.settings["recipe"]["batch_size"]),
        "note": "training ran at nice 19 on a shared 2-core machine: wall-clock times are upper bounds",
    }


def _quality(generator, n: int, state: TrainingState) -> dict:
    return {
        "quality": quality_figures(generator, n=n, value_range=SIGNED_RANGE),
        "history": state.history,
        "parameters": int(generator.count_params()),
    }


def train_pretrained_progan(profile: Profile):
    """Train (or finish, from its checkpoints under the full profile) the ProGAN; return a `TrainedModel`."""
    images = profile.subset(load_fashion_mnist().train_images, "train")
    checkpointed = profile.pick(test=False, classroom=False, full=True)
    gan, state = train_progan(
        images, profile=profile, seed=profile.seed, directory=None if checkpointed else False, monitor=checkpointed
    )
    layers = gan.generator_layers
    # The averaged weights go into the shared layers, so the fade-in model below reads them (and the live
    # 16×16 to-image layer, which the last phase no longer trained).
    for variable, value in zip(gan.generator.weights, averaged_weights(gan.generator, gan.g_optimizer)):
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
        metrics=_quality(shipped, PROGAN_PLAN.count("metric_n", profile), state),
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
    schedule = [Phase(**phase) for phase in state.settings["schedule"]]
    channels = tuple(state.settings["recipe"]["channels"])
    target = RECORDINGS_DIR if target is None else Path(target)
    checkpoints = Checkpoints(directory)
    arrays, chunks = {}, {}
    end = 0
    for phase in schedule:
        end += phase.chunks
        if phase.fade_in or end > state.epochs_done:
            continue
        layers = ProgressiveGenerator(channels=channels)
        model = layers.model(phase.level)
        checkpoints.restore(end, averaged_generator=model)
        size = resolution_of(phase.level)
        codings = sample_codings(GROWTH_SAMPLES, layers.codings_size, seed=GROWTH_SEED)
        images = generate_from(model, codings, value_range=SIGNED_RANGE)[..., 0]
        arrays[f"{size}x{size}"] = unit_to_uint8(images)
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
    images = profile.subset(load_fashion_mnist().train_images, "train")
    checkpointed = profile.pick(test=False, classroom=False, full=True)
    gan, state = train_stylegan(
        images, profile=profile, seed=profile.seed, directory=None if checkpointed else False, monitor=checkpointed
    )
    shipped = build_pretrained_stylegan()
    shipped.set_weights(averaged_weights(gan.generator, gan.g_optimizer))
    return TrainedModel(
        model=shipped,
        settings=_shipped_settings(state, checkpointed, images),
        metrics=_quality(shipped, STYLEGAN_PLAN.count("metric_n", profile), state),
    )

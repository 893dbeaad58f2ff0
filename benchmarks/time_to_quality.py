"""Time to quality and reference quality of the autoencoders of chapters 03-05.

For each model, in one run on this machine:

1. **baseline**: the same architecture in plain Keras, trained the way the reference
   notebook does (float32 NumPy arrays, default `fit`, batch 32, Nadam 1e-3) for the
   reference's epoch count. Its final validation loss is the target.
2. **package**: `autoaegan.training.fitting.train` with the model's recipe, for the same number
   of epochs. It records when its validation loss first reaches the target (time to
   quality) and where it ends (quality, compared with Géron's published figure).

Each model's result is written to `benchmarks/results/time_to_quality.json` as soon as it
exists, so a stopped run loses only the model in progress; finished models are skipped
unless `--force`. `--seeds` repeats the package run to confirm a narrow margin.
`--markdown` prints the table from the results file without training anything.

    python -m benchmarks.time_to_quality --models stacked kl_sparse
    nohup python -m benchmarks.time_to_quality --models recurrent > /tmp/recurrent.log &

What was tried to reach the baselines' quality 3 times sooner (2 cores, seed 42, 2026-11-25):

- Shorter schedules end above the target: the models need about 7 epochs of batch-32 updates.
  KL-sparse (target 0.00947): a 6-epoch cosine run ends at 0.00977, a 5-epoch one at 0.01034;
  convolutional (target 0.01218): a 5-epoch run ends at 0.01354.
- Larger batches need more epochs than they save: KL-sparse at batch 64 and 3e-3 ends at 0.01014
  after 10 epochs; convolutional at batch 64 and 3e-3 reaches its target only at epoch 9.
- Learning rate (KL-sparse, batch 32, 10 epochs): 1.5e-3 and 2e-3 reach the target at epoch 7,
  2.5e-3 at epoch 9, 3e-3 later still.
- XLA: it speeds up the dense models (stacked, KL-sparse: the first epoch pays about 3 s to compile),
  and slows the others: the LSTM ran 600 images/s with it against 1,200-1,500 without, in a
  micro-benchmark on random data; the convolutional model is also slower with it.
- Unrolled LSTMs (`unroll=True`, used by this benchmark's package path): 2,000-2,200 images/s against
  1,200-1,500 for Keras' loop, the same weights and outputs, but about 270 MiB more memory.
- bfloat16 mixed precision (the CPU has AVX512_BF16) showed no gain beyond the noise for the
  convolutional model.

Tried on 2026-12-04 (2 cores, seed 42; another machine, an AMD EPYC with AVX2 only):

- KL-sparse: 128 steps per call instead of 32 took an epoch from 2.4 s to 2.2 s; the first epoch still pays
  about 4 s of XLA compilation. With it the package reached the target at epoch 6 in 22 s against the
  baseline's 73 s of that run (3.3×, the committed figure).
- Batches of 16 (KL-sparse, 1.5e-3): the target at epoch 6 as with 32, but each epoch took 4.2 s against 2.4 s.
  The convolutional model at batch 16 with XLA ran so slowly that the run was stopped.
- Weight averaging (Keras' `use_ema`, momentum 0.999, the validation on the averaged weights): lower losses in
  the middle of a run (KL-sparse epoch 4: 0.0102 against 0.0118), the same epoch at the target (KL-sparse 6,
  convolutional 6 instead of 7). With 3e-3 or with batches of 64 the KL-sparse model no longer reached it.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from dataclasses import dataclass, field, fields

import keras

from autoaegan.data.fashion_mnist import load_fashion_mnist
from autoaegan.metrics.reconstruction import pca_baseline_mse
from autoaegan.pixels import uint8_to_unit
from autoaegan.profiles import Profile, get_profile
from autoaegan.training.fitting import train
from benchmarks import harness

TRAIN_IMAGES = 55_000


@dataclass(frozen=True)
class ModelSpec:
    """A benchmarked model: its builder ("module:function"), keyword arguments, reference epochs and figure."""

    builder: str
    epochs: int
    reference_val_loss: float
    kwargs: dict = field(default_factory=dict)
    recipe: str = "autoaegan.pretrained.catalog:FAST_RECIPE"
    recipe_changes: dict = field(default_factory=dict)
    baseline_kwargs: dict = field(default_factory=dict)  # builder arguments that make the model Géron's plain one


# Quality is compared on the reconstruction MSE alone ("val_mse"): Keras divides activity
# regularization by the batch size, so a val_loss that includes the KL penalty changes with it.
MODELS = {
    "stacked": ModelSpec("autoaegan.models.stacked:build_stacked_autoencoder", 20, 0.0132, {"variant": "relu_mse"}),
    "convolutional": ModelSpec(
        "autoaegan.models.convolutional:build_convolutional_autoencoder",
        10,
        0.0121,
        recipe="autoaegan.pretrained.catalog:SMALL_BATCH_RECIPE",
        recipe_changes={"jit_compile": False},
    ),
    # The package's path unrolls the LSTMs (see autoaegan.models.recurrent.UNROLL), where XLA only slows them
    # down; Géron's notebook runs Keras' default, a while loop over the time steps.
    "recurrent": ModelSpec(
        "autoaegan.models.recurrent:build_recurrent_autoencoder",
        10,
        0.0104,
        {"unroll": True},
        recipe="autoaegan.pretrained.catalog:SMALL_BATCH_RECIPE",
        recipe_changes={"jit_compile": False},
        baseline_kwargs={"unroll": False},
    ),
    "kl_sparse": ModelSpec(
        # Géron's val_loss, which holds the KL penalty as well (his training loss was 0.0098).
        "autoaegan.models.sparse:build_kl_sparse_autoencoder",
        10,
        0.0099,
        # 128 steps per call instead of 32: each epoch's 1,719 steps make 14 calls instead of 54 (2.2 s an epoch
        # against 2.4 s); the steps themselves are the same.
        recipe="autoaegan.pretrained.catalog:SMALL_BATCH_RECIPE",
        recipe_changes={"steps_per_execution": 128},
    ),
}


def _resolve(reference: str):
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


def build_model(spec: ModelSpec, seed: int, *, baseline: bool = False):
    """A freshly initialised autoencoder of `spec`, seeded: the package's, or with `baseline` Géron's plain one."""
    keras.utils.set_random_seed(seed)
    built = _resolve(spec.builder)(**{**spec.kwargs, **(spec.baseline_kwargs if baseline else {})})
    return built[-1] if isinstance(built, tuple) else built


class EpochClock(keras.callbacks.Callback):
    """Record (epoch, seconds since the start, validation MSE) per epoch, and when the MSE first reaches `target`."""

    def __init__(self, target: float | None = None):
        super().__init__()
        self.target = target

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()
        self.epochs = []
        self.reached_at = None

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self.started
        val_loss = float(logs["val_mse"])
        self.epochs.append({"epoch": epoch + 1, "seconds": round(seconds, 2), "val_mse": val_loss})
        if self.target is not None and self.reached_at is None and val_loss <= self.target:
            self.reached_at = {"epoch": epoch + 1, "seconds": round(seconds, 2)}


def run_baseline(spec: ModelSpec, data, seed: int) -> dict:
    """Train the plain Keras baseline: float32 arrays, default fit, batch 32, Nadam 1e-3."""
    x_train = uint8_to_unit(data.train_images)
    x_valid = uint8_to_unit(data.valid_images)
    model = build_model(spec, seed, baseline=True)
    model.compile(optimizer=keras.optimizers.Nadam(learning_rate=1e-3), loss="mse", metrics=["mse"])
    clock = EpochClock()
    model.fit(
        x_train,
        x_train,
        batch_size=32,
        epochs=spec.epochs,
        validation_data=(x_valid, x_valid),
        callbacks=[clock],
        verbose=0,
    )
    seconds = clock.epochs[-1]["seconds"]
    return {
        "seconds": seconds,
        "final_val_mse": clock.epochs[-1]["val_mse"],
        "images_per_second": round(TRAIN_IMAGES * spec.epochs / seconds, 1),
        "epochs": clock.epochs,
        "seed": seed,
    }


def run_package(spec: ModelSpec, data, seed: int, target: float, *, profile: Profile) -> dict:
    """Train with the package's path and recipe in `profile`; note when it reaches `target` and where it ends."""
    recipe = _resolve(spec.recipe).with_changes(**spec.recipe_changes)
    model = build_model(spec, seed)
    clock = EpochClock(target)
    train(
        model,
        data.train_images,
        loss="mse",
        metrics=["mse"],
        epochs=spec.epochs,
        recipe=recipe,
        validation_data=data.valid_images,
        profile=profile,
        callbacks=[clock],
        verbose=0,
    )
    seconds = clock.epochs[-1]["seconds"]
    return {
        "recipe": {item.name: getattr(recipe, item.name) for item in fields(recipe)},
        "seconds": seconds,
        "final_val_mse": clock.epochs[-1]["val_mse"],
        "reached_target_at": clock.reached_at,
        "images_per_second": round(TRAIN_IMAGES * spec.epochs / seconds, 1),
        "epochs": clock.epochs,
        "seed": seed,
    }


def markdown_table(results: dict) -> str:
    """The README table: speed (time to the baseline's validation MSE) and quality (against Géron's figure)."""
    rows = []
    for name, entry in results["models"].items():
        spec, base, runs = MODELS[name], entry["baseline"], entry["package"]
        baseline = f"{base['seconds']:.0f} s, {base['final_val_mse']:.5f}"
        if not runs:
            rows.append(
                (
                    f"{name} ({spec.epochs} epochs)",
                    baseline,
                    "not measured yet",
                    "—",
                    "—",
                    "—",
                    spec.reference_val_loss,
                    "—",
                )
            )
            continue
        reached = runs[0]["reached_target_at"]
        rows.append(
            (
                f"{name} ({spec.epochs} epochs)",
                baseline,
                f"{reached['seconds']:.0f} s (epoch {reached['epoch']})" if reached else "not reached",
                f"{base['seconds'] / reached['seconds']:.1f}×" if reached else "—",
                f"{base['images_per_second']:.0f} → {runs[0]['images_per_second']:.0f}",
                ", ".join(f"{run['final_val_mse']:.5f}" for run in runs),
                spec.reference_val_loss,
                ", ".join(str(run["seed"]) for run in runs),
            )
        )
    header = (
        "model",
        "baseline: time, final val MSE",
        "package: time to that MSE",
        "speed-up",
        "images/s, baseline → package",
        "package val MSE at Géron's epochs",
        "Géron",
        "seeds",
    )
    lines = [harness.table(header, rows, align="lllrllll")]
    if "pca30_val_mse" in results:
        lines.append(
            "\nPCA-30 baseline (fitted on the 55,000 training images, scored on the 5,000 validation images): "
            f"validation MSE {results['pca30_val_mse']:.5f}."
        )
    if "machine" in results:
        machine = results["machine"]
        dates = ", ".join(
            f"{name} {entry['measured_at'][:10]}" for name, entry in results["models"].items() if "measured_at" in entry
        )
        lines.append(
            f"Measured on {machine['cpus']} CPUs, TensorFlow {machine['tensorflow']}, Keras {machine['keras']} "
            f"({dates or results['measured_at'][:10]}); a model's baseline and package runs ran one after the other."
        )
    return "\n".join(lines)


BENCHMARK = harness.Benchmark("time_to_quality", markdown_table, recording="time_to_quality")


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks, writing each model's result as soon as it exists."""
    parser = harness.command_line(__doc__, profile="full")
    parser.add_argument("--models", nargs="*", choices=sorted(MODELS), default=sorted(MODELS))
    parser.add_argument(
        "--seeds", nargs="*", type=int, default=[42], help="package-run seeds (first one also seeds the baseline)"
    )
    parser.add_argument("--force", action="store_true", help="rerun models already in the results file")
    args = parser.parse_args(argv)
    if args.markdown:
        harness.run(BENCHMARK, args, dict)
        return 0

    saved = BENCHMARK.json_file(args.output)
    results = harness.read_json(saved) if saved.is_file() else {"models": {}}
    profile = get_profile(args.profile)
    data = load_fashion_mnist()
    results["measured_at"], results["machine"] = harness.now(), harness.machine(cpus=len(os.sched_getaffinity(0)))

    def save() -> None:  # after each step: the recurrent baseline alone takes over half an hour
        BENCHMARK.write(results, args.output)

    if "pca30_val_mse" not in results or args.force:
        results["pca30_val_mse"] = pca_baseline_mse(data.train_images, data.valid_images, n_components=30)
        save()
        print(f"PCA-30 validation MSE: {results['pca30_val_mse']:.5f}", flush=True)

    for name in args.models:
        spec = MODELS[name]
        entry = results["models"].get(name)
        if entry and not args.force and len(entry["package"]) >= len(args.seeds):
            print(f"{name}: already measured (use --force to rerun)", flush=True)
            continue
        if not entry or args.force:
            print(f"{name}: baseline, {spec.epochs} epochs at batch 32", flush=True)
            entry = {"measured_at": harness.now(), "baseline": run_baseline(spec, data, args.seeds[0]), "package": []}
            results["models"][name] = entry
            save()
        target = entry["baseline"]["final_val_mse"]
        done = {run["seed"] for run in entry["package"]}
        for seed in args.seeds:
            if seed in done:
                continue
            print(f"{name}: package path, seed {seed}, target {target:.5f}", flush=True)
            entry["package"].append(run_package(spec, data, seed, target, profile=profile))
            save()
    save()
    print(markdown_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

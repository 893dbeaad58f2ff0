"""Chapters 10 and 11's ablations, in a reduced profile: each ProGAN technique off in turn, and StyleGAN's mixing.

Every run trains on Fashion-MNIST's 55,000 training images (padded to 32×32) with
the chapters' recipe (`progressive_training.RECIPE`), the same seed and the same
number of images (`--chunk-steps` steps of 32 images per chunk):

- ProGAN: all of the paper's techniques, then without equalized learning rate,
  without pixel normalization, without the minibatch standard deviation, and
  without progressive growing (32×32 from the first step). The growing runs spend
  (1, 2) chunks per phase (7 phases, 8 chunks). Equal images are not equal time:
  the low levels are cheap, so growing saves time too; the table gives both.
- StyleGAN: mixing regularization (90 % of the fakes mixed) against none, 8 chunks
  each. Locality is measured as the StyleGAN paper measures it (its Table 2): the
  FD of images whose styles are mixed from two codings at a random crossover at
  test time, against the FD of unmixed ones. A generator trained without mixing
  has come to rely on its styles being correlated across levels, and degrades more.

Figures: `evaluate_generated` at N = `--n` (one sample seed; FD is biased at small
N, so compare only at one N). Each finished run is kept in the work folder
(`autoaegan.training.work_dir`, under `progressive_ablation/`) and skipped when
rerun. The summary becomes the recording the chapters read
(`progressive_ablation.json`, with 10 samples per run in
`progressive_ablation_samples.npz`; `benchmarks.recorded_tables` makes the README's
tables from it).

    setsid nohup nice -n 19 .venv/bin/python -m autoaegan.recordings make progressive_ablation > ablation.log 2>&1 &
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from keras import ops

from autoaegan.data.fashion_mnist import load_fashion_mnist
from autoaegan.experiments.cached_runs import earlier_result, save_result, write_summary
from autoaegan.latent import sample_codings
from autoaegan.layers.style import mix_styles
from autoaegan.metrics.evaluation import evaluate_generated
from autoaegan.models import progressive_training as pt
from autoaegan.models.progan import ProGANTechniques
from autoaegan.pixels import signed_to_unit, unit_to_uint8
from autoaegan.profiles import Profile, get_profile
from autoaegan.recordings import RECORDINGS_DIR
from autoaegan.recordings.measurement import machine, now
from autoaegan.training.averaging import averaged_weights
from autoaegan.training.sampling import generate_from
from autoaegan.training.work_dir import work_dir

NAME = "progressive_ablation"
SAMPLE_SEED = 0
KEPT_SAMPLES = 10

# name -> the ProGANTechniques switched off
PROGAN_VARIANTS = {
    "all techniques": {},
    "no equalized learning rate": {"equalized_learning_rate": False},
    "no pixel normalization": {"pixel_normalization": False},
    "no minibatch stddev": {"minibatch_stddev": False},
    "no progressive growing": {"progressive_growing": False},
}
# name -> style-mixing probability
STYLEGAN_VARIANTS = {"mixing regularization (0.9)": 0.9, "no mixing": 0.0}


def slug(name: str) -> str:
    """A file-name form of a variant's name."""
    return "".join(c if c.isalnum() else "_" for c in name).strip("_")


def _mixed_images(generator, n: int, seed: int):
    """`n` images whose styles mix two codings at a uniformly random crossover (1..levels-1), in [0, 1]."""
    rng = np.random.default_rng(seed)
    first, second = (sample_codings(n, generator.codings_size, seed=s) for s in (seed, seed + 1000))
    crossovers = rng.integers(1, generator.num_styles, size=n).astype("int32")
    noise = generator.synthesis.make_noise(n, seed=seed)
    parts = []
    for i in range(0, n, 500):
        w1 = generator.styles(first[i : i + 500])
        w2 = generator.styles(second[i : i + 500])
        styles = mix_styles(w1, w2, crossovers[i : i + 500], generator.num_styles)
        parts.append(ops.convert_to_numpy(generator.synthesis(styles, noise=[part[i : i + 500] for part in noise])))
    return signed_to_unit(np.concatenate(parts))


def run_one(kind: str, name: str, *, images, chunk_steps: int, n: int, work: Path, profile: Profile) -> dict:
    """Train and measure one variant, or read the result of an earlier, finished run with the same settings."""
    settings = {"kind": kind, "variant": name, "chunk_steps": chunk_steps, "n": n, "images": int(len(images))}
    result_path, samples_path = work / f"{kind}_{slug(name)}.json", work / f"{kind}_{slug(name)}_samples.npz"
    # The samples are a companion: shipping reads them, so a result without them is run again.
    earlier = earlier_result(result_path, settings, samples_path)
    if earlier:
        print(f"{kind} / {name}: done earlier", flush=True)
        return earlier
    started, cpu_started = time.perf_counter(), time.process_time()
    if kind == "progan":
        techniques = ProGANTechniques(**PROGAN_VARIANTS[name])
        gan, state = pt.train_progan(
            images,
            profile=profile,
            directory=False,
            monitor=False,
            techniques=techniques,
            phases=(1, 2),
            chunk_steps=chunk_steps,
        )
        generator = gan.generator
        generator.set_weights(averaged_weights(generator, gan.g_optimizer))
    else:
        gan, state = pt.train_stylegan(
            images,
            profile=profile,
            directory=False,
            monitor=False,
            chunks=8,
            chunk_steps=chunk_steps,
            style_mixing_probability=STYLEGAN_VARIANTS[name],
        )
        generator = pt.averaged_style_generator(gan)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    samples = generate_from(
        generator,
        sample_codings(n, int(generator.input_shape[-1]), seed=SAMPLE_SEED),
        value_range=(-1.0, 1.0),
        batch_size=500,
    )
    report = evaluate_generated(samples, name=name, n=n)
    print(kind, name, report, flush=True)
    result = {
        "settings": settings,
        "train_seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "images_seen": int(state.epochs_done * chunk_steps * pt.RECIPE.batch_size),
        "history": state.history,
        "scores": report.scores.headline(),
        "floor": report.floor.headline(),
    }
    if kind == "stylegan":
        mixed = evaluate_generated(_mixed_images(generator, n, SAMPLE_SEED), name=f"{name}, mixed at test time", n=n)
        print(mixed, flush=True)
        result["mixed_scores"] = mixed.scores.headline()
    work.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(samples_path, samples=unit_to_uint8(samples[:KEPT_SAMPLES]))
    save_result(result_path, result)
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line: run every variant, then write the recording."""
    parser = argparse.ArgumentParser(
        prog=f"python -m autoaegan.recordings make {NAME}", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--chunk-steps", type=int, default=96)
    parser.add_argument("--n", type=int, default=2_000, help="samples that evaluate_generated measures")
    parser.add_argument("--profile", default="full", help="the run profile (default full)")
    parser.add_argument("--work", type=Path, default=work_dir(NAME), help="folder of the finished runs")
    parser.add_argument("--output", type=Path, default=RECORDINGS_DIR, help="folder of the recording")
    args = parser.parse_args(argv)

    profile = get_profile(args.profile)
    images = load_fashion_mnist().train_images
    runs = {
        kind: [
            run_one(kind, name, images=images, chunk_steps=args.chunk_steps, n=args.n, work=args.work, profile=profile)
            for name in variants
        ]
        for kind, variants in (("progan", PROGAN_VARIANTS), ("stylegan", STYLEGAN_VARIANTS))
    }
    summary = {
        "settings": {
            "chunk_steps": args.chunk_steps,
            "n": args.n,
            "images": int(len(images)),
            "images_per_run": runs["progan"][0]["images_seen"],
        },
        "floor": runs["progan"][0]["floor"],
        "progan": runs["progan"],
        "stylegan": runs["stylegan"],
        "measured_at": now(),
        "machine": machine(),
    }
    arrays = {}
    for kind, rows in runs.items():
        for row in rows:
            key = f"{kind}_{slug(row['settings']['variant'])}"
            with np.load(args.work / f"{key}_samples.npz") as saved:
                arrays[key] = saved["samples"]
    write_summary(args.output, NAME, summary)
    np.savez_compressed(args.output / f"{NAME}_samples.npz", **arrays)
    print(f"wrote the recording {NAME} into {args.output}", flush=True)
    return 0

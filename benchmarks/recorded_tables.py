"""The README's tables of the chapters' recorded experiments, made from the recordings themselves.

`python -m autoaegan.recordings make NAME` trains and measures, and writes the
recording a chapter reads (`autoaegan.recordings.load_recording(NAME)`); the tables
here are what `benchmarks.update_readme` copies into the README from it.

    python -m benchmarks.recorded_tables gan_fixes     # print one table
"""

from __future__ import annotations

import sys

from autoaegan.recordings import load_recording
from benchmarks import harness


def gan_fixes(summary: dict) -> str:
    """Chapter 08's fixes beside the floor."""
    floor, settings = summary["floor"], summary["settings"]
    rows = []
    for row in summary["rows"]:
        m = row["mean"]
        rows.append(
            (
                row["fix"],
                f"{m['fd']:.1f}",
                f"{1000 * m['kid']:.1f}",
                f"{m['precision']:.3f}",
                f"{m['recall']:.3f}",
                f"{m['covered']:.1f}/10",
                f"{m['entropy']:.3f}",
                f"{row['min_covered_during_training']}/10",
                f"{row['train_seconds']:.0f}",
            )
        )
    rows.append(
        (
            "real vs real (floor)",
            f"{floor['fd']:.2f}",
            f"{1000 * floor['kid']:.2f}",
            f"{floor['precision']:.3f}",
            f"{floor['recall']:.3f}",
            f"{floor['covered']}/10",
            f"{floor['entropy']:.3f}",
            "",
            "",
        )
    )
    header = (
        "fix",
        "FD",
        "KID ×1000",
        "precision",
        "recall",
        "classes covered",
        "class entropy",
        "lowest during training",
        "train s",
    )
    lines = [
        "# Chapter 08: fixes against Géron's collapsing dense GAN",
        "",
        f"Every GAN: Géron's dense architecture and recipe (RMSprop 1e-3, batch 32), {settings['epochs']} epochs on "
        f"{settings['images']:,} Fashion-MNIST images, seeds {', '.join(map(str, settings['seeds']))}. Figures: "
        f"`evaluate_generated` at N = {settings['n']:,} (reduced from 10,000; FD is biased at small N, so compare "
        f'only at one N), means over the seeds. "lowest during training": the fewest classes that 1,000 samples '
        f"from fixed codings covered at any of the records every {settings['every']} steps.",
        "",
        harness.table(header, rows, align="lrrrrrrrr"),
        "",
        f"Measured {summary['measured_at']} on {summary['machine']['platform']} "
        f"({summary['machine']['cpus']} CPUs, shared: wall times are noisy).",
    ]
    return "\n".join(lines) + "\n"


def gan_sweep(summary: dict) -> str:
    """Chapter 08's three grids (FD, classes covered, recall): the discriminator's rate down, the generator's across."""
    settings, cells = summary["settings"], summary["cells"]
    rates = settings["rates"]
    by_pair = {(c["settings"]["d_learning_rate"], c["settings"]["g_learning_rate"]): c for c in cells}
    floor = cells[0]["floor"]
    lines = [
        "# Chapter 08: sensitivity of Géron's dense GAN to its learning rates",
        "",
        f"RMSprop for both networks, batch 32, {settings['epochs']} epochs on {settings['images']:,} Fashion-MNIST "
        f"images, seed {settings['seed']}; `evaluate_generated` at N = {settings['n']:,} (floor: FD "
        f"{floor['fd']:.2f}, recall {floor['recall']:.3f}, {floor['coverage']['covered']}/10 classes). Rows: the "
        "discriminator's learning rate; columns: the generator's. Géron's recipe is 1e-3 for both.",
    ]
    for title, key, fmt in (
        ("FD (lower is better)", "fd", "{:.0f}"),
        ("classes covered (≥1%)", "covered", "{}"),
        ("recall", "recall", "{:.3f}"),
    ):
        rows = []
        for d in rates:
            cells_text = []
            for g in rates:
                cell = by_pair.get((d, g))
                mark = " †" if cell and cell["diverged"] else ""
                cells_text.append("–" if cell is None else fmt.format(cell[key]) + mark)
            rows.append((f"{d:g}", *cells_text))
        header = ("D \\ G", *(f"{g:g}" for g in rates))
        lines += ["", f"**{title}**", "", harness.table(header, rows, align="l" + "r" * len(rates))]
    lines += [
        "",
        "† the training diverged (a loss became NaN); the figures are those of the last good epoch.",
        "",
        f"Measured {summary['measured_at']} ({summary['machine']['cpus']} CPUs, shared machine).",
    ]
    return "\n".join(lines) + "\n"


def progressive_ablation(summary: dict) -> str:
    """Chapters 10-11's two ablation tables."""
    settings, floor = summary["settings"], summary["floor"]
    progan = []
    for row in summary["progan"]:
        s = row["scores"]
        progan.append(
            (
                row["settings"]["variant"],
                f"{s['fd']:.1f}",
                f"{1000 * s['kid']:.1f}",
                f"{s['precision']:.3f}",
                f"{s['recall']:.3f}",
                f"{s['covered']}/10",
                f"{s['entropy']:.3f}",
                f"{row['train_seconds']:.0f}",
                f"{row['cpu_seconds']:.0f}",
            )
        )
    stylegan = []
    for row in summary["stylegan"]:
        s, m = row["scores"], row["mixed_scores"]
        stylegan.append(
            (
                row["settings"]["variant"],
                f"{s['fd']:.1f}",
                f"{m['fd']:.1f}",
                f"{m['fd'] - s['fd']:+.1f}",
                f"{s['covered']}/10",
                f"{row['train_seconds']:.0f}",
            )
        )
    progan_header = (
        "ProGAN",
        "FD",
        "KID ×1000",
        "precision",
        "recall",
        "classes covered",
        "class entropy",
        "train s",
        "CPU s",
    )
    stylegan_header = ("StyleGAN", "FD", "FD, styles mixed at test time", "increase", "classes covered", "train s")
    lines = [
        "# Chapters 10-11: ablations (reduced profile)",
        "",
        f"Each run: {settings['images_per_run']:,} images (batches of 32, chunks of {settings['chunk_steps']} steps) "
        f"from Fashion-MNIST's {settings['images']:,} training images, the chapters' recipe, seed 42; ProGANs grow "
        f"with (1, 2) chunks per phase. Figures: "
        f"`evaluate_generated` at N = {settings['n']:,}, one sample seed (FD is biased at small N: compare only "
        f"within these tables). Real-vs-real floor at this N: FD {floor['fd']:.2f}.",
        "",
        harness.table(progan_header, progan, align="lrrrrrrrr"),
        "",
        harness.table(stylegan_header, stylegan, align="lrrrrr"),
        "",
        f"Measured {summary['measured_at']} on {summary['machine']['platform']} "
        f"({summary['machine']['cpus']} CPUs, shared with other trainings: wall times are upper bounds, "
        f"CPU seconds compare better).",
    ]
    return "\n".join(lines) + "\n"


# recording name -> the function that makes its table
TABLES = {"gan_fixes": gan_fixes, "gan_sweep": gan_sweep, "progressive_ablation": progressive_ablation}


def table_of(name: str) -> str:
    """The table of the recording `name`, made from the recording the package holds."""
    if name not in TABLES:
        raise ValueError(f"no table for the recording {name!r}; tables: {', '.join(TABLES)}")
    return TABLES[name](load_recording(name))


def main(argv: list[str] | None = None) -> int:
    """Print the table of each recording named (all by default)."""
    parser = harness.command_line(__doc__, results=False)
    parser.add_argument("names", nargs="*", help=f"recordings among {', '.join(TABLES)} (default: all)")
    for name in parser.parse_args(argv).names or TABLES:
        print(table_of(name))
    return 0


if __name__ == "__main__":
    sys.exit(main())

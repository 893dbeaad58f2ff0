"""The diffusion model's FD curve, FD by training images seen, as the README shows it: read from the shipped manifest.

The training of the shipped `diffusion` model (`python -m autoaegan.pretrained train diffusion --profile full`)
measures, every `fd_every` epochs of its plan, the FD of `fd_n` DDIM samples of its averaged weights against the
test set (always the same starting noise), and its manifest keeps the points (`metrics.fd_curve`). This renders
them; `benchmarks.update_readme` puts the table in the README, so a re-export of the weights shows in
`tests/test_readme.py` until the README is updated.

    python -m benchmarks.diffusion_curve      # print the table
"""

from __future__ import annotations

import sys

from autoaegan.pretrained import CATALOG, read_manifest
from autoaegan.profiles import PROFILES
from benchmarks import harness

NAME = "diffusion"


def markdown(manifest=None) -> str:
    """The FD curve of `manifest` (default: the shipped diffusion model's) as a Markdown table, and what it is."""
    manifest = read_manifest(NAME) if manifest is None else manifest
    points = manifest.metrics.get("fd_curve") or []
    if not points:
        return f"The shipped `{NAME}` manifest records no FD curve yet.\n"
    plan, profile = CATALOG[NAME].plan, PROFILES[manifest.profile]
    rows = [
        (
            str(point["epoch"]),
            f"{point['images_seen']:,}",
            f"{point['train_seconds'] / 3600:.2f}",
            f"{point['cpu_seconds'] / 3600:.2f}",
            f"{point['fd']:.1f}",
            f"{point['covered']}/10",
        )
        for point in sorted(points, key=lambda point: point["epoch"])
    ]
    header = ("epoch", "training images seen", "wall hours", "CPU hours", "FD ↓", "classes covered")
    settings = manifest.settings
    shipped = f"The weights shipped are those after epoch {settings.get('epochs', '?')}"
    lines = [
        f"FD of {plan.count('fd_n', profile):,} samples ({plan.count('sampling_steps', profile)} DDIM steps, the "
        "same starting noise each time) of the averaged denoiser against the test set, during the training of the "
        f"shipped `{NAME}` model (its manifest's `metrics.fd_curve`). FD is biased upward at this N: the curve "
        "compares with itself, not with the quality table's figures (at its larger N).",
        "",
        harness.table(header, rows, align="rrrrrr"),
        "",
        f"{shipped}. Wall and CPU hours: the training's up to each point"
        + (f" ({settings['note']})." if settings.get("note") else "."),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the table."""
    harness.command_line(__doc__, results=False).parse_args(argv)
    print(markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Train (or resume) chapter 10's ProGAN or chapter 11's StyleGAN, checkpointing each chunk (full profile by default).

    AUTOAEGAN_DATA=... setsid nohup nice -n 19 .venv/bin/python -m benchmarks.progressive_train stylegan >> LOG 2>&1 &

Checkpoints go to the work folder's `<kind>/` (`autoaegan.training.work_dir`): run the
same command again to resume after the last complete chunk. The shipped weights are
exported from the finished run by `python -m autoaegan.pretrained train progan` (or
`stylegan`), which finds the run complete and costs only the metrics.
"""

from __future__ import annotations

import sys

from autoaegan.data.fashion_mnist import load_fashion_mnist
from autoaegan.models import progressive_training
from autoaegan.profiles import get_profile
from autoaegan.training.work_dir import work_dir
from benchmarks import harness

TRAININGS = {"progan": progressive_training.train_progan, "stylegan": progressive_training.train_stylegan}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = harness.command_line(__doc__, profile="full", results=False)
    parser.add_argument("kind", choices=sorted(TRAININGS))
    args = parser.parse_args(argv)
    images = load_fashion_mnist().train_images
    _, state = TRAININGS[args.kind](images, profile=get_profile(args.profile))
    print(
        f"{args.kind}: {state.epochs_done} chunks in {state.train_seconds:.0f} s wall-clock "
        f"({sum(state.cpu_seconds_by_epoch):.0f} CPU-s); checkpoints in {work_dir(args.kind)}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

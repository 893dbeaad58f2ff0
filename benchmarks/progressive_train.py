"""Train (or resume) chapter 10's ProGAN or chapter 11's StyleGAN under the full profile, checkpointing each chunk.

    AUTOAEGAN_DATA=... setsid nohup nice -n 19 .venv/bin/python -m benchmarks.progressive_train stylegan >> LOG 2>&1 &

Checkpoints go to `benchmarks/work/<kind>/` (git-ignored): run the same command
again to resume after the last complete chunk. The shipped weights are exported
from the finished run by `python -m autoaegan.pretrained train progan` (or
`stylegan`), which finds the run complete and costs only the metrics.
"""

from __future__ import annotations

import argparse
import sys

from autoaegan.models import progressive_training
from autoaegan.profiles import get_profile


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.progressive_train", description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("progan", "stylegan"))
    args = parser.parse_args(argv)

    from autoaegan.data.fashion_mnist import load_fashion_mnist

    images = load_fashion_mnist().train_images
    train = progressive_training.train_progan if args.kind == "progan" else progressive_training.train_stylegan
    _, state = train(images, profile=get_profile("full"))
    print(
        f"{args.kind}: {state.epochs_done} chunks in {state.train_seconds:.0f} s wall-clock "
        f"({sum(state.cpu_seconds_by_epoch):.0f} CPU-s); checkpoints in "
        f"{progressive_training.work_dir(args.kind)}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Train (or resume) the DCGANs that the quality goal compares, checkpointing every epoch.

    AUTOAEGAN_DATA=... nohup nice -n 19 .venv/bin/python -m benchmarks.dcgan_train reference >> LOG 2>&1 &
    AUTOAEGAN_DATA=... nohup nice -n 19 .venv/bin/python -m benchmarks.dcgan_train course >> LOG 2>&1 &

`reference` is Géron's DCGAN trained his way (RMSprop, batch 32, `train_on_batch`);
`course` is the course's DCGAN with its recipe (`autoaegan.models.dcgan`). Both
train `--epochs` epochs (default: the `--profile`'s, full by default, from the `dcgan`
catalogue entry's plan) on the 55,000 training images and keep their checkpoints in
the work folder's `dcgan/<kind>/` (`autoaegan.training.work_dir`): run the same command
again to resume after the last complete epoch. The course's shipped weights are
exported from its checkpoint by `python -m autoaegan.pretrained train dcgan` (which
resumes or finishes the same run).
"""

from __future__ import annotations

import sys

from autoaegan.data.fashion_mnist import load_fashion_mnist
from autoaegan.models import dcgan
from autoaegan.pretrained import CATALOG
from autoaegan.profiles import get_profile
from autoaegan.training.work_dir import work_dir
from benchmarks import harness


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = harness.command_line(__doc__, profile="full", results=False)
    parser.add_argument("kind", choices=sorted(dcgan.ARCHITECTURES))
    parser.add_argument("--epochs", type=int, default=None, help="epochs (default: the profile's, from the plan)")
    parser.add_argument("--directory", default=None, help="checkpoint folder (default: the work folder's dcgan/KIND)")
    args = parser.parse_args(argv)
    profile = get_profile(args.profile)
    epochs = CATALOG["dcgan"].plan.epochs_for(profile) if args.epochs is None else args.epochs
    images = load_fashion_mnist().train_images
    directory = args.directory or work_dir("dcgan", args.kind)
    if args.kind == "reference":
        state = dcgan.train_reference(images, epochs=epochs, directory=directory)
    else:
        state = dcgan.train_course(images, epochs=epochs, profile=profile, directory=directory)[2]
    print(
        f"{args.kind}: {state.epochs_done} epochs in {state.train_seconds:.0f} s wall-clock "
        f"({sum(state.cpu_seconds_by_epoch):.0f} CPU-s); checkpoints in {directory}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Make a recording the chapters read: `python -m autoaegan.recordings make NAME [its options]`.

    python -m autoaegan.recordings list
    python -m autoaegan.recordings make gan_fixes --help
    nohup nice -n 19 python -m autoaegan.recordings make gan_sweep > gan_sweep.log 2>&1 &

Each recording is made by an experiment of `autoaegan.experiments` (it trains, measures,
and writes `NAME.json`, with `NAME_samples.npz` where there are samples, into this
package's folder, or into `--output`). This command module is the one place of the
recordings package that imports upward, to the experiments.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from autoaegan.recordings import MADE_BY

# recording name -> the experiment module whose main(argv) makes it. Imported only when asked for: each one
# imports TensorFlow and the models, which `list` and `--help` do not need.
PRODUCERS = {
    "gan_fixes": "autoaegan.experiments.gan_fixes_comparison",
    "gan_sweep": "autoaegan.experiments.gan_sweep",
    "progressive_ablation": "autoaegan.experiments.progressive_ablation",
    "diffusion_sampling": "autoaegan.experiments.diffusion_sampling",
}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m autoaegan.recordings", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every recording, and the command that makes it")
    make = commands.add_parser("make", help="make one recording (its options follow its name)", add_help=False)
    make.add_argument("name", choices=sorted(PRODUCERS))
    arguments, rest = parser.parse_known_args(argv)
    if arguments.command == "list":
        for name, command in sorted(MADE_BY.items()):
            print(f"{name}: {command}")
        return 0
    return importlib.import_module(PRODUCERS[arguments.name]).main(rest)


if __name__ == "__main__":
    sys.exit(main())

"""Command line for pretrained weights: list them, verify them, or retrain one.

python -m autoaegan.pretrained list
python -m autoaegan.pretrained verify
python -m autoaegan.pretrained train NAME [--profile full]

`train` runs the trainer that the model's catalogue entry names as a "module:function" string, imported only then
(`autoaegan.pretrained.catalog`), under the profile chosen here: this command is where the profile comes from.
"""

from __future__ import annotations

import argparse
import sys

from autoaegan.pretrained.catalog import CATALOG, retrain
from autoaegan.pretrained.store import PretrainedError, read_manifest, verified_weights_path
from autoaegan.profiles import PROFILES, get_profile


def _list() -> int:
    for name, entry in sorted(CATALOG.items()):
        try:
            manifest = read_manifest(name)
            state = (
                f"profile {manifest.profile}, {manifest.size_bytes / 1024:.0f} KiB, "
                f"trained in {manifest.train_seconds:.0f} s"
            )
        except PretrainedError:
            state = "not trained yet"
        print(f"{name}: {entry.description} [{state}]")
    return 0


def _verify(names: list[str]) -> int:
    failures = 0
    for name in names or sorted(CATALOG):
        try:
            verified_weights_path(name)
            print(f"{name}: ok")
        except PretrainedError as error:
            failures += 1
            print(f"{name}: {error}", file=sys.stderr)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m autoaegan.pretrained", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the pretrained models and their manifests")
    verify = commands.add_parser("verify", help="check weights files against their manifests")
    verify.add_argument("names", nargs="*", help="models to check (default: all)")
    train = commands.add_parser("train", help="retrain a model and rewrite its weights and manifest")
    train.add_argument("name", choices=sorted(CATALOG))
    train.add_argument("--profile", choices=sorted(PROFILES), default="full", help="run profile (default: full)")
    args = parser.parse_args(argv)

    if args.command == "list":
        return _list()
    if args.command == "verify":
        return _verify(args.names)
    manifest = retrain(args.name, profile=get_profile(args.profile))
    print(f"{manifest.name}: retrained in {manifest.train_seconds:.1f} s under profile {manifest.profile}")
    print(f"  metrics: {manifest.metrics}")
    print(f"  weights: {manifest.weights_file} ({manifest.size_bytes} bytes, sha256 {manifest.sha256})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

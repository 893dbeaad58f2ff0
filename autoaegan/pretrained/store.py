"""Pretrained weights shipped inside the package, each described by a JSON manifest.

A manifest records the SHA-256 of the weights file, the profile and settings the
model was trained with, how long that took and the figures measured at export.
Loading never touches the network: it checks the file against its manifest and
refuses a missing or altered file with a message that says how to retrain it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
RETRAIN_COMMAND = "python -m autoaegan.pretrained train {name}"


class PretrainedError(RuntimeError):
    """Base class of the errors about pretrained weights."""


class PretrainedNotFoundError(PretrainedError, FileNotFoundError):
    """The manifest or the weights file of a pretrained model is missing."""


class PretrainedIntegrityError(PretrainedError):
    """A weights file does not match the SHA-256 its manifest records, or the manifest is unreadable."""


@dataclass
class Manifest:
    """What a weights file is and how it was made."""

    name: str
    weights_file: str
    sha256: str
    size_bytes: int
    profile: str
    settings: dict = field(default_factory=dict)
    train_seconds: float = 0.0
    metrics: dict = field(default_factory=dict)
    exported_at: str = ""
    versions: dict = field(default_factory=dict)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(name: str, directory: Path | None = None) -> Path:
    """Where the manifest of `name` lives."""
    return Path(directory or WEIGHTS_DIR) / f"{name}.json"


def weights_path(name: str, directory: Path | None = None) -> Path:
    """Where the weights of `name` live."""
    return Path(directory or WEIGHTS_DIR) / f"{name}.weights.h5"


def _versions() -> dict:
    found = {"python": platform.python_version()}
    for package in ("autoaegan", "keras", "tensorflow"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def read_manifest(name: str, directory: Path | None = None) -> Manifest:
    """Read the manifest of `name`, with a clear error when it is missing or malformed."""
    path = manifest_path(name, directory)
    if not path.is_file():
        raise PretrainedNotFoundError(
            f"no pretrained weights for '{name}': {path} is missing. "
            f"Reinstall the package, or retrain them with `{RETRAIN_COMMAND.format(name=name)}`."
        )
    try:
        return Manifest(**json.loads(path.read_text()))
    except (json.JSONDecodeError, TypeError) as error:
        raise PretrainedIntegrityError(
            f"the manifest {path} is not a valid manifest ({error}). "
            f"Reinstall the package, or retrain with `{RETRAIN_COMMAND.format(name=name)}`."
        ) from None


def verified_weights_path(name: str, directory: Path | None = None) -> Path:
    """Return the weights file of `name` after checking it against the SHA-256 in its manifest."""
    manifest = read_manifest(name, directory)
    path = Path(directory or WEIGHTS_DIR) / manifest.weights_file
    if not path.is_file():
        raise PretrainedNotFoundError(
            f"the weights file {path} of '{name}' is missing (its manifest names it). "
            f"Reinstall the package, or retrain with `{RETRAIN_COMMAND.format(name=name)}`."
        )
    actual = file_sha256(path)
    if actual != manifest.sha256:
        raise PretrainedIntegrityError(
            f"the weights file {path} of '{name}' was altered: expected SHA-256 {manifest.sha256}, got {actual}. "
            f"Reinstall the package, or retrain with `{RETRAIN_COMMAND.format(name=name)}`."
        )
    return path


def save_pretrained(
    name: str,
    model,
    *,
    profile: str,
    settings: dict,
    metrics: dict,
    train_seconds: float,
    directory: Path | None = None,
) -> Manifest:
    """Write `model`'s weights and a fresh manifest for `name`; return the manifest."""
    directory = Path(directory or WEIGHTS_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    path = weights_path(name, directory)
    model.save_weights(path)
    manifest = Manifest(
        name=name,
        weights_file=path.name,
        sha256=file_sha256(path),
        size_bytes=path.stat().st_size,
        profile=profile,
        settings=settings,
        train_seconds=round(float(train_seconds), 1),
        metrics=metrics,
        exported_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        versions=_versions(),
    )
    manifest_path(name, directory).write_text(json.dumps(asdict(manifest), indent=2, sort_keys=True) + "\n")
    return manifest

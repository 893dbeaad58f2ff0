"""Pretrained weights: shipped in the package, loaded offline, checked against their manifests.

    from autoaegan.pretrained import load_pretrained
    model = load_pretrained("pca_linear_autoencoder")

Retrain one (and rewrite its manifest) with `python -m autoaegan.pretrained train NAME`.
"""

from autoaegan.pretrained.catalog import (
    CATALOG,
    PretrainedModel,
    TrainedModel,
    load_pretrained,
    load_shipped_weights,
    retrain,
)
from autoaegan.pretrained.store import (
    Manifest,
    PretrainedError,
    PretrainedIntegrityError,
    PretrainedNotFoundError,
    read_manifest,
    save_pretrained,
    verified_weights_path,
)

__all__ = [
    "CATALOG",
    "Manifest",
    "PretrainedError",
    "PretrainedIntegrityError",
    "PretrainedModel",
    "PretrainedNotFoundError",
    "TrainedModel",
    "load_pretrained",
    "load_shipped_weights",
    "read_manifest",
    "retrain",
    "save_pretrained",
    "verified_weights_path",
]

"""What a long training records besides its weights: the epochs (or chunks) done, the figures and times of each,
and the settings it was started with. A checkpoint stores it (`autoaegan.training.checkpoints`)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

# Decimals kept of each epoch's seconds and logged figures.
SECONDS_DECIMALS = 2
FIGURE_DECIMALS = 5


@dataclass
class TrainingState:
    """Epochs done, each logged figure per epoch (`history`), wall-clock and CPU seconds per epoch, and settings.

    A chunked training (chapters 10 and 11) counts chunks in `epochs_done`.
    """

    epochs_done: int = 0
    history: dict = field(default_factory=dict)  # name -> list of per-epoch means
    seconds_by_epoch: list = field(default_factory=list)  # wall-clock seconds of each epoch's training steps
    cpu_seconds_by_epoch: list = field(default_factory=list)  # process CPU seconds of each epoch
    settings: dict = field(default_factory=dict)

    @property
    def train_seconds(self) -> float:
        """Wall-clock seconds of training so far, over every session."""
        return float(sum(self.seconds_by_epoch))

    def record(self, epochs_done: int, logs: dict, *, seconds: float, cpu_seconds: float) -> None:
        """Append one epoch's figures (`logs`, name → value) and times; a non-finite figure raises RuntimeError."""
        bad = {name: float(value) for name, value in logs.items() if not math.isfinite(float(value))}
        if bad:
            raise RuntimeError(
                f"the training diverged ({bad}) in epoch {epochs_done}: stopped; "
                f"the last checkpoint is kept (epoch {self.epochs_done})"
            )
        self.seconds_by_epoch.append(round(seconds, SECONDS_DECIMALS))
        self.cpu_seconds_by_epoch.append(round(cpu_seconds, SECONDS_DECIMALS))
        for name, value in logs.items():
            self.history.setdefault(name, []).append(round(float(value), FIGURE_DECIMALS))
        self.epochs_done = int(epochs_done)

    def to_json(self) -> str:
        """The state as JSON text."""
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> TrainingState:
        """The state that `to_json` wrote."""
        return cls(**json.loads(text))

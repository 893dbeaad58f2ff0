"""The epoch callback of a long GAN training driven by `fit`: it times each epoch, records its figures in the
`TrainingState`, and saves a checkpoint at its end, so that an interrupted run resumes after its last epoch."""

from __future__ import annotations

import time
from collections.abc import Callable

import keras

from autoaegan.training.progress_log import log
from autoaegan.training.training_state import TrainingState


class EpochRecorder(keras.callbacks.Callback):
    """After each epoch: append its mean figures and its wall-clock and CPU seconds to `state`, then call
    `save(state)` (a checkpoint) when given, and log a line naming `label` when given.

    A figure that is no longer finite stops the training with a RuntimeError, before anything is saved.
    """

    def __init__(self, state: TrainingState, *, save: Callable[[TrainingState], object] | None = None, label=None):
        super().__init__()
        self.state, self.save, self.label = state, save, label
        self._started = self._cpu_started = None

    def on_epoch_begin(self, epoch, logs=None):
        self._started, self._cpu_started = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        seconds, cpu_seconds = time.perf_counter() - self._started, time.process_time() - self._cpu_started
        try:
            self.state.record(epoch + 1, logs or {}, seconds=seconds, cpu_seconds=cpu_seconds)
        except RuntimeError:
            self.model.stop_training = True
            raise
        if self.save is not None:
            self.save(self.state)
        if self.label:
            log(
                f"{self.label} epoch {epoch + 1} done in {seconds:.0f} s: "
                + ", ".join(f"{name} {values[-1]}" for name, values in self.state.history.items())
            )

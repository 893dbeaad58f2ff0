"""Per-epoch checkpoints of a long training, on `tf.train.Checkpoint` and `tf.train.CheckpointManager`.

A checkpoint holds whatever objects the training names (networks, optimizers, a whole GAN with the random state
of its codings) and its `TrainingState`. An optimizer is saved whole: its step count, its slots, and the moving
average of the weights that an optimizer made with `use_ema=True` keeps. Checkpoint N is the end of epoch (or
chunk) N, in the files `epoch-N.index` and `epoch-N.data-*`; the manager's `checkpoint` file, written last, lists
the complete ones, so a run killed while saving resumes from the epoch before. Every checkpoint is kept: the
DCGAN's quality table and the ProGAN's growth recording read earlier epochs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import tensorflow as tf

from autoaegan.arguments import positive_int
from autoaegan.training.training_state import TrainingState

PREFIX = "epoch"


def _state_variable(text: str = "") -> tf.Variable:
    # The state travels inside the checkpoint as one string, so that weights and state are written together.
    return tf.Variable(text, dtype=tf.string, trainable=False)


class Checkpoints:
    """The checkpoints of one training in `directory`: `save(state, **objects)` after each epoch, `restore` to
    resume, or to read some objects of any epoch (e.g. only `averaged_generator=model`)."""

    def __init__(self, directory):
        self.directory = Path(directory)

    def epochs(self) -> list[int]:
        """The epochs of the complete checkpoints, in order (empty when there is none)."""
        listed = tf.train.get_checkpoint_state(str(self.directory)) if self.directory.is_dir() else None
        if listed is None:
            return []
        numbers = (re.fullmatch(rf"{PREFIX}-(\d+)", Path(path).name) for path in listed.all_model_checkpoint_paths)
        return sorted({int(match.group(1)) for match in numbers if match})

    def latest(self) -> int | None:
        """The epoch of the last complete checkpoint, or None."""
        epochs = self.epochs()
        return epochs[-1] if epochs else None

    def path(self, epoch: int | None = None) -> str:
        """The path prefix of the checkpoint of `epoch` (default: the last complete one); FileNotFoundError if none."""
        epochs = self.epochs()
        wanted = epochs[-1] if epoch is None and epochs else epoch
        if wanted is None or wanted not in epochs:
            which = "" if epoch is None else f" for epoch {epoch}"
            raise FileNotFoundError(f"no complete checkpoint{which} in {self.directory} (it has epochs {epochs})")
        return str(self.directory / f"{PREFIX}-{wanted}")

    def state(self, epoch: int | None = None) -> TrainingState:
        """The `TrainingState` of `epoch`'s checkpoint (default the last one); a fresh state when there is none."""
        if epoch is None and self.latest() is None:
            return TrainingState()
        text = _state_variable()
        tf.train.Checkpoint(state=text).read(self.path(epoch)).expect_partial()
        return TrainingState.from_json(text.numpy().decode())

    def check_settings(self, settings: dict) -> None:
        """Refuse to resume a training started with other `settings` (recipe, architecture, seed): a ValueError
        rather than a mix of two trainings."""
        if self.latest() is None:
            return
        saved = self.state().settings
        expected = json.loads(json.dumps(settings))  # as the state stores them: tuples become lists
        if saved != expected:
            raise ValueError(
                f"the checkpoint in {self.directory} was made with other settings ({saved}); "
                f"expected {expected}. Delete that folder to start afresh."
            )

    def save(self, state: TrainingState, **objects) -> str:
        """Write the checkpoint of epoch `state.epochs_done` with `objects` (name → model, optimizer, ...)."""
        epoch = positive_int(state.epochs_done, "state.epochs_done")
        checkpoint = tf.train.Checkpoint(state=_state_variable(state.to_json()), **objects)
        manager = tf.train.CheckpointManager(checkpoint, str(self.directory), max_to_keep=None, checkpoint_name=PREFIX)
        return manager.save(checkpoint_number=epoch)

    def restore(self, epoch: int | None = None, **objects) -> TrainingState:
        """Load `epoch`'s checkpoint (default the last) into `objects`; return its state (fresh when there is none).

        Every object must find its values there: a ValueError names a checkpoint saved by another architecture
        or optimizer. Optimizers must be built (`optimizer.build(variables)`) first.
        """
        if epoch is None and self.latest() is None:
            return TrainingState()
        path = self.path(epoch)
        try:
            status = tf.train.Checkpoint(**objects).read(path)
            status.expect_partial()  # what the checkpoint holds besides `objects` (e.g. an averaged copy) stays
            status.assert_existing_objects_matched()
        except (AssertionError, ValueError) as error:
            raise ValueError(
                f"the checkpoint {path} does not fit {sorted(objects)}: it was saved by another architecture "
                f"or optimizer ({str(error).splitlines()[0]})"
            ) from None
        return self.state(epoch)

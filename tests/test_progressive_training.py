"""The chunked, resumable trainings of the ProGAN (growth schedule, fade-in) and the StyleGAN."""

import math

import numpy as np
import pytest

from autoaegan.layers.progressive import PixelNormalization
from autoaegan.models import progressive_training as pt
from autoaegan.models.progan import ProGANTechniques, build_progressive_pair
from autoaegan.profiles import PROFILES
from autoaegan.training.checkpoints import Checkpoints
from tests.autoencoder_checks import tiny_images

TINY = pt.RECIPE.with_changes(channels=(8, 8, 4, 4), batch_size=8, jit_compile=False, steps_per_execution=4)
TEST = PROFILES["test"]  # chunks of 8 steps; ProGAN: one chunk per phase


def test_the_schedule_grows_one_level_at_a_time_with_a_fade_in_before_each_stable_phase():
    schedule = pt.progan_schedule(3, chunks_per_phase=2, final_chunks=5)
    assert [(p.level, p.fade_in, p.chunks) for p in schedule] == [
        (0, False, 2),
        (1, True, 2),
        (1, False, 2),
        (2, True, 2),
        (2, False, 2),
        (3, True, 2),
        (3, False, 5),
    ]
    assert pt.phase_of(schedule, 0) == (0, schedule[0], 0)
    assert pt.phase_of(schedule, 3) == (1, schedule[1], 1)
    assert pt.phase_of(schedule, 16) == (6, schedule[6], 4)
    with pytest.raises(ValueError, match="chunk 17 is past the schedule's 17 chunks"):
        pt.phase_of(schedule, 17)


def test_progan_trains_through_every_phase_ramps_alpha_and_resumes_without_retraining(tmp_path):
    images = tiny_images(64)
    gan, state = pt.train_progan(images, recipe=TINY, profile=TEST, directory=tmp_path, monitor=False)
    assert state.epochs_done == 7, "one chunk for each of the 7 phases of a 4-level growth"
    assert gan.generator.output_shape[1:] == (32, 32, 1) and not gan.fading
    # Each fade-in phase is one chunk of 8 steps, called 4 at a time: α was 0, then 0.5, and ends at 1.
    assert state.history["alpha"] == [1.0, 1.0, 1.0]
    assert all(len(values) == 7 for name, values in state.history.items() if name != "alpha")
    assert all(math.isfinite(v) for v in state.history["d_loss"] + state.history["g_loss"])
    assert Checkpoints(tmp_path).latest() == 7

    weights = [np.array(w) for w in gan.generator.get_weights()]
    again, resumed = pt.train_progan(images, recipe=TINY, profile=TEST, directory=tmp_path, monitor=False)
    assert resumed.epochs_done == 7 and resumed.history == state.history
    for saved, loaded in zip(weights, again.generator.get_weights()):
        np.testing.assert_array_equal(saved, loaded)


def test_a_progan_resumed_mid_schedule_continues_from_the_saved_phase(tmp_path):
    images = tiny_images(64)
    pt.train_progan(images, recipe=TINY, profile=TEST, directory=tmp_path, monitor=False)
    # Keep only the checkpoint of chunk 3 (level 1, stable): the rest of the schedule must train again.
    # The manager's list, as a run killed after chunk 3 would have left it.
    listed = "".join(f'all_model_checkpoint_paths: "epoch-{n}"\n' for n in (1, 2, 3))
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "epoch-3"\n' + listed)
    assert Checkpoints(tmp_path).latest() == 3
    gan, state = pt.train_progan(images, recipe=TINY, profile=TEST, directory=tmp_path, monitor=False)
    assert state.epochs_done == 7 and len(state.history["d_loss"]) == 7
    assert Checkpoints(tmp_path).latest() == 7


def test_ablation_switches_remove_each_technique():
    generator, discriminator = build_progressive_pair(
        (8, 8),
        techniques=ProGANTechniques(equalized_learning_rate=False, pixel_normalization=False, minibatch_stddev=False),
    )
    g, d = generator.model(), discriminator.model()
    kinds = {type(layer).__name__ for model in (g, d) for layer in model.layers}
    assert not kinds & {"EqualizedConv2D", "EqualizedDense", "PixelNormalization", "MinibatchStandardDeviation"}
    assert {"Conv2D", "Dense"} <= kinds
    full_generator, _ = build_progressive_pair((8, 8))
    assert any(isinstance(layer, PixelNormalization) for layer in full_generator.model().layers)
    with pytest.raises(TypeError, match="techniques must be a ProGANTechniques, got dict"):
        build_progressive_pair((8, 8), techniques={})


def test_without_progressive_growing_the_same_images_train_at_the_last_level(tmp_path):
    techniques = ProGANTechniques(progressive_growing=False)
    gan, state = pt.train_progan(
        tiny_images(64), recipe=TINY, profile=TEST, directory=tmp_path, monitor=False, techniques=techniques
    )
    assert state.epochs_done == 7 and "alpha" not in state.history
    assert state.settings["schedule"] == [{"level": 3, "fade_in": False, "chunks": 7}]


def test_stylegan_resumes_after_its_last_chunk_and_ships_averaged_weights(tmp_path):
    images = tiny_images(64)
    gan, state = pt.train_stylegan(images, recipe=TINY, profile=TEST, directory=tmp_path, monitor=False, chunks=1)
    assert state.epochs_done == 1
    gan, state = pt.train_stylegan(images, recipe=TINY, profile=TEST, directory=tmp_path, monitor=False, chunks=2)
    assert state.epochs_done == 2 and len(state.history["g_loss"]) == 2
    assert int(gan.g_optimizer.iterations) == 16, "the optimizer's state came back from the checkpoint"

    averaged = pt.averaged_style_generator(gan)
    live, shipped = gan.generator.trainable_weights, averaged.trainable_weights
    assert [w.shape for w in live] == [w.shape for w in shipped]
    assert any(not np.allclose(a, b) for a, b in zip(live, shipped)), "the average lags the live weights"
    np.testing.assert_array_equal(np.asarray(averaged.w_average), np.asarray(gan.generator.w_average))


def test_the_mixing_probability_reaches_the_gan():
    gan, state = pt.train_stylegan(
        tiny_images(16),
        recipe=TINY,
        profile=TEST,
        directory=False,
        monitor=False,
        chunks=1,
        style_mixing_probability=0.0,
    )
    assert gan.style_mixing_probability == 0.0 and state.settings["style_mixing_probability"] == 0.0


def test_bad_images_and_chunk_lengths_are_refused():
    with pytest.raises(ValueError, match=r"images must be uint8 shaped \(n, 28, 28\), got float32"):
        pt.train_stylegan(np.zeros((8, 28, 28), np.float32), recipe=TINY, profile=TEST, directory=False)
    odd = pt.RECIPE.with_changes(channels=(8, 8), steps_per_execution=3)
    with pytest.raises(ValueError, match=r"chunk_steps \(8\) must be a multiple of steps_per_execution \(3\)"):
        pt.train_progan(tiny_images(64), recipe=odd, profile=TEST, directory=False)
    with pytest.raises(ValueError, match="need at least one batch of 8 images, got 5"):
        pt.train_stylegan(tiny_images(5), recipe=TINY, profile=TEST, directory=False)


def test_a_diverged_chunk_stops_with_a_clear_error():
    class History:
        history = {"d_loss": [float("nan")], "g_loss": [0.7]}

    class Diverged:
        def fit(self, *args, **kwargs):
            return History()

    with pytest.raises(RuntimeError, match=r"diverged \(\{'d_loss': nan\}\).*last checkpoint is kept"):
        pt._chunk(Diverged(), None, steps=8)


def test_the_growth_recording_has_each_levels_samples_from_its_last_stable_checkpoint(tmp_path):
    import json

    _, state = pt.train_progan(tiny_images(64), recipe=TINY, profile=TEST, directory=tmp_path / "run", monitor=False)
    pt.record_growth(tmp_path / "run", state, target=tmp_path)
    with np.load(tmp_path / "progan_growth_samples.npz") as saved:
        shapes = {key: saved[key].shape for key in saved.files}
        assert saved["32x32"].dtype == np.uint8
    assert shapes == {f"{s}x{s}": (pt.GROWTH_SAMPLES, s, s) for s in (4, 8, 16, 32)}
    described = json.loads((tmp_path / "progan_growth.json").read_text())
    # Stable phases end after chunks 1, 3, 5 and 7, of 8 steps of 8 images.
    assert described["images_seen"] == {"4x4": 64, "8x8": 192, "16x16": 320, "32x32": 448}


def test_the_shipped_progan_fades_in_at_alpha_one_and_keeps_its_layers_for_every_level():
    from autoaegan.latent import sample_codings

    shipped = pt.build_pretrained_progan()
    layers = shipped.generator_layers
    assert shipped.output_shape[1:] == (32, 32, 1)
    assert float(layers.fades[-1].alpha) == 1.0
    codings = sample_codings(3, layers.codings_size, seed=0)
    np.testing.assert_allclose(np.asarray(shipped(codings)), np.asarray(layers.model()(codings)), atol=1e-6)
    assert layers.model(1)(codings).shape == (3, 8, 8, 1)

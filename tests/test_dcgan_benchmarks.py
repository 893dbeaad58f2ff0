"""The DCGAN benchmarks: throughput against the reference and the compute limit, and the quality table."""

import json

import keras
import numpy as np
import pytest

from autoaegan.metrics import flops
from autoaegan.models import dcgan
from autoaegan.training.checkpoints import Checkpoints
from autoaegan.training.training_state import TrainingState
from benchmarks import dcgan_quality, dcgan_throughput


@pytest.fixture(scope="module")
def images():
    from autoaegan.data.fashion_mnist import load_fashion_mnist

    return load_fashion_mnist().train_images[:512]


def test_the_matrix_product_speed_is_measured():
    gflops = dcgan_throughput.matmul_gflops(size=256, repeats=2)
    assert np.isfinite(gflops) and gflops > 0.1


def test_the_reference_and_the_gan_step_are_timed(images):
    reference = dcgan_throughput.reference_rate(images, seconds=0.1, repeats=2)
    assert reference["batch_size"] == 32 and reference["driver"] == "train_on_batch"
    assert reference["images_per_second"] > 0 and len(reference["repeats"]) == 2
    assert reference["images_per_second"] == max(reference["repeats"])
    for driver in ("fit", "tf.function"):
        row = dcgan_throughput.gan_rate(
            images,
            kind="course",
            batch_size=32,
            jit_compile=False,
            steps_per_execution=2,
            driver=driver,
            seconds=0.1,
            repeats=1,
        )
        assert row["images_per_second"] > 0 and row["driver"] == driver and "batch 32" in row["name"]
    with pytest.raises(ValueError, match="driver must be"):
        dcgan_throughput.gan_rate(
            images,
            kind="course",
            batch_size=32,
            jit_compile=False,
            steps_per_execution=1,
            driver="eager",
            seconds=0.1,
            repeats=1,
        )


def test_the_summary_compares_every_row_with_the_reference_and_the_limit():
    rows = [
        {"name": "reference", "batch_size": 32, "images_per_second": 200.0},
        {"name": "chapter fast", "batch_size": 64, "images_per_second": 400.0},
        {"name": "chapter slow", "batch_size": 64, "images_per_second": 300.0},
        {"name": "big batch", "batch_size": 128, "images_per_second": 500.0},
    ]
    # 150 GFLOP/s ÷ 0.25 GFLOP per image = 600 images/s.
    results = dcgan_throughput.summarise(rows, gflops=[120.0, 150.0], flops=250_000_000, chapter_batch=64)
    assert results["limit_images_per_second"] == 600.0 and results["limit_gflops"] == 150.0
    assert [r["ratio_to_reference"] for r in results["rows"]] == [1.0, 2.0, 1.5, 2.5]
    assert results["rows"][1]["limit_over_rate"] == 1.5 and results["rows"][1]["share_of_limit"] == pytest.approx(0.667)
    assert results["chapter"] == "chapter fast" and results["best"] == "big batch"
    goals = results["goals"]
    assert goals["at_least_390"] and goals["within_1_5_of_limit"] and goals["images_per_second"] == 400.0
    text = dcgan_throughput.to_markdown(
        {
            **results,
            "measured_at": "today",
            "seconds_per_timing": 20,
            "repeats": 3,
            "machine": {"cpus": 2, "load_average_before": 0.1, "load_average_after": 0.2},
        }
    )
    assert "**600 images/s**" in text and "| chapter fast | 400 | 2.00 | 1.50 |" in text
    assert "≥ 390 images/s met" in text and "within 1.5× of the limit met" in text
    slow = dcgan_throughput.summarise([dict(r) for r in rows], gflops=[300.0], flops=250_000_000, chapter_batch=64)
    assert not slow["goals"]["within_1_5_of_limit"]  # 1,200 images/s would be the limit: 400 is 3× below
    with pytest.raises(ValueError, match="batch size 256"):
        dcgan_throughput.summarise([dict(r) for r in rows], gflops=[1.0], flops=1, chapter_batch=256)


def test_each_layer_of_a_network_is_timed_alone_with_its_cost():
    discriminator = dcgan.build_dcgan_discriminator()
    speeds = dcgan_throughput.layer_speeds(discriminator, batch_size=4, repeats=1, steps=2)
    costs = flops.forward_macs(discriminator)
    assert [s["layer"] for s in speeds] == [name for name, _ in costs], "one figure per layer with a cost, in order"
    assert [s["macs_per_image"] for s in speeds] == [macs for _, macs in costs]
    assert [s["kind"] for s in speeds] == ["Conv2D", "Conv2D", "Dense"]
    assert all(np.isfinite(s["gflops"]) and s["gflops"] > 0 for s in speeds)


def test_the_kernel_ceiling_charges_each_layer_its_passes_at_its_own_speed():
    # 1 GFLOP/s and 2 MACs per image: each forward pass of such a layer takes 4 ns per image.
    generator = [{"macs_per_image": 2, "gflops": 1.0}, {"macs_per_image": 2, "gflops": 2.0}]
    discriminator = [{"macs_per_image": 2, "gflops": 1.0}]
    # Generator: first layer 3 passes at 4 ns, second 4 passes at 2 ns; discriminator: first layer 6 passes at 4 ns.
    assert dcgan_throughput.kernel_ceiling(generator, discriminator) == pytest.approx(1e9 / (12 + 8 + 24))
    results = {
        "layer_speeds": {
            "generator": [{"layer": "up", "kind": "Conv2DTranspose", "gflops": 120.0}],
            "discriminator": [{"layer": "down", "kind": "Conv2D", "gflops": 110.0}],
        },
        "chapter_batch_size": 32,
        "limit_gflops": 180.0,
        "kernel_ceiling_images_per_second": 450.0,
        "limit_over_kernel_ceiling": 1.6,
    }
    text = "\n".join(dcgan_throughput.kernel_lines(results))
    assert "up (Conv2DTranspose) 120, down (Conv2D) 110 GFLOP/s" in text and "would run 450 images/s" in text
    assert "1.60× that" in text
    assert dcgan_throughput.kernel_lines({}) == []


def _checkpoint(directory, kind, epochs):
    """Checkpoints of untrained networks for `epochs` epochs, as the trainings write them."""
    build_generator, build_discriminator = dcgan.ARCHITECTURES[kind]
    generator, discriminator = build_generator(), build_discriminator()
    d_opt, g_opt = keras.optimizers.Adam(), keras.optimizers.Adam(use_ema=kind == "course")
    d_opt.build(discriminator.trainable_variables)
    g_opt.build(generator.trainable_variables)
    checkpoints = Checkpoints(directory)
    for epoch in range(1, epochs + 1):
        state = TrainingState(
            epochs_done=epoch,
            seconds_by_epoch=[10.0] * epoch,
            cpu_seconds_by_epoch=[15.0] * epoch,
            settings={"training": kind},
        )
        averaged = {"averaged_generator": generator} if kind == "course" else {}
        checkpoints.save(
            state, generator=generator, discriminator=discriminator, d_optimizer=d_opt, g_optimizer=g_opt, **averaged
        )


def test_the_quality_table_scores_both_dcgans_at_a_common_epoch(tmp_path):
    course, reference = tmp_path / "course", tmp_path / "reference"
    _checkpoint(course, "course", 2)
    _checkpoint(reference, "reference", 1)
    assert dcgan_quality.common_epoch(course, reference) == 1
    output = tmp_path / "results"
    assert (
        dcgan_quality.main(
            [
                "--course-dir",
                str(course),
                "--reference-dir",
                str(reference),
                "--n",
                "200",
                "--no-vae",
                "--output",
                str(output),
            ]
        )
        == 0
    )
    results = json.loads((output / "dcgan_quality.json").read_text())
    assert results["epoch"] == 1 and results["n"] == 200 and results["sample_seeds"] == [1, 2, 3]
    names = [row["name"] for row in results["rows"]]
    assert names == [
        "reference DCGAN (Géron)",
        "course DCGAN (live weights)",
        "course DCGAN (averaged weights, shipped)",
    ]
    for row in results["rows"]:
        assert len(row["runs"]) == 3 and [run["sample_seed"] for run in row["runs"]] == [1, 2, 3]
        assert row["mean"]["fd"] == pytest.approx(np.mean([run["fd"] for run in row["runs"]]))
        assert row["mean"]["fd"] > row["floor"]["fd"] > 0
    ratio = results["rows"][2]["mean"]["fd"] / results["rows"][0]["mean"]["fd"]
    assert results["goals"]["fd_ratio_to_reference"] == pytest.approx(ratio, rel=1e-3)
    assert results["goals"]["fd_at_least_20_percent_lower"] == (ratio <= 0.8)
    assert results["trainings"]["course"]["epochs_done"] == 2 and results["trainings"]["reference"]["cpu_seconds"] == 15
    table = (output / "dcgan_quality.md").read_text()
    assert "# DCGAN quality after 1 epochs" in table and "real vs real (floor)" in table
    assert f"{results['goals']['fd_ratio_to_reference']:.3f}" in table


def test_the_quality_table_needs_finished_epochs(tmp_path):
    with pytest.raises(FileNotFoundError, match="no complete checkpoint"):
        dcgan_quality.common_epoch(tmp_path / "nothing", tmp_path / "nothing_either")


def test_the_quality_table_scores_each_shipped_generator_and_names_the_missing_ones():
    from autoaegan.data.fashion_mnist import load_fashion_mnist
    from benchmarks import generative_quality

    rng = np.random.default_rng(0)
    test_images = load_fashion_mnist().test_images

    def real_like():
        return lambda seed, n: test_images[np.random.default_rng(seed).choice(len(test_images), n)] / 255.0

    def noise():
        return lambda seed, n: rng.random((n, 28, 28))

    generators = (
        ("variational_autoencoder", "real test images", "06", real_like),
        ("dense_gan", "uniform noise", "07", noise),
        ("no_such_model", "a missing one", "99", noise),
    )
    results = generative_quality.measure(n=300, seeds=(1, 2), generators=generators)
    real, random = results["rows"]
    assert [r["name"] for r in results["rows"]] == ["real test images", "uniform noise"]
    assert [m["name"] for m in results["missing"]] == ["no_such_model"]
    assert len(real["runs"]) == 2 and real["mean"]["fd"] < random["mean"]["fd"] / 10
    assert real["mean"]["covered"] == 10 and random["mean"]["recall"] < real["mean"]["recall"]
    text = generative_quality.to_markdown(results)
    assert "| real test images (06) |" in text and "| real vs real (floor) |" in text
    assert "| a missing one: not shipped yet |" in text

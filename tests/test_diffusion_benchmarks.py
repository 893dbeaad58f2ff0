"""Chapter 12's measurements: the `diffusion_sampling` recording, the diffusion row of the quality table (scored
alone and merged), the sampling budgets and the FD curve in the README; each run small, on a tiny untrained U-Net
or on the shipped weights. The figures themselves are the full runs'."""

import functools
import json
import math

import numpy as np
import pytest

from autoaegan.experiments import diffusion_sampling as ds
from autoaegan.experiments.shipped_generators import SHIPPED_GENERATORS, DiffusionImages, shipped_generator
from autoaegan.models.diffusion import DDIM_STEPS, STEPS, variance_schedule
from autoaegan.models.diffusion_unet import build_unet
from autoaegan.pretrained import Manifest, read_manifest
from autoaegan.recordings import load_recording
from benchmarks import diffusion_budgets, diffusion_curve, generative_quality

HEADLINE = {"fd", "kid", "precision", "recall", "covered", "entropy"}
SAMPLER_KEYS = {"sampler", "steps", "eta", "seconds_64", "seconds_n", *HEADLINE}
MODEL_KEYS = {"pretrained", "label", "chapter", "train_seconds", "train_cpu_seconds", "sample_seconds_2000"}


# DDPM walks every step of its schedule: 20, not 1,000, keeps the tests short.
SHORT = variance_schedule("cosine", 20)


@pytest.fixture(scope="module")
def tiny_denoiser():
    """An untrained U-Net of the shipped one's inputs and outputs, cheap to run (it predicts ε̂ = 0)."""
    return build_unet((8, 16))


def assert_sampler_rows(rows, ddim_steps, total=STEPS):
    assert [(row["sampler"], row["steps"]) for row in rows] == [*(("ddim", s) for s in ddim_steps), ("ddpm", total)]
    for row in rows:
        assert set(row) == SAMPLER_KEYS
        assert row["eta"] == (1.0 if row["sampler"] == "ddpm" else 0.0)
        assert row["seconds_64"] > 0 and row["seconds_n"] > 0
        assert math.isfinite(row["fd"]) and row["fd"] > 0 and 0 <= row["covered"] <= 10
    ddpm, fewest = rows[-1], rows[0]
    assert ddpm["seconds_64"] > fewest["seconds_64"], "all T steps must take longer than a few"


# --------------------------------------------------------------------------------------------- the shared generators
def test_every_shipped_generator_is_listed_once_with_its_chapter():
    assert list(SHIPPED_GENERATORS) == [
        "variational_autoencoder",
        "dense_gan",
        "dcgan",
        "progan",
        "stylegan",
        "diffusion",
    ]
    diffusion = shipped_generator("diffusion")
    assert diffusion.chapter == "12" and f"DDIM {DDIM_STEPS} steps" in diffusion.label
    with pytest.raises(ValueError, match="no shipped generative model 'vae'; the models: variational_autoencoder"):
        shipped_generator("vae")


def test_the_diffusion_generator_makes_the_same_images_for_a_seed(tiny_denoiser):
    make_images = DiffusionImages(tiny_denoiser, steps=3, jit_compile=False)
    make_images.warm_up(5)
    first, again, other = make_images(1, 5), make_images(1, 5), make_images(2, 5)
    assert first.shape == (5, 28, 28) and first.min() >= 0 and first.max() <= 1
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_the_quality_table_lists_the_diffusion_model_after_the_others():
    names = [name for name, *_ in generative_quality.GENERATORS]
    assert names == ["variational_autoencoder", "dense_gan", "dcgan", "progan", "stylegan", "diffusion"]
    assert all(len(entry) == 4 and callable(entry[3]) for entry in generative_quality.GENERATORS)


# -------------------------------------------------------------------------------------------- the sampling recording
def test_the_sampling_recording_times_and_scores_each_sampler_and_model(tiny_denoiser):
    weights = {"epochs": 0, "sha256": "untrained"}
    summary = ds.measure(
        tiny_denoiser,
        weights=weights,
        n=48,
        ddim_steps=(2, 5),
        models=("variational_autoencoder",),
        schedule=SHORT,
        jit_compile=False,
    )
    assert set(summary) == {"measured_at", "machine", "weights", "n", "floor", "samplers", "models"}
    assert summary["n"] == 48 and summary["weights"] == weights and summary["machine"]["cpus"] >= 1
    assert set(summary["floor"]) == HEADLINE and summary["floor"]["covered"] == 10
    assert_sampler_rows(summary["samplers"], (2, 5), SHORT.steps)
    assert all(row["fd"] > summary["floor"]["fd"] for row in summary["samplers"]), "noise is far from the test set"
    (vae,) = summary["models"]
    assert set(vae) == MODEL_KEYS and vae["sample_seconds_2000"] > 0
    assert (vae["pretrained"], vae["chapter"]) == ("variational_autoencoder", "06")
    assert vae["train_seconds"] == read_manifest("variational_autoencoder").train_seconds > 0
    assert vae["train_cpu_seconds"] is None, "the VAE's manifest records no CPU seconds"


def test_the_diffusion_model_row_reads_its_manifest_and_times_2000_images(tiny_denoiser):
    diffusion = ds.model_row("diffusion", DiffusionImages(tiny_denoiser, steps=2, jit_compile=False))
    assert set(diffusion) == MODEL_KEYS and diffusion["chapter"] == "12" and diffusion["sample_seconds_2000"] > 0
    settings = read_manifest("diffusion").settings
    assert diffusion["train_seconds"] == settings["train_seconds_total"]
    assert diffusion["train_cpu_seconds"] == settings["cpu_seconds_total"]


def test_the_sampling_recording_command_writes_its_quick_recording(tiny_denoiser, tmp_path, monkeypatch):
    monkeypatch.setattr(ds, "load_pretrained", lambda name: tiny_denoiser)
    monkeypatch.setattr(ds, "measure", functools.partial(ds.measure, schedule=SHORT, jit_compile=False))
    # --steps: DDIM within the short schedule's 20 steps
    assert ds.main(["--quick", "--steps", "2", "5", "--models", "dcgan", "--output", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "diffusion_sampling.json").read_text())
    assert summary["n"] == ds.QUICK_N and summary["settings"]["quick"] is True
    assert_sampler_rows(summary["samplers"], (2, 5), SHORT.steps)
    assert summary["samplers"][0]["seconds_n"] == summary["samplers"][0]["seconds_64"], "at N = 64 they are one run"
    assert [row["pretrained"] for row in summary["models"]] == ["dcgan"]
    assert summary["weights"]["sha256"] == read_manifest("diffusion").sha256
    with pytest.raises(ValueError, match="no shipped generative model 'nope'"):
        ds.main(["--models", "nope", "--output", str(tmp_path)])


def test_the_shipped_sampling_recording_measured_the_shipped_weights():
    summary = load_recording("diffusion_sampling")
    assert summary["weights"]["sha256"] == read_manifest("diffusion").sha256, (
        "the shipped diffusion weights changed: python -m autoaegan.recordings make diffusion_sampling"
    )
    assert ("ddim", DDIM_STEPS) in [(row["sampler"], row["steps"]) for row in summary["samplers"]]
    assert_sampler_rows(summary["samplers"], summary["settings"]["ddim_steps"])
    assert [row["pretrained"] for row in summary["models"]] == list(ds.COMPARED_MODELS)


# ------------------------------------------------------------------------------------- the quality table's new row
def test_one_row_of_the_quality_table_is_scored_alone_and_merged(tiny_denoiser, tmp_path, monkeypatch, capsys):
    from autoaegan.data.fashion_mnist import load_fashion_mnist

    test_images = load_fashion_mnist().test_images

    def real_like():
        return lambda seed, n: test_images[np.random.default_rng(seed).choice(len(test_images), n)] / 255.0

    def noise():
        return lambda seed, n: np.random.default_rng(seed).random((n, 28, 28))

    saved_generators = (
        ("variational_autoencoder", "real test images", "06", real_like),
        ("diffusion", "uniform noise", "12", noise),
    )
    saved = generative_quality.measure(n=100, generators=saved_generators)
    generative_quality.BENCHMARK.write({**saved, "seconds": 1.0}, tmp_path)
    generators = (
        saved_generators[0],
        ("diffusion", "tiny diffusion", "12", lambda: DiffusionImages(tiny_denoiser, steps=2, jit_compile=False)),
    )
    monkeypatch.setattr(generative_quality, "GENERATORS", generators)

    assert generative_quality.main(["--only", "diffusion", "--n", "100", "--output", str(tmp_path)]) == 0
    merged = json.loads((tmp_path / "generative_quality.json").read_text())
    assert [row["name"] for row in merged["rows"]] == ["real test images", "tiny diffusion"]
    assert merged["rows"][0] == saved["rows"][0], "the rows not asked for stay as they were"
    assert merged["measured_at"] == saved["measured_at"] and merged["floor"] == saved["floor"]
    assert merged["rows"][1]["mean"]["fd"] != saved["rows"][1]["mean"]["fd"]
    table = (tmp_path / "generative_quality.md").read_text()
    assert "| tiny diffusion (12) |" in table and "| real vs real (floor) |" in table
    assert table.strip() in capsys.readouterr().out

    with pytest.raises(ValueError, match="the saved table has n = 100, the new rows 50"):
        generative_quality.main(["--only", "diffusion", "--n", "50", "--output", str(tmp_path)])
    with pytest.raises(SystemExit):
        generative_quality.main(["--only", "vae", "--output", str(tmp_path)])
    assert "--only takes models of the table" in capsys.readouterr().err


def test_a_row_measured_on_another_day_says_so():
    saved = generative_quality.measure(n=100, seeds=(1,), generators=())
    row = {"name": "Diffusion", "chapter": "12", "pretrained": "diffusion", "measured_at": "2999-01-02T00:00:00+00:00"}
    stats = {key: 1.0 for key in HEADLINE}
    document = {**saved, "rows": [{**row, "mean": stats, "range": stats}], "floor": None}
    assert "; the Diffusion row 2999-01-02." in generative_quality.to_markdown(document)


# --------------------------------------------------------------------------------------------------- the budgets
def test_the_budgets_are_timed_for_a_first_call_and_warm(tiny_denoiser):
    results = diffusion_budgets.measure(tiny_denoiser, (8, 64), jit_compile=False)
    assert results["sampler"] == {"kind": "ddim", "steps": DDIM_STEPS, "eta": 0.0, "jit_compile": False}
    small, figure = results["rows"]
    assert (small["images"], small["goal_seconds"], small["goal_met"]) == (8, None, None)
    assert figure["images"] == 64 and figure["goal_seconds"] == diffusion_budgets.GOALS[64]
    for row in results["rows"]:
        assert row["seconds"] > 0 and row["compile_seconds"] > 0
        assert row["first_call_seconds"] == pytest.approx(row["compile_seconds"] + row["seconds"], abs=0.002)
    assert figure["goal_met"] == (figure["first_call_seconds"] <= figure["goal_seconds"])


def test_the_budgets_command_times_the_shipped_sampler_and_writes_the_readme_block(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(diffusion_budgets, "pick_cores", lambda count: None)  # never pin the test process itself
    code = diffusion_budgets.main(["--quick", "--output", str(tmp_path)])
    document = json.loads((tmp_path / "diffusion_budgets.json").read_text())
    (row,) = document["rows"]
    assert row["images"] == 64 and code == (0 if row["goal_met"] else 1)
    assert document["weights"]["sha256"] == read_manifest("diffusion").sha256
    table = (tmp_path / "diffusion_budgets.md").read_text()
    assert table.startswith("| images | first call (s) |") and "| 64 |" in table and "≤ 30 s" in table
    assert f"{DDIM_STEPS} DDIM steps" in table and table.strip() in capsys.readouterr().out


# -------------------------------------------------------------------------------------------------- the FD curve
def test_the_fd_curve_is_rendered_from_the_manifest_in_epoch_order():
    shipped = read_manifest("diffusion")
    points = [
        {
            "epoch": e,
            "images_seen": 54_912 * e,
            "train_seconds": 360.0 * e,
            "cpu_seconds": 700.0 * e,
            "fd": f,
            "covered": c,
        }
        for e, f, c in ((10, 80.5, 10), (5, 150.25, 7))
    ]
    manifest = Manifest(**{**vars(shipped), "metrics": {"fd_curve": points}, "settings": {"epochs": 10}})
    lines = diffusion_curve.markdown(manifest).splitlines()
    assert (
        "| 5 | 274,560 | 0.50 | 0.97 | 150.2 | 7/10 |" in lines
        and "| 10 | 549,120 | 1.00 | 1.94 | 80.5 | 10/10 |" in lines
    )
    assert lines.index("| 5 | 274,560 | 0.50 | 0.97 | 150.2 | 7/10 |") < lines.index(
        "| 10 | 549,120 | 1.00 | 1.94 | 80.5 | 10/10 |"
    )
    assert "after epoch 10." in lines[-1]
    empty = Manifest(**{**vars(shipped), "metrics": {}})
    assert "records no FD curve yet" in diffusion_curve.markdown(empty)

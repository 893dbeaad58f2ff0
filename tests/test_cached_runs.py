"""Benchmarks' saved runs (reused only with the same settings and companion files) and the sweeps using them."""

import importlib
import json
from pathlib import Path

import pytest

from benchmarks.cached_runs import earlier_result, machine, save_result


def test_a_saved_run_is_reused_only_with_the_same_settings_and_its_companions(tmp_path):
    path, samples = tmp_path / "runs" / "baseline_42.json", tmp_path / "runs" / "baseline_42_samples.npz"
    settings = {"fix": "baseline", "seed": 42, "epochs": 3}
    assert earlier_result(path, settings) is None, "nothing saved yet"
    save_result(path, {"settings": settings, "fd": 12.5})
    assert earlier_result(path, settings) == {"settings": settings, "fd": 12.5}
    assert earlier_result(path, {**settings, "epochs": 4}) is None, "other settings: the run must be made again"
    assert earlier_result(path, settings, samples) is None, "its samples are missing"
    samples.write_bytes(b"npz")
    assert earlier_result(path, settings, samples)["fd"] == 12.5


def test_a_result_without_its_settings_is_refused(tmp_path):
    with pytest.raises(ValueError, match="must hold its settings"):
        save_result(tmp_path / "run.json", {"fd": 1.0})
    assert not (tmp_path / "run.json").exists()


def test_the_machine_is_described():
    description = machine()
    assert description["cpus"] >= 1 and description["python"].count(".") == 2


@pytest.mark.parametrize("name", ["gan_fixes", "gan_sweep", "progressive_ablation"])
def test_each_sweeps_table_is_made_from_its_committed_summary(name):
    benchmarks = Path(__file__).resolve().parents[1] / "benchmarks"
    summary = json.loads((benchmarks / f"{name}.json").read_text())
    table = importlib.import_module(f"benchmarks.{name}").markdown(summary)
    assert table.strip() == (benchmarks / f"{name}.md").read_text().strip(), (
        f"benchmarks/{name}.md is not what markdown() makes of benchmarks/{name}.json: rerun the benchmark"
    )

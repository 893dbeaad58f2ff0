"""The recordings the appendix "Training fast on a CPU" reads are the benchmarks' own results, and load."""

import json
from pathlib import Path

import pytest

from autoaegan.recordings import RECORDINGS_DIR, keep_recording, load_recording
from benchmarks import dcgan_quality, dcgan_throughput, generative_quality, harness, run, time_to_quality

# recording name → the results file its benchmark writes by default (and copies into the recordings)
MIRRORED = {
    benchmark.recording: benchmark.json_file()
    for benchmark in (
        time_to_quality.BENCHMARK,
        dcgan_throughput.BENCHMARK,
        dcgan_quality.BENCHMARK,
        generative_quality.BENCHMARK,
        run.BENCHMARK,
    )
}


@pytest.mark.parametrize("name", sorted(MIRRORED))
def test_a_recording_equals_its_benchmarks_results(name):
    source = MIRRORED[name]
    assert source.is_file(), f"{source} is missing"
    assert load_recording(name) == json.loads(source.read_text()), (
        f"autoaegan/recordings/{name}.json differs from {source.relative_to(harness.ROOT)}: rerun the benchmark, "
        f"or copy the file into the recordings"
    )


def test_the_throughput_recording_holds_what_the_appendix_plots():
    recorded = load_recording("dcgan_throughput")
    assert recorded["limit_images_per_second"] > 0 and recorded["flops_per_image"] > 0
    names = [row["name"] for row in recorded["rows"]]
    assert recorded["chapter"] in names
    assert all(row["images_per_second"] > 0 for row in recorded["rows"])
    assert {row["jit_compile"] for row in recorded["rows"]} == {True, False}  # the XLA comparison
    for speeds in recorded["layer_speeds"].values():
        assert all(speed["gflops"] > 0 and speed["macs_per_image"] > 0 for speed in speeds)


def test_the_time_to_quality_recording_has_a_curve_per_run():
    recorded = load_recording("time_to_quality")
    assert recorded["models"]
    for entry in recorded["models"].values():
        runs = [entry["baseline"], *entry["package"]]
        for one in runs:
            seconds = [epoch["seconds"] for epoch in one["epochs"]]
            assert seconds == sorted(seconds) and all(epoch["val_mse"] > 0 for epoch in one["epochs"])
        assert all("reached_target_at" in one for one in entry["package"])


def test_the_chapter_benchmarks_recording_has_budgets_and_every_chapter():
    recorded = load_recording(run.BENCHMARK.recording)
    target = recorded["targets"][recorded["profile"]]
    assert target["seconds"] > 0 and target["bytes"] > 0
    notebooks = [row for row in recorded["results"] if row["kind"] == "notebook"]
    assert notebooks and all(row["wall_seconds"] > 0 and row["peak_rss_bytes"] > 0 for row in notebooks)


def test_keep_recording_copies_only_the_default_output(tmp_path):
    default = tmp_path / "benchmarks" / "speed.json"
    default.parent.mkdir()
    default.write_text('{"images_per_second": 1}\n')
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    trial = tmp_path / "trial.json"
    trial.write_text('{"images_per_second": 2}\n')

    assert keep_recording(trial, default, directory=recordings) is None
    assert not list(recordings.iterdir())

    copy = keep_recording(default, default, directory=recordings)
    assert copy == recordings / "speed.json" and copy.read_bytes() == default.read_bytes()
    renamed = keep_recording(
        default.parent / ".." / "benchmarks" / "speed.json", default, "renamed", directory=recordings
    )
    assert renamed == recordings / "renamed.json" and json.loads(renamed.read_text()) == {"images_per_second": 1}


def test_a_missing_recording_names_the_ones_there():
    with pytest.raises(FileNotFoundError, match="time_to_quality"):
        load_recording("no_such_recording")
    assert Path(RECORDINGS_DIR, "chapter_benchmarks.json").is_file()

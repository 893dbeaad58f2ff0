"""Experiments' saved runs (reused only with the same settings and companion files) and the recordings they make."""

import importlib.util

import pytest

from autoaegan.experiments.cached_runs import earlier_result, save_result, write_summary
from autoaegan.recordings import MADE_BY, RECORDINGS_DIR, load_recording
from autoaegan.recordings.__main__ import PRODUCERS
from autoaegan.recordings.__main__ import main as recordings_command
from autoaegan.recordings.measurement import machine
from benchmarks import recorded_tables


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


def test_a_summary_is_written_as_a_recording(tmp_path):
    path = write_summary(tmp_path / "recordings", "sweep", {"measured_at": "2026-12-04T17:56:19+00:00", "cells": []})
    assert path == tmp_path / "recordings" / "sweep.json" and '"cells": []' in path.read_text()


@pytest.mark.parametrize("name", ["gan_fixes", "gan_sweep", "progressive_ablation"])
def test_each_recording_has_its_producer_and_its_table(name):
    assert name in PRODUCERS, f"`python -m autoaegan.recordings make {name}` should make the recording"
    table = recorded_tables.table_of(name)
    summary = load_recording(name)
    assert table.startswith("# Chapter") and summary["measured_at"] in table
    assert f"N = {summary['settings']['n']:,}" in table


def test_every_recording_names_the_command_that_makes_it():
    shipped = {path.stem for path in RECORDINGS_DIR.glob("*.json")}
    assert shipped == set(MADE_BY), f"recordings without a MADE_BY command: {sorted(shipped - set(MADE_BY))}; " + (
        f"commands for no recording: {sorted(set(MADE_BY) - shipped)}"
    )
    for name, module in PRODUCERS.items():
        assert MADE_BY[name] == f"python -m autoaegan.recordings make {name}", (name, MADE_BY[name])
        assert importlib.util.find_spec(module) is not None, f"the producer of {name} ({module}) should exist"


def test_the_recordings_command_lists_every_recording_and_refuses_an_unknown_one(capsys):
    assert recordings_command(["list"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{name}: {command}" for name, command in sorted(MADE_BY.items())]
    with pytest.raises(SystemExit):
        recordings_command(["make", "no_such_recording"])
    assert "invalid choice" in capsys.readouterr().err

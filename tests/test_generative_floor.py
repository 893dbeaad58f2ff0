"""The floor benchmark: it measures, writes its JSON file and prints the figures (run here at a small N)."""

import json

from autoaegan.metrics.evaluation import format_figure
from benchmarks import generative_floor


def test_the_floor_benchmark_writes_and_prints_its_figures(tmp_path, capsys):
    assert generative_floor.main(["--n", "300", "--seed", "3", "--output", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "generative_floor.json").read_text())
    assert results["n"] == 300 and results["seed"] == 3
    floor = results["floor"]
    assert set(floor) == {"fd", "kid", "precision", "recall", "coverage"}
    assert floor["fd"] > 0 and 0 < floor["precision"] <= 1 and floor["coverage"]["covered"] == 10
    assert results["classifier"]["test_accuracy_measured"] >= 0.92
    assert results["cost"]["floor_cold"]["seconds"] > 0 and results["cost"]["generated_set_warm"]["peak_rss_mib"] > 0
    printed = capsys.readouterr().out
    assert "real vs real" in printed and format_figure(floor["fd"]) in printed and "test accuracy" in printed

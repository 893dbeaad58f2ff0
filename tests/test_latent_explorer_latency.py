"""The latent explorer's latency benchmark: its plumbing on a few moves (the figures themselves are the benchmark's)."""

import json

from benchmarks import latent_explorer_latency as latency


def test_a_short_run_writes_the_figures_and_the_readme_block(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(latency, "pick_cores", lambda count: None)  # never pin the test process itself
    code = latency.main(["--repetitions", "5", "--warmup", "1", "--scale", "2", "--output", str(tmp_path)])
    document = json.loads((tmp_path / "latent_explorer_latency.json").read_text())
    assert code == (0 if document["results"]["slider move"]["p95_ms"] < latency.TARGET_MS else 1)
    assert document["latent_dim"] == 10 and document["sliders"] == 10 and document["repetitions"] == 5
    assert "variational_autoencoder" in document["model"]
    assert document["image_pixels"] == "56×56"
    for figures in document["results"].values():
        assert 0 < figures["median_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    table = (tmp_path / "latent_explorer_latency.md").read_text()
    assert table.startswith("| one slider move, latent-10 VAE decoder |")
    assert "| slider move |" in table and "< 100 ms" in table
    assert table.strip() in capsys.readouterr().out


def test_percentiles():
    figures = latency.percentiles([float(value) for value in range(1, 101)])
    assert figures["median_ms"] == 50.5 and figures["max_ms"] == 100.0
    assert 95.0 <= figures["p95_ms"] <= 96.0

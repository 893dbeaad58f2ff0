"""The benchmark runner's pieces, on small commands and a tiny generated notebook."""

import json
import os
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from benchmarks import run as bench
from benchmarks.process_memory import pick_cores, run_sampled

MIB = 1024**2


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def tiny_notebook(path, *cells):
    notebook = new_notebook(cells=[new_code_cell(source) for source in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(notebook, path)
    return path


def test_a_process_peak_memory_and_wall_time_are_measured():
    run = run_sampled(python("import numpy, time; x = numpy.ones(25_000_000); time.sleep(0.3); print('done')"))
    assert run.returncode == 0 and run.stdout.strip() == "done"
    assert run.wall_seconds >= 0.3
    assert 200 * MIB < run.peak_rss_bytes < 1024 * MIB  # 25 million float64 are 191 MiB, plus Python and numpy


def test_only_the_descendants_are_measured_when_asked():
    # The parent holds 300 MB; its child holds 100 MB: only the child must count.
    child = "import numpy, time; x = numpy.ones(12_500_000); time.sleep(1.0)"
    parent = (
        f"import numpy, subprocess, sys; x = numpy.ones(37_500_000); subprocess.run([sys.executable, '-c', {child!r}])"
    )
    run = run_sampled(python(parent), descendants_only=True, interval=0.05)
    assert run.returncode == 0
    assert 95 * MIB < run.peak_rss_bytes < 280 * MIB


def test_a_command_over_its_timeout_is_killed():
    run = run_sampled(python("import time; time.sleep(30)"), timeout=0.5)
    assert run.timed_out and run.returncode != 0
    assert run.wall_seconds < 10


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="CPU affinity is Linux-only")
def test_a_command_runs_on_the_cores_it_is_given():
    cores = pick_cores(1)
    assert len(cores) == 1
    run = run_sampled(python("import os; print(sorted(os.sched_getaffinity(0)))"), cores=cores)
    assert json.loads(run.stdout) == cores
    with pytest.raises(ValueError, match="at least 1"):
        pick_cores(0)


def test_the_verdict_compares_with_both_targets():
    def measured(seconds, mib):
        return bench.Measurement("x.ipynb", "notebook", "classroom", seconds, mib * MIB, 300.0, 1536 * MIB)

    assert measured(120, 900).verdict == "pass"
    assert measured(301, 900).verdict == "over: time"
    assert measured(120, 1600).verdict == "over: memory"
    assert measured(400, 2000).verdict == "over: time, memory"
    assert bench.Measurement("x.ipynb", "notebook", "full", 999, 9999 * MIB).verdict == "—"
    assert bench.Measurement("x.ipynb", "notebook", "test", 1, MIB, error="ValueError: no").verdict == "error"


def test_an_update_replaces_the_measured_rows_and_keeps_the_others(tmp_path):
    def row(name, seconds, when, kind="notebook"):
        return bench.Measurement(
            name, kind, "classroom" if kind == "notebook" else None, seconds, MIB, measured_at=when
        )

    old = [
        row("loader", 1.0, "2026-11-01T00:00:00+00:00", "loader"),
        row("01_a.ipynb", 10.0, "2026-11-01T00:00:00+00:00"),
        row("07_g.ipynb", 90.0, "2026-11-01T00:00:00+00:00"),
    ]
    bench.write_results(old, tmp_path, profile="classroom", cores=[0])
    previous = bench.read_results(tmp_path)
    assert [m.name for m in previous] == ["loader", "01_a.ipynb", "07_g.ipynb"]

    merged = bench.merge_results(
        previous,
        [row("07_g.ipynb", 80.0, "2026-11-25T00:00:00+00:00"), row("03_c.ipynb", 30.0, "2026-11-25T00:00:00+00:00")],
    )
    assert [(m.name, m.wall_seconds) for m in merged] == [
        ("loader", 1.0),
        ("01_a.ipynb", 10.0),
        ("03_c.ipynb", 30.0),
        ("07_g.ipynb", 80.0),
    ]
    bench.write_results(merged, tmp_path, profile="classroom", cores=[0])
    assert "Measured 2026-11-01 to 2026-11-25" in (tmp_path / "chapters.md").read_text()
    assert json.loads((tmp_path / "chapters.json").read_text())["measured_at"] == "2026-11-25T00:00:00+00:00"


def test_the_runner_measures_a_notebook_and_writes_the_tables(tmp_path, capsys):
    source = tiny_notebook(
        tmp_path / "tiny.ipynb",
        "import numpy\nx = numpy.ones(20_000_000)  # 153 MiB held by the kernel",
        "import os\nprint(os.environ['AUTOAEGAN_PROFILE'], os.environ['AUTOAEGAN_NO_DOWNLOAD'])",
    )
    output, work = tmp_path / "results", tmp_path / "work"

    status = bench.main(
        [
            "--profile",
            "test",
            "--notebooks",
            str(source),
            "--no-loader",
            "--output",
            str(output),
            "--work-dir",
            str(work),
        ]
    )

    assert status == 0
    results = json.loads((output / "chapters.json").read_text())
    assert results["profile"] == "test" and results["machine"]["cores_used"] >= 1
    (row,) = results["results"]
    assert row["name"] == "tiny.ipynb" and row["error"] is None
    assert row["wall_seconds"] > 0
    assert row["peak_rss_bytes"] > 150 * MIB  # the kernel's memory, not the runner's
    # The executed copy is in the work folder, never beside the notebook.
    assert sorted(path.name for path in tmp_path.glob("*.ipynb")) == ["tiny.ipynb"]
    executed = nbformat.read(work / "test" / "tiny.ipynb", as_version=4)
    assert executed.cells[1].outputs[0]["text"] == "test 1\n"
    table = (output / "chapters.md").read_text().splitlines()
    assert table[0] == "| Benchmark | Profile | Wall time (s) | Peak RSS (MiB) | Target | Result |"
    assert table[2].startswith("| tiny.ipynb | test | ")
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed == table[: len(printed)] and len(printed) == 3  # one table: header, rule, one row


def test_a_failing_notebook_is_reported_as_an_error(tmp_path):
    source = tiny_notebook(tmp_path / "broken.ipynb", "raise ValueError('broken on purpose')")
    measurement = bench.measure_notebook(source, profile="classroom", work_dir=tmp_path / "work")
    assert measurement.error == "ValueError: broken on purpose"
    assert measurement.verdict == "error"
    assert measurement.target_seconds == 300 and measurement.target_bytes == int(1.5 * 1024**3)
    assert "| broken.ipynb | classroom |" in bench.markdown_table([measurement])
    assert "- broken.ipynb: ValueError: broken on purpose" in bench.markdown_table([measurement])


def test_the_loader_measurement_reads_the_child_report(monkeypatch):
    script = "import json; print(json.dumps({'seconds': 0.25, 'peak_rss_bytes': 3 * 1024**3, 'source': '/x'}))"
    monkeypatch.setattr(bench, "_LOADER_SCRIPT", script)
    measurement = bench.measure_loader()
    assert measurement.kind == "loader" and measurement.error is None
    assert measurement.wall_seconds == 0.25
    assert measurement.peak_rss_bytes == 3 * 1024**3  # the child's own high-water mark beats the samples


def test_the_loader_without_data_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOAEGAN_DATA", str(tmp_path / "no_data_here"))
    measurement = bench.measure_loader()
    assert measurement.verdict == "error"
    assert "DataNotFoundError" in measurement.error and "no_data_here" in measurement.error


def test_notebooks_are_found_by_chapter_number_and_missing_ones_named():
    assert bench.resolve_notebooks(["00"]) == [bench.COURSE / "00_start_here.ipynb"]
    with pytest.raises(FileNotFoundError, match="no_such_chapter.ipynb"):
        bench.resolve_notebooks(["00", "no_such_chapter.ipynb"])
